/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The few kernel structures latscope's BPF programs read, with only the
 * fields they use. preserve_access_index makes every access a CO-RE
 * relocation: libbpf finds the real offsets in the running kernel's BTF at
 * load time, so these need not match any kernel's layout (docs/design.md).
 */
#ifndef LATSCOPE_CORE_TYPES_H
#define LATSCOPE_CORE_TYPES_H

#include <linux/types.h>

typedef __s64 ktime_t;

struct timerqueue_node {
	ktime_t expires;
} __attribute__((preserve_access_index));

struct hrtimer_clock_base {
	ktime_t offset;  /* this base's clock minus CLOCK_MONOTONIC */
} __attribute__((preserve_access_index));

struct hrtimer {
	struct timerqueue_node node;
	ktime_t _softexpires;
	void *function;
	struct hrtimer_clock_base *base;
	__u8 is_soft;  /* since 4.16; probed with bpf_core_field_exists */
} __attribute__((preserve_access_index));

struct thread_info {
	__u32 cpu;     /* task_cpu() on x86 since 5.16 */
} __attribute__((preserve_access_index));

struct task_struct {
	struct thread_info thread_info;
	int pid;
	int tgid;
	int prio;      /* effective: < 0 deadline, < 100 RT */
	int on_rq;     /* 0: dequeued (asleep, or going to sleep) */
	unsigned long nvcsw, nivcsw; /* times switched out: blocked, preempted */
	char comm[16];
	struct task_struct *group_leader;
} __attribute__((preserve_access_index));

/* Before 5.16 task_cpu() read task_struct::cpu. */
struct task_struct___cpu {
	unsigned int cpu;
} __attribute__((preserve_access_index));

struct hrtimer_sleeper {
	struct hrtimer timer;
	struct task_struct *task;
} __attribute__((preserve_access_index));

#endif
