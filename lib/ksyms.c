/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ksyms.h"

struct sym {
	uint64_t addr;
	char *name;
};

struct ls_ksyms {
	struct sym *syms;    /* sorted by address */
	size_t n, cap;
};

/* Room for one more symbol; first_cap when the table is empty. */
static int reserve(struct ls_ksyms *ks, size_t first_cap)
{
	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? ks->cap * 2 : first_cap;
		struct sym *s = realloc(ks->syms, cap * sizeof(*s));

		if (!s)
			return -1;
		ks->syms = s;
		ks->cap = cap;
	}
	return 0;
}

static int add(struct ls_ksyms *ks, uint64_t addr, const char *name)
{
	if (reserve(ks, 65536))
		return -1;
	ks->syms[ks->n].addr = addr;
	ks->syms[ks->n].name = strdup(name);
	if (!ks->syms[ks->n].name)
		return -1;
	ks->n++;
	return 0;
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
	char *copy;
	size_t i;

	if (reserve(ks, 64) || !(copy = strdup(name)))
		return -1;
	for (i = ks->n; i > 0 && ks->syms[i - 1].addr > addr; i--)
		;
	memmove(&ks->syms[i + 1], &ks->syms[i], (ks->n - i) * sizeof(*ks->syms));
	ks->syms[i].addr = addr;
	ks->syms[i].name = copy;
	ks->n++;
	return 0;
}

void ls_ksyms_free(struct ls_ksyms *ks)
{
	size_t i;

	if (!ks)
		return;
	for (i = 0; i < ks->n; i++)
		free(ks->syms[i].name);
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
	return ks->syms[lo].name;
}

uint64_t ls_ksyms_addr(const struct ls_ksyms *ks, const char *name)
{
	size_t i;

	for (i = 0; ks && i < ks->n; i++)
		if (!strcmp(ks->syms[i].name, name))
			return ks->syms[i].addr;
	return 0;
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
