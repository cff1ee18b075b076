/*
 * Run by a user without privileges (no capabilities): the supervisor
 * becomes root of a user namespace of its own, where the user is root
 * (uid and gid 0 map to the user's), with a mount namespace that namespace
 * owns, so that the staging area, the layers' clones and the sandbox's
 * namespaces are made exactly as for root.  Ids 1 and up map to the user's
 * ranges in /etc/subuid and /etc/subgid when it has both, written by the
 * system's newuidmap and newgidmap (setuid helpers of shadow's uidmap, the
 * one way a user may map ids not its own); else the user alone is mapped
 * and files the command gives other owners cannot be made (EINVAL, as in
 * the kernel's overlayfs mounted in such a namespace).  The upper is then in
 * the kernel's unprivileged format (userxattr: user.overlay.* xattrs;
 * whiteouts are the 0/0 devices a user namespace may make), which the
 * kernel's overlayfs mounted with userxattr in a user namespace reads.
 */
#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <sys/wait.h>
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

/* The first range of id (or name) in an /etc/subuid-format file: false if
 * it has none. */
static bool subid_range(const char *file, unsigned long id, const char *name,
			unsigned long *start, unsigned long *count)
{
	FILE *f = fopen(file, "re");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char who[256];
		unsigned long a, n;
		if (sscanf(line, "%255[^:]:%lu:%lu", who, &a, &n) != 3 || !n)
			continue;
		char num[32];
		snprintf(num, sizeof(num), "%lu", id);
		if (!strcmp(who, num) || (name && !strcmp(who, name))) {
			*start = a;
			*count = n;
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* Run a helper (its path, then its arguments): its exit status, or -1. */
static int run(char *const argv[])
{
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Ids 1.. map to the user's subordinate ranges: newuidmap and newgidmap,
 * run by a child still outside the namespace once the parent made it. */
static bool map_ranges(uid_t uid, gid_t gid, unsigned long *count)
{
	static const char newuidmap[] = "/usr/bin/newuidmap", newgidmap[] = "/usr/bin/newgidmap";
	const struct passwd *pw = getpwuid(uid);
	unsigned long us, un, gs, gn;
	if (access(newuidmap, X_OK) || access(newgidmap, X_OK) ||
	    !subid_range("/etc/subuid", uid, pw ? pw->pw_name : NULL, &us, &un) ||
	    !subid_range("/etc/subgid", uid, pw ? pw->pw_name : NULL, &gs, &gn))
		return false;
	int go[2];
	if (pipe2(go, O_CLOEXEC))
		return false;
	pid_t parent = getpid(), child = fork();
	if (child < 0)
		return false;
	if (child == 0) {
		char c, p[16], a[6][24];
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		snprintf(p, sizeof(p), "%d", (int)parent);
		snprintf(a[0], sizeof(a[0]), "%u", (unsigned)uid);
		snprintf(a[1], sizeof(a[1]), "%lu", us);
		snprintf(a[2], sizeof(a[2]), "%lu", un);
		snprintf(a[3], sizeof(a[3]), "%u", (unsigned)gid);
		snprintf(a[4], sizeof(a[4]), "%lu", gs);
		snprintf(a[5], sizeof(a[5]), "%lu", gn);
		char *uargv[] = { (char *)newuidmap, p, "0", a[0], "1", "1", a[1], a[2], NULL };
		char *gargv[] = { (char *)newgidmap, p, "0", a[3], "1", "1", a[4], a[5], NULL };
		_exit(run(uargv) || run(gargv) ? 1 : 0);
	}
	close(go[0]);
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
		die_setup("rootless: unshare(CLONE_NEWUSER|CLONE_NEWNS): %s (unprivileged user "
			  "namespaces disabled? see /proc/sys/user/max_user_namespaces)",
			  strerror(errno));
	int st;
	if (write(go[1], "m", 1) != 1 || waitpid(child, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st))
		die_setup("rootless: newuidmap/newgidmap of the ranges in /etc/subuid and "
			  "/etc/subgid failed (their messages above)");
	close(go[1]);
	*count = un < gn ? un : gn;
	return true;
}

unsigned long rootless_userns(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	unsigned long count = 0;
	/* a user namespace, and a mount namespace it owns: every mount
	 * ovlrun makes is its own then */
	if (!map_ranges(uid, gid, &count)) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
			die_setup("rootless: unshare(CLONE_NEWUSER|CLONE_NEWNS): %s (unprivileged "
				  "user namespaces disabled? see /proc/sys/user/max_user_namespaces)",
				  strerror(errno));
		char map[64];
		/* the gid map of an unprivileged writer needs setgroups denied */
		proc_write("setgroups", "deny");
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		proc_write("uid_map", map);
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		proc_write("gid_map", map);
	}
	return count;
}

void rootless_enter(struct sup *s)
{
	s->mapped_ids = rootless_userns();
	s->rootless = true;
}
