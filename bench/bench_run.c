/* bench_run: runs one program and records what it cost, for run_bench.py.
 *
 *   bench_run RESULT_FILE PROGRAM [ARGS...]
 *
 * stdin/stdout/stderr are passed through. RESULT_FILE gets
 * "wall_s= cpu_s= user_s= sys_s= maxrss_kib= status=" lines (wait4 of the
 * child alone); the exit status is the program's.
 *
 * Why not measure from Python: a process's peak RSS (ru_maxrss) survives
 * exec, so a program forked from a 16 MiB Python interpreter reports at
 * least 16 MiB. Forked from this small C program it reports its own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	struct timespec start, end;
	struct rusage ru;
	int status = 0;
	pid_t pid;
	FILE *out;

	if (argc < 3) {
		fputs("usage: bench_run RESULT_FILE PROGRAM [ARGS...]\n", stderr);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	pid = fork();
	if (pid < 0) {
		perror("bench_run: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "bench_run: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("bench_run: wait4");
			return 2;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	out = fopen(argv[1], "w");
	if (out == NULL) {
		perror(argv[1]);
		return 2;
	}
	fprintf(out, "wall_s=%.6f\ncpu_s=%.6f\nuser_s=%.6f\nsys_s=%.6f\nmaxrss_kib=%ld\nstatus=%d\n",
		(double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9,
		seconds(ru.ru_utime) + seconds(ru.ru_stime), seconds(ru.ru_utime), seconds(ru.ru_stime),
		ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	fclose(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
