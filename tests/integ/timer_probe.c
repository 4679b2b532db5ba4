/*
 * timer_probe N PERIOD_US OUT: ground truth for hrtimer lateness. A thread
 * sleeps N times with clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) on a
 * fixed period and measures, with clock_gettime right after each wakeup, how
 * late it woke against the requested time. Writes "tid N" then one line per
 * wakeup to OUT: "requested_ns lateness_ns" (CLOCK_MONOTONIC). The kernel sees the expiry before userspace runs, so
 * latscope's lateness for each of these wakeups can only be smaller.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long ns_of(const struct timespec *t)
{
	return t->tv_sec * 1000000000ll + t->tv_nsec;
}

int main(int argc, char **argv)
{
	struct timespec next, now;
	long long *late, *req;
	long n, period_ns, i;
	FILE *out;

	if (argc != 4 || (n = atol(argv[1])) <= 0 || (period_ns = atol(argv[2]) * 1000) <= 0) {
		fprintf(stderr, "usage: timer_probe N PERIOD_US OUT\n");
		return 2;
	}
	late = calloc(n, sizeof(*late));
	req = calloc(n, sizeof(*req));
	if (!late || !req)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (i = 0; i < n; i++) {
		next.tv_nsec += period_ns;
		while (next.tv_nsec >= 1000000000) {
			next.tv_nsec -= 1000000000;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL))
			; /* EINTR: the same absolute time again */
		clock_gettime(CLOCK_MONOTONIC, &now);
		req[i] = ns_of(&next);
		late[i] = ns_of(&now) - req[i];
	}
	out = fopen(argv[3], "w");
	if (out) {
		fprintf(out, "%d %ld\n", (int)gettid(), n);
		for (i = 0; i < n; i++)
			fprintf(out, "%lld %lld\n", req[i], late[i]);
	}
	free(late);
	free(req);
	return out && !fclose(out) ? 0 : 1;
}
