/*
 * Interrupt-heavy workload for bench/run.sh. Runs for a fixed time and
 * prints how many operations it completed, so the same run with and without
 * the tracer gives the added cost per operation.
 *
 *   udp: two threads on different CPUs bounce a datagram over loopback,
 *        busy-polling (no sleep, no idle): every hop raises and runs
 *        NET_RX on the sending CPU, on the critical path.
 *   ipi: one thread spins on CPU 1 while CPU 0 issues
 *        membarrier(PRIVATE_EXPEDITED), one call-function IPI per call.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static atomic_int stop;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % sysconf(_SC_NPROCESSORS_ONLN), &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int udp_socket(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof(*addr)) ||
	    getsockname(fd, (struct sockaddr *)addr, &len)) {
		perror("udp socket");
		exit(1);
	}
	return fd;
}

struct peer {
	int fd;
	struct sockaddr_in to;
	int cpu;
	long ops;
	int serve; /* echo side */
};

static void *udp_thread(void *p)
{
	struct peer *pe = p;
	char buf[64] = "ping";
	long misses = 0;

	pin(pe->cpu);
	if (!pe->serve)
		sendto(pe->fd, buf, 32, 0, (struct sockaddr *)&pe->to, sizeof(pe->to));
	while (!atomic_load(&stop)) {
		if (recv(pe->fd, buf, sizeof(buf), MSG_DONTWAIT) < 0) {
			/* loopback does not lose datagrams unless the receive
			 * queue overflows; resend after a long silence anyway */
			if (errno == EAGAIN && !pe->serve && ++misses > 1000000) {
				misses = 0;
				sendto(pe->fd, buf, 32, 0, (struct sockaddr *)&pe->to, sizeof(pe->to));
			}
			continue;
		}
		misses = 0;
		pe->ops++;
		sendto(pe->fd, buf, 32, 0, (struct sockaddr *)&pe->to, sizeof(pe->to));
	}
	return NULL;
}

static long run_udp(double secs)
{
	struct peer a = { .cpu = 0 }, b = { .cpu = 1, .serve = 1 };
	pthread_t ta, tb;

	a.fd = udp_socket(&b.to);
	b.fd = udp_socket(&a.to);
	pthread_create(&tb, NULL, udp_thread, &b);
	pthread_create(&ta, NULL, udp_thread, &a);
	usleep(secs * 1e6);
	atomic_store(&stop, 1);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	close(a.fd);
	close(b.fd);
	return a.ops;
}

static void *spinner(void *p)
{
	(void)p;
	pin(1);
	while (!atomic_load(&stop))
		;
	return NULL;
}

static long run_ipi(double secs)
{
	double end = now_s() + secs;
	pthread_t t;
	long ops = 0;

	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0)) {
		perror("membarrier register");
		exit(1);
	}
	pthread_create(&t, NULL, spinner, NULL);
	pin(0);
	while (now_s() < end) {
		int i;

		for (i = 0; i < 256; i++)
			syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
		ops += 256;
	}
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	return ops;
}

int main(int argc, char **argv)
{
	double secs = argc > 2 ? atof(argv[2]) : 0;
	double t0;
	long ops;

	if (argc != 3 || secs <= 0 || (strcmp(argv[1], "udp") && strcmp(argv[1], "ipi"))) {
		fprintf(stderr, "usage: irqload udp|ipi SECONDS\n");
		return 2;
	}
	t0 = now_s();
	ops = !strcmp(argv[1], "udp") ? run_udp(secs) : run_ipi(secs);
	printf("ops %ld seconds %.6f\n", ops, now_s() - t0);
	return 0;
}
