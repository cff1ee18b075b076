/* The subcommands on an upper: their arguments, the upper and its lowers
 * opened read-only, one of upper_diff / upper_export / upper_commit. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "ovlrun/supervisor.h"
#include "upper_tools.h"

static const char *const tools[] = { "diff", "commit", "export" };

bool upper_tool_named(const char *arg)
{
	for (size_t i = 0; arg && i < sizeof(tools) / sizeof(*tools); i++)
		if (!strcmp(arg, tools[i]))
			return true;
	return false;
}

static void usage(FILE *out)
{
	fputs("usage: ovlrun diff UPPER [--lower=DIR[:DIR...]] [OPTIONS] [--stat]\n"
	      "       ovlrun export UPPER [--lower=DIR[:DIR...]] [OPTIONS] > layer.tar\n"
	      "       ovlrun commit UPPER --lower=DIR [OPTIONS]\n"
	      "OPTIONS: --lower-format=oci (the lowers' whiteouts), --userxattr (a rootless\n"
	      "run's upper: user.overlay.* xattrs; the default when not run by root)\n"
	      "diff lists what the upper changed over the lowers (A added, C changed,\n"
	      "D deleted); export writes it as an OCI layer tarball (.wh. whiteouts);\n"
	      "commit applies it to DIR (a writable copy of the one lower), then\n"
	      "empties the upper.\n", out);
}

int upper_xattrs(const char *private, int dirfd, const char *name, upper_xattr_fn fn, void *ctx)
{
	size_t plen = private ? strlen(private) : 0;
	char proc[64 + NAME_MAX], *list = malloc(65536), *val = malloc(65536);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", dirfd, name);
	ssize_t n = list && val ? llistxattr(proc, list, 65536) : (errno = ENOMEM, -1);
	int err = n < 0 && errno != ENOTSUP ? -errno : 0;
	for (ssize_t i = 0; !err && i < n; i += (ssize_t)strlen(list + i) + 1) {
		const char *x = list + i;
		if (plen && !strncmp(x, private, plen))
			continue;
		ssize_t v = lgetxattr(proc, x, val, 65536);
		if (v >= 0)
			err = fn(ctx, x, val, (size_t)v);
		else if (errno != ENODATA)
			err = -errno;
	}
	free(list);
	free(val);
	return err;
}

const char *upper_link_first(struct upper_link **links, const struct stat *st, const char *name)
{
	if (!S_ISREG(st->st_mode) || st->st_nlink < 2)
		return NULL;
	for (struct upper_link *l = *links; l; l = l->next)
		if (l->dev == st->st_dev && l->ino == st->st_ino)
			return l->name;
	struct upper_link *l = malloc(sizeof(*l));
	char *copy = l ? strdup(name) : NULL;
	if (!copy) {
		free(l);
		return NULL;    /* (without memory: written again, not linked) */
	}
	*l = (struct upper_link){ .dev = st->st_dev, .ino = st->st_ino, .name = copy, .next = *links };
	*links = l;
	return NULL;
}

void upper_links_free(struct upper_link *links)
{
	for (struct upper_link *l = links, *next; l; l = next) {
		next = l->next;
		free(l->name);
		free(l);
	}
}

static int view_open(struct upper_view *v)
{
	struct ovl_config cfg = { .upper_fd = -1, .work_fd = -1 };
	v->upper_fd = open(v->upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (v->upper_fd < 0) {
		fprintf(stderr, "ovlrun: upper %s: open: %s\n", v->upper, strerror(errno));
		return -errno;
	}
	/* the lock a run holds on its upper (upper.c): not while one runs */
	if (flock(v->upper_fd, LOCK_EX | LOCK_NB)) {
		fprintf(stderr, "ovlrun: upper %s: flock: %s\n", v->upper,
			errno == EWOULDBLOCK ? "in use by a running ovlrun" : strerror(errno));
		return -EBUSY;
	}
	v->lowers_known = v->nlower > 0;
	if (!v->lowers_known) {
		/* no lowers to tell against: an empty one, origins decide */
		const char *tmp = getenv("TMPDIR");
		snprintf(v->placeholder, sizeof(v->placeholder), "%s/ovlrun-none.XXXXXX",
			 tmp && tmp[0] && strlen(tmp) < 32 ? tmp : "/tmp");
		if (!mkdtemp(v->placeholder)) {
			fprintf(stderr, "ovlrun: mkdtemp %s: %s\n", v->placeholder, strerror(errno));
			v->placeholder[0] = 0;
			return -errno;
		}
		v->lower[v->nlower++] = v->placeholder;
	}
	for (int i = 0; i < v->nlower; i++) {
		cfg.lower_fd[i] = open(v->lower[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cfg.lower_fd[i] < 0) {
			fprintf(stderr, "ovlrun: lower %s: open: %s\n", v->lower[i], strerror(errno));
			int err = -errno;
			while (i-- > 0)
				close(cfg.lower_fd[i]);
			return err;
		}
	}
	cfg.nlower = v->nlower;
	cfg.lower_oci = v->lower_oci;
	cfg.xattr_prefix = v->xattr_prefix;
	cfg.override_stat = v->records;
	struct stat st;
	cfg.dir_dev = fstat(v->upper_fd, &st) ? 0 : st.st_dev;
	int err = ovl_fs_new(&cfg, &v->fs);
	for (int i = 0; i < v->nlower; i++)
		close(cfg.lower_fd[i]);
	if (err)
		fprintf(stderr, "ovlrun: the lowers of %s: %s\n", v->upper, strerror(-err));
	return err;
}

static void view_close(struct upper_view *v)
{
	if (v->fs)
		ovl_fs_free(v->fs);
	if (v->upper_fd >= 0)
		close(v->upper_fd);
	if (v->placeholder[0])
		rmdir(v->placeholder);
}

int upper_tool_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lower", required_argument, NULL, 'l' },
		{ "lower-format", required_argument, NULL, 'f' },
		{ "userxattr", no_argument, NULL, 'u' },
		{ "stat", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tool = argv[1];
	/* run by a user, the upper is a rootless run's */
	struct upper_view v = { .upper_fd = -1,
				.xattr_prefix = geteuid() ? "user.overlay." : "trusted.overlay." };
	bool stat_only = false;
	int c;
	opterr = 0;
	optind = 2;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			for (char *save = NULL, *t = strtok_r(optarg, ":", &save); t;
			     t = strtok_r(NULL, ":", &save)) {
				if (v.nlower == OVL_MAX_LOWER) {
					fprintf(stderr, "ovlrun %s: more than %d lower dirs\n", tool,
						OVL_MAX_LOWER);
					return 1;
				}
				v.lower[v.nlower++] = t;
			}
			break;
		case 's':
			stat_only = true;
			break;
		case 'f':
			v.lower_oci = options_lower_format(optarg);
			break;
		case 'u':
			v.xattr_prefix = "user.overlay.";
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "ovlrun %s: %s %s\n", tool,
				c == ':' ? "an argument is missing for" : "unknown option", argv[optind - 1]);
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 1;
	}
	v.upper = argv[optind];
	if (stat_only && strcmp(tool, "diff")) {
		fprintf(stderr, "ovlrun %s: --stat is diff's\n", tool);
		return 1;
	}
	if (!strcmp(tool, "commit") && v.lower_oci) {
		fprintf(stderr, "ovlrun commit: --lower=DIR is a plain dir the changes go into, not an "
			"OCI layer\n");
		return 1;
	}
	if (!strcmp(tool, "commit") && v.nlower != 1) {
		fprintf(stderr, "ovlrun commit: --lower=DIR names the one dir to apply the changes to\n");
		return 1;
	}
	/* A rootless upper: its owners are what a run shows, records too.
	 * Read by the user, through the namespaces a run has (ids as inside:
	 * the export's owners, the commit's chown). */
	v.records = !strcmp(v.xattr_prefix, "user.overlay.");
	if (geteuid() != 0)
		(void)rootless_userns();
	int err = view_open(&v);
	if (!err)
		err = !strcmp(tool, "diff") ? upper_diff(&v, stat_only)
		      : !strcmp(tool, "export") ? upper_export(&v) : upper_commit(&v);
	view_close(&v);
	return err ? 1 : 0;
}
