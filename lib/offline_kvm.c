/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * KVM exits from ftrace text, paired per vCPU thread (ftrace's pid):
 * exit cost = kvm_exit -> next kvm_entry of that thread (one struct
 * ls_rec_kvm, record.h), guest time = kvm_entry -> next kvm_exit (its
 * guest_ns), and the part of the exit cost the thread spent switched out
 * (sched_switch away and back while the exit is open: off_cpu_ns).
 *
 * kvm_exit formats:
 *   old  "reason APIC_ACCESS rip 0xffffffff8104d1cc info 10b0 0"
 *   new  "vcpu 1 reason EXTERNAL_INTERRUPT rip 0x... info1 0x... info2 ..."
 *        "vcpu 0 reason INVALID_STATE FAILED_VMENTRY rip ..." (VMX flag)
 *        "vcpu 0 reason DE excp rip ..." (SVM names may hold a blank)
 * kvm_entry: "vcpu 1" (old), "vcpu 1, rip 0x..." (new). The old kvm_exit
 * has no vcpu: the thread's last kvm_entry gives it.
 * The reason is printed by name (VMX or SVM table, which also tells the
 * ISA; lib/kvm_reasons.c turns it back into the code) or, for codes the
 * kernel's table lacks, as a number. An exit still open when the trace
 * ends is recorded with LS_KVM_F_OPEN (record.h): its guest run counts,
 * its cost is unknown (dur and off_cpu_ns 0).
 */
#include <string.h>

#include "agg.h"
#include "comms.h"
#include "kvm_reasons.h"
#include "offline_pair_int.h"

/* Names older kernels printed for codes the current tables (lib/kvm_reasons.c)
 * name differently. */
static const struct {
	const char *name;
	uint32_t code;
	uint8_t isa;
} old_names[] = {
	{ "PENDING_INTERRUPT", 7, LS_KVM_ISA_VMX }, /* now INTERRUPT_WINDOW */
	{ "intr", 0x060, LS_KVM_ISA_SVM },          /* now interrupt */
	{ "ioio", 0x07b, LS_KVM_ISA_SVM },          /* now io */
	{ "vmmcall", 0x081, LS_KVM_ISA_SVM },       /* now hypercall */
};

/* The reason text: after the word "reason", up to " rip" (or the end). */
static int reason_text(const struct ls_ft_event *ev, const char **s, size_t *len)
{
	const char *f = ev->fields, *end = f + ev->fields_len, *p, *e;

	for (p = f; p + 7 <= end; p++)
		if (!memcmp(p, "reason ", 7) && (p == f || p[-1] == ' ' || p[-1] == ','))
			break;
	if (p + 7 > end)
		return -1;
	p += 7;
	while (p < end && *p == ' ')
		p++;
	e = memmem(p, (size_t)(end - p), " rip", 4);
	e = e ? e : end;
	while (e > p && e[-1] == ' ')
		e--;
	*s = p;
	*len = (size_t)(e - p);
	return *len ? 0 : -1;
}

/* Reason code (VMX: with its flags) and ISA; -1 when no table has the
 * name and it is no number. */
static int parse_reason(const char *s, size_t len, uint32_t *code, uint8_t *isa)
{
	unsigned parsed_isa = LS_KVM_ISA_UNKNOWN;
	char buf[64];

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!ls_kvm_reason_parse(buf, &parsed_isa, code)) {
		*isa = (uint8_t)parsed_isa;
		return 0;
	}
	for (size_t i = 0; i < sizeof(old_names) / sizeof(old_names[0]); i++)
		if (!strcmp(old_names[i].name, buf)) {
			*code = old_names[i].code;
			*isa = old_names[i].isa;
			return 0;
		}
	return -1;
}

static void note_vcpu(struct vcpu_thread *t, const struct ls_ft_event *ev)
{
	const char *v;
	size_t n;
	uint64_t id;

	if (!ls_ft_word_after(ev, "vcpu", &v, &n) && !ls_ft_parse_u64(v, n, 0, &id) &&
	    id <= UINT32_MAX)
		t->vcpu = (uint32_t)id;
}

/* The VMM's comm: its main thread's when the tgid is known, else this
 * thread's (ftrace shows "<...>" for comms it did not save). */
static void vmm_comm(uint32_t tid, uint32_t tgid, const struct ls_ft_event *ev, char *out)
{
	out[0] = '\0';
	if (tgid && ls_comm_get(tgid, out, COMM_LEN))
		return;
	if (ls_pair_comm_known(ev->comm, ev->comm_len))
		ls_pair_copy_comm(out, ev->comm, ev->comm_len);
	else if (!ls_comm_get(tid, out, COMM_LEN))
		out[0] = '\0';
}

static void kvm_exit(struct ls_pair *p, struct vcpu_thread *t, const struct ls_ft_event *ev)
{
	const char *s;
	size_t len;

	if (reason_text(ev, &s, &len)) {
		ls_pair_malformed(p);
		return;
	}
	if (t->exit_open) /* no kvm_entry since the last exit */
		p->st.unpaired[LS_K_KVM_EXIT]++;
	if (parse_reason(s, len, &t->reason, &t->isa)) {
		t->reason = LS_KEY_OTHER;
		t->isa = LS_KVM_ISA_UNKNOWN;
		p->st.kvm_unknown_reason++;
	}
	note_vcpu(t, ev);
	t->guest_ns = t->entry_known && ev->ts >= t->entry_ts ? ev->ts - t->entry_ts : 0;
	t->entry_known = false;
	t->exit_open = true;
	t->exit_ts = ev->ts;
	t->exit_cpu = (uint16_t)ev->cpu;
	t->off_cpu_ns = 0;
	t->out = false;
	t->tgid = ev->tgid >= 0 ? (uint32_t)ev->tgid : 0;
	vmm_comm((uint32_t)ev->pid, t->tgid, ev, t->comm);
}

static void kvm_entry(struct ls_pair *p, struct vcpu_thread *t, const struct ls_ft_event *ev)
{
	struct ls_rec_kvm r;
	uint32_t tid = (uint32_t)ev->pid;

	note_vcpu(t, ev);
	if (!t->exit_open) {
		/* the first entry of the trace, or an exit lost */
		p->st.unpaired[LS_K_KVM_EXIT]++;
	} else if (ev->ts < t->exit_ts) {
		p->st.backwards++;
	} else {
		memset(&r, 0, sizeof(r));
		r.h.ts = t->exit_ts;
		r.h.dur = ev->ts - t->exit_ts;
		r.h.key = t->reason;
		r.h.pid = tid;
		r.h.arg = t->vcpu;
		r.h.cpu = t->exit_cpu;
		r.h.kind = LS_K_KVM_EXIT;
		r.guest_ns = t->guest_ns;
		r.off_cpu_ns = t->off_cpu_ns;
		if (t->out && ev->ts >= t->out_ts) /* back without a switch seen */
			r.off_cpu_ns += ev->ts - t->out_ts;
		r.tgid = t->tgid;
		r.isa = t->isa;
		vmm_comm(tid, t->tgid, ev, r.comm);
		ls_pair_emit(p, &r.h);
	}
	t->exit_open = false;
	t->out = false;
	t->entry_known = true;
	t->entry_ts = ev->ts;
}

void ls_pair_kvm(struct ls_pair *p, enum ev_handler h, const struct ls_ft_event *ev)
{
	struct vcpu_thread *t;
	int how;

	t = ls_pmap_put(p->vcpus, (uint32_t)ev->pid, &how);
	ls_pair_evicted(p, how);
	if (h == H_KVM_EXIT)
		kvm_exit(p, t, ev);
	else
		kvm_entry(p, t, ev);
}

void ls_pair_kvm_switch(struct ls_pair *p, uint32_t prev, uint32_t next, uint64_t ts)
{
	struct vcpu_thread *t;

	if (prev == next)
		return;
	t = ls_pmap_get(p->vcpus, prev);
	if (t && t->exit_open && !t->out) {
		t->out = true;
		t->out_ts = ts;
	}
	t = ls_pmap_get(p->vcpus, next);
	if (t && t->exit_open && t->out) {
		t->out = false;
		t->off_cpu_ns += ts >= t->out_ts ? ts - t->out_ts : 0;
	}
}

/* The exit has no kvm_entry before the end: recorded as open, cost unknown. */
static void emit_open(struct ls_pair *p, uint32_t tid, const struct vcpu_thread *t)
{
	struct ls_rec_kvm r;

	memset(&r, 0, sizeof(r));
	r.h.ts = t->exit_ts;
	r.h.key = t->reason;
	r.h.pid = tid;
	r.h.arg = t->vcpu;
	r.h.cpu = t->exit_cpu;
	r.h.kind = LS_K_KVM_EXIT;
	r.guest_ns = t->guest_ns;
	r.tgid = t->tgid;
	r.isa = t->isa;
	r.kflags = LS_KVM_F_OPEN;
	memcpy(r.comm, t->comm, sizeof(r.comm));
	ls_pair_emit(p, &r.h);
}

static int list_open(uint64_t tid, void *value, void *ctx)
{
	struct ls_pair *p = ctx;
	const struct vcpu_thread *t = value;
	uint64_t end = p->st.last_ts;

	if (!t->exit_open)
		return 0;
	emit_open(p, (uint32_t)tid, t);
	ls_pair_note_open(p, &(struct ls_pair_open){
		.kind = LS_K_KVM_EXIT, .cpu = t->exit_cpu, .key = t->reason,
		.pid = (uint32_t)tid, .arg = t->vcpu, .ts = t->exit_ts,
		.open_ns = end - t->exit_ts, .guest_ns = t->guest_ns,
		.off_cpu_ns = t->off_cpu_ns + (t->out && end >= t->out_ts ? end - t->out_ts : 0),
	});
	return 0;
}

void ls_pair_kvm_finish(struct ls_pair *p)
{
	ls_pmap_foreach(p->vcpus, list_open, p);
}
