/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Internal to lib/state*.c: the section table and message helpers. */
#ifndef LATSCOPE_STATE_SECTIONS_H
#define LATSCOPE_STATE_SECTIONS_H

#include <stdbool.h>
#include "lebuf.h"
#include "state.h"

struct ls_state_section {
	uint32_t type;     /* enum ls_sec_type */
	uint32_t version;  /* the one written */
	uint32_t min_version; /* the oldest load() still reads (0: version
			       * only); load() finds the file's in
			       * s->sec_version */
	bool critical;     /* a reader that lacks it must reject the file */
	bool required;     /* a file without it is invalid */
	const char *name;
	void (*save)(struct ls_wbuf *w, const struct ls_state *s);
	/* read the whole payload in r (state.c checks it was consumed) */
	int (*load)(struct ls_rbuf *r, struct ls_state *s, struct ls_state_msg *m);
};

/* In file order; at most 64 (state.c tracks them in a bit mask). */
extern const struct ls_state_section ls_state_sections[];
extern const size_t ls_state_nsections;

/* Sections of their own files (state_syms.c, state_windows.c,
 * state_wakeups.c). */
void ls_state_save_syms(struct ls_wbuf *w, const struct ls_state *s);
int ls_state_load_syms(struct ls_rbuf *r, struct ls_state *s, struct ls_state_msg *m);
void ls_state_save_windows(struct ls_wbuf *w, const struct ls_state *s);
int ls_state_load_windows(struct ls_rbuf *r, struct ls_state *s, struct ls_state_msg *m);
void ls_state_save_isolated(struct ls_wbuf *w, const struct ls_state *s);
int ls_state_load_isolated(struct ls_rbuf *r, struct ls_state *s, struct ls_state_msg *m);
void ls_state_save_wakeups(struct ls_wbuf *w, const struct ls_state *s);
int ls_state_load_wakeups(struct ls_rbuf *r, struct ls_state *s, struct ls_state_msg *m);

/* A saved kernel address (LS_KADDR key) as this boot knows it: the same
 * key unless the symbols section rebased it. */
uint32_t ls_state_rekey(const struct ls_state *s, uint32_t key);
void ls_keymap_free(struct ls_keymap *km);

/* Set m->err; returns LS_STATE_INVALID. */
int ls_state_invalid(struct ls_state_msg *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append a non-fatal note to m->notes. */
void ls_state_note(struct ls_state_msg *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
