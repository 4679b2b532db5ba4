/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The KVM table of the aggregator: KVM exits need more axes than the generic
 * (class, cpu, key) series, so every LS_K_KVM_EXIT record that ls_agg_add
 * receives (live from the rings or built by offline analysis) also lands
 * here, keyed by (VM tgid, vcpu_id, isa, exit reason). Bounded like the
 * generic series: past the cap, new keys fold into one "other" entry
 * (all four key fields LS_KEY_OTHER / isa unknown) and are counted.
 */
#ifndef LATSCOPE_AGG_KVM_H
#define LATSCOPE_AGG_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "agg.h"
#include "hist.h"

struct ls_kvm_series {
	uint32_t tgid;        /* the VM (its VMM process); LS_KEY_OTHER = folded */
	uint32_t vcpu;
	uint32_t reason;      /* as kvm_exit gives it (VMX: with flag bits) */
	uint8_t isa;          /* LS_KVM_ISA_* */
	char comm[16];        /* VMM comm, latest seen */
	struct ls_hist cost;  /* exit cost, kvm_exit -> kvm_entry (completed exits) */
	struct ls_hist on_cpu; /* exit cost minus the time switched out */
	struct ls_hist guest; /* guest runs that ended in this exit (open ones too) */
	uint64_t open;        /* exits with no entry before the input ended */
	uint64_t open_guest;  /* ... of which with a known guest run */
	uint64_t open_guest_ns; /* ... and the sum of those runs */
};

struct ls_kvm_stats {
	uint64_t records;        /* LS_K_KVM_EXIT records fed */
	uint64_t series;
	uint64_t overflow;       /* records folded into the "other" entry */
	uint64_t alloc_failures; /* values lost to ENOMEM */
};

struct ls_kvm_table;

struct ls_kvm_table *ls_kvm_table_new(size_t max_series);
void ls_kvm_table_free(struct ls_kvm_table *t);
void ls_kvm_table_add(struct ls_kvm_table *t, const struct ls_rec_kvm *r);
typedef int (*ls_kvm_series_fn)(const struct ls_kvm_series *s, void *ctx);
/* Order unspecified; non-zero from fn stops. */
int ls_kvm_table_foreach(const struct ls_kvm_table *t, ls_kvm_series_fn fn, void *ctx);
void ls_kvm_table_stats(const struct ls_kvm_table *t, struct ls_kvm_stats *st);

/* Restore (state file): merge a saved series and saved table statistics. */
bool ls_kvm_table_merge(struct ls_kvm_table *t, const struct ls_kvm_series *s);
void ls_kvm_table_add_stats(struct ls_kvm_table *t, const struct ls_kvm_stats *st);

/* The aggregator's KVM table (lib/agg.c); NULL before the first KVM record. */
const struct ls_kvm_table *ls_agg_kvm(const struct ls_agg *a);
/* The same, created if missing; NULL only on ENOMEM. */
struct ls_kvm_table *ls_agg_kvm_get(struct ls_agg *a);

#endif
