/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The KVM kernel types bpf/kvm.bpf.c reads, with only the fields it uses
 * (CO-RE: offsets come from the running kernel's BTF, see core_types.h).
 * When kvm is a module these types live in the module's BTF
 * (/sys/kernel/btf/kvm), which libbpf searches after vmlinux's.
 */
#ifndef LATSCOPE_KVM_TYPES_H
#define LATSCOPE_KVM_TYPES_H

#include <linux/types.h>

/* The kvm_exit trace record (the classic tracepoint's ctx). Since 5.16 the
 * exit reason exists only here, not in the tracepoint's arguments. */
struct trace_event_raw_kvm_exit {
	unsigned int exit_reason;
	__u32 isa;
	unsigned int vcpu_id;
} __attribute__((preserve_access_index));

/* The kvm_entry trace record: vcpu_id in every kernel version. */
struct trace_event_raw_kvm_entry {
	unsigned int vcpu_id;
} __attribute__((preserve_access_index));

/* Argument of the raw kvm_exit tracepoint on kernels whose record lacks
 * vcpu_id (they pass exit_reason, vcpu, isa). */
struct kvm_vcpu {
	int vcpu_id;
} __attribute__((preserve_access_index));

#endif
