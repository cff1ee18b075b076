/* Command-line parsing. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ovlrun/supervisor.h"

#ifndef OVLRUN_VERSION
#define OVLRUN_VERSION "0.1.0"
#endif

void options_usage(FILE *out)
{
	fputs("usage: ovlrun --lower=DIR[:DIR...] [--upper=DIR [--work=DIR] | --tmp-upper]\n"
	      "              [OPTIONS] -- CMD [ARGS...]\n"
	      "Run CMD with / an overlay of the lower dirs (leftmost on top) and the upper dir.\n"
	      "  --lower=DIRS      read-only layers, colon-separated, top first\n"
	      "  --upper=DIR       writable layer (created if missing); without it / is read-only\n"
	      "  --work=DIR        work dir on the upper's filesystem (default: hidden sibling of upper)\n"
	      "  --index=on|off    off (default): as the kernel's index=off; on: hard links\n"
	      "                    of lowers stay one file across copy-up (the index is kept\n"
	      "                    in the work dir, which then outlives the run)\n"
	      "  --lower-format=kernel|oci  kernel (default): whiteouts are 0/0 char devices;\n"
	      "                    oci: the lowers are OCI image layers as unpacked (.wh.NAME\n"
	      "                    whiteouts, .wh..wh..opq opaque dirs)\n"
	      "  --lower=oci:DIR[:TAG]  the layers of the OCI image layout DIR (the manifest\n"
	      "                    tagged TAG), unpacked once into the cache\n"
	      "  --oci-cache=DIR   where image layers are unpacked (default "
	      OVLRUN_OCI_CACHE_DEFAULT ")\n"
	      "  --tmp-upper[=SIZE] a writable layer of our own, removed when ovlrun exits;\n"
	      "                    with SIZE (e.g. 512M, 2G) on a tmpfs of that size\n"
	      "  --allow-shared-upper  run a root command on an upper other host users can reach\n"
	      "  --net=none|host   none (default): own network namespace with only lo up;\n"
	      "                    host: the host's network\n"
	      "  --shm-size=SIZE   size of the sandbox's /dev/shm (default 64M)\n"
	      "  --bind=SRC:DST    host path SRC visible read-write at DST inside\n"
	      "  --ro-bind=SRC:DST the same, read-only\n"
	      "  --chdir=DIR       start CMD in DIR (default /)\n"
	      "  --setenv=K=V      set K in CMD's environment (default: ovlrun's own)\n"
	      "  --unsetenv=K      remove K from CMD's environment\n"
	      "  --uid=N --gid=N   run CMD with these ids (supplementary groups: just gid)\n"
	      "  -v, --trace       print each trapped syscall to stderr as strace does:\n"
	      "                    [pid N] name(args) = N, or -1 ENAME (text) (also --verbose)\n"
	      "  --stats           at exit, print to stderr per trapped syscall: calls,\n"
	      "                    errors, total and median time in the supervisor\n"
	      "  -h, --help    this text\n"
	      "  --version     print the version\n"
	      "Exit status: the command's (128+N if killed by signal N), 125 if ovlrun\n"
	      "itself fails, 126 if CMD is not executable, 127 if it is not found.\n", out);
}

bool options_lower_format(const char *arg)
{
	if (strcmp(arg, "kernel") && strcmp(arg, "oci"))
		die_setup("--lower-format=%s: expected kernel or oci", arg);
	return !strcmp(arg, "oci");
}

static int split_lowers(char *spec, struct options *o)
{
	for (char *save = NULL, *tok = strtok_r(spec, ":", &save); tok;
	     tok = strtok_r(NULL, ":", &save)) {
		if (o->nlower == OVL_MAX_LOWER)
			die_setup("--lower: more than %d lower dirs (the most overlayfs stacks)",
				  OVL_MAX_LOWER);
		o->lower[o->nlower++] = tok;
	}
	if (!o->nlower)
		die_setup("--lower: no directory given");
	return 0;
}

/* N, NK, NM, NG (powers of 1024); at least one page. */
static unsigned long long parse_size(const char *what, const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (errno || end == s || *end || s[0] == '-' || v == 0 || v > (1ULL << 50) >> shift ||
	    (v << shift) < 4096)
		die_setup("%s=%s: expected a size such as 64M or 2G (at least 4K)", what, s);
	return v << shift;
}

static long parse_id(const char *what, const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v >= 4294967295L)
		die_setup("%s=%s: expected a number", what, s);
	return v;
}

/* SRC:DST, both absolute; SRC opened later, before any mount. */
static void add_bind(struct options *o, char *spec, bool ro)
{
	char *colon = strchr(spec, ':');
	if (!colon || spec[0] != '/' || colon[1] != '/')
		die_setup("--%s=%s: expected /SRC:/DST", ro ? "ro-bind" : "bind", spec);
	if (o->nbind == OVLRUN_MAX_BINDS)
		die_setup("more than %d bind mounts", OVLRUN_MAX_BINDS);
	*colon = 0;
	o->bind[o->nbind++] = (struct bind_opt){ .src = spec, .dst = colon + 1, .ro = ro };
}

int options_parse(int argc, char **argv, struct options *o)
{
	enum { OPT_LOWER = 256, OPT_UPPER, OPT_WORK, OPT_VERSION, OPT_TMP_UPPER, OPT_BIND,
	       OPT_RO_BIND, OPT_CHDIR, OPT_SETENV, OPT_UNSETENV, OPT_UID, OPT_GID, OPT_NET,
	       OPT_SHM_SIZE, OPT_ALLOW_SHARED_UPPER, OPT_STATS, OPT_INDEX, OPT_LOWER_FORMAT,
	       OPT_OCI_CACHE };
	static const struct option longopts[] = {
		{ "lower", required_argument, NULL, OPT_LOWER },
		{ "upper", required_argument, NULL, OPT_UPPER },
		{ "work", required_argument, NULL, OPT_WORK },
		{ "index", required_argument, NULL, OPT_INDEX },
		{ "lower-format", required_argument, NULL, OPT_LOWER_FORMAT },
		{ "oci-cache", required_argument, NULL, OPT_OCI_CACHE },
		{ "tmp-upper", optional_argument, NULL, OPT_TMP_UPPER },
		{ "allow-shared-upper", no_argument, NULL, OPT_ALLOW_SHARED_UPPER },
		{ "net", required_argument, NULL, OPT_NET },
		{ "shm-size", required_argument, NULL, OPT_SHM_SIZE },
		{ "bind", required_argument, NULL, OPT_BIND },
		{ "ro-bind", required_argument, NULL, OPT_RO_BIND },
		{ "chdir", required_argument, NULL, OPT_CHDIR },
		{ "setenv", required_argument, NULL, OPT_SETENV },
		{ "unsetenv", required_argument, NULL, OPT_UNSETENV },
		{ "uid", required_argument, NULL, OPT_UID },
		{ "gid", required_argument, NULL, OPT_GID },
		{ "verbose", no_argument, NULL, 'v' },
		{ "trace", no_argument, NULL, 'v' },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->uid = o->gid = -1;
	o->shm_size = OVLRUN_SHM_SIZE_DEFAULT;
	opterr = 0;  /* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, "+:hv", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_LOWER:
			/* an image is one entry: its spec has colons of its own */
			if (!strncmp(optarg, "oci:", 4) && o->nlower < OVL_MAX_LOWER)
				o->lower[o->nlower++] = optarg;
			else
				split_lowers(optarg, o);
			break;
		case OPT_UPPER:
			o->upper = optarg;
			break;
		case OPT_INDEX:
			if (strcmp(optarg, "on") && strcmp(optarg, "off"))
				die_setup("--index=%s: expected on or off", optarg);
			o->index = !strcmp(optarg, "on");
			break;
		case OPT_WORK:
			o->work = optarg;
			break;
		case OPT_OCI_CACHE:
			o->oci_cache = optarg;
			break;
		case OPT_LOWER_FORMAT:
			o->lower_oci = options_lower_format(optarg);
			break;
		case OPT_TMP_UPPER:
			o->tmp_upper = true;
			if (optarg)
				o->tmp_upper_size = parse_size("--tmp-upper", optarg);
			break;
		case OPT_ALLOW_SHARED_UPPER:
			o->allow_shared_upper = true;
			break;
		case OPT_NET:
			if (strcmp(optarg, "none") && strcmp(optarg, "host"))
				die_setup("--net=%s: expected none or host", optarg);
			o->net_host = !strcmp(optarg, "host");
			break;
		case OPT_SHM_SIZE:
			o->shm_size = parse_size("--shm-size", optarg);
			break;
		case OPT_BIND:
		case OPT_RO_BIND:
			add_bind(o, optarg, c == OPT_RO_BIND);
			break;
		case OPT_CHDIR:
			if (optarg[0] != '/')
				die_setup("--chdir=%s: the path must be absolute", optarg);
			o->chdir = optarg;
			break;
		case OPT_SETENV:
		case OPT_UNSETENV:
			if ((c == OPT_SETENV) != (strchr(optarg, '=') != NULL) || optarg[0] == '=')
				die_setup("--%s=%s: expected %s", c == OPT_SETENV ? "setenv" : "unsetenv",
					  optarg, c == OPT_SETENV ? "NAME=VALUE" : "NAME");
			if (o->nenv == OVLRUN_MAX_ENV)
				die_setup("more than %d --setenv/--unsetenv", OVLRUN_MAX_ENV);
			o->env[o->nenv++] = optarg;
			break;
		case OPT_UID:
			o->uid = parse_id("--uid", optarg);
			break;
		case OPT_GID:
			o->gid = parse_id("--gid", optarg);
			break;
		case 'v':
			o->trace = true;
			break;
		case OPT_STATS:
			o->stats = true;
			break;
		case 'h':
			options_usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("ovlrun %s\n", OVLRUN_VERSION);
			exit(0);
		case ':':
			die_setup("option %s needs an argument (see --help)", argv[optind - 1]);
		default:
			die_setup("unknown option %s (see --help)", argv[optind - 1]);
		}
	}
	oci_cache_check(o);
	if (!o->nlower)
		die_setup("--lower is required (see --help)");
	if (optind >= argc)
		die_setup("no command given (see --help)");
	if (o->work && !o->upper)
		die_setup("--work needs --upper");
	if (o->index && !o->upper && !o->tmp_upper)
		die_setup("--index=on needs a writable layer (--upper or --tmp-upper)");
	if (o->tmp_upper && o->upper)
		die_setup("--tmp-upper and --upper exclude each other");
	o->argv = argv + optind;
	return 0;
}
