/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Function names of an offline trace -> keys; see offline_syms.h. */
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "ftrace_text.h"
#include "offline_syms.h"
#include "pair_map.h"

#define NAME_MAX_LEN 255 /* longer "names" are not kernel symbols */

struct ls_osyms {
	const struct ls_ksyms *real;
	struct ls_ksyms *seen;   /* the keys handed out, by address */
	struct ls_pmap *by_hash; /* FNV-1a of the name -> key */
	size_t n;
	uint64_t overflow;
};

struct ls_osyms *ls_osyms_new(const struct ls_ksyms *real)
{
	struct ls_osyms *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->real = real;
	s->seen = ls_ksyms_new();
	/* 2 * LS_OSYMS_MAX slots: never more than half full */
	s->by_hash = ls_pmap_new(13, sizeof(uint32_t));
	if (!s->seen || !s->by_hash) {
		ls_osyms_free(s);
		return NULL;
	}
	return s;
}

void ls_osyms_free(struct ls_osyms *s)
{
	if (!s)
		return;
	ls_ksyms_free(s->seen);
	ls_pmap_free(s->by_hash);
	free(s);
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= (unsigned char)*p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static int is_sym_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '$';
}

/* The name without "+0x1f/0x40" or "/0x0"; its length, 0 if not a name. */
static size_t name_len(const char *txt, size_t len)
{
	size_t n = 0;

	while (n < len && is_sym_char(txt[n]))
		n++;
	if (n == 0 || n > NAME_MAX_LEN || (n < len && txt[n] != '+' && txt[n] != '/'))
		return 0;
	return n;
}

/* A new key for name: its real address, else the next synthetic one. */
static int add_name(struct ls_osyms *s, const char *name, uint32_t *key)
{
	uint64_t addr = s->real ? ls_ksyms_addr(s->real, name) : 0;
	uint64_t off;
	const char *at;

	if (!addr)
		addr = LS_KADDR(LS_OSYMS_BASE + 16u * (uint32_t)s->n);
	/* a real address may already be named by an alias */
	at = ls_ksyms_lookup(s->seen, addr, &off);
	if (!(at && off == 0) && ls_ksyms_add(s->seen, addr, name))
		return -1;
	s->n++;
	*key = (uint32_t)addr;
	return 0;
}

int ls_osyms_key(struct ls_osyms *s, const char *txt, size_t len, uint32_t *key)
{
	char name[NAME_MAX_LEN + 1];
	uint32_t *slot;
	uint64_t v;
	size_t n;
	int how;

	if (len >= 2 && txt[0] == '0' && (txt[1] == 'x' || txt[1] == 'X')) {
		if (ls_ft_parse_u64(txt, len, 1, &v))
			return -1;
		*key = (uint32_t)v; /* raw address (0x0: none) */
		return 0;
	}
	if ((len == 1 && txt[0] == '0') || (len == 5 && !memcmp(txt, "(nil)", 5))) {
		*key = 0;
		return 0;
	}
	n = name_len(txt, len);
	if (!n)
		return -1;
	memcpy(name, txt, n);
	name[n] = '\0';
	/* names are told apart by a 64-bit hash: among at most LS_OSYMS_MAX
	 * names a collision has a chance of about 2^-41 */
	slot = ls_pmap_get(s->by_hash, fnv1a(name, n));
	if (slot) {
		*key = *slot;
		return 0;
	}
	if (s->n >= LS_OSYMS_MAX) {
		s->overflow++;
		*key = LS_KEY_OTHER;
		return 0;
	}
	if (add_name(s, name, key))
		return -1;
	slot = ls_pmap_put(s->by_hash, fnv1a(name, n), &how);
	*slot = *key;
	return 0;
}

const struct ls_ksyms *ls_osyms_table(const struct ls_osyms *s)
{
	return s->seen;
}

uint64_t ls_osyms_overflow(const struct ls_osyms *s)
{
	return s->overflow;
}

size_t ls_osyms_count(const struct ls_osyms *s)
{
	return s->n;
}
