/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The floor for bench/sched.sh: empty tp_btf programs on the tracepoints
 * latscope's wakeup family uses. What they cost is what running any program
 * there costs on this kernel, before a single instruction of latscope's.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("tp_btf/sched_waking")
int floor_waking(void *ctx) { return 0; }

SEC("tp_btf/sched_migrate_task")
int floor_migrate_task(void *ctx) { return 0; }

SEC("tp_btf/sched_wakeup_new")
int floor_wakeup_new(void *ctx) { return 0; }

SEC("tp_btf/sched_switch")
int floor_switch(void *ctx) { return 0; }

char LICENSE[] SEC("license") = "GPL";
