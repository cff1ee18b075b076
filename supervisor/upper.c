/*
 * The upper and work dirs: created, validated and locked before anything
 * is mounted, then reached through one nosuid,nodev mount of our own.
 *
 * The upper's root dir is the overlay's root dir (as on overlayfs), and
 * what root inside makes there (set-uid programs, device nodes) is real on
 * the host: an upper other host users can reach is refused for a root
 * command, and a new one is made so that they cannot reach it.
 *
 * What a run made is removed again if it ends before the command ran:
 * die_setup() exits from any module, so an exit hook does it.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "ovlrun/supervisor.h"
#include "fsutil.h"
#include "layers_check.h"
#include "upper.h"

/* What this run made, for the exit hook.  File scope because atexit()
 * passes no argument; written only during setup. */
static struct {
	struct sup *s;
	pid_t pid;                      /* the supervisor: its forked children exit too */
	char upper_top[PATH_MAX];       /* first dir made for --upper, "" if none */
	char work_top[PATH_MAX];        /* the same for an explicit --work */
} made;

static void remove_made(char *path)
{
	if (path[0])
		(void)remove_tree_at(AT_FDCWD, path, false);
	path[0] = 0;
}

void upper_cleanup(struct sup *s)
{
	if (s->work_created) {
		(void)remove_work_dir(s->work_path);
		s->work_created = false;
	}
	/* The command never ran: nothing in what we made is its work. */
	if (s->init_pid <= 0) {
		remove_made(made.work_top);
		remove_made(made.upper_top);
	}
	remove_made(s->tmp_upper);
}

static void cleanup_at_exit(void)
{
	struct sup *s = made.s;
	if (!s || getpid() != made.pid)
		return;
	upper_cleanup(s);
	/* mounts.c's staging dir too: die_setup() exits skip mounts_teardown() */
	if (s->staging[0]) {
		umount2(s->staging, MNT_DETACH);
		rmdir(s->staging);
	}
}

static void arm_cleanup(struct sup *s)
{
	if (made.s)
		return;
	made.s = s;
	made.pid = getpid();
	atexit(cleanup_at_exit);
}

/* A copy of path without trailing slashes ("u/" must not make u 0755 as
 * a parent). */
static void trimmed(char *out, const char *path, const char *what)
{
	if (snprintf(out, PATH_MAX, "%s", path) >= PATH_MAX)
		die_setup("%s %s: path too long", what, path);
	for (size_t n = strlen(out); n > 1 && out[n - 1] == '/'; n--)
		out[n - 1] = 0;
}

static void note_made(const char *path, char *top)
{
	if (!top[0] && !realpath(path, top))
		die_setup("%s: %s", path, strerror(errno));
}

/* mkdir -p of the dirs above path (0755, as mkdir -p makes them); the
 * first one made is noted in top.  0 or -1 with errno. */
static int make_parents(const char *path, char *top)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", path);
	for (char *c = p + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = 0;
		if (mkdir(p, 0755) == 0)
			note_made(p, top);
		else if (errno != EEXIST)
			return -1;
		*c = '/';
	}
	return 0;
}

static bool root_command(const struct sup *s)
{
	return s->opt.uid <= 0;  /* -1: ovlrun's own uid, root */
}

/* Can a host user other than root reach the dir at canonical path p?
 * Every dir from / down grants search to group or others, or belongs to
 * another user (who can enter or chmod it).  Conservative: the dirs may
 * let in different users. */
static bool others_reach(const char *p)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", p);
	size_t n = strlen(buf);
	for (size_t i = 0; i <= n; i++) {
		if (i < n && buf[i] != '/')
			continue;
		char c = buf[i];
		buf[i] = 0;
		struct stat st;
		bool open_to_others = !stat(i ? buf : "/", &st) && (st.st_uid != 0 || (st.st_mode & 011));
		buf[i] = c;
		if (!open_to_others)
			return false;
	}
	return true;
}

/* Other host users could run set-uid programs or open device nodes that
 * root inside made in the upper at canonical path p.  The upper's own mode
 * and owner do not count: its root is the sandbox's "/", which root inside
 * may chmod or chown as it likes; only the dirs above it and a nosuid,nodev
 * filesystem keep host users out. */
static bool shared(const char *p)
{
	char tmp[PATH_MAX];
	struct statvfs sv;
	bool harmless_fs = !statvfs(p, &sv) && (sv.f_flag & ST_NOSUID) && (sv.f_flag & ST_NODEV);
	snprintf(tmp, sizeof(tmp), "%s", p);
	return !harmless_fs && others_reach(dirname(tmp));
}

/* Mode of a new upper dir at path: 0700 when the command runs as root and
 * other users could reach it there; otherwise the top lower's root mode,
 * so that users inside can reach "/". */
static mode_t new_upper_mode(const struct sup *s, const char *path)
{
	char tmp[PATH_MAX], parent[PATH_MAX];
	struct stat st;
	snprintf(tmp, sizeof(tmp), "%s", path);
	if (!realpath(dirname(tmp), parent))
		die_setup("upper dir %s: %s", path, strerror(errno));
	/* (reachable and refused, unless --allow-shared-upper: then at least
	 * until root inside changes "/") */
	if (root_command(s) && others_reach(parent))
		return 0700;
	if (stat(s->opt.lower[0], &st))
		die_setup("lower dir %s: %s", s->opt.lower[0], strerror(errno));
	return st.st_mode & (0777 | S_ISVTX);
}

/* mkdir at path with exactly this mode (not narrowed by the umask). */
static bool make_dir(const char *path, mode_t mode, const char *what)
{
	if (mkdir(path, mode)) {
		if (errno != EEXIST)
			die_setup("%s %s: mkdir: %s", what, path, strerror(errno));
		return false;
	}
	if (chmod(path, mode))
		die_setup("%s %s: chmod: %s", what, path, strerror(errno));
	return true;
}

/* Make the upper dir if it is missing; its canonical path and an fd. */
static int open_upper(struct sup *s, char *canon)
{
	char path[PATH_MAX];
	struct stat st;
	trimmed(path, s->opt.upper, "upper dir");
	if (make_parents(path, made.upper_top))
		die_setup("upper dir %s: mkdir: %s", path, strerror(errno));
	if (stat(path, &st) && errno == ENOENT &&
	    make_dir(path, new_upper_mode(s, path), "upper dir"))
		note_made(path, made.upper_top);
	if (!realpath(path, canon))
		die_setup("upper dir %s: %s", path, strerror(errno));
	return open_dir(canon, "upper dir");
}

/* The work dir: --work (made if missing), or the default hidden sibling
 * of the upper.  A default one that exists was left by a killed run: the
 * upper's lock, already ours, says no other ovlrun uses it.  *ours: made
 * by ovlrun, so clearing it loses nothing of the user's. */
static int open_work(struct sup *s, const char *upper, char *canon, bool *ours)
{
	if (s->opt.work) {
		char path[PATH_MAX];
		trimmed(path, s->opt.work, "work dir");
		if (make_parents(path, made.work_top))
			die_setup("work dir %s: mkdir: %s", path, strerror(errno));
		if (make_dir(path, 0700, "work dir"))
			note_made(path, made.work_top);
		*ours = made.work_top[0] != 0;
		if (!realpath(path, canon))
			die_setup("work dir %s: %s", path, strerror(errno));
		return open_dir(canon, "work dir");
	}
	char tmp[PATH_MAX], tmp2[PATH_MAX];
	strcpy(tmp, upper);
	strcpy(tmp2, upper);
	int n = snprintf(s->work_path, sizeof(s->work_path), "%s/.%s.ovlrun-work",
			 dirname(tmp), basename(tmp2));
	if (n >= (int)sizeof(s->work_path))
		die_setup("upper dir %s: path too long", upper);
	make_dir(s->work_path, 0700, "work dir");
	/* not through a symlink, and not a dir someone else made or can enter */
	struct stat st;
	int fd = open(s->work_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		die_setup("work dir %s: %s", s->work_path, strerror(errno));
	if (st.st_uid != geteuid() || (st.st_mode & 077))
		die_setup("work dir %s: not made by ovlrun (owner %u, mode %o): remove it or pass --work",
			  s->work_path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	s->work_created = true;
	s->opt.work = s->work_path;
	strcpy(canon, s->work_path);
	*ours = true;
	return fd;
}

/* Longest common directory prefix of two absolute canonical paths. */
static void common_ancestor(const char *a, const char *b, char *out)
{
	size_t i = 0, last = 0;
	while (a[i] && a[i] == b[i]) {
		if (a[i] == '/')
			last = i;
		i++;
	}
	if ((!a[i] && b[i] == '/') || (!b[i] && a[i] == '/'))
		last = i;
	if (last == 0) {
		strcpy(out, "/");
		return;
	}
	memcpy(out, a, last);
	out[last] = 0;
}

static void set_rel_paths(struct sup *s, const char *upper, const char *work, const char *anc)
{
	size_t skip = strcmp(anc, "/") ? strlen(anc) : 0;
	snprintf(s->upper_rel, sizeof(s->upper_rel), "%s", upper + skip);
	snprintf(s->work_rel, sizeof(s->work_rel), "%s", work + skip);
}

/* Validate and lock the upper, before anything is mounted; anc gets the
 * dir to clone.  With --tmp-upper=SIZE both dirs are made later, on the
 * tmpfs (upper_attach), and the fds are -1. */
void upper_open(struct sup *s, int *upper_host_fd, int *work_host_fd, char *anc)
{
	char upper[PATH_MAX], work[PATH_MAX];
	bool work_ours;

	arm_cleanup(s);
	*upper_host_fd = *work_host_fd = -1;
	if (s->opt.tmp_upper_size) {
		strcpy(anc, s->tmp_upper);
		set_rel_paths(s, "/upper", "/work", "/");
		return;
	}
	*upper_host_fd = open_upper(s, upper);
	/* One ovlrun per upper, as the kernel does with its work dir; taken
	 * before the work dir is touched. */
	if (flock(*upper_host_fd, LOCK_EX | LOCK_NB))
		die_setup("upper dir %s is in use by another ovlrun", upper);
	layers_check_fs(*upper_host_fd, "upper dir", upper);
	if (root_command(s) && !s->opt.allow_shared_upper && shared(upper))
		die_setup("upper dir %s: other host users can reach it, and set-uid files made there by "
			  "root inside would work for them: put it in a dir only root can enter "
			  "(mkdir -m 700 DIR; --upper=DIR/u), or pass --allow-shared-upper", upper);
	*work_host_fd = open_work(s, upper, work, &work_ours);
	struct stat su, sw;
	if (fstat(*upper_host_fd, &su) || fstat(*work_host_fd, &sw) || su.st_dev != sw.st_dev)
		die_setup("work dir %s is not on the filesystem of upper dir %s", work, upper);
	layers_check_overlap(s, upper, *upper_host_fd, work, *work_host_fd, work_ours);
	if (clear_work_dir(*work_host_fd))
		die_setup("work dir %s: cannot clear leftovers: %s", work, strerror(errno));
	common_ancestor(upper, work, anc);
	set_rel_paths(s, upper, work, anc);
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;
	return !fstat(a, &sa) && !fstat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* --tmp-upper=SIZE: a tmpfs of that size holds upper and work.  It is
 * mounted in our own mount namespace, under the staging area: nothing of
 * it is on the host. */
static void mount_tmp_upper(struct sup *s, const char *target)
{
	char opts[64], path[PATH_MAX];
	snprintf(opts, sizeof(opts), "size=%llu,mode=0700", s->opt.tmp_upper_size);
	if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, opts))
		die_setup("--tmp-upper: mount tmpfs on %s: %s", target, strerror(errno));
	path_join(path, target, s->upper_rel);
	make_dir(path, new_upper_mode(s, path), "upper dir");
	path_join(path, target, s->work_rel);
	make_dir(path, 0700, "work dir");
}

/* Work through one nosuid,nodev mount holding upper and work, so renames
 * from work into upper stay on one mount.  After our mount namespace is
 * made. */
void upper_attach(struct sup *s, int upper_host_fd, int work_host_fd, const char *anc)
{
	char target[PATH_MAX], work_at[PATH_MAX];
	path_join(target, s->staging, "/u");
	xmkdir(target, 0700);
	if (s->opt.tmp_upper_size) {
		mount_tmp_upper(s, target);
	} else {
		int anc_fd = open_dir(anc, "upper's parent");
		int tree = clone_tree(anc_fd, false, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, "upper");
		close(anc_fd);
		attach_tree(tree, target, "upper");
	}
	path_join(s->upper_prefix, target, s->upper_rel);
	path_join(work_at, target, s->work_rel);
	s->upper_fd = open_dir(s->upper_prefix, "upper dir");
	s->work_fd = open_dir(work_at, "work dir");
	snprintf(s->work_prefix, sizeof(s->work_prefix), "%s", work_at);
	/* (fds of index entries read as the names they were opened by) */
	if (s->opt.index)
		path_join(s->index_prefix, work_at, "/" OVL_WORK_INDEX);
	if (upper_host_fd >= 0 &&
	    (!same_file(s->upper_fd, upper_host_fd) || !same_file(s->work_fd, work_host_fd)))
		die_setup("upper dir %s and work dir %s must be on one mount", s->opt.upper,
			  s->opt.work);
}

/* --tmp-upper: upper and work in a fresh dir of our own (0700). */
void upper_make_tmp(struct sup *s)
{
	static char upper[PATH_MAX], work[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	arm_cleanup(s);
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/ovlrun-upper.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		die_setup("--tmp-upper: mkdtemp %s: %s", dir, strerror(errno));
	snprintf(s->tmp_upper, sizeof(s->tmp_upper), "%s", dir);
	path_join(upper, s->tmp_upper, "/upper");
	path_join(work, s->tmp_upper, "/work");
	s->opt.upper = upper;
	s->opt.work = work;
}
