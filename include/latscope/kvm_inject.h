/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Context of the kvm_inject BPF program (bpf/kvm.bpf.c): one synthetic KVM
 * event with every value the live tracepoints would take from the running
 * CPU and task given explicitly. The program runs the same in-kernel pairing
 * code as kvm_exit/kvm_entry/sched_switch, so a test can drive that code,
 * the ring buffer, the daemon, the socket and the CLI on a host where KVM
 * never exits (docs/design.md, "KVM exits").
 *
 * It is run only through BPF_PROG_TEST_RUN by a caller that can get the
 * program's fd (root): it is never attached to anything. It refuses thread
 * and process ids a real task can have (<= LS_KVM_INJECT_MIN_ID - 1), so
 * synthetic events can never touch the pairing state of a real vCPU thread.
 */
#ifndef LATSCOPE_KVM_INJECT_H
#define LATSCOPE_KVM_INJECT_H

#include <linux/types.h>

/* PID_MAX_LIMIT on 64-bit kernels is 4194304 (2^22): no real task has an
 * id at or above it. */
#define LS_KVM_INJECT_MIN_ID (1u << 22)

enum ls_kvm_inject_type {
	LS_KVM_INJ_EXIT = 1,      /* kvm_exit of tid: reason, isa, vcpu_id, cpu */
	LS_KVM_INJ_ENTRY = 2,     /* kvm_entry of tid: vcpu_id */
	LS_KVM_INJ_SWITCH = 3,    /* sched_switch from tid to next_tid */
	LS_KVM_INJ_TASK_EXIT = 4, /* thread tid exits (sched_process_exit) */
};

struct ls_kvm_inject {
	__u64 ts;        /* event time, CLOCK_MONOTONIC ns, non-zero */
	__u32 type;      /* enum ls_kvm_inject_type */
	__u32 cpu;       /* CPU the event happened on */
	__u32 tid;       /* the vCPU thread (switch: the task switched out) */
	__u32 tgid;      /* its process, the VM */
	__u32 next_tid;  /* switch: the task switched in */
	__u32 reason;    /* exit: exit reason as the tracepoint gives it */
	__u32 vcpu_id;
	__u32 isa;       /* LS_KVM_ISA_* */
	char comm[16];   /* VMM process comm (used when tid is first seen) */
};

#endif
