/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Aligned text tables: collect cells, then print with column widths fitted. */
#ifndef LATSCOPE_CLI_TABLE_H
#define LATSCOPE_CLI_TABLE_H

#include <stdio.h>

struct table;

/* headers: NULL-terminated column titles; align: one 'l' or 'r' per column.
 * Exits with a message on out of memory (as do the other table calls). */
struct table *table_new(const char *const *headers, const char *align);
/* Append the next cell, row after row. */
void table_add(struct table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print header and rows (an incomplete last row is padded), indented. */
void table_print(const struct table *t, FILE *f, int indent);
void table_free(struct table *t);

#endif
