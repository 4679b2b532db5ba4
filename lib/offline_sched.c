/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Wakeup latency from ftrace text: sched_waking (or sched_wakeup_new) of a
 * task -> the sched_switch that runs it, one struct ls_rec_wakeup per
 * wakeup (record.h), as bpf/sched.bpf.c pairs them. sched_switch also keeps each CPU's current task (the
 * culprit a wakeup waits behind) and tells offline_kvm.c when vCPU threads
 * leave and come back.
 *
 * Two text formats: the kernel's ("comm=X pid=N prio=P target_cpu=C",
 * "prev_comm=... ==> next_comm=...") and trace-cmd's sched plugin
 * ("X:N [P] CPU:C", "X:N [P] S ==> Y:M [Q]"). Comms may hold blanks and
 * colons ("CPU 0/KVM", "memfd:sealed-91").
 */
#include <string.h>

#include "comms.h"
#include "offline_pair_int.h"

#define NO_CPU 0xffff
#define PRIO_BYTE_UNKNOWN 255 /* ls_rec_wakeup prio bytes: not printed */

struct task_ref {
	const char *comm;
	size_t comm_len;
	uint32_t pid;
	int32_t prio;
};

static int prio_of(const char *v, size_t n, int32_t *prio)
{
	int64_t x;

	if (ls_pair_parse_int(v, n, -1000, 1000, &x))
		return -1;
	*prio = (int32_t)x;
	return 0;
}

/* comm=, pid=, prio= style (names given). */
static int ref_kv(const struct ls_ft_event *ev, const char *comm_key, const char *pid_key,
		  const char *prio_key, struct task_ref *t)
{
	const char *v;
	size_t n;
	uint64_t pid;

	if (ls_ft_field_u64(ev, pid_key, &pid) || pid > INT32_MAX)
		return -1;
	t->pid = (uint32_t)pid;
	if (ls_ft_field_text(ev, comm_key, &t->comm, &t->comm_len))
		t->comm_len = 0;
	t->prio = PRIO_UNKNOWN;
	if (!ls_ft_field_str(ev, prio_key, &v, &n) && prio_of(v, n, &t->prio))
		return -1;
	return 0;
}

/* trace-cmd's "COMM:PID [PRIO]" somewhere in [s, e): the last '[' opens
 * the prio; the last ':' before it ends the comm. */
static int ref_plugin(const char *s, const char *e, struct task_ref *t)
{
	const char *open = NULL, *close, *colon = NULL, *q;
	uint64_t pid;

	for (q = s; q < e; q++)
		if (*q == '[')
			open = q;
	if (!open || !(close = memchr(open, ']', (size_t)(e - open))) ||
	    prio_of(open + 1, (size_t)(close - open - 1), &t->prio))
		return -1;
	for (q = open; q > s && q[-1] == ' '; q--)
		;
	e = q;
	for (q = s; q < e; q++)
		if (*q == ':')
			colon = q;
	if (!colon || ls_ft_parse_u64(colon + 1, (size_t)(e - colon - 1), 0, &pid) ||
	    pid > INT32_MAX)
		return -1;
	while (s < colon && *s == ' ')
		s++;
	t->comm = s;
	t->comm_len = (size_t)(colon - s);
	t->pid = (uint32_t)pid;
	return 0;
}

static bool has_key(const struct ls_ft_event *ev, const char *key)
{
	const char *v;
	size_t n;

	return !ls_ft_field_str(ev, key, &v, &n);
}

static void note_comm(const struct task_ref *t)
{
	char comm[COMM_LEN];

	if (!ls_pair_comm_known(t->comm, t->comm_len))
		return;
	ls_pair_copy_comm(comm, t->comm, t->comm_len);
	ls_comm_note(t->pid, comm, sizeof(comm));
}

static uint32_t sched_class(int32_t prio)
{
	if (prio == PRIO_UNKNOWN || prio >= 100)
		return LS_SCHED_NORMAL;
	return prio < 0 ? LS_SCHED_DL : LS_SCHED_RT; /* deadline tasks show -1 */
}

/* Kernel prio as the record keeps it: deadline's -1 is 255 (as the BPF
 * program's cast gives), not known is 0 (as it stores then). */
static uint8_t prio_byte(int32_t prio)
{
	return prio == PRIO_UNKNOWN ? 0 : (uint8_t)prio;
}

/* The woken task and its target CPU; -1 if the line does not parse. */
static int parse_waking(const struct ls_ft_event *ev, struct task_ref *t, uint32_t *target)
{
	const char *v;
	size_t n;
	uint64_t cpu;

	*target = NO_CPU;
	if (has_key(ev, "pid")) {
		if (ref_kv(ev, "comm", "pid", "prio", t))
			return -1;
		if (!ls_ft_field_u64(ev, "target_cpu", &cpu) && cpu < LS_PAIR_MAX_CPUS)
			*target = (uint32_t)cpu;
		return 0;
	}
	/* plugin: "COMM:PID [PRIO] [success=1] CPU:NNN" */
	v = memmem(ev->fields, ev->fields_len, " CPU:", 5);
	n = v ? (size_t)(v - ev->fields) : ev->fields_len;
	if (ref_plugin(ev->fields, ev->fields + n, t))
		return -1;
	if (v && !ls_ft_parse_u64(v + 5, ev->fields_len - n - 5, 0, &cpu) &&
	    cpu < LS_PAIR_MAX_CPUS)
		*target = (uint32_t)cpu;
	return 0;
}

/* The CPU the wakeup goes to: who runs there now is the culprit of any
 * delay. As bpf/sched.bpf.c: sched_waking's target_cpu (the task's last
 * CPU), replaced when the wakeup picks another (sched_wakeup's; the BPF
 * program sees that choice as sched_migrate_task). */
static void set_target(struct ls_pair *p, struct waiting_task *w, uint32_t target)
{
	const struct cpu_state *tc;

	w->target_cpu = (uint16_t)target;
	if (target >= p->ncpus_alloc || !p->cpus[target].curr_known)
		return;
	tc = &p->cpus[target];
	w->culprit_pid = tc->curr_pid;
	w->culprit_prio = tc->curr_prio;
	memcpy(w->culprit_comm, tc->curr_comm, sizeof(w->culprit_comm));
}

/*
 * As bpf/sched.bpf.c: sched_waking starts a wakeup (a later one replaces
 * it), sched_wakeup may change its target, sched_wakeup_new does both. A trace
 * without sched_waking (older kernels, or not enabled) starts wakeups at
 * sched_wakeup instead, counted.
 */
static void waking(struct ls_pair *p, enum ev_handler h, struct cpu_state *c,
		   const struct ls_ft_event *ev)
{
	struct waiting_task *w;
	struct task_ref t;
	uint32_t target;
	uint64_t expiry = 0;
	char comm[COMM_LEN] = "";
	int how;

	if (parse_waking(ev, &t, &target)) {
		ls_pair_malformed(p);
		return;
	}
	note_comm(&t);
	if (ls_pair_comm_known(t.comm, t.comm_len))
		ls_pair_copy_comm(comm, t.comm, t.comm_len);
	w = ls_pmap_get(p->wakeups, t.pid);
	p->wakeup_seen |= h == H_SCHED_WAKEUP;
	if (h == H_SCHED_WAKEUP && w) {
		if (target != NO_CPU && target != w->target_cpu)
			set_target(p, w, target);
		w->activated = true;
		return;
	}
	if (h == H_SCHED_WAKEUP && p->waking_seen) {
		/* its sched_waking was dropped (the task ran) or is not in the
		 * trace: as the BPF program, start nothing here */
		p->st.unpaired[LS_K_WAKEUP]++;
		return;
	}
	/* a new sched_waking while one is pending: the task was running.
	 * If the pending one had activated it (sched_wakeup seen), it ran
	 * with no switch-in in the trace (ftrace lost it): not recorded */
	if (h == H_SCHED_WAKEUP)
		p->st.wakeup_from_wakeup++;
	else if (w && w->activated && p->wakeup_seen)
		p->st.wakeup_ran++;
	else if (w)
		p->st.wakeup_repeated++;
	p->waking_seen |= h == H_SCHED_WAKING;
	w = ls_pmap_put(p->wakeups, t.pid, &how);
	ls_pair_evicted(p, how);
	memset(w, 0, sizeof(*w));
	w->ts = ev->ts;
	w->waker_cpu = (uint16_t)ev->cpu;
	w->target_cpu = NO_CPU;
	w->flags = (uint8_t)ls_pair_open_flags(c);
	w->prio = t.prio;
	w->culprit_prio = PRIO_UNKNOWN;
	w->activated = h != H_SCHED_WAKING;
	if (h == H_SCHED_WAKEUP_NEW)
		w->wflags = LS_WF_NEW;
	else if (ls_pair_hrtimer_woke(c, t.pid, comm, &expiry) && expiry)
		w->wflags = LS_WF_TIMER;
	w->expiry = expiry;
	if (target != NO_CPU)
		set_target(p, w, target);
}

static void ran(struct ls_pair *p, uint32_t cpu, const struct task_ref *next,
		const struct waiting_task *w, uint64_t ts)
{
	struct ls_rec_wakeup r;
	uint32_t cls = sched_class(w->prio);

	if (ts < w->ts) {
		p->st.backwards++;
		return;
	}
	memset(&r, 0, sizeof(r));
	r.h.ts = w->ts;
	r.h.dur = ts - w->ts;
	r.h.key = cls;
	r.h.pid = w->culprit_pid;
	r.h.arg = next->pid;
	r.h.cpu = (uint16_t)cpu;
	r.h.kind = LS_K_WAKEUP;
	r.h.flags = w->flags;
	r.wflags = w->wflags;
	if (w->target_cpu == NO_CPU)
		r.wflags |= LS_WF_NO_TARGET;
	else if (w->target_cpu != cpu)
		r.wflags |= LS_WF_MIGRATED;
	/* an RT/DL task woken onto a lower-priority one (not idle) */
	if (cls != LS_SCHED_NORMAL && w->culprit_pid && w->culprit_prio != PRIO_UNKNOWN &&
	    w->culprit_prio > w->prio)
		r.wflags |= LS_WF_PREEMPT;
	if (r.wflags & LS_WF_TIMER)
		r.since_expiry = (int64_t)(ts - w->expiry);
	r.waker_cpu = w->waker_cpu;
	r.prio = prio_byte(w->prio);
	r.culprit_prio = prio_byte(w->culprit_prio);
	if (ls_pair_comm_known(next->comm, next->comm_len))
		ls_pair_copy_comm(r.comm, next->comm, next->comm_len);
	memcpy(r.culprit_comm, w->culprit_comm, sizeof(r.culprit_comm));
	ls_pair_emit(p, &r.h);
}

static int parse_switch(const struct ls_ft_event *ev, struct task_ref *prev,
			struct task_ref *next)
{
	const char *arrow;

	if (has_key(ev, "next_pid"))
		return ref_kv(ev, "prev_comm", "prev_pid", "prev_prio", prev) ||
		       ref_kv(ev, "next_comm", "next_pid", "next_prio", next) ? -1 : 0;
	arrow = memmem(ev->fields, ev->fields_len, " ==> ", 5);
	if (!arrow)
		return -1;
	return ref_plugin(ev->fields, arrow, prev) ||
	       ref_plugin(arrow + 5, ev->fields + ev->fields_len, next) ? -1 : 0;
}

/* prev switches out to sleep (prev_state S, D, ...), not preempted or
 * yielding (R, R+). */
static bool prev_sleeps(const struct ls_ft_event *ev)
{
	const char *v, *arrow;
	size_t n;

	if (!ls_ft_field_str(ev, "prev_state", &v, &n))
		return n && v[0] != 'R';
	/* plugin: "X:N [P] S ==> Y:M [Q]" */
	arrow = memmem(ev->fields, ev->fields_len, " ==> ", 5);
	if (!arrow || arrow == ev->fields)
		return false;
	for (v = arrow; v > ev->fields && v[-1] != ' ' && v[-1] != ']'; v--)
		;
	return v < arrow && v[0] != 'R';
}

static void sched_switch(struct ls_pair *p, struct cpu_state *c, const struct ls_ft_event *ev)
{
	struct task_ref prev, next;
	struct waiting_task *w;

	if (parse_switch(ev, &prev, &next)) {
		ls_pair_malformed(p);
		return;
	}
	note_comm(&prev);
	note_comm(&next);
	ls_pair_kvm_switch(p, prev.pid, next.pid, ev->ts);
	/* prev switches out with a wakeup pending (a switch-in ftrace lost,
	 * as it does for some idle -> task switches on 6.18, was dealt with
	 * when the task's first line showed it running). Once, to sleep,
	 * before its activation (sched_wakeup): the wakeup raced with it
	 * going to sleep, and is measured. Otherwise it was running when
	 * woken: the wakeup is not recorded. bpf/sched.bpf.c decides the same
	 * from the task's switch counts. A trace without sched_wakeup events
	 * cannot tell activation: then the switch-out alone decides. */
	if (prev.pid && (w = ls_pmap_get(p->wakeups, prev.pid))) {
		if (!w->raced && (!w->activated || !p->wakeup_seen) && prev_sleeps(ev)) {
			w->raced = true;
			p->st.wakeup_raced++;
		} else {
			ls_pmap_del(p->wakeups, prev.pid);
			p->st.wakeup_ran++;
		}
	}
	w = ls_pmap_get(p->wakeups, next.pid);
	if (w) {
		ran(p, (uint32_t)ev->cpu, &next, w, ev->ts);
		ls_pmap_del(p->wakeups, next.pid);
	}
	c->curr_known = true;
	c->curr_pid = next.pid;
	c->curr_prio = next.prio;
	c->curr_comm[0] = '\0';
	if (ls_pair_comm_known(next.comm, next.comm_len))
		ls_pair_copy_comm(c->curr_comm, next.comm, next.comm_len);
}

void ls_pair_sched(struct ls_pair *p, enum ev_handler h, struct cpu_state *c,
		   const struct ls_ft_event *ev)
{
	if (h == H_SCHED_SWITCH)
		sched_switch(p, c, ev);
	else
		waking(p, h, c, ev);
}

static int list_waiting(uint64_t tid, void *value, void *ctx)
{
	struct ls_pair *p = ctx;
	const struct waiting_task *w = value;

	ls_pair_note_open(p, &(struct ls_pair_open){
		.kind = LS_K_WAKEUP, .cpu = w->target_cpu == NO_CPU ? w->waker_cpu : w->target_cpu,
		.key = sched_class(w->prio), .pid = (uint32_t)tid, .ts = w->ts,
		.open_ns = p->st.last_ts - w->ts,
	});
	return 0;
}

/* Its pending wakeup ended at that switch-in: not recorded (no time). */
void ls_pair_sched_unseen_switch_in(struct ls_pair *p, uint32_t pid)
{
	if (pid && ls_pmap_del(p->wakeups, pid))
		p->st.wakeup_ran++;
}

void ls_pair_sched_finish(struct ls_pair *p)
{
	ls_pmap_foreach(p->wakeups, list_waiting, p);
}
