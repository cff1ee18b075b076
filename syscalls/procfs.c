/*
 * Paths under /proc as the kernel resolves them for a tracee.
 *
 * Every form that names a process's magic links or mount tables is brought
 * to one: /proc/self, /proc/thread-self, /proc/<pid>, their task/<tid>
 * dirs, the /proc/mounts and /proc/net symlinks, "." and ".." (proc has no
 * other symlinks than these and the magic links, so the lexical walk is the
 * kernel's).  Pids are the tracee's, in the sandbox's pid namespace: the
 * supervisor reaches them through the tracee's own root
 * (/proc/<tracee>/root/proc/<pid>), which holds the sandbox's /proc.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ovlrun/syscalls.h"

#define MAX_DEPTH 64

/* The normalized path below /proc: "/12/task/13/fd" and where each
 * component ends. */
struct walk {
	char norm[PATH_MAX];
	size_t end[MAX_DEPTH + 1];
	int depth;
};

static int push(struct walk *w, const char *name, size_t len)
{
	size_t at = w->end[w->depth];
	if (w->depth >= MAX_DEPTH || at + len + 2 > sizeof(w->norm))
		return -ENAMETOOLONG;
	w->norm[at] = '/';
	memcpy(w->norm + at + 1, name, len);
	w->norm[at + 1 + len] = 0;
	w->end[++w->depth] = at + 1 + len;
	return 0;
}

static int push_id(struct walk *w, pid_t id)
{
	char s[16];
	return push(w, s, (size_t)snprintf(s, sizeof(s), "%d", (int)id));
}

/* Component i (1-based) equals s? */
static bool comp_is(const struct walk *w, int i, const char *s)
{
	size_t b = w->end[i - 1] + 1, n = w->end[i] - b;
	return strlen(s) == n && !strncmp(w->norm + b, s, n);
}

/* A pid as proc spells it: digits, no leading zero. */
static bool comp_pid(const struct walk *w, int i)
{
	size_t b = w->end[i - 1] + 1, n = w->end[i] - b;
	if (!n || n > 10 || w->norm[b] == '0')
		return false;
	return strspn(w->norm + b, "0123456789") >= n;
}

static bool name_in(const char *name, size_t len, const char *const *set)
{
	for (; *set; set++)
		if (strlen(*set) == len && !strncmp(name, *set, len))
			return true;
	return false;
}

static const char *const magic_names[] = { "cwd", "root", "exe", NULL };
static const char *const mount_names[] = { "mountinfo", "mounts", "mountstats", NULL };

/* Thread group of /proc/<pid> (pid_dir: the supervisor's path), or -1. */
static pid_t tgid_of(const char *pid_dir)
{
	char path[PATH_MAX], buf[1024];
	snprintf(path, sizeof(path), "%.4000s/status", pid_dir);
	if (req_read_proc(path, buf, sizeof(buf), -1) < 0)
		return -1;
	char *t = strstr(buf, "\nTgid:");
	return t ? (pid_t)atoi(t + 6) : -1;
}

/* The walk is in a process's (depth 1) or a thread's (depth 3) dir: is
 * name (len) a magic link or a mount table there, or N in its fd dir
 * (fd_link)?  Fills pp; true if so. */
static bool special(struct req *r, const struct walk *w, const char *name, size_t len,
		    const char *after, bool fd_link, struct proc_path *pp)
{
	const char *rest = after + strspn(after, "/");
	if (strlen(w->norm) > 256 || strlen(after) >= PATH_MAX - 300)
		return false;  /* no process dir is that deep: the kernel's answer */
	if (fd_link) {
		if (len > 9 || (name[0] == '0' && len > 1) || strspn(name, "0123456789") < len)
			return false;
		pp->kind = PROC_MAGIC;
	} else if (name_in(name, len, magic_names)) {
		pp->kind = PROC_MAGIC;
	} else if (!*rest && after[0] != '/' && name_in(name, len, mount_names)) {
		pp->kind = PROC_MOUNTS;
	} else if (!*rest && after[0] != '/' && w->depth == 1 && len == 9 &&
		   !strncmp(name, "autogroup", 9)) {
		pp->kind = PROC_AUTOGROUP;
	} else {
		return false;
	}
	if (pp->kind == PROC_MAGIC)
		snprintf(pp->out, sizeof(pp->out), "%s", after);
	/* the process's dir as the supervisor reaches it: through the
	 * tracee's root (for fd/N, the walk is in its fd dir) */
	int depth = fd_link ? w->depth - 1 : w->depth;
	snprintf(pp->dir, sizeof(pp->dir), "/proc/%d/root/proc%.*s", (int)r->pid,
		 (int)w->end[depth], w->norm);
	pp->fd = fd_link ? atoi(name) : -1;
	snprintf(pp->file, sizeof(pp->file), "%.4000s/%s%.*s", pp->dir, fd_link ? "fd/" : "",
		 (int)len, name);
	pp->name = fd_link ? "fd" : strrchr(pp->file, '/') + 1;
	/* a thread dir is only reachable under its own group's pid */
	size_t pid_len = w->end[1] - 1;
	pid_t pid = (pid_t)atoi(w->norm + 1);
	if (pid == r->id.ns_tgid) {
		pp->own = true;
	} else if (pp->kind == PROC_MAGIC) {
		char pid_dir[PATH_MAX];
		snprintf(pid_dir, sizeof(pid_dir), "/proc/%d/root/proc/%.*s", (int)r->pid,
			 (int)pid_len, w->norm + 1);
		pp->own = tgid_of(pid_dir) == r->id.ns_tgid;
	}
	return true;
}

int proc_parse(struct req *r, const char *rest, struct proc_path *pp)
{
	const struct ovl_cred *cred;
	int err = req_cred(r, &cred);
	if (err)
		return err;
	struct walk w = { .depth = 0 };
	memset(pp, 0, sizeof(*pp));
	pp->fd = -1;
	pp->kind = PROC_OTHER;
	for (const char *p = rest;;) {
		p += strspn(p, "/");
		if (!*p)
			break;
		size_t len = strcspn(p, "/");
		const char *name = p, *after = p + len;
		p = after;
		if (len == 1 && name[0] == '.')
			continue;
		if (len == 2 && name[0] == '.' && name[1] == '.') {
			if (w.depth == 0) {
				/* out of /proc, into the root it is mounted on */
				pp->kind = PROC_OUT;
				snprintf(pp->out, sizeof(pp->out), "/%s", after + strspn(after, "/"));
				return 0;
			}
			w.end[w.depth--] = 0;
			w.norm[w.end[w.depth]] = 0;
			continue;
		}
		if (w.depth == 0 && r->id.ns_tgid > 0) {
			/* the symlinks of /proc itself, as the tracee reads them */
			if (len == 4 && !strncmp(name, "self", 4)) {
				err = push_id(&w, r->id.ns_tgid);
			} else if (len == 11 && !strncmp(name, "thread-self", 11)) {
				if (!(err = push_id(&w, r->id.ns_tgid)) && !(err = push(&w, "task", 4)))
					err = push_id(&w, r->id.ns_tid);
			} else if ((len == 6 && !strncmp(name, "mounts", 6)) ||
				   (len == 3 && !strncmp(name, "net", 3))) {
				if (!(err = push_id(&w, r->id.ns_tgid)) && len == 3)
					err = push(&w, name, len);
				if (!err && len == 6 && special(r, &w, name, len, after, false, pp))
					return 0;
				if (!err && len == 6)
					err = push(&w, name, len);
			} else {
				err = push(&w, name, len);
			}
			if (err)
				return err;
			continue;
		}
		/* in a process's or a thread's dir, or in its fd dir */
		bool task = w.depth >= 3 && comp_is(&w, 2, "task") && comp_pid(&w, 3);
		int at = task ? 3 : 1;
		bool proc_dir = w.depth >= 1 && comp_pid(&w, 1) && (w.depth == 1 || task);
		bool fd_dir = w.depth == at + 1 && comp_pid(&w, 1) && (at == 1 || task) &&
			      comp_is(&w, at + 1, "fd");
		if ((proc_dir && w.depth == at) || fd_dir) {
			if (special(r, &w, name, len, after, fd_dir, pp))
				return 0;
		}
		if ((err = push(&w, name, len)))
			return err;
	}
	/* the kernel's: where it is, without self and friends */
	if (strlen(w.norm) + 6 > sizeof(pp->out))
		return -ENAMETOOLONG;
	snprintf(pp->out, sizeof(pp->out), "/proc%.4090s", w.norm);
	return 0;
}

int proc_open_link(struct req *r, const struct proc_path *pp)
{
	/* the pid dir is opened with the supervisor's rights; the link itself
	 * as the tracee: the kernel's ptrace check and the object it finds are
	 * one step (no pid or fd can change between them) */
	int dir = open(pp->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	struct req_saved sv;
	int err = pp->own ? 0 : req_become(r, &sv);
	if (err) {
		close(dir);
		return err;
	}
	int fd = openat(dir, pp->file + strlen(pp->dir) + 1, O_PATH | O_CLOEXEC);
	err = fd >= 0 ? 0 : errno == EPERM ? -EACCES : -errno;
	if (!pp->own)
		req_unbecome(&sv);
	close(dir);
	return err ? err : fd;
}
