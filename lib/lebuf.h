/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Little-endian byte buffers for lib/state*.c: a growing writer that
 * remembers running out of memory (checked once at the end), and a
 * bounds-checked reader that reads 0 past the end and remembers it (checked
 * once per section), so the codecs need no error test per field.
 */
#ifndef LATSCOPE_LEBUF_H
#define LATSCOPE_LEBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* --- little-endian writer ------------------------------------------------ */

struct ls_wbuf {
	unsigned char *p;
	size_t len, cap;
	bool oom;
};

static inline unsigned char *wb_room(struct ls_wbuf *w, size_t n)
{
	if (w->oom)
		return NULL;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		unsigned char *p;

		while (cap < w->len + n)
			cap *= 2;
		p = realloc(w->p, cap);
		if (!p) {
			w->oom = true;
			return NULL;
		}
		w->p = p;
		w->cap = cap;
	}
	w->len += n;
	return w->p + w->len - n;
}

static inline void le_store(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint64_t le_load(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void put_u32(struct ls_wbuf *w, uint32_t v)
{
	unsigned char *p = wb_room(w, 4);

	if (p)
		le_store(p, v, 4);
}

static inline void put_u64(struct ls_wbuf *w, uint64_t v)
{
	unsigned char *p = wb_room(w, 8);

	if (p)
		le_store(p, v, 8);
}

/* A string field of size bytes, NUL-terminated unless full. */
static inline void put_str(struct ls_wbuf *w, const char *s, size_t size)
{
	size_t n = strnlen(s, size);
	unsigned char *p;

	put_u32(w, (uint32_t)n);
	p = wb_room(w, n);
	if (p)
		memcpy(p, s, n);
}

/* Overwrite a placeholder written earlier at offset off. */
static inline void patch(struct ls_wbuf *w, size_t off, uint64_t v, int n)
{
	if (!w->oom)
		le_store(w->p + off, v, n);
}

/* --- bounds-checked reader ----------------------------------------------- */

struct ls_rbuf {
	const unsigned char *p;
	size_t len, off;
	bool short_read;  /* a get ran past the end; values read as 0 */
};

static inline const unsigned char *rb_take(struct ls_rbuf *r, size_t n)
{
	if (r->short_read || n > r->len - r->off) {
		r->short_read = true;
		return NULL;
	}
	r->off += n;
	return r->p + r->off - n;
}

static inline uint32_t get_u32(struct ls_rbuf *r)
{
	const unsigned char *p = rb_take(r, 4);

	return p ? (uint32_t)le_load(p, 4) : 0;
}

static inline uint64_t get_u64(struct ls_rbuf *r)
{
	const unsigned char *p = rb_take(r, 8);

	return p ? le_load(p, 8) : 0;
}

/* Length-prefixed string into out[size], cut at the first NUL. */
static inline void get_str(struct ls_rbuf *r, char *out, size_t size)
{
	uint32_t n = get_u32(r);
	const unsigned char *p = rb_take(r, n);
	size_t k = p ? (n < size - 1 ? n : size - 1) : 0;

	memcpy(out, p ? (const char *)p : "", k);
	out[k] = 0;
}

static inline size_t rb_left(const struct ls_rbuf *r)
{
	return r->len - r->off;
}

#endif
