/*
 * execloop PATH N: fork and execv PATH (argv[0] "true") N times; print how
 * many execs failed with each errno ("execv errno 13: 9"), nothing if
 * none.  tests/integration/t_exec.sh runs it while another process
 * replaces PATH by rename over it: on Linux every exec runs either the old
 * or the new file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	int n = atoi(argv[2]), cnt[128] = { 0 };
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0)
			return 1;
		if (!p) {
			char *av[] = { "true", NULL };
			execv(argv[1], av);
			_exit(errno > 0 && errno < 100 ? 100 + errno : 199);
		}
		int st;
		if (waitpid(p, &st, 0) < 0)
			return 1;
		if (WIFEXITED(st) && WEXITSTATUS(st) >= 100)
			cnt[WEXITSTATUS(st) - 100]++;
	}
	for (int e = 0; e < 100; e++)
		if (cnt[e])
			printf("execv errno %d (%s): %d\n", e, strerror(e), cnt[e]);
	return 0;
}
