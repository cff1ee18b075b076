/*
 * execve, execveat.  The kernel itself opens the binary, its "#!"
 * interpreter and its ELF loader, by path, inside the shadow root: bind the
 * real files there at their overlay paths, mirror the path walk (symlinks
 * included), then let the call continue.  argv[0], AT_EXECFN and
 * /proc/self/exe come out as overlay paths.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "ovlrun/syscalls.h"
#include "ovlrun/tasks.h"
#include "shadow.h"

#define MAX_INTERP_DEPTH 5  /* the kernel allows 4 levels of #! */

static int prepare_path(struct req *r, int dirfd, const char *path, unsigned lflags, int depth);

/* The interpreter a binary asks for: "#!" line or ELF PT_INTERP. */
static int interpreter_of(int fd, char *interp, size_t size)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	interp[0] = 0;
	if (n >= 2 && buf[0] == '#' && buf[1] == '!') {
		char *p = buf + 2;
		while (*p == ' ' || *p == '\t')
			p++;
		size_t len = strcspn(p, " \t\n");
		if (len == 0 || len >= size)
			return len ? -ENAMETOOLONG : -ENOEXEC;
		memcpy(interp, p, len);
		interp[len] = 0;
		return 0;
	}
	if (n < (ssize_t)sizeof(Elf64_Ehdr) || memcmp(buf, ELFMAG, SELFMAG) ||
	    buf[EI_CLASS] != ELFCLASS64)
		return 0;  /* not ours to prepare; the kernel decides */
	Elf64_Ehdr eh;
	memcpy(&eh, buf, sizeof(eh));
	for (unsigned i = 0; i < eh.e_phnum && i < 64; i++) {
		Elf64_Phdr ph;
		off_t off = (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize);
		if (pread(fd, &ph, sizeof(ph), off) != (ssize_t)sizeof(ph))
			return 0;
		if (ph.p_type != PT_INTERP)
			continue;
		if (ph.p_filesz == 0 || ph.p_filesz > size)
			return -ENOEXEC;
		if (pread(fd, interp, ph.p_filesz, (off_t)ph.p_offset) != (ssize_t)ph.p_filesz)
			return -EIO;
		interp[ph.p_filesz - 1] = 0;
		return 0;
	}
	return 0;
}

/* fd is the real file about to be executed: prepare what it needs. */
static int prepare_interpreter(struct req *r, int fd, int depth)
{
	char interp[PATH_MAX];
	int err = interpreter_of(fd, interp, sizeof(interp));
	if (err || !interp[0])
		return err;
	if (depth >= MAX_INTERP_DEPTH)
		return -ELOOP;
	return prepare_path(r, AT_FDCWD, interp, OVL_LOOKUP_FOLLOW, depth + 1);
}

static int prepare_path(struct req *r, int dirfd, const char *path, unsigned lflags, int depth)
{
	struct ovl_entry e;
	const struct ovl_cred *cred;
	int tries = 0;
again:;
	int err = req_cred(r, &cred);
	if (err || (err = req_lookup(r, dirfd, path, lflags, false, &e)))
		return err == SC_CONTINUE ? 0 : err;  /* under /proc or /dev: the kernel's */
	if (e.type == 0)
		err = -ENOENT;
	else if (S_ISLNK(e.type))
		err = -ELOOP;  /* AT_SYMLINK_NOFOLLOW on a symlink */
	else if (!S_ISREG(e.type))
		err = -EACCES;
	else
		err = ovl_permission(cred, &e.st, OVL_MAY_EXEC);
	int fd = -1;
	if (!err) {
		fd = ovl_open_real(r->sup->fs, &e, O_RDONLY);
		err = fd < 0 ? fd : shadow_bind(r->sup, e.path, fd);
	}
	if (!err)       /* not while a copy of ours is open (sent.c) */
		sent_wait(r->sup->sent, e.st.st_dev, e.st.st_ino);
	ovl_entry_release(&e);
	/* another file under the name by now (ESTALE), or the one found
	 * went before its bind (ENOENT): again */
	if ((err == -ESTALE || (err == -ENOENT && fd >= 0)) && tries++ < 8) {
		if (fd >= 0)
			close(fd);
		goto again;
	}
	if (!err)
		err = req_mirror(r, dirfd, path, lflags);
	if (!err)
		err = prepare_interpreter(r, fd, depth);
	if (fd >= 0)
		close(fd);
	return err;
}

/* The overlay shows the very file fd is (not its copy, not another file)
 * at canon: binding it there shows nothing the overlay does not. */
static bool overlay_shows(struct req *r, const char *canon, int fd)
{
	struct ovl_entry e;
	struct stat st;
	if (fstat(fd, &st) || ovl_lookup(r->sup->fs, &(struct ovl_cred){ .cap_eff = ~0ULL }, "/",
					 canon, OVL_LOOKUP_NO_PERM, &e))
		return false;
	bool same = e.type && !e.passthrough && e.st.st_dev == st.st_dev &&
		    e.st.st_ino == st.st_ino;
	ovl_entry_release(&e);
	return same;
}

/* The kernel opens an fexecve'd file again by its path, and the
 * command's Landlock domain (confine.c) lets it open nothing outside its
 * root: a layer file's fd (copy: ours) is moved to the file's bind in the
 * shadow, at its overlay path, which is inside. */
static int in_root(struct req *r, int tfd, int copy, int rfd)
{
	char canon[OVL_PATH_MAX];
	enum fd_kind kind;
	int flags;
	off_t pos;
	if (req_own_fd_kind(r, copy, canon, &kind) || (kind != FD_LOWER && kind != FD_UPPER) ||
	    !overlay_shows(r, canon, copy))
		return 0;  /* the sandbox's own file, an unlinked one, or one the overlay no
			    * longer shows at its path: as it is */
	int err = shadow_bind(r->sup, canon, rfd);
	if (err || (err = req_fd_state(r, tfd, &flags, &pos)))
		return err;
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS };
	int bound = (int)syscall(SYS_openat2, r->sup->shadow_fd, canon, &how, sizeof(how));
	if (bound < 0)
		return -errno;
	return req_setfd(r, bound, tfd, flags & O_CLOEXEC);
}

static int64_t do_execve(struct req *r)
{
	r->intent = INTENT_READ;
	char path[PATH_MAX];
	int err = req_path(r, ARG(r, 0), path);
	if (err || (err = prepare_path(r, AT_FDCWD, path, OVL_LOOKUP_FOLLOW, 0)))
		return err;
	return SC_CONTINUE;
}

static int64_t do_execveat(struct req *r)
{
	r->intent = INTENT_READ;
	char path[PATH_MAX];
	int dirfd = (int)ARG(r, 0), flags = (int)ARG(r, 4);
	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	int err = req_path(r, ARG(r, 1), path);
	if (err)
		return err;
	if (!path[0]) {
		if (!(flags & AT_EMPTY_PATH))
			return -ENOENT;
		/* fexecve: the kernel runs the fd's own file; only its
		 * interpreter must be found in the shadow. */
		int fd = req_getfd(r, dirfd);
		if (fd < 0)
			return fd;
		/* an O_PATH fd cannot be read: reopen what it names */
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		int rfd = open(proc, O_RDONLY | O_CLOEXEC);
		int open_err = errno;
		if (rfd < 0) {
			close(fd);
			return -open_err;
		}
		err = prepare_interpreter(r, rfd, 0);
		if (!err)
			err = in_root(r, dirfd, fd, rfd);
		struct stat st;
		if (!err && !fstat(rfd, &st))
			sent_wait(r->sup->sent, st.st_dev, st.st_ino);
		close(fd);
		close(rfd);
		return err ? err : SC_CONTINUE;
	}
	err = prepare_path(r, dirfd, path, flags & AT_SYMLINK_NOFOLLOW ? 0 : OVL_LOOKUP_FOLLOW, 0);
	return err ? err : SC_CONTINUE;
}

/* An exec recomputes the capabilities, and a thread that is not the
 * leader takes the leader's tid: kept credentials are stale (tasks.h).
 * Said after the handler, which read them itself. */
int64_t sys_execve(struct req *r)
{
	int64_t rv = do_execve(r);
	tasks_changed(r->sup->tasks, TASKS_CRED);
	return rv;
}

int64_t sys_execveat(struct req *r)
{
	int64_t rv = do_execveat(r);
	tasks_changed(r->sup->tasks, TASKS_CRED);
	return rv;
}
