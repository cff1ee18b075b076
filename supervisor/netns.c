/*
 * --net=none: the sandbox's network namespace is new and empty; only the
 * loopback interface is brought up, so that programs that talk to
 * themselves over 127.0.0.1 work, while nothing reaches the host's
 * interfaces, its loopback services or its abstract AF_UNIX sockets.
 */
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "sandbox.h"

void sandbox_net_setup(void)
{
	struct ifreq ifr;
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		sandbox_fail("socket for bringing up lo");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(sock, SIOCGIFFLAGS, &ifr))
		sandbox_fail("SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr))
		sandbox_fail("SIOCSIFFLAGS lo up");
	close(sock);
}
