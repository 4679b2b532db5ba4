/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The design floor for bench/sched.sh (config wk-floor): the least any BPF
 * tracer of the sched_waking -> switch-in interval has to do, with nothing
 * of latscope's around it. At sched_waking, find the woken task's slot
 * (task local storage, the cheapest per-task lookup) and read the clock; at
 * sched_switch, look up the incoming task's slot, read the clock again and
 * count the interval in a per-CPU log2 histogram. No culprit, no class, no
 * ring buffer: latscoped's cost minus this one is what its features cost.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct task_struct {
	int pid;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} waking_ts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[64]);
} hist SEC(".maps");

SEC("tp_btf/sched_waking")
int BPF_PROG(floor_waking, struct task_struct *p)
{
	__u64 *ts = bpf_task_storage_get(&waking_ts, p, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (ts)
		*ts = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(floor_switch, _Bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u64 *ts = bpf_task_storage_get(&waking_ts, next, NULL, 0), d;
	__u32 zero = 0, b = 0;
	__u64 *h;

	if (!ts || !*ts)
		return 0;
	d = bpf_ktime_get_ns() - *ts;
	*ts = 0;
	h = bpf_map_lookup_elem(&hist, &zero);
	if (!h)
		return 0;
	/* log2 without a loop (clang's BPF backend has no clz) */
	if (d >> 32) { d >>= 32; b += 32; }
	if (d >> 16) { d >>= 16; b += 16; }
	if (d >> 8) { d >>= 8; b += 8; }
	if (d >> 4) { d >>= 4; b += 4; }
	if (d >> 2) { d >>= 2; b += 2; }
	if (d >> 1) b += 1;
	h[b & 63]++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
