/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Offline pairing engine (see offline_pair.h): event dispatch, per-CPU
 * state, counts, and the hardirq, softirq and vector families, which pair
 * exactly like bpf/irq.bpf.c and bpf/vectors.bpf.c (ls_span_begin/end in
 * bpf/common.bpf.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "comms.h"
#include "offline_pair_int.h"

#define IRQ_NAME_LEN 32

struct ev_row {
	const char *name;
	uint8_t len;
	uint8_t handler; /* enum ev_handler */
	uint8_t arg;     /* vectors: enum ls_vector */
};

#define ROW(n, h) { n, sizeof(n) - 1, h, 0 }
#define VECTOR_ROWS(stem, v)                                           \
	{ stem "_entry", sizeof(stem "_entry") - 1, H_VECTOR_ENTRY, v }, \
	{ stem "_exit", sizeof(stem "_exit") - 1, H_VECTOR_EXIT, v }

static const struct ev_row rows[] = {
	ROW("irq_handler_entry", H_IRQ_ENTRY),
	ROW("irq_handler_exit", H_IRQ_EXIT),
	ROW("softirq_raise", H_SOFTIRQ_RAISE),
	ROW("softirq_entry", H_SOFTIRQ_ENTRY),
	ROW("softirq_exit", H_SOFTIRQ_EXIT),
	VECTOR_ROWS("local_timer", LS_V_LOCAL_TIMER),
	VECTOR_ROWS("call_function", LS_V_CALL_FUNCTION),
	VECTOR_ROWS("call_function_single", LS_V_CALL_FUNCTION_SINGLE),
	VECTOR_ROWS("reschedule", LS_V_RESCHEDULE),
	VECTOR_ROWS("irq_work", LS_V_IRQ_WORK),
	VECTOR_ROWS("x86_platform_ipi", LS_V_X86_PLATFORM_IPI),
	VECTOR_ROWS("spurious_apic", LS_V_SPURIOUS_APIC),
	VECTOR_ROWS("error_apic", LS_V_ERROR_APIC),
	VECTOR_ROWS("thermal_apic", LS_V_THERMAL_APIC),
	VECTOR_ROWS("threshold_apic", LS_V_THRESHOLD_APIC),
	VECTOR_ROWS("deferred_error_apic", LS_V_DEFERRED_ERROR_APIC),
	VECTOR_ROWS("reboot", LS_V_REBOOT),
	ROW("hrtimer_start", H_HRTIMER_START),
	ROW("hrtimer_cancel", H_HRTIMER_CANCEL),
	ROW("hrtimer_expire_entry", H_HRTIMER_ENTRY),
	ROW("hrtimer_expire_exit", H_HRTIMER_EXIT),
	ROW("ipi_send_cpu", H_IPI_SEND_CPU),
	ROW("ipi_send_cpumask", H_IPI_SEND_CPUMASK),
	ROW("sched_waking", H_SCHED_WAKING),
	ROW("sched_wakeup", H_SCHED_WAKEUP),
	ROW("sched_wakeup_new", H_SCHED_WAKEUP_NEW),
	ROW("sched_switch", H_SCHED_SWITCH),
	ROW("kvm_exit", H_KVM_EXIT),
	ROW("kvm_entry", H_KVM_ENTRY),
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

struct ls_pair *ls_pair_new(ls_pair_emit_fn emit, void *ctx, const struct ls_ksyms *real)
{
	struct ls_pair *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->emit = emit;
	p->ctx = ctx;
	p->ev_counts = calloc(NROWS, sizeof(*p->ev_counts));
	/* table sizes: armed timers and waiting tasks of a big host, vCPU
	 * threads of many VMs; full tables evict (counted), never grow */
	p->timers = ls_pmap_new(16, sizeof(struct armed_timer));
	p->wakeups = ls_pmap_new(16, sizeof(struct waiting_task));
	p->vcpus = ls_pmap_new(14, sizeof(struct vcpu_thread));
	p->irqs = ls_pmap_new(12, IRQ_NAME_LEN);
	p->syms = ls_osyms_new(real);
	if (!p->ev_counts || !p->timers || !p->wakeups || !p->vcpus || !p->irqs || !p->syms) {
		ls_pair_free(p);
		return NULL;
	}
	return p;
}

void ls_pair_free(struct ls_pair *p)
{
	if (!p)
		return;
	free(p->cpus);
	free(p->ev_counts);
	ls_pmap_free(p->timers);
	ls_pmap_free(p->wakeups);
	ls_pmap_free(p->vcpus);
	ls_pmap_free(p->irqs);
	ls_osyms_free(p->syms);
	free(p);
}

/* --- helpers for the family files --------------------------------------- */

uint32_t ls_pair_open_flags(const struct cpu_state *c)
{
	return (c->hardirq.open ? LS_F_IN_HARDIRQ : 0) |
	       (c->softirq.open ? LS_F_IN_SOFTIRQ : 0) |
	       (c->vector.open ? LS_F_IN_VECTOR : 0) |
	       (c->hrtimer[0].open || c->hrtimer[1].open ? LS_F_IN_HRTIMER : 0);
}

void ls_pair_emit(struct ls_pair *p, const struct ls_rec *r)
{
	p->st.records[r->kind]++;
	p->emit(p->ctx, r);
}

void ls_pair_malformed(struct ls_pair *p)
{
	p->st.malformed++;
}

void ls_pair_evicted(struct ls_pair *p, int how)
{
	if (how == LS_PMAP_EVICTED)
		p->st.table_evictions++;
}

struct cpu_state *ls_pair_cpu(struct ls_pair *p, int64_t cpu)
{
	uint32_t n;
	struct cpu_state *c;

	if (cpu < 0 || cpu >= LS_PAIR_MAX_CPUS) {
		p->st.cpu_out_of_range++;
		return NULL;
	}
	if ((uint32_t)cpu >= p->ncpus_alloc) {
		n = p->ncpus_alloc ? p->ncpus_alloc : 8;
		while (n <= (uint32_t)cpu)
			n *= 2;
		n = n > LS_PAIR_MAX_CPUS ? LS_PAIR_MAX_CPUS : n;
		c = realloc(p->cpus, n * sizeof(*c));
		if (!c) {
			p->st.cpu_out_of_range++;
			return NULL;
		}
		memset(c + p->ncpus_alloc, 0, (n - p->ncpus_alloc) * sizeof(*c));
		for (uint32_t i = p->ncpus_alloc; i < n; i++)
			c[i].curr_prio = PRIO_UNKNOWN;
		p->cpus = c;
		p->ncpus_alloc = n;
	}
	if ((uint32_t)cpu >= p->st.ncpus)
		p->st.ncpus = (uint32_t)cpu + 1;
	return &p->cpus[cpu];
}

void ls_pair_note_open(struct ls_pair *p, const struct ls_pair_open *o)
{
	p->st.open_at_end[o->kind]++;
	if (p->nopen < LS_PAIR_OPEN_MAX)
		p->open[p->nopen++] = *o;
}

bool ls_pair_comm_known(const char *comm, size_t len)
{
	return len && !(len == 5 && !memcmp(comm, "<...>", 5));
}

void ls_pair_copy_comm(char dst[COMM_LEN], const char *src, size_t len)
{
	if (len >= COMM_LEN)
		len = COMM_LEN - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

int ls_pair_parse_int(const char *s, size_t len, int64_t lo, int64_t hi, int64_t *out)
{
	uint64_t v;
	int neg = len > 0 && s[0] == '-';

	if (ls_ft_parse_u64(s + neg, len - neg, 0, &v) || v > (uint64_t)INT64_MAX)
		return -1;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return *out < lo || *out > hi ? -1 : 0;
}

/* --- hardirq, softirq, vector ------------------------------------------- */

static void span_begin(struct ls_pair *p, struct cpu_state *c, struct open_span *o,
		       uint32_t kind, const struct ls_ft_event *ev, uint32_t key, uint32_t arg)
{
	if (o->open) /* the previous entry never saw its exit */
		p->st.unpaired[kind]++;
	o->flags = ls_pair_open_flags(c);
	o->key = key;
	o->arg = arg;
	o->pid = (uint32_t)ev->pid;
	o->ts = ev->ts;
	o->open = true;
}

static void span_end(struct ls_pair *p, struct open_span *o, uint32_t kind, uint32_t cpu,
		     const struct ls_ft_event *ev, uint32_t key)
{
	struct ls_rec r;

	if (!o->open || o->key != key) {
		p->st.unpaired[kind]++;
		o->open = false;
		return;
	}
	o->open = false;
	if (ev->ts < o->ts) {
		p->st.backwards++;
		return;
	}
	r = (struct ls_rec){
		.ts = o->ts, .dur = ev->ts - o->ts, .key = o->key, .pid = o->pid,
		.arg = o->arg, .cpu = (uint16_t)cpu, .kind = (uint8_t)kind,
		.flags = (uint8_t)o->flags,
	};
	ls_pair_emit(p, &r);
}

/* A u32 field; counts the event malformed when absent or bad. */
static int field_u32(struct ls_pair *p, const struct ls_ft_event *ev, const char *key,
		     uint32_t *out)
{
	uint64_t v;

	if (ls_ft_field_u64(ev, key, &v) || v > UINT32_MAX) {
		p->st.malformed++;
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static void note_irq_name(struct ls_pair *p, uint32_t irq, const struct ls_ft_event *ev)
{
	char name[IRQ_NAME_LEN], *slot;
	const char *v;
	size_t n;
	int how;

	if (ls_ft_field_text(ev, "name", &v, &n) || !n)
		return;
	n = n < IRQ_NAME_LEN ? n : IRQ_NAME_LEN - 1;
	memcpy(name, v, n);
	name[n] = '\0';
	slot = ls_pmap_get(p->irqs, irq);
	if (slot && !strcmp(slot, name))
		return;
	slot = ls_pmap_put(p->irqs, irq, &how);
	memcpy(slot, name, n + 1);
}

static void irq_event(struct ls_pair *p, enum ev_handler h, struct cpu_state *c, uint32_t cpu,
		      const struct ls_ft_event *ev)
{
	uint32_t irq;

	if (field_u32(p, ev, "irq", &irq))
		return;
	if (h == H_IRQ_ENTRY) {
		note_irq_name(p, irq, ev);
		span_begin(p, c, &c->hardirq, LS_K_HARDIRQ, ev, irq, 0);
	} else {
		span_end(p, &c->hardirq, LS_K_HARDIRQ, cpu, ev, irq);
	}
}

/* Softirqs are raised and run on one CPU: the first raise of a vector is
 * kept until the vector runs; later raises coalesce into it. */
static void softirq_event(struct ls_pair *p, enum ev_handler h, struct cpu_state *c,
			  uint32_t cpu, const struct ls_ft_event *ev)
{
	uint32_t vec, delay = LS_ARG_NONE;

	if (field_u32(p, ev, "vec", &vec))
		return;
	if (h == H_SOFTIRQ_RAISE) {
		if (vec < LS_NR_SOFTIRQS && !(c->raised & 1u << vec)) {
			c->raised |= 1u << vec;
			c->raise_ts[vec] = ev->ts;
		}
	} else if (h == H_SOFTIRQ_ENTRY) {
		if (vec < LS_NR_SOFTIRQS && (c->raised & 1u << vec)) {
			uint64_t d = ev->ts >= c->raise_ts[vec] ? ev->ts - c->raise_ts[vec] : 0;

			c->raised &= ~(1u << vec);
			delay = d >= LS_ARG_SAT ? LS_ARG_SAT : (uint32_t)d;
		}
		span_begin(p, c, &c->softirq, LS_K_SOFTIRQ, ev, vec, delay);
	} else {
		span_end(p, &c->softirq, LS_K_SOFTIRQ, cpu, ev, vec);
	}
}

static void vector_event(struct ls_pair *p, const struct ev_row *row, struct cpu_state *c,
			 uint32_t cpu, const struct ls_ft_event *ev)
{
	uint32_t hw;

	if (row->handler == H_VECTOR_EXIT) {
		span_end(p, &c->vector, LS_K_VECTOR, cpu, ev, row->arg);
		return;
	}
	if (field_u32(p, ev, "vector", &hw))
		return;
	span_begin(p, c, &c->vector, LS_K_VECTOR, ev, row->arg, hw);
	if (row->arg == LS_V_LOCAL_TIMER) {
		c->timer_irq[0] = c->timer_irq[1];
		c->timer_irq[1] = ev->ts;
	}
	ls_pair_ipi_receive(p, c, cpu, row->arg, ev->ts);
}

/* --- dispatch ------------------------------------------------------------ */

static const struct ev_row *find_row(const char *name, size_t len)
{
	for (size_t i = 0; i < NROWS; i++)
		if (rows[i].len == len && !memcmp(rows[i].name, name, len))
			return &rows[i];
	return NULL;
}

static void note_other(struct ls_pair *p, const struct ls_ft_event *ev)
{
	size_t n = ev->name_len < sizeof(p->others[0].name) - 1 ? ev->name_len
								: sizeof(p->others[0].name) - 1;

	p->st.other_events++;
	for (size_t i = 0; i < p->nothers; i++)
		if (strlen(p->others[i].name) == n && !memcmp(p->others[i].name, ev->name, n)) {
			p->others[i].count++;
			return;
		}
	if (p->nothers == LS_PAIR_OTHERS)
		return;
	memcpy(p->others[p->nothers].name, ev->name, n);
	p->others[p->nothers].name[n] = '\0';
	p->others[p->nothers++].count = 1;
}

/* Every event line shows the task running on its CPU; another task than
 * the last sched_switch put there means ftrace lost a switch-in. */
static void note_task(struct ls_pair *p, struct cpu_state *c, const struct ls_ft_event *ev)
{
	bool known = ls_pair_comm_known(ev->comm, ev->comm_len);

	if (c->curr_known && c->curr_pid == (uint32_t)ev->pid && (!known || c->curr_comm[0]))
		return;
	if (c->curr_known && c->curr_pid != (uint32_t)ev->pid)
		ls_pair_sched_unseen_switch_in(p, (uint32_t)ev->pid);
	if (!c->curr_known || c->curr_pid != (uint32_t)ev->pid)
		c->curr_prio = PRIO_UNKNOWN;
	c->curr_known = true;
	c->curr_pid = (uint32_t)ev->pid;
	c->curr_comm[0] = '\0';
	if (known) {
		ls_pair_copy_comm(c->curr_comm, ev->comm, ev->comm_len);
		ls_comm_note(c->curr_pid, c->curr_comm, COMM_LEN);
	}
}

static void note_format(struct ls_pair *p, const struct ls_ft_event *ev)
{
	struct ls_pair_stats *st = &p->st;

	if (!st->ts_kinds || ev->ts < st->first_ts)
		st->first_ts = ev->ts;
	st->ts_kinds |= 1u << ev->ts_kind;
	if (ev->ts > st->last_ts)
		st->last_ts = ev->ts;
	st->with_flags += ev->flags_len > 0;
	st->with_tgid += ev->tgid != LS_FT_TGID_ABSENT;
	st->with_instance += ev->instance_len > 0;
}

/* Events were lost on a CPU: what is open there may have ended unseen. */
static void lost(struct ls_pair *p, const struct ls_ft_event *ev)
{
	struct cpu_state *c;
	struct open_span *spans[3];

	p->st.lost_markers++;
	if (ev->cpu < 0 || ev->cpu >= (int64_t)p->ncpus_alloc)
		return;
	c = &p->cpus[ev->cpu];
	spans[0] = &c->hardirq;
	spans[1] = &c->softirq;
	spans[2] = &c->vector;
	for (int i = 0; i < 3; i++) {
		p->st.lost_resets += spans[i]->open;
		spans[i]->open = false;
	}
	for (int i = 0; i < 2; i++) {
		p->st.lost_resets += c->hrtimer[i].open;
		c->hrtimer[i].open = false;
	}
	ls_pair_hrtimer_lost(p, c);
	for (int i = 0; i < IPI_SLOTS; i++) {
		p->st.lost_resets += c->ipi[i].pending;
		c->ipi[i].pending = false;
	}
	c->raised = 0;
}

void ls_pair_line(struct ls_pair *p, int kind, const struct ls_ft_event *ev)
{
	const struct ev_row *row;
	struct cpu_state *c;
	uint32_t cpu;

	if (kind == LS_FT_LOST) {
		lost(p, ev);
		return;
	}
	if (kind != LS_FT_EVENT || p->finished)
		return;
	row = find_row(ev->name, ev->name_len);
	if (!row)
		note_other(p, ev);
	else
		p->ev_counts[row - rows]++;
	if (ev->ts_kind != LS_FT_TS_NS && ev->ts_kind != LS_FT_TS_US) {
		p->st.counter_ts++;
		return;
	}
	note_format(p, ev);
	c = ls_pair_cpu(p, ev->cpu);
	if (!c)
		return;
	cpu = (uint32_t)ev->cpu;
	c->seen = true;
	note_task(p, c, ev);
	if (!row)
		return;
	switch ((enum ev_handler)row->handler) {
	case H_IRQ_ENTRY:
	case H_IRQ_EXIT:
		irq_event(p, row->handler, c, cpu, ev);
		break;
	case H_SOFTIRQ_RAISE:
	case H_SOFTIRQ_ENTRY:
	case H_SOFTIRQ_EXIT:
		softirq_event(p, row->handler, c, cpu, ev);
		break;
	case H_VECTOR_ENTRY:
	case H_VECTOR_EXIT:
		vector_event(p, row, c, cpu, ev);
		break;
	case H_HRTIMER_START:
	case H_HRTIMER_CANCEL:
	case H_HRTIMER_ENTRY:
	case H_HRTIMER_EXIT:
		ls_pair_hrtimer(p, row->handler, c, ev);
		break;
	case H_IPI_SEND_CPU:
	case H_IPI_SEND_CPUMASK:
		ls_pair_ipi_send(p, row->handler, ev);
		break;
	case H_SCHED_WAKING:
	case H_SCHED_WAKEUP:
	case H_SCHED_WAKEUP_NEW:
	case H_SCHED_SWITCH:
		ls_pair_sched(p, row->handler, c, ev);
		break;
	case H_KVM_EXIT:
	case H_KVM_ENTRY:
		ls_pair_kvm(p, row->handler, ev);
		break;
	}
}

/* --- end of input --------------------------------------------------------- */

static void finish_span(struct ls_pair *p, const struct open_span *o, uint32_t kind,
			uint32_t cpu)
{
	if (!o->open)
		return;
	ls_pair_note_open(p, &(struct ls_pair_open){
		.kind = (uint8_t)kind, .cpu = (uint16_t)cpu, .key = o->key, .pid = o->pid,
		.ts = o->ts, .open_ns = p->st.last_ts - o->ts,
	});
}

void ls_pair_finish(struct ls_pair *p)
{
	if (p->finished)
		return;
	p->finished = true;
	ls_pair_kvm_finish(p);
	for (uint32_t cpu = 0; cpu < p->st.ncpus; cpu++) {
		struct cpu_state *c = &p->cpus[cpu];

		finish_span(p, &c->hardirq, LS_K_HARDIRQ, cpu);
		finish_span(p, &c->softirq, LS_K_SOFTIRQ, cpu);
		finish_span(p, &c->vector, LS_K_VECTOR, cpu);
		ls_pair_hrtimer_finish(p, c, cpu);
		ls_pair_ipi_finish(p, c);
	}
	ls_pair_sched_finish(p);
	p->st.names_overflow = ls_osyms_overflow(p->syms);
}

/* --- results -------------------------------------------------------------- */

const struct ls_pair_stats *ls_pair_stats(const struct ls_pair *p)
{
	return &p->st;
}

int ls_pair_event(const struct ls_pair *p, size_t i, const char **name, uint64_t *count)
{
	if (i >= NROWS)
		return -1;
	*name = rows[i].name;
	*count = p->ev_counts[i];
	return 0;
}

size_t ls_pair_others(const struct ls_pair *p, const struct ls_pair_other **out)
{
	*out = p->others;
	return p->nothers;
}

size_t ls_pair_open(const struct ls_pair *p, const struct ls_pair_open **out)
{
	*out = p->open;
	return p->nopen;
}

bool ls_pair_cpu_seen(const struct ls_pair *p, uint32_t cpu)
{
	return cpu < p->ncpus_alloc && p->cpus[cpu].seen;
}

const struct ls_ksyms *ls_pair_ksyms(const struct ls_pair *p)
{
	return ls_osyms_table(p->syms);
}

const char *ls_pair_irq_name(uint32_t irq, void *ctx)
{
	const struct ls_pair *p = ctx;

	return ls_pmap_get(p->irqs, irq);
}
