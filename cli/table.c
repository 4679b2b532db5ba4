// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "table.h"

struct table {
	size_t ncols;
	const char *align;
	char **cells;  /* headers first, then rows */
	size_t n, cap;
};

static void oom(void)
{
	fprintf(stderr, "latscope: out of memory\n");
	exit(CLI_EXIT_RUNTIME);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		oom();
	return p;
}

static void push(struct table *t, char *s)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->cells = xrealloc(t->cells, t->cap * sizeof(*t->cells));
	}
	t->cells[t->n++] = s;
}

struct table *table_new(const char *const *headers, const char *align)
{
	struct table *t = xrealloc(NULL, sizeof(*t));

	memset(t, 0, sizeof(*t));
	t->align = align;
	for (; headers[t->ncols]; t->ncols++)
		push(t, strcpy(xrealloc(NULL, strlen(headers[t->ncols]) + 1),
			       headers[t->ncols]));
	return t;
}

void table_add(struct table *t, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	va_end(ap);
	push(t, s);
}

void table_print(const struct table *t, FILE *f, int indent)
{
	size_t w[t->ncols];

	memset(w, 0, sizeof(w));
	for (size_t i = 0; i < t->n; i++) {
		size_t l = strlen(t->cells[i]);

		if (l > w[i % t->ncols])
			w[i % t->ncols] = l;
	}
	for (size_t i = 0; i < t->n || i % t->ncols; i++) {
		size_t c = i % t->ncols;
		const char *s = i < t->n ? t->cells[i] : "";
		bool last = c + 1 == t->ncols;

		if (c == 0)
			fprintf(f, "%*s", indent, "");
		if (t->align[c] == 'r')
			fprintf(f, "%*s", (int)w[c], s);
		else
			fprintf(f, "%-*s", last ? 0 : (int)w[c], s);
		fputs(last ? "\n" : "  ", f);
	}
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
