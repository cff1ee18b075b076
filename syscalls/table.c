/* Syscall number -> handler. */
#include <fcntl.h>
#include <stddef.h>
#include <sys/syscall.h>
#include "handlers.h"

#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452
#endif

/* x86-64 syscall numbers are small and dense. */
#define ENTRY(name) [__NR_##name] = sys_##name,
static const sc_handler by_nr[512] = { HANDLERS(ENTRY) [__NR_fcntl] = sys_fcntl,
					      [__NR_sendto] = sys_sendto, [__NR_ioctl] = sys_ioctl };
#undef ENTRY

/* The names, for --trace and --stats. */
#define NAME(name) [__NR_##name] = #name,
static const char *const names[512] = { HANDLERS(NAME) [__NR_fcntl] = "fcntl",
					  [__NR_sendto] = "sendto", [__NR_ioctl] = "ioctl" };
#undef NAME

#define NR(name) __NR_##name,
static const int trapped[] = { HANDLERS(NR) };
#undef NR

sc_handler sc_lookup(int nr)
{
	if (nr < 0 || nr >= (int)(sizeof(by_nr) / sizeof(by_nr[0])))
		return NULL;
	return by_nr[nr];
}

const char *sc_name(int nr)
{
	if (nr < 0 || nr >= (int)(sizeof(names) / sizeof(names[0])))
		return NULL;
	return names[nr];
}

bool sc_keeps_paths(const struct seccomp_data *d)
{
	switch (d->nr) {
	case __NR_chdir: case __NR_execve: case __NR_execveat:
	case __NR_connect: case __NR_sendto:
		return true;    /* they mirror what their lookup found */
	default:
		return false;
	}
}

bool sc_alone(const struct seccomp_data *d)
{
	switch (d->nr) {
	case __NR_inotify_init: case __NR_inotify_init1:
	case __NR_inotify_add_watch: case __NR_inotify_rm_watch:
		return true;    /* the inotify state has no lock of its own */
	case __NR_bind:
		return true;    /* the supervisor's cwd is the process's (socket.c) */
	case __NR_fcntl:
		return d->args[1] == F_NOTIFY;  /* dnotify.c: the inotify state too */
	default:
		return false;
	}
}

const int *sc_trapped(int *count)
{
	*count = (int)(sizeof(trapped) / sizeof(trapped[0]));
	return trapped;
}
