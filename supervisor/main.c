/* ovlrun: wires the options, the mounts, the sandbox and the loop. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "ovlrun/supervisor.h"
#include "pty.h"
#include "upper_tools.h"

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

	/* ovlrun diff | commit | export UPPER: no sandbox, no command */
	if (argc > 1 && upper_tool_named(argv[1]))
		return upper_tool_main(argc, argv);
	options_parse(argc, argv, &s.opt);
	s.args = argv[0];
	s.args_len = (size_t)(argv[argc - 1] + strlen(argv[argc - 1]) + 1 - argv[0]);
	/* Before any child exists: these arrive through loop.c's signalfd and
	 * are forwarded to the command; the sandbox must stay stoppable only
	 * through its own job control, so the supervisor ignores stop signals. */
	sigset_t set;
	sigemptyset(&set);
	for (const int *sig = (const int[]){ SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
					     SIGALRM, 0 }; *sig; sig++)
		sigaddset(&set, *sig);
	sigaddset(&set, SIGWINCH);  /* the pty relay's (pty.c) */
	sigaddset(&set, SIGURG);    /* only the server threads take it (loop.c) */
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGTSTP, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (geteuid() != 0)
		rootless_enter(&s);     /* root of a user namespace of its own */
	oci_expand_lowers(&s);
	/* Every server thread would get a malloc arena of its own (up to
	 * eight per CPU), each keeping what its handlers freed: a few shared
	 * ones serve short-lived allocations as well and bound the RSS. */
	mallopt(M_ARENA_MAX, 4);
	/* A merged dir holds an fd per layer it is in (up to 500 lowers),
	 * the layers' mounts and roots one each: the supervisor may use all
	 * the fds it is allowed; the sandbox gets the limit as it was
	 * (sandbox.c). */
	if (getrlimit(RLIMIT_NOFILE, &s.nofile))
		s.nofile = (struct rlimit){ RLIM_INFINITY, RLIM_INFINITY };
	if (s.nofile.rlim_cur < s.nofile.rlim_max)
		(void)setrlimit(RLIMIT_NOFILE, &(struct rlimit){ s.nofile.rlim_max, s.nofile.rlim_max });
	s.notify_fd = -1;
	s.sandbox_root_fd = -1;
	pthread_rwlock_init(&s.serve_lock, NULL);
	mounts_setup(&s);
	if (pty_open(&s))
		die_setup("no terminal for the sandbox");
	s.init_pid = sandbox_start(&s);
	(void)pty_relay_start(&s);  /* without it the command still runs; output is lost */
	status = loop_run(&s);
	pty_relay_finish(&s);
	mounts_teardown(&s);
	return status;
}
