/*
 * Run by a user without privileges (no setuid helper, no capabilities):
 * the supervisor becomes root of a user namespace of its own, where the
 * user is root (uid and gid 0 map to the user's; one id each: files the
 * command gives other owners cannot be made, EINVAL, as in the kernel's
 * overlayfs mounted in such a namespace), with a mount namespace that
 * namespace owns, so that the staging area, the layers' clones and the
 * sandbox's namespaces are made exactly as for root.  The upper is then in
 * the kernel's unprivileged format (userxattr: user.overlay.* xattrs;
 * whiteouts are the 0/0 devices a user namespace may make), which the
 * kernel's overlayfs mounted with userxattr in a user namespace reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "ovlrun/supervisor.h"

/* Write text to /proc/self/<file>; why it must be written says what. */
static void proc_write(const char *file, const char *text)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/%s", file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die_setup("rootless: %s: write \"%s\": %s", path, text, strerror(errno));
	close(fd);
}

void rootless_enter(struct sup *s)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	/* a user namespace, and a mount namespace it owns: every mount
	 * ovlrun makes is its own then */
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
		die_setup("rootless: unshare(CLONE_NEWUSER|CLONE_NEWNS): %s (unprivileged user "
			  "namespaces disabled? see /proc/sys/user/max_user_namespaces)",
			  strerror(errno));
	char map[64];
	/* the gid map of an unprivileged writer needs setgroups denied */
	proc_write("setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	proc_write("uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	proc_write("gid_map", map);
	s->rootless = true;
	/* (the one id mapped is root's: no other exists inside) */
	if (s->opt.uid > 0 || s->opt.gid > 0)
		die_setup("--uid/--gid: run by a user, ovlrun maps that user alone into its "
			  "namespace, as root (id 0): no other id exists there");
}
