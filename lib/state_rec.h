/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Records in a state file (the stories of worst windows, interruption logs,
 * worst wakeups), field by field in little-endian (docs/state.md, "Records"):
 *
 *   u32 kind, u32 length of what follows, then u64 ts, dur; u32 key, pid,
 *   arg, cpu, flags; then the fields of the kind's larger record, if any.
 *
 * Internal to lib/state*.c.
 */
#ifndef LATSCOPE_STATE_REC_H
#define LATSCOPE_STATE_REC_H

#include "lebuf.h"
#include "interruptions.h"
#include "windows.h"

void ls_state_put_rec(struct ls_wbuf *w, const union ls_rec_any *r);

enum ls_state_rec_rc {
	LS_REC_OK = 0,
	LS_REC_UNKNOWN,  /* a kind this build does not know, with fields it
			  * cannot read: skipped, not stored in *out */
	LS_REC_BAD,      /* truncated, or a field out of its range */
};
/* Read one record into *out (zeroed first). */
enum ls_state_rec_rc ls_state_get_rec(struct ls_rbuf *r, union ls_rec_any *out);

/* The fields that hold a kernel address (LS_KADDR keys), for the symbols
 * section: fn is called with each, of a record, a window, a cause of an
 * interruption log. */
typedef void (*ls_kaddr_fn)(uint32_t *key, void *ctx);
void ls_rec_kaddrs(union ls_rec_any *r, ls_kaddr_fn fn, void *ctx);
void ls_win_kaddrs(struct ls_window *w, ls_kaddr_fn fn, void *ctx);
void ls_intr_key_kaddrs(struct ls_intr_key *k, ls_kaddr_fn fn, void *ctx);

#endif
