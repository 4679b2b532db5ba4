/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The kernel stacks of inferred irq-off windows, daemon side
 * (docs/windows.md, "Stacks"): which ids of the BPF stack map records have
 * named, reading and symbolizing a stack when its window enters a worst
 * list, and deleting ids the daemon is done with.
 *
 * The map is created without BPF_F_REUSE_STACKID, so an entry never changes
 * while it is in the map: an id read back gives the stack taken with it, as
 * long as the daemon has not deleted that id since. The daemon deletes an id
 * 1 s after the last record that named it (windows are finished within
 * LS_WIN_HOLD_NS of their records), and notes when: a record taken before
 * that deletion but drained after it may name a bucket now holding another
 * stack, and its stack is reported lost, never wrong. Ids no drained record
 * names (their record was dropped) are deleted when two sweeps 10 s apart
 * find them.
 */
#ifndef LATSCOPED_STACKS_H
#define LATSCOPED_STACKS_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include "latscope/record.h"
#include "windows.h"

struct ls_ksyms;
struct ls_stack_slot;

/* One of latscope's own JIT-compiled programs (functions): frames in it
 * are the BPF glue above bpf_get_stackid. */
struct ls_jit_range {
	uint64_t start;
	uint32_t len;
	const char *name;   /* the program's, static */
};

struct ls_stacks {
	int fd;                   /* the stack map; -1: stacks off */
	int stats_fd;             /* per-CPU counters of the BPF side */
	int ncpus;                /* possible CPUs (per-CPU map values) */
	unsigned entries;         /* ids: 0..entries-1 */
	uint64_t threshold_ns;
	struct ls_ksyms *const *ksyms; /* the daemon's current table */
	struct ls_stack_slot *slot;    /* per id */
	struct ls_jit_range *jit;      /* sorted by start */
	unsigned njit;
	unsigned ticks;
	/* counters for status */
	uint64_t named;           /* records naming an id */
	uint64_t stale_names;     /* ...taken before that id was deleted */
	uint64_t bad_ids;         /* ...naming an id beyond the map */
	uint64_t read, read_errors;
	uint64_t deleted, orphans, delete_errors;
	uint64_t lost;            /* stacks of worst windows not readable */
};

/* fd < 0: stacks off (every window's stack is LS_WSS_OFF). */
int ls_stacks_init(struct ls_stacks *s, int fd, int stats_fd, int ncpus, unsigned entries,
		   uint64_t threshold_ns, struct ls_ksyms *const *ksyms);
void ls_stacks_free(struct ls_stacks *s);
/* Learn where the loaded program (fd) was JIT-compiled; 0 or -errno. */
int ls_stacks_add_prog(struct ls_stacks *s, int fd, const char *name);
/* Every record as it is drained: notes the stack id it names. */
void ls_stacks_note(struct ls_stacks *s, const struct ls_rec *r);
/* The windows' stack resolver (ls_win_stack_fn); ctx is the ls_stacks. */
void ls_stacks_resolve(void *ctx, int32_t stack, uint64_t stack_ns, struct ls_win_stack *out);
/* 1 s tick: delete ids named no more, and sweep orphans every 10 s. */
void ls_stacks_tick(struct ls_stacks *s, uint64_t now_ns);
/* status.windows.stacks */
json_object *ls_stacks_status(const struct ls_stacks *s);

#endif
