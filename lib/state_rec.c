// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "state_rec.h"

#define HDR_BYTES 36 /* the common fields after kind and length */

void ls_state_put_rec(struct ls_wbuf *w, const union ls_rec_any *r)
{
	const struct ls_rec *h = &r->h;
	size_t len_off;

	put_u32(w, h->kind);
	len_off = w->len;
	put_u32(w, 0);
	put_u64(w, h->ts);
	put_u64(w, h->dur);
	put_u32(w, h->key);
	put_u32(w, h->pid);
	put_u32(w, h->arg);
	put_u32(w, h->cpu);
	put_u32(w, h->flags);
	switch (h->kind) {
	case LS_K_HRTIMER:
		put_u64(w, (uint64_t)r->hrtimer.late);
		put_u64(w, (uint64_t)r->hrtimer.soft_late);
		put_u64(w, (uint64_t)r->hrtimer.armed);
		put_str(w, r->hrtimer.comm, sizeof(r->hrtimer.comm));
		break;
	case LS_K_IPI:
		put_u32(w, r->ipi.callsite);
		put_u32(w, r->ipi.vector);
		put_u32(w, r->ipi.coalesced);
		put_str(w, r->ipi.comm, sizeof(r->ipi.comm));
		break;
	case LS_K_WAKEUP:
		put_u64(w, (uint64_t)r->wakeup.since_expiry);
		put_u32(w, r->wakeup.waker_cpu);
		put_u32(w, r->wakeup.prio);
		put_u32(w, r->wakeup.culprit_prio);
		put_u32(w, r->wakeup.wflags);
		put_str(w, r->wakeup.comm, sizeof(r->wakeup.comm));
		put_str(w, r->wakeup.culprit_comm, sizeof(r->wakeup.culprit_comm));
		break;
	case LS_K_KVM_EXIT:
		put_u64(w, r->kvm.guest_ns);
		put_u64(w, r->kvm.off_cpu_ns);
		put_u32(w, r->kvm.tgid);
		put_u32(w, r->kvm.isa);
		put_u32(w, r->kvm.kflags);
		put_str(w, r->kvm.comm, sizeof(r->kvm.comm));
		break;
	default: /* struct ls_rec only (or a kind unknown here: its header) */
		break;
	}
	patch(w, len_off, w->len - len_off - 4, 4);
}

/* A u32 field of a narrower member: out of range makes the record bad. */
static uint32_t get_narrow(struct ls_rbuf *r, uint32_t max, bool *bad)
{
	uint32_t v = get_u32(r);

	*bad |= v > max;
	return v;
}

enum ls_state_rec_rc ls_state_get_rec(struct ls_rbuf *r, union ls_rec_any *out)
{
	uint32_t kind = get_u32(r), len = get_u32(r);
	struct ls_rbuf f;
	struct ls_rec *h = &out->h;
	bool bad = false;

	memset(out, 0, sizeof(*out));
	if (r->short_read || len > rb_left(r) || len < HDR_BYTES || kind > 0xff)
		return LS_REC_BAD;
	f = (struct ls_rbuf){ .p = r->p + r->off, .len = len };
	r->off += len;
	if (!ls_rec_size(kind) && len != HDR_BYTES)
		return LS_REC_UNKNOWN; /* a newer writer's kind with a payload */
	h->kind = (uint8_t)kind;
	h->ts = get_u64(&f);
	h->dur = get_u64(&f);
	h->key = get_u32(&f);
	h->pid = get_u32(&f);
	h->arg = get_u32(&f);
	h->cpu = (uint16_t)get_narrow(&f, 0xffff, &bad);
	h->flags = (uint8_t)get_narrow(&f, 0xff, &bad);
	switch (kind) {
	case LS_K_HRTIMER:
		out->hrtimer.late = (int64_t)get_u64(&f);
		out->hrtimer.soft_late = (int64_t)get_u64(&f);
		out->hrtimer.armed = (int64_t)get_u64(&f);
		get_str(&f, out->hrtimer.comm, sizeof(out->hrtimer.comm));
		break;
	case LS_K_IPI:
		out->ipi.callsite = get_u32(&f);
		out->ipi.vector = (uint8_t)get_narrow(&f, 0xff, &bad);
		out->ipi.coalesced = (uint16_t)get_narrow(&f, 0xffff, &bad);
		get_str(&f, out->ipi.comm, sizeof(out->ipi.comm));
		break;
	case LS_K_WAKEUP:
		out->wakeup.since_expiry = (int64_t)get_u64(&f);
		out->wakeup.waker_cpu = (uint16_t)get_narrow(&f, 0xffff, &bad);
		out->wakeup.prio = (uint8_t)get_narrow(&f, 0xff, &bad);
		out->wakeup.culprit_prio = (uint8_t)get_narrow(&f, 0xff, &bad);
		out->wakeup.wflags = get_u32(&f);
		get_str(&f, out->wakeup.comm, sizeof(out->wakeup.comm));
		get_str(&f, out->wakeup.culprit_comm, sizeof(out->wakeup.culprit_comm));
		break;
	case LS_K_KVM_EXIT:
		out->kvm.guest_ns = get_u64(&f);
		out->kvm.off_cpu_ns = get_u64(&f);
		out->kvm.tgid = get_u32(&f);
		out->kvm.isa = (uint8_t)get_narrow(&f, 0xff, &bad);
		out->kvm.kflags = (uint8_t)get_narrow(&f, 0xff, &bad);
		get_str(&f, out->kvm.comm, sizeof(out->kvm.comm));
		break;
	default:
		break;
	}
	/* every byte read, none missing, every field in range */
	return f.short_read || f.off != f.len || bad ? LS_REC_BAD : LS_REC_OK;
}

void ls_rec_kaddrs(union ls_rec_any *r, ls_kaddr_fn fn, void *ctx)
{
	switch (r->h.kind) {
	case LS_K_HRTIMER:
		fn(&r->h.key, ctx);   /* timer function */
		break;
	case LS_K_IPI:
		if (r->h.key)         /* callback; 0 = none */
			fn(&r->h.key, ctx);
		fn(&r->ipi.callsite, ctx);
		break;
	case LS_K_IRQOFF_EXACT:
	case LS_K_PREEMPTOFF_EXACT:
		fn(&r->h.key, ctx);   /* disabling and enabling ips */
		fn(&r->h.arg, ctx);
		break;
	default:
		break;
	}
}

void ls_win_kaddrs(struct ls_window *w, ls_kaddr_fn fn, void *ctx)
{
	switch (w->src) {
	case LS_WS_TIMER:
		fn(&w->key, ctx);     /* timer function */
		break;
	case LS_WS_IPI:
		if (w->key)           /* callback; 0 = none */
			fn(&w->key, ctx);
		break;
	case LS_WS_TRACEPOINT:
		fn(&w->key, ctx);     /* disabling and enabling ips */
		fn(&w->arg, ctx);
		break;
	default:
		break;
	}
}

void ls_intr_key_kaddrs(struct ls_intr_key *k, ls_kaddr_fn fn, void *ctx)
{
	if (k->kind == LS_K_HRTIMER || (k->kind == LS_K_IPI && k->key))
		fn(&k->key, ctx);
}
