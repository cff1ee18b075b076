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
					      [__NR_sendto] = sys_sendto };
#undef ENTRY

/* The names, for --trace and --stats. */
#define NAME(name) [__NR_##name] = #name,
static const char *const names[512] = { HANDLERS(NAME) [__NR_fcntl] = "fcntl",
					  [__NR_sendto] = "sendto" };
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

/* Opens that may copy up or create (flags are in registers, not memory:
 * what is read here is what the handler acts on). */
static bool open_looks(uint64_t flags)
{
	return (flags & O_ACCMODE) == O_RDONLY && !(flags & (O_CREAT | O_TRUNC)) &&
	       (flags & O_TMPFILE) != O_TMPFILE;
}

bool sc_shared(const struct seccomp_data *d)
{
	switch (d->nr) {
	case __NR_stat: case __NR_lstat: case __NR_fstat: case __NR_newfstatat:
	case __NR_statx: case __NR_statfs: case __NR_fstatfs:
	case __NR_access: case __NR_faccessat: case __NR_faccessat2:
	case __NR_readlink: case __NR_readlinkat:
	case __NR_getdents: case __NR_getdents64:
	case __NR_getxattr: case __NR_lgetxattr: case __NR_fgetxattr:
	case __NR_listxattr: case __NR_llistxattr: case __NR_flistxattr:
	case __NR_setuid: case __NR_setgid: case __NR_setreuid: case __NR_setregid:
	case __NR_setresuid: case __NR_setresgid: case __NR_setfsuid: case __NR_setfsgid:
	case __NR_setgroups: case __NR_capset: case __NR_umask: case __NR_fchdir:
		return true;
	case __NR_open:
		return open_looks(d->args[1]);
	case __NR_openat:
		return open_looks(d->args[2]);
	default:
		return false;
	}
}

const int *sc_trapped(int *count)
{
	*count = (int)(sizeof(trapped) / sizeof(trapped[0]));
	return trapped;
}
