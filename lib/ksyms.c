/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include "ksyms.h"

/*
 * One allocation for all names (a blob of NUL-terminated strings) and a
 * compact sorted array of (address, name offset): ~60k text symbols cost
 * ~2.5 MiB instead of ~6 MiB with a strdup per name, which matters for the
 * daemon's RSS budget.
 */
struct sym {
	uint64_t addr;
	uint32_t name;       /* offset into ls_ksyms.names */
};

struct ls_ksyms {
	struct sym *syms;    /* sorted by address */
	size_t n, cap;
	char *names;
	size_t names_len, names_cap;
};

static int grow(void **p, size_t *cap, size_t need, size_t elem, size_t first)
{
	size_t c = *cap ? *cap : first;
	void *q;

	while (c < need)
		c *= 2;
	if (c == *cap)
		return 0;
	q = realloc(*p, c * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

static int add(struct ls_ksyms *ks, uint64_t addr, const char *name)
{
	size_t len = strlen(name) + 1;

	if (ks->names_len + len > UINT32_MAX ||
	    grow((void **)&ks->syms, &ks->cap, ks->n + 1, sizeof(*ks->syms), 65536) ||
	    grow((void **)&ks->names, &ks->names_cap, ks->names_len + len, 1, 1 << 20))
		return -1;
	memcpy(ks->names + ks->names_len, name, len);
	ks->syms[ks->n].addr = addr;
	ks->syms[ks->n].name = (uint32_t)ks->names_len;
	ks->names_len += len;
	ks->n++;
	return 0;
}

/* Give back the slack of the doubling growth (the table lives for days). */
static void shrink(struct ls_ksyms *ks)
{
	void *p;

	if (ks->n && (p = realloc(ks->syms, ks->n * sizeof(*ks->syms)))) {
		ks->syms = p;
		ks->cap = ks->n;
	}
	if (ks->names_len && (p = realloc(ks->names, ks->names_len))) {
		ks->names = p;
		ks->names_cap = ks->names_len;
	}
}

static int by_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

struct ls_ksyms *ls_ksyms_load(const char *path)
{
	struct ls_ksyms *ks = calloc(1, sizeof(*ks));
	FILE *f = fopen(path ? path : "/proc/kallsyms", "re");
	char line[512], name[256], type;
	unsigned long long addr;
	int nonzero = 0, err = 0;

	if (!ks || !f) {
		err = errno;
		goto fail;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		/* functions only: timers and callbacks point at text */
		if (type != 't' && type != 'T')
			continue;
		nonzero |= addr != 0;
		if (add(ks, addr, name)) {
			err = ENOMEM;
			goto fail;
		}
	}
	if (!nonzero) {
		err = ks->n ? EPERM : ENOENT; /* addresses hidden by kptr_restrict */
		goto fail;
	}
	fclose(f);
	shrink(ks);
	qsort(ks->syms, ks->n, sizeof(*ks->syms), by_addr);
	return ks;
fail:
	if (f)
		fclose(f);
	ls_ksyms_free(ks);
	errno = err;
	return NULL;
}

struct ls_ksyms *ls_ksyms_new(void)
{
	return calloc(1, sizeof(struct ls_ksyms));
}

int ls_ksyms_add(struct ls_ksyms *ks, uint64_t addr, const char *name)
{
	struct sym s;
	size_t i;

	if (add(ks, addr, name))
		return -1;
	/* keep the order: move the new entry down to its place */
	s = ks->syms[ks->n - 1];
	for (i = ks->n - 1; i > 0 && ks->syms[i - 1].addr > addr; i--)
		ks->syms[i] = ks->syms[i - 1];
	ks->syms[i] = s;
	return 0;
}

void ls_ksyms_free(struct ls_ksyms *ks)
{
	if (!ks)
		return;
	free(ks->names);
	free(ks->syms);
	free(ks);
}

size_t ls_ksyms_count(const struct ls_ksyms *ks)
{
	return ks ? ks->n : 0;
}

const char *ls_ksyms_lookup(const struct ls_ksyms *ks, uint64_t addr, uint64_t *off)
{
	size_t lo = 0, hi;

	if (!ks || !ks->n || addr < ks->syms[0].addr)
		return NULL;
	hi = ks->n;
	while (hi - lo > 1) { /* last symbol with start <= addr */
		size_t mid = lo + (hi - lo) / 2;

		if (ks->syms[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	/* beyond the last symbol's likely end: do not guess */
	if (lo == ks->n - 1 && addr - ks->syms[lo].addr > 0x100000)
		return NULL;
	if (off)
		*off = addr - ks->syms[lo].addr;
	return ks->names + ks->syms[lo].name;
}

uint64_t ls_ksyms_addr(const struct ls_ksyms *ks, const char *name)
{
	size_t i;

	for (i = 0; ks && i < ks->n; i++)
		if (!strcmp(ks->names + ks->syms[i].name, name))
			return ks->syms[i].addr;
	return 0;
}

size_t ls_ksyms_count_name(const struct ls_ksyms *ks, const char *name, uint64_t *addr)
{
	size_t i, n = 0;

	for (i = 0; ks && i < ks->n; i++) {
		if (strcmp(ks->names + ks->syms[i].name, name) || (n && ks->syms[i].addr == *addr))
			continue;
		if (!n++)
			*addr = ks->syms[i].addr;
	}
	return n;
}

const char *ls_ksyms_format(const struct ls_ksyms *ks, uint64_t addr, char *buf, size_t len)
{
	uint64_t off = 0;
	const char *name = ls_ksyms_lookup(ks, addr, &off);

	if (!name)
		snprintf(buf, len, "0x%llx", (unsigned long long)addr);
	else if (off)
		snprintf(buf, len, "%s+0x%llx", name, (unsigned long long)off);
	else
		snprintf(buf, len, "%s", name);
	return buf;
}
