/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A bounded table keyed by a u64 (a pid, a kernel pointer) with fixed-size
 * values, for the offline pairing engine's cross-event state: armed
 * hrtimers, woken tasks waiting to run, vCPU threads.
 *
 * The table grows with use up to a capacity fixed at creation and never
 * beyond, so memory stays bounded whatever the size of the input. When it
 * is full, an insert drops the entry nearest the new key's home slot and
 * reports the eviction, which the caller counts: state for a key that
 * never comes back (a timer freed without a cancel) cannot pile up.
 *
 * Linear probing with backward-shift deletion (no tombstones), at most 3/4
 * of the slots used, so probe sequences stay short.
 */
#ifndef LATSCOPE_PAIR_MAP_H
#define LATSCOPE_PAIR_MAP_H

#include <stddef.h>
#include <stdint.h>

struct ls_pmap;

/* At most 2^max_log2 slots (4..24) of value_size bytes, 3/4 of them
 * usable; NULL on ENOMEM/EINVAL. */
struct ls_pmap *ls_pmap_new(unsigned max_log2, size_t value_size);
void ls_pmap_free(struct ls_pmap *m);

/* The value of key, or NULL. Valid until the next put or del (which may
 * move entries). */
void *ls_pmap_get(const struct ls_pmap *m, uint64_t key);

#define LS_PMAP_FOUND   0 /* key was present: its value */
#define LS_PMAP_NEW     1 /* inserted, value zeroed */
#define LS_PMAP_EVICTED 2 /* inserted, but the table was full: another
			   * key's entry was dropped */
/* The value of key, inserted (zeroed) when absent; *how = LS_PMAP_*. */
void *ls_pmap_put(struct ls_pmap *m, uint64_t key, int *how);

/* Removes key if present; returns 1 if it was. */
int ls_pmap_del(struct ls_pmap *m, uint64_t key);

size_t ls_pmap_count(const struct ls_pmap *m);

/* Calls fn for every entry (order unspecified) until it returns non-zero. */
typedef int (*ls_pmap_fn)(uint64_t key, void *value, void *ctx);
int ls_pmap_foreach(struct ls_pmap *m, ls_pmap_fn fn, void *ctx);

#endif
