/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vCPU thread state shared by kvm.bpf.c (which opens and closes exits) and
 * sched.bpf.c, whose sched_switch program also times the switch-outs of
 * threads with an open exit, so that a switch runs one program for both
 * families. The map and globals are defined in kvm.bpf.c (which defines
 * LS_KVM_DEFINE_THREADS), declared extern everywhere else.
 */
#ifndef LATSCOPE_KVM_THREADS_BPF_H
#define LATSCOPE_KVM_THREADS_BPF_H

#include "common.bpf.h"

/* One vCPU thread. exit_ts != 0 while an exit is open. */
struct ls_kvm_thread {
	__u64 exit_ts;   /* kvm_exit of the open exit; 0 = none */
	__u64 entry_ts;  /* last kvm_entry, start of the guest run; 0 = unknown */
	__u64 guest_ns;  /* the guest run that ended in the open exit; 0 = unknown */
	__u64 off_ts;    /* switched out during the open exit since; 0 = on CPU */
	__u64 off_ns;    /* switched-out time of the open exit so far */
	__u32 reason;
	__u32 vcpu_id;
	__u32 tgid;
	__u16 cpu;       /* CPU of the open exit */
	__u8 isa;
	__u8 pad;
	char comm[16];   /* VMM process comm */
};

/* Keyed by thread id; max_entries set from latscoped --kvm-threads. A full
 * table counts the events of threads it cannot take in ls_kvm_untracked. */
#define LS_KVM_THREADS_MAP_DEF                                   \
	struct {                                                 \
		__uint(type, BPF_MAP_TYPE_HASH);                 \
		__uint(max_entries, 1024);                       \
		__type(key, __u32);                              \
		__type(value, struct ls_kvm_thread);             \
	}

#ifdef LS_KVM_DEFINE_THREADS /* only kvm.bpf.c */
#define LS_KVM_STORAGE
#else
#define LS_KVM_STORAGE extern
#endif
LS_KVM_STORAGE LS_KVM_THREADS_MAP_DEF ls_kvm_threads SEC(".maps");
LS_KVM_STORAGE __s64 ls_kvm_open_exits; /* exits open on all threads: the sched_switch filter */
LS_KVM_STORAGE __s64 ls_kvm_nthreads;   /* entries in ls_kvm_threads: the thread-exit filter */
LS_KVM_STORAGE __u64 ls_kvm_untracked;  /* kvm events of threads the full table could not take */

/* sched_switch while some exit is open: time the exit's thread is out. */
static __always_inline void kvm_handle_switch(__u64 ts, __u32 prev, __u32 next)
{
	struct ls_kvm_thread *s;

	if (prev) {
		s = bpf_map_lookup_elem(&ls_kvm_threads, &prev);
		if (s && s->exit_ts && !s->off_ts)
			s->off_ts = ts;
	}
	if (next) {
		s = bpf_map_lookup_elem(&ls_kvm_threads, &next);
		if (s && s->off_ts) {
			if (s->exit_ts && ts > s->off_ts)
				s->off_ns += ts - s->off_ts;
			s->off_ts = 0;
		}
	}
}

#endif /* LATSCOPE_KVM_THREADS_BPF_H */
