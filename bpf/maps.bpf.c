/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The single definition of the maps and knobs declared in common.bpf.h. */
#define LS_DEFINE_MAPS
#include "common.bpf.h"
#include "stacks.bpf.h"

const volatile __u32 ls_shard_shift = 6;
const volatile __u32 ls_wakeup_bytes = LS_RING_TEMPLATE_BYTES / 4;
const volatile __u64 ls_stack_threshold_ns = 0;

char LICENSE[] SEC("license") = "GPL";

/* Anchors that put the shared record types into the object's BTF, so tools
 * (and tests/unit/test_record.c) can check both sides agree on the layout. */
const struct ls_rec *ls_btf_rec __attribute__((unused));
const struct ls_pcpu *ls_btf_pcpu __attribute__((unused));
const struct ls_rec_hrtimer *ls_btf_rec_hrtimer __attribute__((unused));
const struct ls_rec_ipi *ls_btf_rec_ipi __attribute__((unused));
