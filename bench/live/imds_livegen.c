/* imds_livegen: the audited workload of `make bench-live` (docs/performance.md).
 *
 *   imds_livegen [--exec-rate N] [--connect-rate N|max] [--duration S]
 *                [--exec-inflight N] [--max-execs N] [--max-connects N]
 *                [--port P] [--summary FILE]
 *
 * For DURATION seconds (then it stops by itself) it
 *   - fork()s and execve()s /bin/true N times a second (--exec-rate), from a
 *     process of its own, one child at a time (--exec-inflight N for more:
 *     where fork+exec is slow, a pile of runnable children would starve
 *     auditd and its plugin instead of loading them), reaping them as they end;
 *   - makes N non-blocking TCP connects a second (--connect-rate; "max": one
 *     after the other, as fast as it can) to 127.0.0.1, and only there:
 *     socket(), connect(), close(). The port is held by a socket of its own,
 *     bound to 127.0.0.1 and never listening, so every connect is refused by
 *     the local stack and no other program receives anything (--port P picks
 *     a port instead; still 127.0.0.1).
 * and times each connect() call (CLOCK_MONOTONIC around the syscall): with
 * audit rules for connect, this includes building the audit records at
 * syscall exit and any wait for the kernel's audit backlog.
 *
 * Rates are paced on a 1 ms tick; when it falls behind by more than 100 ms
 * of work (a stalled kernel backlog), the lag is dropped and counted
 * ("behind_*"), so it never bursts to catch up. Counts are bounded:
 * --max-execs / --max-connects (default 10 000 000 each), --duration at most
 * 3600 s. SIGINT/SIGTERM stop it early, with a summary.
 *
 * The summary (stdout, or --summary FILE) is key=value lines: counts,
 * achieved rates, connect() results and latency percentiles in microseconds
 * (1 us buckets up to 100 ms, exact max).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#define HIST_US 100000u /* 1 us buckets up to 100 ms, then one overflow bucket */
#define MAX_LAG_S 0.1

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void usage(FILE *f)
{
	fputs("usage: imds_livegen [--exec-rate N] [--connect-rate N|max] [--duration S]\n"
	      "                    [--exec-inflight N] [--max-execs N] [--max-connects N]\n"
	      "                    [--port P] [--summary FILE]\n"
	      "Forks+execs /bin/true and makes refused non-blocking connects to 127.0.0.1 at the\n"
	      "given rates for S seconds (default 10), then prints key=value lines.\n",
	      f);
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static uint32_t hist[HIST_US + 1];

static struct {
	uint64_t execs, exec_fork_failed, children_reaped, children_failed, behind_execs, exec_deferred;
	uint64_t connects, conn_refused, conn_inprogress, conn_ok, conn_other, socket_failed, behind_connects;
	uint64_t lat_sum_ns, lat_max_ns;
	int conn_other_errno;
} *st;

static unsigned children, max_children = 1;

static void reap(int block)
{
	int status;
	pid_t p;

	while (children > 0 && (p = waitpid(-1, &status, block ? 0 : WNOHANG)) > 0) {
		children--;
		st->children_reaped++;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			st->children_failed++;
	}
}

static void spawn_true(void)
{
	static char *const argv[] = {"true", NULL};
	static char *const envp[] = {NULL};
	pid_t p = fork();

	if (p < 0) {
		st->exec_fork_failed++;
		return;
	}
	if (p == 0) {
		execve("/bin/true", argv, envp);
		_exit(127);
	}
	children++;
	st->execs++;
}

static void one_connect(const struct sockaddr_in *dst)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	uint64_t t0, dt;
	int r, e;

	if (fd < 0) {
		st->socket_failed++;
		return;
	}
	t0 = now_ns();
	r = connect(fd, (const struct sockaddr *)dst, sizeof(*dst));
	e = errno;
	dt = now_ns() - t0;
	close(fd);
	st->connects++;
	if (r == 0)
		st->conn_ok++;
	else if (e == ECONNREFUSED)
		st->conn_refused++;
	else if (e == EINPROGRESS)
		st->conn_inprogress++;
	else {
		st->conn_other++;
		st->conn_other_errno = e;
	}
	st->lat_sum_ns += dt;
	if (dt > st->lat_max_ns)
		st->lat_max_ns = dt;
	hist[dt / 1000 < HIST_US ? dt / 1000 : HIST_US]++;
}

/* The smallest latency (us) at or above which lies fraction q of the samples. */
static double percentile(double q)
{
	uint64_t total = st->connects, want, seen = 0;
	uint32_t i;

	if (total == 0)
		return 0;
	want = (uint64_t)(q * (double)total);
	if (want >= total)
		want = total - 1;
	for (i = 0; i <= HIST_US; i++) {
		seen += hist[i];
		if (seen > want)
			return i == HIST_US ? (double)st->lat_max_ns / 1000.0 : (double)i;
	}
	return (double)st->lat_max_ns / 1000.0;
}

/* Paces fork+exec of /bin/true at RATE a second until DURATION after T0. */
static void exec_loop(double t0, double duration, double rate, double max)
{
	for (;;) {
		double t = now_s() - t0, due;
		struct timespec tick = {0, 1000000}; /* 1 ms */

		if (stop_requested || t >= duration)
			break;
		due = rate * t;
		if (due > max)
			due = max;
		if (due - (double)st->execs > rate * MAX_LAG_S) {
			uint64_t skip = (uint64_t)(due - (double)st->execs - rate * MAX_LAG_S);
			st->behind_execs += skip;
			st->execs += skip; /* taken out again below */
		}
		reap(0);
		while ((double)st->execs < due && !stop_requested) {
			if (children >= max_children) {
				st->exec_deferred++;
				break;
			}
			spawn_true();
		}
		nanosleep(&tick, NULL);
	}
	st->execs -= st->behind_execs; /* the skipped ones were never made */
	while (children > 0) {
		unsigned before = children;
		reap(1);
		if (children == before)
			break; /* ECHILD: nothing left to wait for */
	}
}

/* Connects at RATE a second (RATE < 0: back to back) until DURATION after T0. */
static void connect_loop(double t0, double duration, double rate, double max, const struct sockaddr_in *dst)
{
	for (;;) {
		double t = now_s() - t0, due;
		struct timespec tick = {0, 1000000}; /* 1 ms */

		if (stop_requested || t >= duration || (double)st->connects >= max)
			break;
		if (rate < 0) {
			int k;
			for (k = 0; k < 64 && (double)st->connects < max; k++)
				one_connect(dst);
			continue;
		}
		due = rate * t;
		if (due > max)
			due = max;
		if (due - (double)st->connects > rate * MAX_LAG_S) {
			uint64_t skip = (uint64_t)(due - (double)st->connects - rate * MAX_LAG_S);
			st->behind_connects += skip;
			st->connects += skip; /* taken out again below */
		}
		while ((double)st->connects < due && !stop_requested)
			one_connect(dst);
		nanosleep(&tick, NULL);
	}
	st->connects -= st->behind_connects; /* the skipped ones were never made */
}

int main(int argc, char **argv)
{
	double exec_rate = 0, connect_rate = 0, duration = 10, max_execs = 1e7, max_connects = 1e7, port = 0;
	int connect_max = 0, holder = -1, i;
	const char *summary = NULL;
	struct sockaddr_in dst;
	struct sigaction sa;
	struct rusage ru;
	FILE *out = stdout;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = 0;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (v == NULL) {
			usage(stderr);
			return 2;
		}
		if (!strcmp(a, "--exec-rate"))
			bad = parse_double(v, 0, 100000, &exec_rate);
		else if (!strcmp(a, "--connect-rate")) {
			if (!strcmp(v, "max"))
				connect_max = 1;
			else
				bad = parse_double(v, 0, 10000000, &connect_rate);
		} else if (!strcmp(a, "--duration"))
			bad = parse_double(v, 0.1, 3600, &duration);
		else if (!strcmp(a, "--max-execs"))
			bad = parse_double(v, 0, 1e8, &max_execs);
		else if (!strcmp(a, "--max-connects"))
			bad = parse_double(v, 0, 1e9, &max_connects);
		else if (!strcmp(a, "--exec-inflight")) {
			double n;
			bad = parse_double(v, 1, 1024, &n);
			max_children = (unsigned)n;
		} else if (!strcmp(a, "--port"))
			bad = parse_double(v, 1, 65535, &port);
		else if (!strcmp(a, "--summary"))
			summary = v;
		else {
			usage(stderr);
			return 2;
		}
		if (bad) {
			fprintf(stderr, "imds_livegen: bad value for %s: %s\n", a, v);
			return 2;
		}
		i++;
	}

	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* 127.0.0.1, and nothing else, ever */
	if (port > 0) {
		dst.sin_port = htons((uint16_t)port);
	} else if (connect_max || connect_rate > 0) {
		/* Hold a port: bound, never listening, so connects to it are refused. */
		socklen_t len = sizeof(dst);

		holder = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (holder < 0 || bind(holder, (struct sockaddr *)&dst, sizeof(dst)) < 0 ||
		    getsockname(holder, (struct sockaddr *)&dst, &len) < 0) {
			perror("imds_livegen: holding a port on 127.0.0.1");
			return 1;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* The execs have a process of their own: on a host where fork+exec is
	 * slow (a VM with shadow page tables: milliseconds each) they would
	 * otherwise hold up the connects' pacing. Its counts are shared. */
	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (st == MAP_FAILED) {
		perror("imds_livegen: mmap");
		return 1;
	}
	memset(st, 0, sizeof(*st));
	double t0 = now_s();
	pid_t exec_worker = -1;
	if (exec_rate > 0) {
		exec_worker = fork();
		if (exec_worker < 0) {
			perror("imds_livegen: fork");
			return 1;
		}
		if (exec_worker == 0) {
			if (holder >= 0)
				close(holder);
			exec_loop(t0, duration, exec_rate, max_execs);
			_exit(0);
		}
	}
	if (connect_max || connect_rate > 0)
		connect_loop(t0, duration, connect_max ? -1 : connect_rate, max_connects, &dst);
	if (exec_worker > 0) {
		int status;
		if (stop_requested)
			kill(exec_worker, SIGTERM);
		while (waitpid(exec_worker, &status, 0) < 0 && errno == EINTR)
			;
	}
	double elapsed = now_s() - t0;
	if (holder >= 0)
		close(holder);

	if (summary != NULL) {
		out = fopen(summary, "w");
		if (out == NULL) {
			perror(summary);
			return 1;
		}
	}
	fprintf(out, "duration_s=%.3f\n", elapsed);
	fprintf(out, "execs=%llu\n", (unsigned long long)st->execs);
	fprintf(out, "exec_rate=%.0f\n", (double)st->execs / elapsed);
	fprintf(out, "exec_children_failed=%llu\n", (unsigned long long)st->children_failed);
	fprintf(out, "exec_fork_failed=%llu\n", (unsigned long long)st->exec_fork_failed);
	fprintf(out, "behind_execs=%llu\n", (unsigned long long)st->behind_execs);
	fprintf(out, "exec_deferred=%llu\n", (unsigned long long)st->exec_deferred);
	fprintf(out, "connects=%llu\n", (unsigned long long)st->connects);
	fprintf(out, "connect_rate=%.0f\n", (double)st->connects / elapsed);
	fprintf(out, "connect_refused=%llu\n", (unsigned long long)st->conn_refused);
	fprintf(out, "connect_inprogress=%llu\n", (unsigned long long)st->conn_inprogress);
	fprintf(out, "connect_ok=%llu\n", (unsigned long long)st->conn_ok);
	fprintf(out, "connect_other=%llu\n", (unsigned long long)st->conn_other);
	if (st->conn_other)
		fprintf(out, "connect_other_errno=%d\n", st->conn_other_errno);
	fprintf(out, "socket_failed=%llu\n", (unsigned long long)st->socket_failed);
	fprintf(out, "behind_connects=%llu\n", (unsigned long long)st->behind_connects);
	fprintf(out, "connect_mean_us=%.1f\n", st->connects ? (double)st->lat_sum_ns / 1000.0 / (double)st->connects : 0);
	fprintf(out, "connect_p50_us=%.0f\n", percentile(0.50));
	fprintf(out, "connect_p90_us=%.0f\n", percentile(0.90));
	fprintf(out, "connect_p99_us=%.0f\n", percentile(0.99));
	fprintf(out, "connect_p999_us=%.0f\n", percentile(0.999));
	fprintf(out, "connect_max_us=%.0f\n", (double)st->lat_max_ns / 1000.0);
	/* Its own CPU (the connects' kernel side, audit records included) and
	 * its children's (the /bin/true execs). */
	getrusage(RUSAGE_SELF, &ru);
	fprintf(out, "self_user_s=%.3f\nself_sys_s=%.3f\n", tv_s(ru.ru_utime), tv_s(ru.ru_stime));
	getrusage(RUSAGE_CHILDREN, &ru);
	fprintf(out, "children_user_s=%.3f\nchildren_sys_s=%.3f\n", tv_s(ru.ru_utime), tv_s(ru.ru_stime));
	if (out != stdout)
		fclose(out);
	return 0;
}
