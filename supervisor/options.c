/* Command-line parsing. */
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
	fputs("usage: ovlrun --lower=DIR[:DIR...] [--upper=DIR [--work=DIR]] -- CMD [ARGS...]\n"
	      "Run CMD with / an overlay of the lower dirs (leftmost on top) and the upper dir.\n"
	      "  --lower=DIRS  read-only layers, colon-separated, top first\n"
	      "  --upper=DIR   writable layer (created if missing); without it / is read-only\n"
	      "  --work=DIR    work dir on the upper's filesystem (default: hidden sibling of upper)\n"
	      "  -v, --verbose log each trapped syscall to stderr\n"
	      "  -h, --help    this text\n"
	      "  --version     print the version\n"
	      "Exit status: the command's (128+N if killed by signal N), 125 if ovlrun\n"
	      "itself fails, 126 if CMD is not executable, 127 if it is not found.\n", out);
}

static int split_lowers(char *spec, struct options *o)
{
	for (char *save = NULL, *tok = strtok_r(spec, ":", &save); tok;
	     tok = strtok_r(NULL, ":", &save)) {
		if (o->nlower == OVL_MAX_LOWER)
			die_setup("--lower: more than %d layers", OVL_MAX_LOWER);
		o->lower[o->nlower++] = tok;
	}
	if (!o->nlower)
		die_setup("--lower: no directory given");
	return 0;
}

int options_parse(int argc, char **argv, struct options *o)
{
	enum { OPT_LOWER = 256, OPT_UPPER, OPT_WORK, OPT_VERSION };
	static const struct option longopts[] = {
		{ "lower", required_argument, NULL, OPT_LOWER },
		{ "upper", required_argument, NULL, OPT_UPPER },
		{ "work", required_argument, NULL, OPT_WORK },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	opterr = 0;  /* one line of our own instead of getopt's */
	while ((c = getopt_long(argc, argv, "+:hv", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_LOWER:
			split_lowers(optarg, o);
			break;
		case OPT_UPPER:
			o->upper = optarg;
			break;
		case OPT_WORK:
			o->work = optarg;
			break;
		case 'v':
			o->verbose = true;
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
	if (!o->nlower)
		die_setup("--lower is required (see --help)");
	if (optind >= argc)
		die_setup("no command given (see --help)");
	if (o->work && !o->upper)
		die_setup("--work needs --upper");
	o->argv = argv + optind;
	return 0;
}
