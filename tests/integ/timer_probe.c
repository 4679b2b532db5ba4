/*
 * Ground truth for hrtimer lateness and cancels.
 *
 * timer_probe N PERIOD_US OUT [TFD_OUT]: a thread sleeps N times with
 * clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) on a fixed period and
 * measures, with clock_gettime right after each wakeup, how late it woke
 * against the requested time. With TFD_OUT, the same thread then arms a
 * periodic CLOCK_MONOTONIC timerfd (absolute first expiry, same period) and
 * measures each of N expirations the same way: poll(2) returns at an
 * expiry, clock_gettime, then read(2) takes the ticks and re-arms the timer
 * (a late read skips periods: the ticks say how many, so the requested time
 * of every expiry is known). The last expiry is not read: the timer is
 * disarmed instead, so exactly N expirations happen.
 * Each OUT file: "tid N", then one line per wakeup/expiry:
 * "requested_ns lateness_ns" (CLOCK_MONOTONIC). The kernel sees an expiry
 * before userspace runs, so latscope's lateness for each can only be
 * smaller.
 *
 * timer_probe --cancel K OUT: arms one timerfd 200 ms ahead and disarms it
 * before it expires, K times: K hrtimer_cancel of a pending
 * timerfd_tmrproc timer. OUT: "tid K" (K only counts disarms that found the
 * timer still pending).
 */
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static long long ns_of(const struct timespec *t)
{
	return t->tv_sec * 1000000000ll + t->tv_nsec;
}

static struct timespec ts_of(long long ns)
{
	struct timespec t = { .tv_sec = ns / 1000000000ll, .tv_nsec = ns % 1000000000ll };

	return t;
}

static int write_out(const char *path, long n, const long long *req, const long long *late)
{
	FILE *out = fopen(path, "w");
	long i;

	if (!out)
		return -1;
	fprintf(out, "%d %ld\n", (int)gettid(), n);
	for (i = 0; i < n; i++)
		fprintf(out, "%lld %lld\n", req[i], late[i]);
	return fclose(out);
}

static void sleeps(long n, long period_ns, long long *req, long long *late)
{
	struct timespec next, now;
	long i;

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
}

static int timerfd_expiries(long n, long period_ns, long long *req, long long *late)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct itimerspec its = { .it_interval = ts_of(period_ns) }, off = { 0 };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec now;
	long long t0, period = 1; /* index of the pending expiry's period */
	uint64_t ticks;
	long i;

	if (fd < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	t0 = ns_of(&now);
	its.it_value = ts_of(t0 + period_ns);
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL))
		return -1;
	for (i = 0; i < n; i++) {
		while (poll(&pfd, 1, -1) != 1)
			; /* EINTR */
		clock_gettime(CLOCK_MONOTONIC, &now);
		req[i] = t0 + period * period_ns;
		late[i] = ns_of(&now) - req[i];
		if (i == n - 1)
			break; /* expired and not re-armed: disarming cancels nothing */
		if (read(fd, &ticks, sizeof(ticks)) != sizeof(ticks) || !ticks)
			return -1;
		period += (long long)ticks;
	}
	if (timerfd_settime(fd, 0, &off, NULL))
		return -1;
	return close(fd);
}

static int cancels(long k, const char *path)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct itimerspec arm = { .it_value = ts_of(200000000) }, off = { 0 }, old;
	long i, pending = 0;
	FILE *out;

	if (fd < 0)
		return 1;
	for (i = 0; i < k; i++) {
		if (timerfd_settime(fd, 0, &arm, NULL) || timerfd_settime(fd, 0, &off, &old))
			return 1;
		pending += old.it_value.tv_sec || old.it_value.tv_nsec;
	}
	close(fd);
	out = fopen(path, "w");
	if (!out)
		return 1;
	fprintf(out, "%d %ld\n", (int)gettid(), pending);
	return fclose(out) ? 1 : 0;
}

int main(int argc, char **argv)
{
	long long *late, *req;
	long n, period_ns;
	int rc = 0;

	if (argc == 4 && !strcmp(argv[1], "--cancel") && (n = atol(argv[2])) > 0)
		return cancels(n, argv[3]);
	if ((argc != 4 && argc != 5) || (n = atol(argv[1])) <= 0 ||
	    (period_ns = atol(argv[2]) * 1000) <= 0) {
		fprintf(stderr, "usage: timer_probe N PERIOD_US OUT [TFD_OUT]\n"
				"       timer_probe --cancel K OUT\n");
		return 2;
	}
	late = calloc(n, sizeof(*late));
	req = calloc(n, sizeof(*req));
	if (!late || !req)
		return 1;
	sleeps(n, period_ns, req, late);
	if (write_out(argv[3], n, req, late))
		rc = 1;
	if (argc == 5 && (timerfd_expiries(n, period_ns, req, late) ||
			  write_out(argv[4], n, req, late))) {
		perror("timer_probe: timerfd");
		rc = 1;
	}
	free(late);
	free(req);
	return rc;
}
