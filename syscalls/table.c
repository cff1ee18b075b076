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

#define NR(name) __NR_##name,
static const int trapped[] = { HANDLERS(NR) };
#undef NR

sc_handler sc_lookup(int nr)
{
	if (nr < 0 || nr >= (int)(sizeof(by_nr) / sizeof(by_nr[0])))
		return NULL;
	return by_nr[nr];
}

const int *sc_trapped(int *count)
{
	*count = (int)(sizeof(trapped) / sizeof(trapped[0]));
	return trapped;
}
