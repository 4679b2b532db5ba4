/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Keys for kernel functions named in an offline ftrace trace: hrtimer
 * functions, IPI callbacks. Live, such a key is the low 32 bits of the
 * function's address (LS_KADDR); ftrace text prints the name instead
 * ("tick_nohz_handler", "generic_smp_call_function_single_interrupt+0x0/0x10",
 * trace-cmd's "hrtimer_wakeup/0x0"), so each distinct name gets a key:
 *  - its real address when a symbol table of the traced kernel is given
 *    (same keys as latscoped on that kernel, e.g. for comparisons);
 *  - otherwise a synthetic one, LS_KADDR(OSYMS_BASE + 16 * i), below any
 *    x86_64 kernel text (>= 0xffffffff80000000), so it never collides with
 *    an address the trace prints raw ("function=0xffffffffc0a01234"), which
 *    keeps its low 32 bits.
 * ls_osyms_table() names every key handed out, for ls_names_set_ksyms().
 * At most LS_OSYMS_MAX names (memory stays bounded on any input); further
 * names get LS_KEY_OTHER and are counted.
 */
#ifndef LATSCOPE_OFFLINE_SYMS_H
#define LATSCOPE_OFFLINE_SYMS_H

#include <stddef.h>
#include <stdint.h>
#include "ksyms.h"

#define LS_OSYMS_MAX 4096
#define LS_OSYMS_BASE 0x1000u

struct ls_osyms;

/* real: the traced kernel's symbols, or NULL; not owned, must outlive. */
struct ls_osyms *ls_osyms_new(const struct ls_ksyms *real);
void ls_osyms_free(struct ls_osyms *s);

/*
 * Key of a function as ftrace prints it: "name", "name+0x1f/0x40",
 * "name/0x0", "name.cold", a hex address "0xffffffff81234567", or "0x0" /
 * "0" / "(nil)" for no function (key 0). Returns 0, or -1 when txt is not
 * one of those (empty, blanks, bad characters).
 */
int ls_osyms_key(struct ls_osyms *s, const char *txt, size_t len, uint32_t *key);

/* Names of the keys handed out so far. */
const struct ls_ksyms *ls_osyms_table(const struct ls_osyms *s);
/* Names that did not fit (got LS_KEY_OTHER). */
uint64_t ls_osyms_overflow(const struct ls_osyms *s);
size_t ls_osyms_count(const struct ls_osyms *s);

#endif
