/*
 * AF_UNIX sockets named by a path: bind, connect, sendto.  Their inodes
 * live in the overlay (the upper) as on overlayfs.  bind: the supervisor
 * makes the name in the upper (permissions, owner, umask, whiteouts by the
 * engine) and binds the tracee's own socket there.  connect and sendto: the
 * socket inode is bound into the shadow root at its overlay path and the
 * kernel connects through it.  Abstract and unnamed addresses, and other
 * families, are the kernel's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/fsuid.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>
#include "ovlrun/syscalls.h"
#include "shadow.h"

/* The path of an AF_UNIX address, or "" when the kernel should do it;
 * the address itself in *sun when sun is given. */
static int unix_path(struct req *r, uint64_t addr, uint64_t len, char *path,
		     struct sockaddr_un *given)
{
	struct sockaddr_un sun;
	path[0] = 0;
	if (!addr || len <= offsetof(struct sockaddr_un, sun_path) || len > sizeof(sun))
		return 0;
	memset(&sun, 0, sizeof(sun));
	int err = req_read(r, addr, &sun, (size_t)len);
	if (err)
		return err;
	if (sun.sun_family != AF_UNIX || sun.sun_path[0] == 0)
		return 0;  /* another family, or an abstract name */
	size_t n = strnlen(sun.sun_path, len - offsetof(struct sockaddr_un, sun_path));
	memcpy(path, sun.sun_path, n);
	path[n] = 0;
	if (given)
		*given = sun;
	return req_valid(r);
}

/*
 * Bind sock to the name exactly as the command gave it (getsockname, the
 * peer's getpeername and a datagram's sender show that string): from a
 * child whose root is the upper layer and whose cwd is the upper copy of
 * the command's cwd.  Every upper dir at an overlay path is the upper part
 * of the merged dir there, so a name that resolves in the upper alone
 * resolves to the same place; 0 when bound, -errno when the upper alone
 * cannot resolve it (a lower-only dir or symlink on the way).
 */
static int bind_as_given(struct req *r, const struct ovl_cred *cred, int sock,
			 const struct sockaddr_un *sun, socklen_t len)
{
	char cwd[OVL_PATH_MAX];
	enum fd_kind kind;
	if (sun->sun_path[0] != '/' &&
	    (req_fd_kind(r, AT_FDCWD, cwd, &kind) || kind != FD_MIRROR))
		return -ENOENT;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* the command's own fs ids walk the path: the upper dirs are
		 * the merged dirs' owners and modes */
		if (fchdir(r->sup->upper_fd) || chroot(".") ||
		    setgroups((size_t)cred->ngroups, cred->groups) ||
		    (setfsgid(cred->fsgid), setfsgid(cred->fsgid)) != (int)cred->fsgid ||
		    (setfsuid(cred->fsuid), setfsuid(cred->fsuid)) != (int)cred->fsuid ||
		    (sun->sun_path[0] != '/' && chdir(cwd)) ||
		    bind(sock, (const struct sockaddr *)sun, len))
			_exit(errno & 0xff);
		_exit(0);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) ? -WEXITSTATUS(st) : -EIO;
}

int64_t sys_bind(struct req *r)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	struct sockaddr_un given;
	struct ovl_entry e;
	const struct ovl_cred *cred;
	int err = unix_path(r, ARG(r, 1), ARG(r, 2), path, &given);
	if (err || !path[0])
		return err ? err : SC_CONTINUE;
	if ((err = req_cred_umask(r, &cred)) || (err = req_lookup(r, AT_FDCWD, path, 0, false, &e)))
		return err == SC_CONTINUE ? SC_CONTINUE : err;
	int sock = -1;
	if (e.type) {
		err = -EADDRINUSE;
	} else {
		sock = req_getfd(r, (int)ARG(r, 0));
		err = sock < 0 ? sock : ovl_mknod(r->sup->fs, cred, &e, S_IFSOCK | 0777, 0);
	}
	if (!err) {
		/* The engine made the name (owner, mode, whiteout handled); the
		 * kernel makes the socket inode: swap one for the other. */
		struct stat st = e.st;
		int dir = e.parent.fd[0];
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		strcpy(sun.sun_path, e.name);
		struct stat bound;
		if (strlen(e.name) >= sizeof(sun.sun_path))
			err = -ENAMETOOLONG;
		else if (unlinkat(dir, e.name, 0))
			err = -errno;
		else if (bind_as_given(r, cred, sock, &given, (socklen_t)ARG(r, 2)) ||
			 fstatat(dir, e.name, &bound, AT_SYMLINK_NOFOLLOW) || !S_ISSOCK(bound.st_mode)) {
			/* the name as the overlay resolved it, relative to its dir */
			if (fchdir(dir) || bind(sock, (struct sockaddr *)&sun, sizeof(sun)))
				err = -errno;
			if (chdir("/") && !err)
				err = -errno;
		}
		if (!err && (fchownat(dir, e.name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) ||
			     fchmodat(dir, e.name, st.st_mode & 07777, 0)))
			err = -errno;
		/* the engine told of the name it made; the inode under it
		 * is another now */
		ovl_forget(r->sup->fs, e.path, &st);
	}
	if (sock >= 0)
		close(sock);
	ovl_entry_release(&e);
	return err;
}

/* Make the socket at path reachable by the kernel inside the shadow. */
static int64_t reach_socket(struct req *r, const char *path)
{
	struct ovl_entry e;
	const struct ovl_cred *cred;
	int err = req_cred(r, &cred);
	if (err || (err = req_lookup(r, AT_FDCWD, path, OVL_LOOKUP_FOLLOW, false, &e)))
		return err;
	if (e.type == 0)
		err = -ENOENT;
	else if (!S_ISSOCK(e.type))
		err = -ECONNREFUSED;
	/* A socket inode of a lower has no listener in the overlay: on the
	 * kernel's overlayfs the overlay inode is not the one a process bound,
	 * so connect finds none.  (With --lower=/ these are the host's live
	 * daemons: /run/dbus, docker.sock, ...) */
	else if (e.layer != 0)
		err = -ECONNREFUSED;
	else
		err = ovl_permission(cred, &e.st, OVL_MAY_WRITE);
	if (!err) {
		int fd = ovl_open_real(r->sup->fs, &e, O_PATH);
		err = fd < 0 ? fd : shadow_bind(r->sup, e.path, fd);
		if (fd >= 0)
			close(fd);
	}
	ovl_entry_release(&e);
	if (!err)
		err = req_mirror(r, AT_FDCWD, path, OVL_LOOKUP_FOLLOW);
	return err ? err : SC_CONTINUE;
}

int64_t sys_connect(struct req *r)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	int err = unix_path(r, ARG(r, 1), ARG(r, 2), path, NULL);
	if (err || !path[0])
		return err ? err : SC_CONTINUE;
	r->intent = INTENT_READ;
	return reach_socket(r, path);
}

int64_t sys_sendto(struct req *r)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	int err = unix_path(r, ARG(r, 4), ARG(r, 5), path, NULL);
	if (err || !path[0])
		return err ? err : SC_CONTINUE;
	r->intent = INTENT_READ;
	return reach_socket(r, path);
}
