/* euid: print the real and effective user ids.  A set-uid-root copy run by
 * a host user prints "ruid=1000 euid=0" (tests/security/t_shared_upper.sh). */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("ruid=%u euid=%u\n", (unsigned)getuid(), (unsigned)geteuid());
	return 0;
}
