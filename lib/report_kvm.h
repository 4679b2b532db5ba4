/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The `kvm` view (docs/protocol.md): KVM exits per reason (count, share of
 * exits and of time, min/avg/p50/p99/max, on-CPU vs switched-out) and guest
 * vs host time per vCPU, from the aggregator's KVM table. Served by the
 * daemon; offline analysis prints the same object.
 */
#ifndef LATSCOPE_REPORT_KVM_H
#define LATSCOPE_REPORT_KVM_H

#include <stdint.h>
#include <json-c/json.h>
#include "agg.h"

enum ls_kvm_sort {
	LS_KVM_SORT_COUNT,
	LS_KVM_SORT_TOTAL,
	LS_KVM_SORT_P99,
	LS_KVM_SORT_MAX,
};

#define LS_KVM_SORT_DEFAULT LS_KVM_SORT_TOTAL
#define LS_KVM_SORT_NAMES "count, total, p99, max"

/* "count", "total", "p99", "max" -> *out; -1 if none of those. */
int ls_kvm_sort_parse(const char *name, enum ls_kvm_sort *out);

/* vm (tgid) / vcpu < 0: all. Reasons sorted by `sort`, largest first. */
json_object *ls_report_kvm(const struct ls_agg *a, int64_t vm, int64_t vcpu,
			   enum ls_kvm_sort sort);

#endif
