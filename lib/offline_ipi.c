/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IPI delivery latency from ftrace text: ipi_send_cpu / ipi_send_cpumask
 * on the sender -> the entry of the receiving vector's handler on each
 * target CPU, one struct ls_rec_ipi per delivery (record.h).
 *
 * Which handler serves a send, as bpf/ipi.bpf.c decides it:
 *   callback 0x0 (smp_send_reschedule)              -> reschedule
 *   generic_smp_call_function_single_interrupt       -> call_function or
 *     (smp calls; 6.4-6.7 printed the queued            call_function_single,
 *     function instead, always to another CPU)          one queue for both
 *   anything else to the sender's own CPU (irq_work) -> irq_work
 *   anything else                                    -> call_function(_single)
 * Sends queued on a CPU before its handler runs are served by that one
 * run: the first send gets the record, the others are counted in its
 * coalesced field (and in ipi_coalesced). A handler run with no send in
 * the trace counts as unpaired, once the trace has shown any send.
 */
#include <string.h>

#include "comms.h"
#include "offline_pair_int.h"

/* The receiving class of a handler's vector, or -1. */
static int slot_of_vector(uint32_t vector)
{
	switch (vector) {
	case LS_V_CALL_FUNCTION:
	case LS_V_CALL_FUNCTION_SINGLE:
		return IPI_CALL;
	case LS_V_RESCHEDULE:
		return IPI_RESCHEDULE;
	case LS_V_IRQ_WORK:
		return IPI_IRQ_WORK;
	default:
		return -1;
	}
}

struct send {
	uint64_t ts;
	uint32_t pid, key, callsite;
	uint16_t cpu;
	bool smp_call;   /* callback generic_smp_call_function_single_interrupt */
	const char *comm;
	size_t comm_len;
};

static void queue(struct ls_pair *p, const struct send *s, uint32_t target)
{
	enum ipi_slot slot;
	struct cpu_state *c = ls_pair_cpu(p, target);
	struct ipi_wait *w;

	if (!c)
		return;
	if (!s->key)
		slot = IPI_RESCHEDULE;
	else if (!s->smp_call && target == s->cpu)
		slot = IPI_IRQ_WORK;
	else
		slot = IPI_CALL;
	w = &c->ipi[slot];
	if (w->pending) {
		w->count++;
		p->st.ipi_coalesced++;
		return;
	}
	w->pending = true;
	w->count = 1;
	w->ts = s->ts;
	w->pid = s->pid;
	w->key = s->key;
	w->callsite = s->callsite;
	w->sender_cpu = s->cpu;
	w->comm[0] = '\0';
	if (ls_pair_comm_known(s->comm, s->comm_len))
		ls_pair_copy_comm(w->comm, s->comm, s->comm_len);
	else
		ls_comm_get(s->pid, w->comm, sizeof(w->comm));
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "%*pb": hex, 32-bit groups separated by ',' (most significant first).
 * Queues a send to every CPU set; -1 when v is not such a mask. */
static int queue_hex_mask(struct ls_pair *p, const struct send *s, const char *v, size_t n)
{
	uint32_t bit = 0;

	for (size_t i = n; i-- > 0;) {
		int d = hex_digit(v[i]);

		if (v[i] == ',')
			continue;
		if (d < 0)
			return -1;
		for (int b = 0; b < 4; b++, bit++)
			if (d & 1 << b && bit < LS_PAIR_MAX_CPUS)
				queue(p, s, bit);
	}
	return 0;
}

/* "0-3,5" (a list, as some tools print it). */
static int queue_list_mask(struct ls_pair *p, const struct send *s, const char *v, size_t n)
{
	const char *e = v + n;

	while (v < e) {
		const char *comma = memchr(v, ',', (size_t)(e - v)), *dash;
		const char *end = comma ? comma : e;
		uint64_t lo, hi;

		dash = memchr(v, '-', (size_t)(end - v));
		if (ls_ft_parse_u64(v, (size_t)((dash ? dash : end) - v), 0, &lo))
			return -1;
		hi = lo;
		if (dash && ls_ft_parse_u64(dash + 1, (size_t)(end - dash - 1), 0, &hi))
			return -1;
		for (uint64_t cpu = lo; cpu <= hi && cpu < LS_PAIR_MAX_CPUS; cpu++)
			queue(p, s, (uint32_t)cpu);
		v = comma ? comma + 1 : e;
	}
	return 0;
}

void ls_pair_ipi_send(struct ls_pair *p, enum ev_handler h, const struct ls_ft_event *ev)
{
	static const char smp_call_fn[] = "generic_smp_call_function_single_interrupt";
	struct send s = {
		.ts = ev->ts, .pid = (uint32_t)ev->pid, .cpu = (uint16_t)ev->cpu,
		.comm = ev->comm, .comm_len = ev->comm_len,
	};
	const char *v;
	size_t n;
	uint64_t cpu;
	int bad;

	p->ipi_seen = true;
	if (ls_ft_field_str(ev, "callback", &v, &n) || ls_osyms_key(p->syms, v, n, &s.key)) {
		ls_pair_malformed(p);
		return;
	}
	s.smp_call = n >= sizeof(smp_call_fn) - 1 && !memcmp(v, smp_call_fn, sizeof(smp_call_fn) - 1) &&
		     (n == sizeof(smp_call_fn) - 1 || v[sizeof(smp_call_fn) - 1] == '+');
	if (!ls_ft_field_str(ev, "callsite", &v, &n) && ls_osyms_key(p->syms, v, n, &s.callsite))
		s.callsite = 0;
	if (h == H_IPI_SEND_CPU) {
		if (ls_ft_field_u64(ev, "cpu", &cpu) || cpu >= LS_PAIR_MAX_CPUS) {
			ls_pair_malformed(p);
			return;
		}
		queue(p, &s, (uint32_t)cpu);
		return;
	}
	if (ls_ft_field_str(ev, "cpumask", &v, &n) || !n) {
		ls_pair_malformed(p);
		return;
	}
	if (v[0] == '[' && n >= 2 && v[n - 1] == ']')
		bad = queue_list_mask(p, &s, v + 1, n - 2);
	else if (memchr(v, '-', n))
		bad = queue_list_mask(p, &s, v, n);
	else
		bad = queue_hex_mask(p, &s, v, n);
	if (bad)
		ls_pair_malformed(p);
}

void ls_pair_ipi_receive(struct ls_pair *p, struct cpu_state *c, uint32_t cpu,
			 uint32_t vector, uint64_t ts)
{
	int slot = slot_of_vector(vector);
	struct ls_rec_ipi r;
	struct ipi_wait *w;

	if (slot < 0)
		return;
	w = &c->ipi[slot];
	if (!w->pending) {
		p->st.unpaired[LS_K_IPI] += p->ipi_seen; /* no send we saw */
		return;
	}
	w->pending = false;
	if (ts < w->ts) {
		p->st.backwards++;
		return;
	}
	memset(&r, 0, sizeof(r));
	r.h.ts = w->ts;
	r.h.dur = ts - w->ts;
	r.h.key = w->key;
	r.h.pid = w->pid;
	r.h.arg = w->sender_cpu;
	r.h.cpu = (uint16_t)cpu;
	r.h.kind = LS_K_IPI;
	r.callsite = w->callsite;
	r.vector = (uint8_t)vector;
	r.coalesced = w->count - 1 > UINT16_MAX ? UINT16_MAX : (uint16_t)(w->count - 1);
	memcpy(r.comm, w->comm, sizeof(r.comm));
	ls_pair_emit(p, &r.h);
}

void ls_pair_ipi_finish(struct ls_pair *p, struct cpu_state *c)
{
	for (int i = 0; i < IPI_SLOTS; i++) {
		const struct ipi_wait *w = &c->ipi[i];

		if (w->pending)
			ls_pair_note_open(p, &(struct ls_pair_open){
				.kind = LS_K_IPI, .cpu = (uint16_t)(c - p->cpus), .key = w->key,
				.pid = w->pid, .arg = w->sender_cpu, .ts = w->ts,
				.open_ns = p->st.last_ts - w->ts,
			});
	}
}
