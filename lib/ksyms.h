/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Kernel symbol table from /proc/kallsyms: address -> function name and
 * name -> address. Loaded once (the daemon does it at start, while it still
 * may read kallsyms) and reloaded when the set of modules changes.
 */
#ifndef LATSCOPE_KSYMS_H
#define LATSCOPE_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct ls_ksyms;

/* Load from path (NULL = /proc/kallsyms). NULL + errno on failure; a file
 * whose addresses are all zero (kptr_restrict) fails with EPERM. */
struct ls_ksyms *ls_ksyms_load(const char *path);
void ls_ksyms_free(struct ls_ksyms *ks);
/* An empty table filled with ls_ksyms_add: the functions an offline trace
 * names. NULL on ENOMEM. */
struct ls_ksyms *ls_ksyms_new(void);
/* Adds a function at addr, keeping the table sorted. 0, or -1 on ENOMEM. */
int ls_ksyms_add(struct ls_ksyms *ks, uint64_t addr, const char *name);
size_t ls_ksyms_count(const struct ls_ksyms *ks);
/* Function containing addr: its name, *off = addr - start; NULL if none. */
const char *ls_ksyms_lookup(const struct ls_ksyms *ks, uint64_t addr, uint64_t *off);
/* Address of a text symbol by exact name, 0 if absent. */
uint64_t ls_ksyms_addr(const struct ls_ksyms *ks, const char *name);
/* At how many addresses a text symbol of this exact name is (static
 * functions of different files may share one); *addr = the first. */
size_t ls_ksyms_count_name(const struct ls_ksyms *ks, const char *name, uint64_t *addr);
/* "name" or "name+0x1f" or "0xffffffff81234567" when unknown. */
const char *ls_ksyms_format(const struct ls_ksyms *ks, uint64_t addr, char *buf, size_t len);

#endif
