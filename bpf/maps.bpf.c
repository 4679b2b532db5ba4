/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The single definition of the maps and knobs declared in common.bpf.h. */
#define LS_DEFINE_MAPS
#include "common.bpf.h"

const volatile __u32 ls_shard_shift = 6;
const volatile __u32 ls_wakeup_bytes = LS_RING_TEMPLATE_BYTES / 4;

char LICENSE[] SEC("license") = "GPL";
