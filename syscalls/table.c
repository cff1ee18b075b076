/* Syscall number -> handler. */
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

const int *sc_trapped(int *count)
{
	*count = (int)(sizeof(trapped) / sizeof(trapped[0]));
	return trapped;
}
