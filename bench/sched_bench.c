/*
 * Context-switch-heavy workload for bench/sched.sh. Two threads pinned to
 * one CPU, so every operation is a same-CPU sched_switch between them; runs
 * for a fixed time and prints
 *   MODE OPS SWITCHES CPU_NS P10_NS_PER_OP
 * SWITCHES: the two threads' voluntary + involuntary context switches
 * (getrusage(RUSAGE_THREAD)); CPU_NS: the CPU time both threads used
 * (CLOCK_THREAD_CPUTIME_ID, the scheduler's exact runtime). Tracepoint
 * programs run in the context of these threads (sched_waking in the
 * waker's, sched_switch charged to the incoming task), so CPU time per
 * operation with and without a tracer gives the added cost per event.
 * On a shared machine other work still disturbs some of that time (cache
 * misses, the hypervisor): the run is cut into SLICE_MS slices and
 * P10_NS_PER_OP is the 10th percentile of the slices' CPU ns per
 * operation, a figure the disturbed slices do not move.
 *
 *   pipe:  ping-pong of one byte over two pipes: each round trip is two
 *          wakeups and two switches, each switch completing a wakeup.
 *   yield: both threads call sched_yield(): one switch per call and no
 *          wakeup at all (the switched-out thread stays runnable).
 *
 *   sched_bench pipe|yield SECONDS [CPU]
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define SLICE_MS 20
#define MAX_SLICES 100000

static atomic_int stop;
static atomic_long ops_now; /* operations so far, both threads */
static int cpu;

struct worker {
	int rfd, wfd;
	int first;          /* pipe: starts the ping-pong and ends it */
	long ops;
	long switches;
	long long cpu_ns;
};

static void pin(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set)) {
		fprintf(stderr, "sched_bench: cannot pin to CPU %d\n", cpu);
		exit(1);
	}
}

static long my_switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

static long long cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void xwrite(int fd, char c)
{
	if (write(fd, &c, 1) != 1) {
		perror("sched_bench: write");
		exit(1);
	}
}

static char xread(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1) {
		perror("sched_bench: read");
		exit(1);
	}
	return c;
}

static void *pipe_worker(void *p)
{
	struct worker *w = p;
	long long c0;
	long s0;

	pin();
	s0 = my_switches();
	c0 = cpu_now();
	if (w->first) {
		while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
			xwrite(w->wfd, 'p');
			xread(w->rfd);
			w->ops++;
			atomic_fetch_add_explicit(&ops_now, 1, memory_order_relaxed);
		}
		xwrite(w->wfd, 'q');
	} else {
		while (xread(w->rfd) != 'q')
			xwrite(w->wfd, 'p');
	}
	w->switches = my_switches() - s0;
	w->cpu_ns = cpu_now() - c0;
	return NULL;
}

static void *yield_worker(void *p)
{
	struct worker *w = p;
	long long c0;
	long s0;

	pin();
	s0 = my_switches();
	c0 = cpu_now();
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		sched_yield();
		w->ops++;
		atomic_fetch_add_explicit(&ops_now, 1, memory_order_relaxed);
	}
	w->switches = my_switches() - s0;
	w->cpu_ns = cpu_now() - c0;
	return NULL;
}

static long long thread_cpu(pthread_t th)
{
	struct timespec ts;
	clockid_t id;

	if (pthread_getcpuclockid(th, &id) || clock_gettime(id, &ts))
		return 0;
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* CPU ns per operation of each SLICE_MS slice until secs have passed;
 * returns the 10th percentile. */
static double sample_slices(pthread_t th[2], double secs)
{
	static double per_op[MAX_SLICES];
	long n = 0, slices = secs * 1000 / SLICE_MS, ops0 = atomic_load(&ops_now), ops1;
	long long cpu0 = thread_cpu(th[0]) + thread_cpu(th[1]), cpu1;

	if (slices > MAX_SLICES)
		slices = MAX_SLICES;
	for (long i = 0; i < slices; i++) {
		usleep(SLICE_MS * 1000);
		ops1 = atomic_load(&ops_now);
		cpu1 = thread_cpu(th[0]) + thread_cpu(th[1]);
		if (ops1 > ops0)
			per_op[n++] = (double)(cpu1 - cpu0) / (ops1 - ops0);
		ops0 = ops1;
		cpu0 = cpu1;
	}
	if (!n)
		return 0;
	qsort(per_op, n, sizeof(per_op[0]), cmp_double);
	return per_op[n / 10];
}

int main(int argc, char **argv)
{
	struct worker w[2];
	pthread_t th[2];
	int ab[2], ba[2], i;
	double secs, p10;

	if (argc < 3 || argc > 4 || (strcmp(argv[1], "pipe") && strcmp(argv[1], "yield"))) {
		fprintf(stderr, "usage: sched_bench pipe|yield SECONDS [CPU]\n");
		return 2;
	}
	secs = atof(argv[2]);
	cpu = argc == 4 ? atoi(argv[3]) : (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	if (secs <= 0 || cpu < 0 || pipe(ab) || pipe(ba)) {
		fprintf(stderr, "sched_bench: bad arguments or no pipes\n");
		return 2;
	}
	memset(w, 0, sizeof(w));
	w[0] = (struct worker){ .rfd = ba[0], .wfd = ab[1], .first = 1 };
	w[1] = (struct worker){ .rfd = ab[0], .wfd = ba[1] };
	for (i = 0; i < 2; i++)
		if (pthread_create(&th[i], NULL, argv[1][0] == 'p' ? pipe_worker : yield_worker,
				   &w[i])) {
			fprintf(stderr, "sched_bench: pthread_create failed\n");
			return 1;
		}
	p10 = sample_slices(th, secs);
	atomic_store(&stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	printf("%s %ld %ld %lld %.1f\n", argv[1], w[0].ops + (argv[1][0] == 'y' ? w[1].ops : 0),
	       w[0].switches + w[1].switches, w[0].cpu_ns + w[1].cpu_ns, p10);
	return 0;
}
