/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The KVM programs (bpf/kvm.bpf.c) seen from the daemon. They never load in
 * the main instance of the BPF object: when KVM is present (kvm built in, or
 * the kvm module loaded with BTF), a second instance of the same object is
 * opened with only them switched on and every map of the main instance
 * reused, so they share its rings, counters and globals. That lets them
 * attach at start or, through a cheap re-probe on the daemon's 1 s tick,
 * whenever kvm.ko appears later, without reloading anything else.
 */
#ifndef LATSCOPED_TRACER_KVM_H
#define LATSCOPED_TRACER_KVM_H

#include <stdbool.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

struct ls_tracer;
struct ls_prog_state;

#define LS_KVM_THREADS_DEFAULT 4096

/* For each program of the main instance before load: a kvm program is
 * switched off there and marked family "kvm"; returns whether it was one. */
bool ls_kvm_claim(struct bpf_program *p, struct ls_prog_state *ps);
/* Before the main instance loads: it must not create the kvm-only maps. */
int ls_kvm_prepare(struct ls_tracer *t, unsigned max_threads);
/* After the main instance is attached: probe for KVM and attach if there. */
void ls_kvm_start(struct ls_tracer *t);
/* From the 1 s tick: while KVM is absent, one access(2) to see whether the
 * kvm module's BTF appeared; if so, probe and attach. */
void ls_kvm_reprobe(struct ls_tracer *t);
/* Detach and unload the kvm instance (before the main one goes). */
void ls_kvm_stop(struct ls_tracer *t);
/* The "kvm" member of the status result (docs/protocol.md). */
json_object *ls_kvm_status(const struct ls_tracer *t);

#endif
