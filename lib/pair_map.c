/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Bounded u64-keyed table; see pair_map.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pair_map.h"

#define FIRST_LOG2 8 /* slots at first; doubled while below the cap */

struct ls_pmap {
	unsigned log2, max_log2;
	size_t mask;
	size_t count, limit;
	size_t vsize;
	uint64_t *keys;
	uint8_t *used;
	unsigned char *vals;
};

/* Slot arrays of 2^log2 slots; 0 or -1 (ENOMEM, m unchanged). */
static int alloc_slots(struct ls_pmap *m, unsigned log2)
{
	size_t n = (size_t)1 << log2;
	uint64_t *keys = calloc(n, sizeof(*keys));
	uint8_t *used = calloc(n, 1);
	unsigned char *vals = calloc(n, m->vsize);

	if (!keys || !used || !vals) {
		free(keys);
		free(used);
		free(vals);
		return -1;
	}
	m->keys = keys;
	m->used = used;
	m->vals = vals;
	m->log2 = log2;
	m->mask = n - 1;
	m->limit = n / 4 * 3;
	m->count = 0;
	return 0;
}

struct ls_pmap *ls_pmap_new(unsigned max_log2, size_t value_size)
{
	struct ls_pmap *m;

	if (max_log2 < 4 || max_log2 > 24 || !value_size) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->max_log2 = max_log2;
	m->vsize = value_size;
	if (alloc_slots(m, max_log2 < FIRST_LOG2 ? max_log2 : FIRST_LOG2)) {
		free(m);
		return NULL;
	}
	return m;
}

void ls_pmap_free(struct ls_pmap *m)
{
	if (!m)
		return;
	free(m->keys);
	free(m->used);
	free(m->vals);
	free(m);
}

static size_t home(const struct ls_pmap *m, uint64_t key)
{
	key ^= key >> 29; /* pointers differ in their middle bits */
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> (64 - m->log2));
}

static void *val(const struct ls_pmap *m, size_t i)
{
	return m->vals + i * m->vsize;
}

/* Slot of key, or the empty slot where the probe for it ended. */
static size_t probe(const struct ls_pmap *m, uint64_t key)
{
	size_t i = home(m, key);

	while (m->used[i] && m->keys[i] != key)
		i = (i + 1) & m->mask;
	return i;
}

void *ls_pmap_get(const struct ls_pmap *m, uint64_t key)
{
	size_t i = probe(m, key);

	return m->used[i] ? val(m, i) : NULL;
}

/* Doubles the slots (entries rehashed); 0, or -1 when out of memory, in
 * which case the table stays as it was (and evicts, as when full). */
static int grow(struct ls_pmap *m)
{
	struct ls_pmap old = *m;

	if (alloc_slots(m, m->log2 + 1)) {
		*m = old;
		return -1;
	}
	for (size_t i = 0; i <= old.mask; i++) {
		size_t j;

		if (!old.used[i])
			continue;
		j = probe(m, old.keys[i]);
		m->used[j] = 1;
		m->keys[j] = old.keys[i];
		memcpy(val(m, j), old.vals + i * old.vsize, old.vsize);
		m->count++;
	}
	free(old.keys);
	free(old.used);
	free(old.vals);
	return 0;
}

void *ls_pmap_put(struct ls_pmap *m, uint64_t key, int *how)
{
	size_t i = probe(m, key);

	if (m->used[i]) {
		*how = LS_PMAP_FOUND;
		return val(m, i);
	}
	*how = LS_PMAP_NEW;
	if (m->count >= m->limit && m->log2 < m->max_log2 && !grow(m))
		i = probe(m, key);
	if (m->count >= m->limit) {
		/* Full: drop the first entry at or after the new key's home
		 * slot (one is near: 3/4 of the slots are used). */
		size_t j = home(m, key);

		while (!m->used[j])
			j = (j + 1) & m->mask;
		ls_pmap_del(m, m->keys[j]);
		i = probe(m, key);
		*how = LS_PMAP_EVICTED;
	}
	m->used[i] = 1;
	m->count++;
	m->keys[i] = key;
	memset(val(m, i), 0, m->vsize);
	return val(m, i);
}

/* Is k cyclically in (i, j]? */
static int between(size_t i, size_t k, size_t j)
{
	return i <= j ? (i < k && k <= j) : (i < k || k <= j);
}

int ls_pmap_del(struct ls_pmap *m, uint64_t key)
{
	size_t i = probe(m, key), j = i;

	if (!m->used[i])
		return 0;
	/* Shift back later entries whose probe passed through slot i. */
	for (;;) {
		j = (j + 1) & m->mask;
		if (!m->used[j])
			break;
		if (between(i, home(m, m->keys[j]), j))
			continue;
		m->keys[i] = m->keys[j];
		memcpy(val(m, i), val(m, j), m->vsize);
		i = j;
	}
	m->used[i] = 0;
	m->count--;
	return 1;
}

size_t ls_pmap_count(const struct ls_pmap *m)
{
	return m->count;
}

int ls_pmap_foreach(struct ls_pmap *m, ls_pmap_fn fn, void *ctx)
{
	for (size_t i = 0; i <= m->mask; i++) {
		int rc;

		if (!m->used[i])
			continue;
		rc = fn(m->keys[i], val(m, i), ctx);
		if (rc)
			return rc;
	}
	return 0;
}
