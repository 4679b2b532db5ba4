/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * gen_ftrace: writes a synthetic ftrace text of any size to stdout, for
 * checking that `latscope analyze` streams it in constant memory and pairs
 * every span of it.
 *
 *   gen_ftrace MEGABYTES [CPUS]
 *
 * The text is cycles of one pattern per CPU (tracefs `trace` format, irq-info
 * and TGID columns, ns-exact microsecond timestamps): a hardirq, a raised
 * softirq, a local_timer vector, an hrtimer armed and expiring, an IPI sent
 * to the next CPU and served, a wakeup (waking, wakeup, switch in and out),
 * a kvm exit/entry pair, an unknown event and a line of free text. Every
 * cycle uses new pids, hrtimer pointers and vCPU threads (of a few VMs),
 * and leaks one armed hrtimer that never expires, so the engine's bounded
 * tables fill and must evict. (The aggregator's own series are bounded by
 * its cap, like the daemon's: keys such as VMs, irqs and timer functions
 * are few in real traces and here.) When done, prints on stderr the records analyze must
 * find, as JSON: {"cycles": N, "hardirq": N, ...}.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	unsigned long long mb = argc > 1 ? strtoull(argv[1], NULL, 10) : 0;
	unsigned ncpus = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 4;
	uint64_t limit = (uint64_t)mb << 20, written = 0, cycles = 0, t = 1000000000ull;
	static char buf[1 << 16];

	if (!mb || !ncpus || ncpus > 4096) {
		fprintf(stderr, "usage: gen_ftrace MEGABYTES [CPUS (1..4096)]\n");
		return 2;
	}
	setvbuf(stdout, buf, _IOFBF, sizeof(buf));
	written += (uint64_t)printf("# tracer: nop\n#\n#    TASK-PID   TGID CPU#  ||||  TIMESTAMP  FUNCTION\n");
	while (written < limit) {
		for (unsigned cpu = 0; cpu < ncpus; cpu++) {
			unsigned next = (cpu + 1) % ncpus;
			/* pids 1000.. change every cycle; each CPU has its own */
			unsigned task = 1000 + (unsigned)((cycles * ncpus + cpu) % 4000000);
			unsigned woken = task + 4000000, vcpu = task + 8000000;
			uint64_t timer = 0xffff888000000000ull + (cycles * ncpus + cpu) * 64;
			int n = 0;

#define L(fmt, ...)                                                                      \
	n += printf("%16s-%-7u (%7u) [%03u] %s %6llu.%06llu: " fmt "\n", "worker", task,  \
		    task, cpu, "d.h1.", (unsigned long long)(t / 1000000000),             \
		    (unsigned long long)(t % 1000000000 / 1000), __VA_ARGS__);            \
	t += 1000
/* vCPU threads come and go (new tids), in one VM process (tgid) per CPU
 * pair: the aggregator keys KVM exits by VM and vCPU, as VMs are few */
#define LT(pid, c, fmt, ...)                                                             \
	n += printf("%16s-%-7u (%7u) [%03u] %s %6llu.%06llu: " fmt "\n", "CPU 0/KVM", pid, \
		    7000 + (c) / 2, c, "d..1.", (unsigned long long)(t / 1000000000),    \
		    (unsigned long long)(t % 1000000000 / 1000), __VA_ARGS__);            \
	t += 1000

			L("irq_handler_entry: irq=%u name=eth%u", 30 + cpu % 8, cpu % 8);
			L("irq_handler_exit: irq=%u ret=handled", 30 + cpu % 8);
			L("softirq_raise: vec=3 [action=%s]", "NET_RX");
			L("softirq_entry: vec=3 [action=%s]", "NET_RX");
			L("softirq_exit: vec=3 [action=%s]", "NET_RX");
			L("local_timer_entry: vector=%d", 236);
			L("hrtimer_start: hrtimer=%016llx function=tick_nohz_handler expires=%llu "
			  "softexpires=%llu mode=ABS|PINNED|HARD was_armed=0",
			  (unsigned long long)timer, (unsigned long long)t + 1500,
			  (unsigned long long)t + 1500);
			L("hrtimer_expire_entry: hrtimer=%016llx function=tick_nohz_handler now=%llu",
			  (unsigned long long)timer, (unsigned long long)t + 3000);
			L("hrtimer_expire_exit: hrtimer=%016llx", (unsigned long long)timer);
			/* armed, never expires nor is cancelled */
			L("hrtimer_start: hrtimer=%016llx function=it_real_fn expires=%llu "
			  "softexpires=%llu mode=ABS was_armed=0", (unsigned long long)timer + 32,
			  (unsigned long long)t * 2, (unsigned long long)t * 2);
			L("local_timer_exit: vector=%d", 236);
			L("ipi_send_cpu: cpu=%u callsite=ttwu_queue_wakelist+0x1a/0x40 "
			  "callback=generic_smp_call_function_single_interrupt+0x0/0x10", next);
			n += printf("%16s-%-7u (%7u) [%03u] %s %6llu.%06llu: %s\n", "<idle>", 0u, 0u,
				    next, "d.h1.", (unsigned long long)(t / 1000000000),
				    (unsigned long long)(t % 1000000000 / 1000),
				    "call_function_single_entry: vector=251");
			t += 1000;
			n += printf("%16s-%-7u (%7u) [%03u] %s %6llu.%06llu: %s\n", "<idle>", 0u, 0u,
				    next, "d.h1.", (unsigned long long)(t / 1000000000),
				    (unsigned long long)(t % 1000000000 / 1000),
				    "call_function_single_exit: vector=251");
			t += 1000;
			L("sched_waking: comm=sleeper %u pid=%u prio=120 target_cpu=%03u", woken, woken, cpu);
			L("sched_wakeup: comm=sleeper %u pid=%u prio=120 target_cpu=%03u", woken, woken, cpu);
			L("sched_switch: prev_comm=worker prev_pid=%u prev_prio=120 prev_state=S ==> "
			  "next_comm=sleeper %u next_pid=%u next_prio=120", task, woken, woken);
			L("sched_switch: prev_comm=sleeper %u prev_pid=%u prev_prio=120 prev_state=S "
			  "==> next_comm=worker next_pid=%u next_prio=120", woken, woken, task);
			LT(vcpu, cpu, "kvm_entry: vcpu %u, rip 0xffffffff81000000 intr_info 0x00000000 "
			   "error_code 0x00000000", cpu);
			LT(vcpu, cpu, "kvm_exit: vcpu %u reason EPT_VIOLATION rip 0xffffffff81000010 "
			   "info1 0x0000000000000181 info2 0x0000000000000000 intr_info 0x00000000 "
			   "error_code 0x00000000 requests 0x0000000000000000", cpu);
			LT(vcpu, cpu, "kvm_entry: vcpu %u, rip 0xffffffff81000010 intr_info 0x00000000 "
			   "error_code 0x00000000", cpu);
			L("sys_enter: NR %u (0, 0, 0, 0, 0, 0)", cpu);
			n += printf("free text between the lines, as in a mail %llu\n",
				    (unsigned long long)cycles);
			written += (uint64_t)n;
		}
		cycles++;
	}
	if (fflush(stdout) || ferror(stdout))
		return 1;
	/* per cycle and CPU: one of each family; the first kvm_entry of each
	 * new vCPU thread closes no exit */
	fprintf(stderr, "{\"cycles\": %llu, \"hardirq\": %llu, \"softirq\": %llu, "
		"\"vector\": %llu, \"hrtimer\": %llu, \"ipi\": %llu, \"wakeup\": %llu, "
		"\"kvm_exit\": %llu, \"kvm_unpaired\": %llu, \"leaked_timers\": %llu}\n",
		(unsigned long long)cycles, (unsigned long long)(cycles * ncpus),
		(unsigned long long)(cycles * ncpus), (unsigned long long)(2 * cycles * ncpus),
		(unsigned long long)(cycles * ncpus), (unsigned long long)(cycles * ncpus),
		(unsigned long long)(cycles * ncpus), (unsigned long long)(cycles * ncpus),
		(unsigned long long)(cycles * ncpus), (unsigned long long)(cycles * ncpus));
	return 0;
}
