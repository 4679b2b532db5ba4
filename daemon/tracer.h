/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The BPF side seen from the daemon: open the skeleton, switch off programs
 * whose tracepoint this kernel lacks, size and create the sharded rings, load,
 * attach what can be attached, read the in-kernel counters, tear down.
 */
#ifndef LATSCOPED_TRACER_H
#define LATSCOPED_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <bpf/libbpf.h>
#include "latscope/record.h"
#include "config.h"

struct ls_tracer_opts {
	unsigned cpus_per_shard; /* power of two */
	size_t ring_bytes;       /* per shard; power of two, >= page size */
	size_t wakeup_bytes;     /* 0 = ring_bytes / 4 */
	uint64_t hrtimer_wakeup_fn; /* address of hrtimer_wakeup, 0 = unknown */
	uint64_t timerfd_fn;        /* address of timerfd_tmrproc, 0 = unknown */
	uint64_t wakeup_floor_ns;   /* shorter wakeups: counted, not emitted */
	bool wakeup_emit_all;       /* every wakeup from the floor up is emitted */
	uint64_t ipi_smp_call_fn;   /* generic_smp_call_function_single_interrupt */
	const struct ls_config *cfg; /* families to load ([tracing] families);
				      * NULL = all */
	unsigned kvm_threads;    /* vCPU threads tracked at once; 0 = default */
	uint64_t stack_threshold_ns; /* stacks for timers/IPIs this late; 0 = off */
	unsigned stack_entries;  /* stack map entries (power of two) */
};

struct ls_prog_state {
	const char *name;    /* program == tracepoint name */
	const char *family;  /* hardirq, softirq, vector, hrtimer, ipi, kvm, preemptirq,
			      * wakeup */
	bool attached;
	int fd;              /* of the loaded program, when attached */
	char reason[112];    /* why not attached */
};

struct ls_tracer {
	struct latscope_bpf *skel;
	struct ring_buffer *rb;
	int *ring_fds;
	unsigned nshards;
	unsigned cpus_per_shard;
	size_t ring_bytes;
	size_t wakeup_bytes;
	uint64_t wakeup_floor_ns;
	bool wakeup_emit_all;
	int ncpus;                 /* possible CPUs */
	struct ls_prog_state *progs;
	struct bpf_link **links;   /* parallel to progs; NULL = not attached */
	unsigned nprogs, nattached;
	bool ipi_send_side;        /* IPI send tracepoints present (>= 6.4) */
	bool ipi_irq_stat_known;   /* per-CPU offsets of irq_stat and runqueues */
	int64_t ipi_irq_stat_from_rq; /* their distance */
	void *pcpu_buf;            /* scratch for reading the per-CPU map */
	int stacks_fd, stack_stats_fd; /* bpf/stacks.bpf.h's maps, once loaded */
	struct ls_kvm *kvm;        /* KVM programs' own instance (tracer_kvm.c) */
};

/* Returns 0, or -errno with the reason logged. sample_fn gets every record. */
int ls_tracer_start(struct ls_tracer *t, const struct ls_tracer_opts *o,
		    ring_buffer_sample_fn sample_fn, void *ctx);
/* Fill per_cpu[0..ncpus-1] with each CPU's counters. */
int ls_tracer_counters(struct ls_tracer *t, struct ls_counters *per_cpu);
int ls_tracer_epoll_fd(const struct ls_tracer *t);
/* Runs of attached program i the kernel skipped because the program was
 * already running on that CPU (bpf_prog_info.recursion_misses). */
uint64_t ls_tracer_prog_misses(const struct ls_tracer *t, unsigned i);
/* Drain every ring; returns records consumed or -errno. */
int ls_tracer_drain(struct ls_tracer *t);
/* Detach every program and wait until none is still running (the maps
 * stay readable until ls_tracer_stop). */
void ls_tracer_detach(struct ls_tracer *t);
void ls_tracer_stop(struct ls_tracer *t);

#endif
