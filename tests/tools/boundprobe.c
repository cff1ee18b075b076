/*
 * boundprobe: the process-boundary attacks of tests/security, one per
 * subcommand, each printing what happened ("ok" or the errno's name) so
 * that the same probe run without the sandbox shows the attack working.
 * Built static: it runs on the host, in a plain chroot and inside ovlrun.
 *
 *   kill0 SIG                signal the caller's whole process group
 *   renice-pgrp NICE         setpriority(PRIO_PGRP, 0, NICE)
 *   autogroup NICE           write NICE to /proc/self/autogroup
 *   bind-tcp PORT            bind 127.0.0.1:PORT and listen
 *   listen-tcp               (host side) listen on 127.0.0.1, print the port, wait for stdin EOF
 *   connect-tcp PORT         connect to 127.0.0.1:PORT
 *   listen-abstract NAME     (host side) listen on abstract AF_UNIX NAME, print "ready", wait
 *   connect-abstract NAME    connect to abstract AF_UNIX NAME
 *   listen-unix PATH         (host side) listen on AF_UNIX PATH, print "ready", wait
 *   connect-unix PATH        connect to AF_UNIX PATH
 *   audit-write              send an AUDIT_USER message to the kernel's audit log
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int report(const char *what, int rc)
{
	if (rc < 0) {
		printf("%s: %s\n", what, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
		return 1;
	}
	printf("%s: ok\n", what);
	return 0;
}

static struct sockaddr_in loopback(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static socklen_t abstract(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	size_t n = strlen(name);
	if (n > sizeof(a->sun_path) - 1)
		n = sizeof(a->sun_path) - 1;
	memcpy(a->sun_path + 1, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* Hold a listener until stdin closes (the test's end of a pipe). */
static void wait_stdin(void)
{
	char c;
	while (read(0, &c, 1) > 0)
		;
}

static int audit_write(void)
{
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (s < 0)
		return report("audit-write", -1);
	struct {
		struct nlmsghdr h;
		char text[64];
	} m = { .h = { .nlmsg_type = AUDIT_USER, .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK } };
	snprintf(m.text, sizeof(m.text), "ovlrun boundprobe");
	m.h.nlmsg_len = (uint32_t)NLMSG_LENGTH(strlen(m.text) + 1);
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	if (sendto(s, &m, m.h.nlmsg_len, 0, (struct sockaddr *)&k, sizeof(k)) < 0)
		return report("audit-write", -1);
	/* the kernel's answer: an NLMSG_ERROR whose error is 0 or -errno */
	char buf[256];
	ssize_t n = recv(s, buf, sizeof(buf), 0);
	if (n < 0)
		return report("audit-write", -1);
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	if (h->nlmsg_type == NLMSG_ERROR) {
		int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
		if (err) {
			errno = -err;
			return report("audit-write", -1);
		}
	}
	return report("audit-write", 0);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: boundprobe SUBCOMMAND [ARGS] (see the source)\n");
		return 2;
	}
	const char *cmd = argv[1], *arg = argc > 2 ? argv[2] : "0";
	if (!strcmp(cmd, "kill0"))
		return report("kill0", kill(0, atoi(arg)));
	if (!strcmp(cmd, "renice-pgrp"))
		return report("renice-pgrp", setpriority(PRIO_PGRP, 0, atoi(arg)));
	if (!strcmp(cmd, "autogroup")) {
		int fd = open("/proc/self/autogroup", O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return report("autogroup", -1);
		return report("autogroup", (int)write(fd, arg, strlen(arg)));
	}
	if (!strcmp(cmd, "bind-tcp") || !strcmp(cmd, "connect-tcp") || !strcmp(cmd, "listen-tcp")) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_in a = loopback(atoi(arg));
		int one = 1;
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!strcmp(cmd, "connect-tcp"))
			return report(cmd, connect(s, (struct sockaddr *)&a, sizeof(a)));
		if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 8))
			return report(cmd, -1);
		if (!strcmp(cmd, "bind-tcp"))
			return report(cmd, 0);
		socklen_t len = sizeof(a);
		getsockname(s, (struct sockaddr *)&a, &len);
		printf("%d\n", ntohs(a.sin_port));
		wait_stdin();
		return 0;
	}
	if (!strcmp(cmd, "connect-abstract") || !strcmp(cmd, "listen-abstract") ||
	    !strcmp(cmd, "connect-unix") || !strcmp(cmd, "listen-unix")) {
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sockaddr_un a;
		socklen_t len = abstract(&a, arg);
		if (strstr(cmd, "-unix")) {  /* a path: no leading NUL */
			memmove(a.sun_path, a.sun_path + 1, sizeof(a.sun_path) - 1);
			len--;
		}
		if (!strncmp(cmd, "connect", 7))
			return report(cmd, connect(s, (struct sockaddr *)&a, len));
		if (bind(s, (struct sockaddr *)&a, len) || listen(s, 8))
			return report(cmd, -1);
		printf("ready\n");
		wait_stdin();
		return 0;
	}
	if (!strcmp(cmd, "audit-write"))
		return audit_write();
	fprintf(stderr, "boundprobe: unknown subcommand %s\n", cmd);
	return 2;
}
