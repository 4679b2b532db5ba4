// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The symbols section (docs/state.md, "Kernel addresses"): the name each
 * kernel address saved as a key had when it was saved, so that a restore
 * on another boot (KASLR moves the kernel) or after a module reload can
 * move the key to where that function is now. Views name keys from the
 * current symbol table, restored ones included, so a key left stale would
 * be shown under whatever function now lives at its old address.
 *
 * Payload: u64 n; n × (u32 key, string name as "func" or "func+0xoff"),
 * keys strictly increasing; only keys that had a name are listed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interruptions.h"
#include "names.h"
#include "state_rec.h"
#include "state_sections.h"

#define NAME_MAX_LEN 256

struct ls_keymap {
	struct km_pair { uint32_t from, to; } *v;
	size_t n;
};

void ls_keymap_free(struct ls_keymap *km)
{
	if (km)
		free(km->v);
	free(km);
}

static int by_from(const void *a, const void *b)
{
	uint32_t x = ((const struct km_pair *)a)->from, y = ((const struct km_pair *)b)->from;

	return x < y ? -1 : x > y;
}

uint32_t ls_state_rekey(const struct ls_state *s, uint32_t key)
{
	struct km_pair k = { .from = key }, *p;

	if (!s->keymap || key == LS_KEY_OTHER)
		return key;
	p = bsearch(&k, s->keymap->v, s->keymap->n, sizeof(k), by_from);
	return p ? p->to : key;
}

/* --- save: every kernel address the other sections write --------------- */

struct keyset {
	uint32_t *v;
	size_t n, cap;
	bool oom;
};

static void add_key(uint32_t *key, void *p)
{
	struct keyset *ks = p;

	if (ks->oom || *key == LS_KEY_OTHER)
		return;
	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : 256;
		uint32_t *v = realloc(ks->v, cap * sizeof(*v));

		if (!v) {
			ks->oom = true;
			return;
		}
		ks->v = v;
		ks->cap = cap;
	}
	ks->v[ks->n++] = *key;
}

static int series_keys(const struct ls_series *se, void *p)
{
	uint32_t key = se->key;

	if (ls_class_key_is_kaddr(se->cls))
		add_key(&key, p);
	return 0;
}

static void worst_keys(struct ls_win_worst e, struct keyset *ks)
{
	ls_win_kaddrs(&e.w, add_key, ks);
	for (uint32_t i = 0; i < e.nstory; i++) {
		union ls_rec_any r = e.story[i];

		ls_rec_kaddrs(&r, add_key, ks);
	}
}

static void intr_keys(const struct ls_intr_log *l, struct keyset *ks)
{
	for (unsigned i = 0; i < l->nkeys; i++) {
		struct ls_intr_key k = l->keys[i];

		ls_intr_key_kaddrs(&k, add_key, ks);
	}
	for (unsigned i = 0; i < l->count; i++) {
		union ls_rec_any r = *ls_intr_recent(l, i);

		ls_rec_kaddrs(&r, add_key, ks);
	}
}

static void collect(const struct ls_agg *a, struct keyset *ks)
{
	const struct ls_windows *w = ls_agg_windows(a);
	static const uint32_t kinds[] = { LS_K_IRQOFF, LS_K_PREEMPTOFF };

	ls_agg_foreach(a, series_keys, ks);
	for (uint32_t cpu = 0; cpu < ls_windows_ncpus(w); cpu++) {
		const struct ls_intr_log *l = ls_windows_intr(w, cpu);

		for (unsigned k = 0; k < 2; k++) {
			const struct ls_win_worst *e;
			unsigned n = ls_windows_worst(w, cpu, kinds[k], &e);

			for (unsigned i = 0; i < n; i++)
				worst_keys(e[i], ks);
		}
		if (l)
			intr_keys(l, ks);
	}
}

static int by_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void ls_state_save_syms(struct ls_wbuf *w, const struct ls_state *s)
{
	struct keyset ks = { 0 };
	uint64_t n = 0;
	size_t n_off;

	collect(s->agg, &ks);
	if (ks.oom) { /* saved without: a restore keeps keys as they are */
		free(ks.v);
		put_u64(w, 0);
		return;
	}
	if (ks.n)
		qsort(ks.v, ks.n, sizeof(*ks.v), by_u32);
	n_off = w->len;
	put_u64(w, 0);
	for (size_t i = 0; i < ks.n; i++) {
		char name[NAME_MAX_LEN];

		if (i && ks.v[i] == ks.v[i - 1])
			continue;
		ls_kaddr_name(ks.v[i], name, sizeof(name));
		if (!strncmp(name, "0x", 2)) /* no symbol there: nothing to say */
			continue;
		put_u32(w, ks.v[i]);
		put_str(w, name, sizeof(name));
		n++;
	}
	patch(w, n_off, n, 8);
	free(ks.v);
}

/* --- load: where each saved function is on this boot ------------------- */

/* "func" or "func+0xoff" at key on the saver's boot: the same function's
 * address now, or 0 when it is gone or its name is ambiguous. */
static uint64_t locate(const struct ls_ksyms *ks, const char *name)
{
	char base[NAME_MAX_LEN], now[NAME_MAX_LEN];
	const char *plus = strstr(name, "+0x");
	unsigned long long off = 0;
	uint64_t addr = 0;

	snprintf(base, sizeof(base), "%.*s", plus ? (int)(plus - name) : (int)strlen(name), name);
	if (plus && sscanf(plus + 3, "%llx", &off) != 1)
		return 0;
	if (ls_ksyms_count_name(ks, base, &addr) != 1)
		return 0;
	addr += off;
	/* a key holds the low half of an address in the kernel's top 4 GiB;
	 * the offset must still fall in the same function */
	if (addr >> 32 != 0xffffffffull ||
	    strcmp(ls_ksyms_format(ks, addr, now, sizeof(now)), name))
		return 0;
	return addr;
}

int ls_state_load_syms(struct ls_rbuf *r, struct ls_state *s, struct ls_state_msg *m)
{
	const struct ls_ksyms *syms = s->lim->ksyms;
	uint64_t n = get_u64(r), lost = 0;
	struct ls_keymap *km;
	uint32_t prev = 0;

	/* an entry takes at least 8 bytes: bounds the allocation */
	if (n > rb_left(r) / 8)
		return ls_state_invalid(m, "symbols: %llu entries do not fit", (unsigned long long)n);
	km = calloc(1, sizeof(*km));
	if (!km || !(km->v = calloc(n ? n : 1, sizeof(*km->v)))) {
		free(km);
		return LS_STATE_NOMEM;
	}
	s->keymap = km; /* NULL before: a second symbols section is refused */
	for (uint64_t i = 0; i < n; i++) {
		char name[NAME_MAX_LEN], now[NAME_MAX_LEN];
		uint32_t key = get_u32(r);
		uint64_t addr;

		get_str(r, name, sizeof(name));
		if (r->short_read)
			return ls_state_invalid(m, "symbols: %llu entries announced, %llu present",
						(unsigned long long)n, (unsigned long long)i);
		if (i && key <= prev)
			return ls_state_invalid(m, "symbols: keys out of order at entry %llu",
						(unsigned long long)i);
		prev = key;
		if (!syms || !strcmp(ls_ksyms_format(syms, LS_KADDR(key), now, sizeof(now)), name))
			continue;
		addr = locate(syms, name);
		if (!addr) {
			lost++;
			continue;
		}
		km->v[km->n].from = key;
		km->v[km->n].to = (uint32_t)addr;
		km->n++;
	}
	s->restored.rebased = km->n;
	if (!syms && n)
		ls_state_note(m, "no kernel symbols to check %llu saved kernel addresses against: "
			      "kept as saved", (unsigned long long)n);
	if (lost)
		ls_state_note(m, "%llu saved kernel addresses name functions not found once on this "
			      "boot: kept as saved", (unsigned long long)lost);
	return LS_STATE_OK;
}
