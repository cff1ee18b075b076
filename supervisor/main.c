/* ovlrun: wires the options, the mounts, the sandbox and the loop. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ovlrun/supervisor.h"

void die_setup(const char *fmt, ...)
{
	va_list ap;
	fputs("ovlrun: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(OVLRUN_EXIT_FAILURE);
}

int main(int argc, char **argv)
{
	static struct sup s;
	int status;

	options_parse(argc, argv, &s.opt);
	/* Before any child exists: these arrive through loop.c's signalfd and
	 * are forwarded to the command; the sandbox must stay stoppable only
	 * through its own job control, so the supervisor ignores stop signals. */
	sigset_t set;
	sigemptyset(&set);
	for (const int *sig = (const int[]){ SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
					     SIGALRM, 0 }; *sig; sig++)
		sigaddset(&set, *sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGTSTP, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (geteuid() != 0)
		die_setup("must run as root (unprivileged mode is not implemented yet)");
	s.notify_fd = -1;
	pthread_mutex_init(&s.serve_lock, NULL);
	pthread_mutex_init(&s.recv_lock, NULL);
	mounts_setup(&s);
	s.init_pid = sandbox_start(&s);
	status = loop_run(&s);
	mounts_teardown(&s);
	return status;
}
