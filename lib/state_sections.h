/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Internal to lib/state*.c: the section table and message helpers. */
#ifndef LATSCOPE_STATE_SECTIONS_H
#define LATSCOPE_STATE_SECTIONS_H

#include <stdbool.h>
#include "lebuf.h"
#include "state.h"

struct ls_state_section {
	uint32_t type;     /* enum ls_sec_type */
	uint32_t version;  /* the one written and understood */
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

/* Set m->err; returns LS_STATE_INVALID. */
int ls_state_invalid(struct ls_state_msg *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append a non-fatal note to m->notes. */
void ls_state_note(struct ls_state_msg *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
