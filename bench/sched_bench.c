/*
 * Context-switch-heavy workload for bench/sched.sh. Two threads pinned to
 * one CPU, so every operation is a same-CPU sched_switch and nothing else
 * runs in between; runs for a fixed time and prints
 *   MODE OPS SWITCHES
 * (SWITCHES: the two threads' voluntary + involuntary context switches,
 * from getrusage(RUSAGE_THREAD)), so a run with and one without a tracer
 * give the added cost per sched_switch.
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
#include <unistd.h>

static atomic_int stop;
static int cpu;

struct worker {
	int rfd, wfd;
	int first;          /* pipe: starts the ping-pong and ends it */
	long ops;
	long switches;
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
	long s0;

	pin();
	s0 = my_switches();
	if (w->first) {
		while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
			xwrite(w->wfd, 'p');
			xread(w->rfd);
			w->ops++;
		}
		xwrite(w->wfd, 'q');
	} else {
		while (xread(w->rfd) != 'q')
			xwrite(w->wfd, 'p');
	}
	w->switches = my_switches() - s0;
	return NULL;
}

static void *yield_worker(void *p)
{
	struct worker *w = p;
	long s0;

	pin();
	s0 = my_switches();
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		sched_yield();
		w->ops++;
	}
	w->switches = my_switches() - s0;
	return NULL;
}

int main(int argc, char **argv)
{
	struct worker w[2];
	pthread_t th[2];
	int ab[2], ba[2], i;
	double secs;

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
	usleep((useconds_t)(secs * 1e6));
	atomic_store(&stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	printf("%s %ld %ld\n", argv[1], w[0].ops + (argv[1][0] == 'y' ? w[1].ops : 0),
	       w[0].switches + w[1].switches);
	return 0;
}
