/*
 * The sandbox's own mount namespace, set up by its init (pid 1 of the new
 * pid namespace, still with every capability) before the command starts:
 *
 *   1. /proc of the sandbox's pid namespace and a fresh /sys (of its network
 *      namespace) are mounted in the shadow root, with the paths container
 *      runtimes mask masked.  The shadow is still a peer of the supervisor's
 *      here, so these mounts reach the supervisor's view too: both resolve
 *      /proc and /sys paths alike.
 *   2. Everything becomes a slave: the supervisor's later mounts in the
 *      shadow (executables, FIFOs, sockets) still arrive, nothing made here
 *      goes back.
 *   3. pivot_root into the shadow and detach the old root: the staging
 *      area, the layer mounts and the host's tree are not in this namespace
 *      at all (no path leads there, /proc/self/mountinfo cannot list them).
 *   4. The new root is remounted read-only: only the supervisor, through
 *      its own mount of the same tmpfs, writes the mirrors.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "fsutil.h"
#include "sandbox.h"

/* What runc/Docker mask (plus the kernel's symbol and boot information):
 * files become an empty character device, dirs an empty read-only tmpfs. */
static const char *const masked_files[] = {
	"/proc/kcore",     "/proc/keys",        "/proc/latency_stats", "/proc/timer_list",
	"/proc/timer_stats", "/proc/sched_debug", "/proc/sysrq-trigger", "/proc/kallsyms",
	"/proc/kmsg",      "/proc/cmdline",     "/proc/slabinfo",      "/proc/kpagecount",
	"/proc/kpageflags", "/proc/kpagecgroup", "/proc/vmallocinfo",  "/proc/config.gz",
};
static const char *const masked_dirs[] = {
	"/proc/acpi", "/proc/asound", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
};
/* Readable, never writable (Docker's read-only paths). */
static const char *const ro_dirs[] = { "/proc/sys", "/proc/bus", "/proc/irq", "/proc/fs" };

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void mask(const char *shadow)
{
	char p[PATH_MAX], null[PATH_MAX];
	struct stat st;
	path_join(null, shadow, "/dev/null");
	for (size_t i = 0; i < NELEM(masked_files); i++) {
		path_join(p, shadow, masked_files[i]);
		if (lstat(p, &st) == 0 && mount(null, p, NULL, MS_BIND, NULL))
			sandbox_fail(masked_files[i]);
	}
	for (size_t i = 0; i < NELEM(masked_dirs); i++) {
		path_join(p, shadow, masked_dirs[i]);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode) &&
		    mount("tmpfs", p, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=4k,nr_inodes=1,mode=0555"))
			sandbox_fail(masked_dirs[i]);
	}
	for (size_t i = 0; i < NELEM(ro_dirs); i++) {
		path_join(p, shadow, ro_dirs[i]);
		if (lstat(p, &st))
			continue;
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) ||
		    mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV |
			  MS_NOEXEC, NULL))
			sandbox_fail(ro_dirs[i]);
	}
}

void sandbox_root_setup(const struct sup *s)
{
	char p[PATH_MAX];
	const unsigned long vfs = MS_NOSUID | MS_NODEV | MS_NOEXEC;

	path_join(p, s->shadow, "/proc");
	if (mount("proc", p, "proc", vfs, NULL))
		sandbox_fail("mount /proc");
	path_join(p, s->shadow, "/sys");
	/* A user namespace mounts a sysfs only with a network namespace of its
	 * own: with --net=host, a run by a user binds the host's (which that
	 * user reads anyway), read-only down to every mount in it (the cgroup
	 * tree: the user's own delegated cgroups must not be writable) */
	if (mount("sysfs", p, "sysfs", vfs | MS_RDONLY, NULL)) {
		int sys = s->rootless && errno == EPERM ?
			  open("/sys", O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
		if (sys < 0)
			sandbox_fail("mount /sys");
		attach_tree(clone_tree(sys, true, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
				       MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, "/sys"), p, "/sys");
		close(sys);
	}
	mask(s->shadow);

	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL))
		sandbox_fail("make the sandbox's mounts slaves");
	/* pivot_root(".", ".") stacks the old root on the new one; detaching
	 * it leaves the shadow alone as "/". */
	if (chdir(s->shadow) || syscall(SYS_pivot_root, ".", "."))
		sandbox_fail("pivot_root into the shadow root");
	if (umount2(".", MNT_DETACH) || chdir("/"))
		sandbox_fail("detach the old root");
	if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL))
		sandbox_fail("remount the root read-only");
}
