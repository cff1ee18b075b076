/*
 * --trace: each trapped call as strace prints it,
 *   [pid N] openat(AT_FDCWD, "/etc/hostname", O_RDONLY|O_LARGEFILE) = 3
 * with the strings the handler read (kept by req_string: the tracee's
 * memory is never read again for the trace), dirfds, open, AT_ and access
 * flags by name, modes in octal, other pointers raw.  N is the host pid of
 * the trapping thread.  One write(2) per line, so that the lines of
 * concurrent calls never mix.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ovlrun/syscalls.h"

#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

/*
 * The arguments of each trapped syscall, one letter each:
 *   d dirfd (AT_FDCWD)     p string the handler read, else the pointer
 *   i int                  u unsigned        l long      x pointer (NULL)
 *   X hex flags            F open flags      c mode, only with O_CREAT or O_TMPFILE
 *   m mode (octal)         M mknod mode      A AT_ flags  R unlinkat flags
 *   E faccessat2 flags     k access mode     L flock op   C fcntl cmd
 *   N renameat2 flags      I inotify_init1 flags
 */
static const char *const sig[512] = {
	[__NR_open] = "pFc", [__NR_openat] = "dpFc", [__NR_openat2] = "dpxu", [__NR_creat] = "pm",
	[__NR_stat] = "px", [__NR_lstat] = "px", [__NR_fstat] = "ix", [__NR_newfstatat] = "dpxA",
	[__NR_statx] = "dpAXx", [__NR_statfs] = "px", [__NR_fstatfs] = "ix",
	[__NR_access] = "pk", [__NR_faccessat] = "dpk", [__NR_faccessat2] = "dpkE",
	[__NR_readlink] = "pxu", [__NR_readlinkat] = "dpxu",
	[__NR_getdents] = "ixu", [__NR_getdents64] = "ixu",
	[__NR_mkdir] = "pm", [__NR_mkdirat] = "dpm", [__NR_mknod] = "pMX", [__NR_mknodat] = "dpMX",
	[__NR_symlink] = "pp", [__NR_symlinkat] = "pdp",
	[__NR_rmdir] = "p", [__NR_unlink] = "p", [__NR_unlinkat] = "dpR",
	[__NR_rename] = "pp", [__NR_renameat] = "dpdp", [__NR_renameat2] = "dpdpN",
	[__NR_link] = "pp", [__NR_linkat] = "dpdpA",
	[__NR_chmod] = "pm", [__NR_fchmod] = "im", [__NR_fchmodat] = "dpm", [__NR_fchmodat2] = "dpmA",
	[__NR_chown] = "pii", [__NR_lchown] = "pii", [__NR_fchown] = "iii", [__NR_fchownat] = "dpiiA",
	[__NR_utime] = "px", [__NR_utimes] = "px", [__NR_futimesat] = "dpx", [__NR_utimensat] = "dpxA",
	[__NR_truncate] = "pl", [__NR_ftruncate] = "il",
	[__NR_getxattr] = "ppxu", [__NR_lgetxattr] = "ppxu", [__NR_fgetxattr] = "ipxu",
	[__NR_listxattr] = "pxu", [__NR_llistxattr] = "pxu", [__NR_flistxattr] = "ixu",
	[__NR_setxattr] = "ppxuX", [__NR_lsetxattr] = "ppxuX", [__NR_fsetxattr] = "ipxuX",
	[__NR_removexattr] = "pp", [__NR_lremovexattr] = "pp", [__NR_fremovexattr] = "ip",
	[__NR_chdir] = "p", [__NR_execve] = "pxx", [__NR_execveat] = "dpxxA", [__NR_flock] = "iL",
	[__NR_bind] = "ixu", [__NR_connect] = "ixu", [__NR_sendto] = "ixuXxu", [__NR_fcntl] = "iCx",
	[__NR_inotify_init] = "", [__NR_inotify_init1] = "I", [__NR_inotify_add_watch] = "ipX",
	[__NR_inotify_rm_watch] = "ii",
};

struct flag {
	unsigned long v;
	const char *name;
};
#define F(x) { x, #x }
/* Composite values before their parts (O_SYNC holds O_DSYNC). */
static const struct flag open_flags[] = {
	F(O_CREAT), F(O_EXCL), F(O_NOCTTY), F(O_TRUNC), F(O_APPEND), F(O_NONBLOCK), F(O_SYNC),
	F(O_DSYNC), F(O_ASYNC), F(O_DIRECT), { 0100000, "O_LARGEFILE" }, F(O_TMPFILE),
	F(O_DIRECTORY), F(O_NOFOLLOW), F(O_NOATIME), F(O_CLOEXEC), F(O_PATH), { 0, NULL } };
static const struct flag at_flags[] = {
	F(AT_SYMLINK_NOFOLLOW), F(AT_SYMLINK_FOLLOW), F(AT_NO_AUTOMOUNT), F(AT_EMPTY_PATH),
	F(AT_STATX_FORCE_SYNC), F(AT_STATX_DONT_SYNC), { 0x8000, "AT_RECURSIVE" }, { 0, NULL } };
static const struct flag unlink_flags[] = { F(AT_REMOVEDIR), { 0, NULL } };
static const struct flag access_at_flags[] = {
	F(AT_EACCESS), F(AT_SYMLINK_NOFOLLOW), F(AT_EMPTY_PATH), { 0, NULL } };
static const struct flag access_mode[] = { F(R_OK), F(W_OK), F(X_OK), { 0, NULL } };
static const struct flag flock_ops[] = { F(LOCK_SH), F(LOCK_EX), F(LOCK_NB), F(LOCK_UN), { 0, NULL } };
static const struct flag rename_flags[] = {
	{ 1, "RENAME_NOREPLACE" }, { 2, "RENAME_EXCHANGE" }, { 4, "RENAME_WHITEOUT" }, { 0, NULL } };
static const struct flag inotify_flags[] = { { 04000, "IN_NONBLOCK" }, { 02000000, "IN_CLOEXEC" },
					     { 0, NULL } };
static const struct flag fcntl_cmds[] = {
	F(F_GETLK), F(F_SETLK), F(F_SETLKW), F(F_OFD_GETLK), F(F_OFD_SETLK), F(F_OFD_SETLKW),
	{ 0, NULL } };
static const struct flag file_types[] = {
	F(S_IFREG), F(S_IFCHR), F(S_IFBLK), F(S_IFIFO), F(S_IFSOCK), F(S_IFDIR), { 0, NULL } };
#undef F

/* A line being built; what does not fit is cut. */
struct line {
	size_t len;
	char buf[3 * PATH_MAX + 512];
};

static void put(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	size_t room = sizeof(l->buf) - l->len;
	va_start(ap, fmt);
	int n = vsnprintf(l->buf + l->len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n < room ? (size_t)n : room - 1;
}

/* Flags by name, what is left in hex; "0" for none.  With first, a value
 * named whole first (O_RDONLY, F_OK). */
static void put_flags(struct line *l, unsigned long v, const struct flag *t, const char *first)
{
	const char *sep = "";
	if (first) {
		put(l, "%s", first);
		sep = "|";
	}
	for (; t->name; t++) {
		if ((v & t->v) == t->v) {
			put(l, "%s%s", sep, t->name);
			sep = "|";
			v &= ~t->v;
		}
	}
	if (v || !*sep)
		put(l, "%s%#lx", sep, v);
}

static void put_value(struct line *l, unsigned long v, const struct flag *t)
{
	for (; t->name; t++)
		if (t->v == v) {
			put(l, "%s", t->name);
			return;
		}
	put(l, "%lu", v);
}

static void put_string(struct line *l, const char *s)
{
	put(l, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			put(l, "\\%c", c);
		else if (c == '\n')
			put(l, "\\n");
		else if (c < 0x20 || c >= 0x7f)
			put(l, "\\%o", c);
		else
			put(l, "%c", c);
	}
	put(l, "\"");
}

static void put_pointer(struct line *l, uint64_t v)
{
	if (v)
		put(l, "%#llx", (unsigned long long)v);
	else
		put(l, "NULL");
}

void trace_keep(struct req_trace *t, uint64_t addr, const char *str)
{
	int i = 0;
	while (i < t->n && t->addr[i] != addr)
		i++;
	if (i == REQ_TRACE_STRINGS)
		return;
	if (i == t->n)
		t->n++;
	t->addr[i] = addr;
	snprintf(t->str[i], sizeof(t->str[i]), "%s", str);
}

static void put_arg(struct line *l, const struct req *r, char kind, uint64_t v)
{
	unsigned long u = (unsigned long)v;
	switch (kind) {
	case 'd':
		if ((int)v == AT_FDCWD)
			put(l, "AT_FDCWD");
		else
			put(l, "%d", (int)v);
		break;
	case 'p':
		for (int i = 0; r->trace && i < r->trace->n; i++)
			if (r->trace->addr[i] == v) {
				put_string(l, r->trace->str[i]);
				return;
			}
		put_pointer(l, v);
		break;
	case 'i': put(l, "%d", (int)v); break;
	case 'u': put(l, "%lu", u); break;
	case 'l': put(l, "%ld", (long)v); break;
	case 'x': put_pointer(l, v); break;
	case 'X': put(l, "%#lx", u); break;
	case 'F': {
		static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", NULL };
		const char *a = acc[u & O_ACCMODE];
		put_flags(l, a ? u & ~(unsigned long)O_ACCMODE : u, open_flags, a);
		break;
	}
	case 'c':
	case 'm': put(l, "%#03lo", u & 07777); break;
	case 'M':
		if (u & S_IFMT) {
			put_value(l, u & S_IFMT, file_types);
			put(l, "|");
		}
		put(l, "%#03lo", u & 07777);
		break;
	case 'A': put_flags(l, u, at_flags, NULL); break;
	case 'R': put_flags(l, u, unlink_flags, NULL); break;
	case 'E': put_flags(l, u, access_at_flags, NULL); break;
	case 'k':
		if (u)
			put_flags(l, u, access_mode, NULL);
		else
			put(l, "F_OK");
		break;
	case 'L': put_flags(l, u, flock_ops, NULL); break;
	case 'C': put_value(l, u, fcntl_cmds); break;
	case 'N': put_flags(l, u, rename_flags, NULL); break;
	case 'I': put_flags(l, u, inotify_flags, NULL); break;
	}
}

void trace_call(const struct req *r, int64_t rv)
{
	struct line l = { 0 };
	int nr = r->n->data.nr;
	const char *name = sc_name(nr);
	const char *s = nr >= 0 && nr < (int)(sizeof(sig) / sizeof(sig[0])) && sig[nr] ? sig[nr] : "xxxxxx";
	unsigned long oflags = 0;
	if (name)
		put(&l, "[pid %d] %s(", (int)r->pid, name);
	else
		put(&l, "[pid %d] syscall_%d(", (int)r->pid, nr);
	for (int i = 0; s[i] && i < 6; i++) {
		uint64_t v = ARG(r, i);
		if (s[i] == 'F')
			oflags = (unsigned long)v;
		if (s[i] == 'c' && !(oflags & O_CREAT) && (oflags & O_TMPFILE) != O_TMPFILE)
			break;
		if (i)
			put(&l, ", ");
		put_arg(&l, r, s[i], v);
	}
	if (rv == SC_CONTINUE) {
		put(&l, ") = ? <continued by the kernel>\n");
	} else if (rv < 0) {
		const char *en = strerrorname_np((int)-rv), *desc = strerrordesc_np((int)-rv);
		if (en)
			put(&l, ") = -1 %s (%s)\n", en, desc ? desc : "?");
		else
			put(&l, ") = -1 errno %lld\n", (long long)-rv);
	} else {
		put(&l, ") = %lld\n", (long long)rv);
	}
	if (l.len && l.buf[l.len - 1] != '\n')
		l.buf[l.len - 1] = '\n';  /* cut: still one line */
	/* best effort: a trace that cannot be written must not fail the call */
	if (write(STDERR_FILENO, l.buf, l.len) < 0)
		return;
}
