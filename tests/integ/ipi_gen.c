/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ipi_gen: cross-CPU IPIs from a known thread, for tests/integ/test_ipi.sh.
 *
 *   ipi_gen SENDER_CPU TARGET_CPU N OUT
 *
 * A spinner thread runs on TARGET_CPU in this process's address space,
 * which is what makes the kernel IPI that CPU: the main thread, pinned to
 * SENDER_CPU, then calls membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) N
 * times (an smp call to every CPU running this mm) and changes the
 * protection of a page the spinner keeps reading N times (a TLB shootdown
 * each). A call finds the spinner switched out now and then (the machine
 * is shared), and then sends no IPI: the counts to compare come from the
 * kernel's own trace, this only makes them plentiful and attributable.
 *
 * OUT gets "SENDER_TID MEMBARRIERS MPROTECTS". Exit 0, 1 on a failed
 * system call, 2 on usage.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_int stop, ready;
static volatile char *page;
static int target_cpu;

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void *spin(void *arg)
{
	unsigned sum = 0;

	(void)arg;
	if (pin(target_cpu)) {
		perror("ipi_gen: pinning the spinner");
		exit(1);
	}
	/* stay on the CPU while the main thread sends (best effort: the run
	 * is short; without it the spinner is merely switched out more) */
	sched_setscheduler(0, SCHED_FIFO, &(struct sched_param){ .sched_priority = 1 });
	atomic_store(&ready, 1);
	while (!atomic_load_explicit(&stop, memory_order_relaxed))
		sum += page[0]; /* keeps a TLB entry for the page on this CPU */
	return (void *)(uintptr_t)sum;
}

static int membarrier(int cmd)
{
	return (int)syscall(__NR_membarrier, cmd, 0, 0);
}

int main(int argc, char **argv)
{
	long ps = sysconf(_SC_PAGESIZE);
	int sender_cpu, n, i;
	pthread_t th;
	FILE *out;

	if (argc != 5) {
		fprintf(stderr, "usage: ipi_gen SENDER_CPU TARGET_CPU N OUT\n");
		return 2;
	}
	sender_cpu = atoi(argv[1]);
	target_cpu = atoi(argv[2]);
	n = atoi(argv[3]);
	if (n <= 0 || sender_cpu < 0 || target_cpu < 0 || sender_cpu == target_cpu) {
		fprintf(stderr, "ipi_gen: need N > 0 and two different CPUs\n");
		return 2;
	}
	page = mmap(NULL, ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		perror("ipi_gen: mmap");
		return 1;
	}
	page[0] = 1;
	if (pin(sender_cpu) || membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED)) {
		perror("ipi_gen: pinning / registering for membarrier");
		return 1;
	}
	errno = pthread_create(&th, NULL, spin, NULL);
	if (errno) {
		perror("ipi_gen: pthread_create");
		return 1;
	}
	while (!atomic_load(&ready))
		sched_yield();
	for (i = 0; i < n; i++)
		if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)) {
			perror("ipi_gen: membarrier");
			return 1;
		}
	for (i = 0; i < n; i++)
		if (mprotect((void *)page, ps, i % 2 ? PROT_READ | PROT_WRITE : PROT_READ)) {
			perror("ipi_gen: mprotect");
			return 1;
		}
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	out = fopen(argv[4], "w");
	if (!out || fprintf(out, "%ld %d %d\n", (long)syscall(SYS_gettid), n, n) < 0 ||
	    fclose(out)) {
		perror("ipi_gen: writing OUT");
		return 1;
	}
	return 0;
}
