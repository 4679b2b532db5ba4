/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "latscope/stacks.h"
#include "ksyms.h"
#include "log.h"
#include "stacks.h"

#define IDLE_NS 1000000000ull  /* an id named by no record for this long is done */
#define SWEEP_TICKS 10         /* orphan sweep period, in ticks */

struct ls_stack_slot {
	uint64_t del_ns;   /* when the last delete of this id had returned; 0 never */
	uint64_t last_ns;  /* daemon time of the last record naming it */
	uint64_t *ip;      /* the frames, once read (LS_STACK_DEPTH) */
	bool live;         /* named since the last delete */
	bool orphan;       /* a sweep found it in the map while not live */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The map's entries are read into LS_STACK_DEPTH frames: a BPF object
 * built with another depth would overrun them. */
static bool value_size_ok(int fd)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		log_err("stack map: %s", strerror(errno));
		return false;
	}
	if (info.value_size != LS_STACK_DEPTH * sizeof(uint64_t)) {
		log_err("stack map entries of %u bytes, expected %zu: BPF object and daemon "
			"built apart", info.value_size, LS_STACK_DEPTH * sizeof(uint64_t));
		return false;
	}
	return true;
}

int ls_stacks_init(struct ls_stacks *s, int fd, int stats_fd, int ncpus, unsigned entries,
		   uint64_t threshold_ns, struct ls_ksyms *const *ksyms)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->stats_fd = stats_fd;
	s->ncpus = ncpus;
	s->threshold_ns = threshold_ns;
	s->ksyms = ksyms;
	if (fd < 0)
		return 0;
	if (!value_size_ok(fd))
		return -EINVAL;
	s->entries = entries;
	s->slot = calloc(entries, sizeof(*s->slot));
	return s->slot ? 0 : -ENOMEM;
}

void ls_stacks_free(struct ls_stacks *s)
{
	for (unsigned i = 0; s->slot && i < s->entries; i++)
		free(s->slot[i].ip);
	free(s->slot);
	s->slot = NULL;
	free(s->jit);
	s->jit = NULL;
	s->njit = 0;
}

static int by_start(const void *a, const void *b)
{
	const struct ls_jit_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

int ls_stacks_add_prog(struct ls_stacks *s, int fd, const char *name)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info), n;
	uint64_t *addr = NULL;
	uint32_t *flen = NULL;
	struct ls_jit_range *v;
	int err = 0;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	n = info.nr_jited_ksyms;
	if (!n || n != info.nr_jited_func_lens)
		return 0; /* not JIT-compiled */
	addr = calloc(n, sizeof(*addr));
	flen = calloc(n, sizeof(*flen));
	v = realloc(s->jit, (s->njit + n) * sizeof(*v));
	if (!addr || !flen || !v) {
		err = -ENOMEM;
		goto out;
	}
	s->jit = v;
	memset(&info, 0, sizeof(info));
	info.nr_jited_ksyms = n;
	info.jited_ksyms = (uint64_t)(uintptr_t)addr;
	info.nr_jited_func_lens = n;
	info.jited_func_lens = (uint64_t)(uintptr_t)flen;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		goto out;
	}
	for (uint32_t i = 0; i < n && i < info.nr_jited_ksyms; i++)
		s->jit[s->njit++] = (struct ls_jit_range){ addr[i], flen[i], name };
	qsort(s->jit, s->njit, sizeof(*s->jit), by_start);
out:
	free(addr);
	free(flen);
	return err;
}

/* One of our programs' functions holding addr, or NULL. */
static const struct ls_jit_range *own_prog(const struct ls_stacks *s, uint64_t addr)
{
	size_t lo = 0, hi = s->njit;

	while (lo < hi) { /* first range starting after addr */
		size_t mid = lo + (hi - lo) / 2;

		if (s->jit[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && addr - s->jit[lo - 1].start < s->jit[lo - 1].len)
		return &s->jit[lo - 1];
	return NULL;
}

/* The stack field of a record and when its handler took it. */
static int32_t rec_stack(const struct ls_rec *r, uint64_t *taken_ns)
{
	if (r->kind == LS_K_HRTIMER) {
		*taken_ns = r->ts;
		return ((const struct ls_rec_hrtimer *)r)->stack;
	}
	if (r->kind == LS_K_IPI) {
		*taken_ns = r->ts + r->dur;
		return ((const struct ls_rec_ipi *)r)->stack;
	}
	return LS_STACK_NONE;
}

void ls_stacks_note(struct ls_stacks *s, const struct ls_rec *r)
{
	uint64_t taken;
	int32_t st = rec_stack(r, &taken);
	struct ls_stack_slot *sl;

	if (st <= 0 || !s->slot)
		return;
	s->named++;
	if ((uint32_t)(st - 1) >= s->entries) {
		s->bad_ids++;
		return;
	}
	sl = &s->slot[st - 1];
	if (taken <= sl->del_ns) { /* the id was deleted after it was taken */
		s->stale_names++;
		return;
	}
	sl->live = true;
	sl->orphan = false;
	sl->last_ns = mono_ns();
}

static void delete_id(struct ls_stacks *s, uint32_t id)
{
	struct ls_stack_slot *sl = &s->slot[id];

	if (bpf_map_delete_elem(s->fd, &id) && errno != ENOENT)
		s->delete_errors++;
	else
		s->deleted++;
	/* after the delete returned: a stack taken later is a new one */
	sl->del_ns = mono_ns();
	sl->live = sl->orphan = false;
	free(sl->ip);
	sl->ip = NULL;
}

static void sweep_orphans(struct ls_stacks *s)
{
	uint32_t key, next, *ids = malloc(s->entries * sizeof(*ids));
	unsigned n = 0;
	int r;

	if (!ids)
		return;
	for (r = bpf_map_get_next_key(s->fd, NULL, &next); !r && n < s->entries;
	     r = bpf_map_get_next_key(s->fd, &key, &next)) {
		ids[n++] = next;
		key = next;
	}
	for (unsigned i = 0; i < n; i++) {
		struct ls_stack_slot *sl;

		if (ids[i] >= s->entries)
			continue;
		sl = &s->slot[ids[i]];
		if (sl->live)
			continue;
		if (sl->orphan) {
			delete_id(s, ids[i]);
			s->orphans++;
		} else {
			sl->orphan = true;
		}
	}
	free(ids);
}

void ls_stacks_tick(struct ls_stacks *s, uint64_t now_ns)
{
	if (!s->slot)
		return;
	for (uint32_t id = 0; id < s->entries; id++)
		if (s->slot[id].live && now_ns - s->slot[id].last_ns >= IDLE_NS)
			delete_id(s, id);
	if (++s->ticks % SWEEP_TICKS == 0)
		sweep_orphans(s);
}

/* BPF glue between the tracepoint and bpf_get_stackid: our program,
 * bpf_trace_run*, the traceiter. */
static bool glue(const struct ls_stacks *s, const struct ls_ksyms *ks, uint64_t addr)
{
	const char *name = ls_ksyms_lookup(ks, addr, NULL);

	if (own_prog(s, addr))
		return true;
	return name && (!strncmp(name, "bpf_trace_run", 13) || !strncmp(name, "__bpf_trace_", 12) ||
			!strncmp(name, "__traceiter_", 12));
}

static void symbolize(const struct ls_stacks *s, const struct ls_ksyms *ks, uint64_t addr,
		      char *buf, size_t len)
{
	const struct ls_jit_range *p = own_prog(s, addr);

	if (p)
		snprintf(buf, len, "bpf_prog_%s+0x%llx", p->name,
			 (unsigned long long)(addr - p->start));
	else
		ls_ksyms_format(ks, addr, buf, len);
}

/* Keep the frames from the interrupt path on, symbolized; mark where the
 * interrupted context begins: after x86's entry stub (asm_sysvec_*,
 * asm_common_interrupt), whose frame sits on the interrupted stack. */
static void format(const struct ls_stacks *s, const struct ls_ksyms *ks, const uint64_t *ip,
		   unsigned nip, struct ls_win_stack *out)
{
	unsigned first = 0, i;
	int entry = -1;

	while (first < nip && glue(s, ks, ip[first]))
		first++;
	if (first == nip) /* nothing but glue?: keep everything */
		first = 0;
	for (i = first; i < nip && entry < 0; i++) {
		const char *n = ls_ksyms_lookup(ks, ip[i], NULL);

		if (n && !strncmp(n, "asm_", 4))
			entry = (int)(i - first);
	}
	out->n = 0;
	for (i = first; i < nip && out->n < LS_WIN_STACK_FRAMES; i++, out->n++) {
		out->f[out->n].addr = ip[i];
		symbolize(s, ks, ip[i], out->f[out->n].sym, sizeof(out->f[out->n].sym));
	}
	out->more = nip - first - out->n;
	out->interrupted = entry < 0 || entry + 1 > LS_WIN_STACK_FRAMES ? -1 : (int8_t)(entry + 1);
	out->status = LS_WSS_OK;
}

void ls_stacks_resolve(void *ctx, int32_t stack, uint64_t stack_ns, struct ls_win_stack *out)
{
	struct ls_stacks *s = ctx;
	struct ls_stack_slot *sl;
	uint64_t buf[LS_STACK_DEPTH];
	uint32_t id = (uint32_t)stack - 1;
	unsigned n;

	memset(out, 0, sizeof(*out));
	if (stack == LS_STACK_NONE) {
		out->status = s->fd >= 0 && s->threshold_ns ? LS_WSS_BELOW : LS_WSS_OFF;
		return;
	}
	if (stack < 0) {
		out->status = LS_WSS_FAILED;
		out->err = -stack;
		return;
	}
	out->status = LS_WSS_LOST;
	if (!s->slot || id >= s->entries) {
		out->err = EINVAL;
		s->lost++;
		return;
	}
	sl = &s->slot[id];
	if (stack_ns <= sl->del_ns) { /* deleted since: may hold another stack */
		out->err = ESTALE;
		s->lost++;
		return;
	}
	if (!sl->ip) {
		if (bpf_map_lookup_elem(s->fd, &id, buf)) {
			out->err = errno;
			s->read_errors++;
			s->lost++;
			return;
		}
		sl->ip = malloc(sizeof(buf));
		if (!sl->ip) {
			out->err = ENOMEM;
			s->lost++;
			return;
		}
		memcpy(sl->ip, buf, sizeof(buf));
		s->read++;
	}
	for (n = 0; n < LS_STACK_DEPTH && sl->ip[n]; n++)
		;
	format(s, s->ksyms ? *s->ksyms : NULL, sl->ip, n, out);
}

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

json_object *ls_stacks_status(const struct ls_stacks *s)
{
	json_object *o = json_object_new_object(), *k = json_object_new_object();
	struct ls_stack_counters *pc, sum = { 0 };
	uint32_t zero = 0;

	add_u64(o, "threshold_ns", s->fd >= 0 ? s->threshold_ns : 0);
	add_u64(o, "map_entries", s->entries);
	pc = s->stats_fd >= 0 && s->ncpus > 0 ? calloc(s->ncpus, sizeof(*pc)) : NULL;
	if (pc && !bpf_map_lookup_elem(s->stats_fd, &zero, pc)) {
		for (int c = 0; c < s->ncpus; c++) {
			sum.taken += pc[c].taken;
			sum.collision += pc[c].collision;
			sum.fault += pc[c].fault;
			sum.other += pc[c].other;
			sum.ns += pc[c].ns;
			if (pc[c].max_ns > sum.max_ns)
				sum.max_ns = pc[c].max_ns;
		}
	}
	free(pc);
	/* what bpf_get_stackid did in the kernel */
	add_u64(k, "taken", sum.taken);
	add_u64(k, "collision", sum.collision);
	add_u64(k, "fault", sum.fault);
	add_u64(k, "other", sum.other);
	add_u64(k, "ns", sum.ns);
	add_u64(k, "max_ns", sum.max_ns);
	json_object_object_add(o, "kernel", k);
	add_u64(o, "named", s->named);
	add_u64(o, "stale_names", s->stale_names);
	add_u64(o, "bad_ids", s->bad_ids);
	add_u64(o, "read", s->read);
	add_u64(o, "read_errors", s->read_errors);
	add_u64(o, "lost", s->lost);
	add_u64(o, "deleted", s->deleted);
	add_u64(o, "orphans_deleted", s->orphans);
	add_u64(o, "delete_errors", s->delete_errors);
	return o;
}
