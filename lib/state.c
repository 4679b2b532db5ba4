// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * State file encoding and decoding (format: lib/state.h, docs/state.md).
 *
 * Decoding trusts nothing: the checksums catch damage, and every section is
 * also checked for internal consistency (a histogram's bucket counts add up
 * to its count, min and max fall in its first and last buckets...), so a
 * file that is well-formed but wrong is rejected rather than served.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "atomic_file.h"
#include "comms.h"
#include "crc32c.h"
#include "state.h"

#define NBUCKETS (LS_HIST_OCTAVES * LS_HIST_SUB)
#define SEC_HDR_LEN 16
#define MAX_FILE (1ull << 32) /* far beyond any real aggregator; a sanity cap */

/* --- little-endian writer ------------------------------------------------ */

struct wbuf {
	unsigned char *p;
	size_t len, cap;
	bool oom;
};

static unsigned char *wb_room(struct wbuf *w, size_t n)
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

static void le_store(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t le_load(const unsigned char *p, int n)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void put_u32(struct wbuf *w, uint32_t v)
{
	unsigned char *p = wb_room(w, 4);

	if (p)
		le_store(p, v, 4);
}

static void put_u64(struct wbuf *w, uint64_t v)
{
	unsigned char *p = wb_room(w, 8);

	if (p)
		le_store(p, v, 8);
}

/* A string field of size bytes, NUL-terminated unless full. */
static void put_str(struct wbuf *w, const char *s, size_t size)
{
	size_t n = strnlen(s, size);
	unsigned char *p;

	put_u32(w, (uint32_t)n);
	p = wb_room(w, n);
	if (p)
		memcpy(p, s, n);
}

/* Overwrite a placeholder written earlier at offset off. */
static void patch(struct wbuf *w, size_t off, uint64_t v, int n)
{
	if (!w->oom)
		le_store(w->p + off, v, n);
}

/* --- bounds-checked reader ----------------------------------------------- */

struct rbuf {
	const unsigned char *p;
	size_t len, off;
	bool short_read;  /* a get ran past the end; values read as 0 */
};

static const unsigned char *rb_take(struct rbuf *r, size_t n)
{
	if (r->short_read || n > r->len - r->off) {
		r->short_read = true;
		return NULL;
	}
	r->off += n;
	return r->p + r->off - n;
}

static uint32_t get_u32(struct rbuf *r)
{
	const unsigned char *p = rb_take(r, 4);

	return p ? (uint32_t)le_load(p, 4) : 0;
}

static uint64_t get_u64(struct rbuf *r)
{
	const unsigned char *p = rb_take(r, 8);

	return p ? le_load(p, 8) : 0;
}

/* Length-prefixed string into out[size], cut at the first NUL. */
static void get_str(struct rbuf *r, char *out, size_t size)
{
	uint32_t n = get_u32(r);
	const unsigned char *p = rb_take(r, n);
	size_t k = p ? (n < size - 1 ? n : size - 1) : 0;

	memcpy(out, p ? (const char *)p : "", k);
	out[k] = 0;
}

static size_t rb_left(const struct rbuf *r)
{
	return r->len - r->off;
}

static int invalid(struct ls_state_msg *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int invalid(struct ls_state_msg *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
	return LS_STATE_INVALID;
}

static void note(struct ls_state_msg *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct ls_state_msg *m, const char *fmt, ...)
{
	size_t n = strlen(m->notes);
	va_list ap;

	if (n && n + 2 < sizeof(m->notes)) {
		strcpy(m->notes + n, "; ");
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(m->notes + n, sizeof(m->notes) - n, fmt, ap);
	va_end(ap);
}

/* --- per-kind arrays: written with their length, read with any length ---- */

/* Values of kinds this build cannot hold (a newer writer's): how many
 * were non-zero, so the loss is reported instead of silent. */
static unsigned get_kind_array(struct rbuf *r, uint32_t nkinds, uint64_t *out)
{
	unsigned dropped = 0;

	for (uint32_t k = 0; k < nkinds && !r->short_read; k++) {
		uint64_t v = get_u64(r);

		if (k < LS_K_MAX)
			out[k] += v;
		else if (v)
			dropped++;
	}
	return dropped;
}

/* --- META ------------------------------------------------------------- */

static void save_meta(struct wbuf *w, const struct ls_state *s)
{
	put_u64(w, s->stats_since_unix_ns);
	put_u64(w, s->started_unix_ns);
	put_u64(w, s->saved_unix_ns);
	put_u32(w, s->ncpus);
	put_u32(w, 0);
	put_str(w, s->version, sizeof(s->version));
	put_str(w, s->boot_id, sizeof(s->boot_id));
}

static int load_meta(struct rbuf *r, struct ls_state *s, struct ls_state_msg *m)
{
	(void)m;
	s->stats_since_unix_ns = get_u64(r);
	s->started_unix_ns = get_u64(r);
	s->saved_unix_ns = get_u64(r);
	s->ncpus = get_u32(r);
	get_u32(r);
	get_str(r, s->version, sizeof(s->version));
	get_str(r, s->boot_id, sizeof(s->boot_id));
	return LS_STATE_OK;
}

/* --- COUNTERS ------------------------------------------------------------ */

static void save_counters(struct wbuf *w, const struct ls_state *s)
{
	const struct ls_counters *c = &s->counters;

	put_u32(w, LS_K_MAX);
	put_u32(w, 0);
	for (int k = 0; k < LS_K_MAX; k++) {
		put_u64(w, c->events[k]);
		put_u64(w, c->records[k]);
		put_u64(w, c->drops[k]);
		put_u64(w, c->unpaired[k]);
	}
}

static int load_counters(struct rbuf *r, struct ls_state *s, struct ls_state_msg *m)
{
	uint32_t nkinds = get_u32(r);
	unsigned dropped = 0;

	get_u32(r);
	if ((uint64_t)nkinds * 32 != rb_left(r))
		return invalid(m, "counters: %u kinds do not fit %zu bytes", nkinds, rb_left(r));
	for (uint32_t k = 0; k < nkinds; k++) {
		uint64_t v[4] = { get_u64(r), get_u64(r), get_u64(r), get_u64(r) };

		if (k >= LS_K_MAX) {
			dropped += v[0] || v[1] || v[2] || v[3];
			continue;
		}
		s->counters.events[k] = v[0];
		s->counters.records[k] = v[1];
		s->counters.drops[k] = v[2];
		s->counters.unpaired[k] = v[3];
	}
	if (dropped)
		note(m, "counters of %u kinds unknown to this version dropped", dropped);
	return LS_STATE_OK;
}

/* --- AGG -------------------------------------------------------------- */

struct save_ctx {
	struct wbuf *w;
	uint64_t nseries;
};

static int save_series(const struct ls_series *se, void *p)
{
	struct save_ctx *c = p;
	struct wbuf *w = c->w;
	const struct ls_hist *h = &se->h;
	size_t nb_off;
	uint32_t nb = 0;
	uint64_t n;
	int i;

	if (!h->count) /* a series whose only value failed to allocate */
		return 0;
	c->nseries++;
	put_u32(w, se->cls);
	put_u32(w, se->cpu);
	put_u32(w, se->key);
	nb_off = w->len;
	put_u32(w, 0);
	put_u64(w, h->count);
	put_u64(w, h->sum);
	put_u64(w, h->min);
	put_u64(w, h->max);
	/* only non-empty buckets: a series spans a few octaves, sparsely */
	for (i = ls_hist_next_bucket(h, 0, &n); i >= 0;
	     i = ls_hist_next_bucket(h, (unsigned)i + 1, &n)) {
		put_u32(w, (uint32_t)i);
		put_u64(w, n);
		nb++;
	}
	patch(w, nb_off, nb, 4);
	return w->oom;
}

static void save_agg(struct wbuf *w, const struct ls_state *s)
{
	struct ls_agg_stats st;
	struct save_ctx c = { .w = w };
	size_t n_off;

	ls_agg_get_stats(s->agg, &st);
	put_u64(w, st.records);
	put_u64(w, st.unknown_kind);
	put_u64(w, st.series_overflow);
	put_u64(w, st.alloc_failures);
	put_u64(w, st.wakeup_before_soft);
	put_u32(w, st.max_cpu_seen);
	put_u32(w, LS_K_MAX);
	for (int k = 0; k < LS_K_MAX; k++)
		put_u64(w, st.records_by_kind[k]);
	n_off = w->len;
	put_u64(w, 0);
	ls_agg_foreach(s->agg, save_series, &c);
	patch(w, n_off, c.nseries, 8);
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

/* Read one series' histogram into h (allocated) after checking that it is
 * one ls_hist could have produced. */
static int load_hist(struct rbuf *r, struct ls_hist *h, const char *id,
		     struct ls_state_msg *m)
{
	uint32_t nb = get_u32(r), first = 0, prev = 0;
	uint64_t total = 0;
	size_t pos;

	h->count = get_u64(r);
	h->sum = get_u64(r);
	h->min = get_u64(r);
	h->max = get_u64(r);
	if (r->short_read || !nb || nb > NBUCKETS || (uint64_t)nb * 12 > rb_left(r))
		return invalid(m, "%s: bad bucket count %u", id, nb);
	pos = r->off;
	for (uint32_t i = 0; i < nb; i++) {
		uint32_t idx = get_u32(r);
		uint64_t n = get_u64(r);

		if (idx >= NBUCKETS || (i && idx <= prev) || !n ||
		    __builtin_add_overflow(total, n, &total))
			return invalid(m, "%s: bad bucket %u (index %u, count %llu)", id, i,
				       idx, (unsigned long long)n);
		if (!i)
			first = idx;
		prev = idx;
	}
	if (total != h->count || h->min > h->max ||
	    ls_hist_bucket_of(h->min) != first || ls_hist_bucket_of(h->max) != prev)
		return invalid(m, "%s: buckets disagree with count/min/max", id);
	if (h->sum != UINT64_MAX &&
	    (h->sum < sat_mul(h->min, h->count) || h->sum > sat_mul(h->max, h->count)))
		return invalid(m, "%s: sum outside count x [min, max]", id);
	h->lo_oct = (uint8_t)(first >> LS_HIST_SUB_BITS);
	h->n_oct = (uint8_t)((prev >> LS_HIST_SUB_BITS) - h->lo_oct + 1);
	h->buckets = calloc((size_t)h->n_oct * LS_HIST_SUB, sizeof(*h->buckets));
	if (!h->buckets)
		return LS_STATE_NOMEM;
	r->off = pos;
	for (uint32_t i = 0; i < nb; i++) {
		uint32_t idx = get_u32(r);

		h->buckets[idx - ((unsigned)h->lo_oct << LS_HIST_SUB_BITS)] = get_u64(r);
	}
	return LS_STATE_OK;
}

static int load_agg(struct rbuf *r, struct ls_state *s, struct ls_state_msg *m)
{
	struct ls_agg_stats st = { 0 };
	uint32_t nkinds;
	uint64_t nseries;
	unsigned dropped;

	st.records = get_u64(r);
	st.unknown_kind = get_u64(r);
	st.series_overflow = get_u64(r);
	st.alloc_failures = get_u64(r);
	st.wakeup_before_soft = get_u64(r);
	st.max_cpu_seen = get_u32(r);
	nkinds = get_u32(r);
	if ((uint64_t)nkinds * 8 > rb_left(r))
		return invalid(m, "aggregator: %u kinds do not fit", nkinds);
	dropped = get_kind_array(r, nkinds, st.records_by_kind);
	if (dropped)
		note(m, "record counts of %u kinds unknown to this version dropped", dropped);
	ls_agg_add_stats(s->agg, &st);
	nseries = get_u64(r);
	for (uint64_t i = 0; i < nseries; i++) {
		struct ls_hist h;
		char id[64];
		uint32_t cls = get_u32(r), cpu = get_u32(r), key = get_u32(r);
		int rc;

		if (r->short_read)
			return invalid(m, "aggregator: %llu series announced, %llu present",
				       (unsigned long long)nseries, (unsigned long long)i);
		snprintf(id, sizeof(id), "series %llu (class %u cpu %u key %u)",
			 (unsigned long long)i, cls, cpu, key);
		ls_hist_init(&h);
		rc = load_hist(r, &h, id, m);
		if (!rc && !ls_agg_add_hist(s->agg, cls, cpu, key, &h))
			rc = LS_STATE_NOMEM;
		ls_hist_free(&h);
		if (rc)
			return rc;
	}
	return LS_STATE_OK;
}

/* --- COMMS --------------------------------------------------------------- */

struct comms_ctx {
	struct ls_state_comm *v;
	size_t n, cap;
	bool oom;
};

static void collect_comm(uint32_t pid, const char *comm, void *p)
{
	struct comms_ctx *c = p;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		struct ls_state_comm *v = c->oom ? NULL : realloc(c->v, cap * sizeof(*v));

		if (!v) {
			c->oom = true;
			return;
		}
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n].pid = pid;
	snprintf(c->v[c->n].comm, sizeof(c->v[c->n].comm), "%s", comm);
	c->n++;
}

int ls_state_get_comms(struct ls_state *s)
{
	struct comms_ctx c = { 0 };

	ls_comm_foreach(collect_comm, &c);
	if (c.oom) {
		free(c.v);
		return -1;
	}
	s->comms = c.v;
	s->ncomms = c.n;
	return 0;
}

static void save_comms(struct wbuf *w, const struct ls_state *s)
{
	put_u64(w, s->ncomms);
	for (size_t i = 0; i < s->ncomms; i++) {
		put_u32(w, s->comms[i].pid);
		put_str(w, s->comms[i].comm, sizeof(s->comms[i].comm));
	}
}

static int load_comms(struct rbuf *r, struct ls_state *s, struct ls_state_msg *m)
{
	uint64_t n = get_u64(r);

	/* each entry takes at least 8 bytes: bounds the allocation */
	if (n > rb_left(r) / 8)
		return invalid(m, "comms: %llu entries do not fit", (unsigned long long)n);
	s->comms = calloc(n ? n : 1, sizeof(*s->comms));
	if (!s->comms)
		return LS_STATE_NOMEM;
	for (s->ncomms = 0; s->ncomms < n && !r->short_read; s->ncomms++) {
		s->comms[s->ncomms].pid = get_u32(r);
		get_str(r, s->comms[s->ncomms].comm, sizeof(s->comms[0].comm));
	}
	return LS_STATE_OK;
}

/* --- sections ------------------------------------------------------------ */

static const struct section {
	uint32_t type;
	uint32_t version;  /* the one written and understood */
	bool critical;     /* a reader that lacks it must reject the file */
	bool required;     /* a file without it is invalid */
	const char *name;
	void (*save)(struct wbuf *w, const struct ls_state *s);
	int (*load)(struct rbuf *r, struct ls_state *s, struct ls_state_msg *m);
} sections[] = {
	{ LS_SEC_META, 1, true, true, "meta", save_meta, load_meta },
	{ LS_SEC_COUNTERS, 1, true, false, "counters", save_counters, load_counters },
	{ LS_SEC_AGG, 1, true, false, "aggregator", save_agg, load_agg },
	/* names are hints: an older reader may drop them */
	{ LS_SEC_COMMS, 1, false, false, "comms", save_comms, load_comms },
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

int ls_state_encode(const struct ls_state *s, void **buf, size_t *len)
{
	struct wbuf w = { 0 };
	unsigned char *h;

	wb_room(&w, LS_STATE_HDR_LEN);
	for (size_t i = 0; i < NSECTIONS; i++) {
		const struct section *sec = &sections[i];
		size_t off;

		put_u32(&w, sec->type | (sec->critical ? LS_SEC_CRITICAL : 0));
		put_u32(&w, sec->version);
		off = w.len;
		put_u64(&w, 0);
		sec->save(&w, s);
		patch(&w, off, w.len - off - 8, 8);
	}
	if (w.oom) {
		free(w.p);
		return LS_STATE_NOMEM;
	}
	h = w.p;
	memcpy(h, LS_STATE_MAGIC, 8);
	le_store(h + 8, LS_STATE_FORMAT, 4);
	le_store(h + 12, LS_STATE_HDR_LEN, 4);
	le_store(h + 16, w.len - LS_STATE_HDR_LEN, 8);
	le_store(h + 24, ls_crc32c(0, h + LS_STATE_HDR_LEN, w.len - LS_STATE_HDR_LEN), 4);
	le_store(h + 28, ls_crc32c(0, h, 28), 4);
	*buf = w.p;
	*len = w.len;
	return LS_STATE_OK;
}

static int check_header(const unsigned char *p, size_t len, struct ls_state_msg *m)
{
	uint64_t body;
	uint32_t v;

	if (memcmp(p, LS_STATE_MAGIC, len < 8 ? len : 8))
		return invalid(m, "not a latscope state file (no LATSTATE magic)");
	if (len < LS_STATE_HDR_LEN)
		return invalid(m, "truncated: %zu bytes, the header alone is %d", len,
			       LS_STATE_HDR_LEN);
	if (le_load(p + 28, 4) != ls_crc32c(0, p, 28))
		return invalid(m, "header checksum mismatch");
	v = (uint32_t)le_load(p + 8, 4);
	if (v != LS_STATE_FORMAT)
		return invalid(m, "format version %u, this latscoped reads version %d", v,
			       LS_STATE_FORMAT);
	if (le_load(p + 12, 4) != LS_STATE_HDR_LEN)
		return invalid(m, "header length %llu, expected %d",
			       (unsigned long long)le_load(p + 12, 4), LS_STATE_HDR_LEN);
	body = le_load(p + 16, 8);
	if (body > len - LS_STATE_HDR_LEN)
		return invalid(m, "truncated: body is %zu of %llu bytes",
			       len - LS_STATE_HDR_LEN, (unsigned long long)body);
	if (body < len - LS_STATE_HDR_LEN)
		return invalid(m, "%llu bytes of trailing garbage after the body",
			       (unsigned long long)(len - LS_STATE_HDR_LEN - body));
	if (le_load(p + 24, 4) != ls_crc32c(0, p + LS_STATE_HDR_LEN, body))
		return invalid(m, "body checksum mismatch (file is corrupt)");
	return LS_STATE_OK;
}

static const struct section *find_section(uint32_t type)
{
	for (size_t i = 0; i < NSECTIONS; i++)
		if (sections[i].type == type)
			return &sections[i];
	return NULL;
}

/* One section's payload; unknown ones are skipped or fatal per their flag. */
static int load_section(struct rbuf *body, struct ls_state *s, struct ls_state_msg *m,
			bool seen[NSECTIONS])
{
	uint32_t tf = get_u32(body), ver = get_u32(body);
	uint64_t len = get_u64(body);
	uint32_t type = tf & ~LS_SEC_CRITICAL;
	const struct section *sec = find_section(type);
	struct rbuf r;
	int rc;

	if (body->short_read || len > rb_left(body))
		return invalid(m, "section %u: length %llu runs past the body", type,
			       (unsigned long long)len);
	r = (struct rbuf){ .p = body->p + body->off, .len = len };
	body->off += len;
	if (!sec || ver != sec->version) {
		if (tf & LS_SEC_CRITICAL)
			return invalid(m, "section %u version %u is required but unknown to "
				       "this latscoped", type, ver);
		note(m, "section %u version %u (%llu bytes) unknown to this version: skipped, "
		     "its data will not be saved again", type, ver, (unsigned long long)len);
		return LS_STATE_OK;
	}
	if (seen[sec - sections])
		return invalid(m, "%s section appears twice", sec->name);
	seen[sec - sections] = true;
	rc = sec->load(&r, s, m);
	if (rc)
		return rc;
	if (r.short_read)
		return invalid(m, "%s section: truncated", sec->name);
	if (r.off != r.len)
		return invalid(m, "%s section: %zu unread bytes at its end", sec->name,
			       r.len - r.off);
	return LS_STATE_OK;
}

int ls_state_decode(const void *buf, size_t len, size_t max_series,
		    struct ls_state *s, struct ls_state_msg *m)
{
	const unsigned char *p = buf;
	bool seen[NSECTIONS] = { 0 };
	struct rbuf body;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = check_header(p, len, m);
	if (rc)
		return rc;
	s->agg = ls_agg_new(max_series);
	if (!s->agg)
		return LS_STATE_NOMEM;
	body = (struct rbuf){ .p = p + LS_STATE_HDR_LEN, .len = len - LS_STATE_HDR_LEN };
	while (!rc && rb_left(&body))
		rc = load_section(&body, s, m, seen);
	for (size_t i = 0; !rc && i < NSECTIONS; i++)
		if (sections[i].required && !seen[i])
			rc = invalid(m, "no %s section", sections[i].name);
	if (rc) {
		ls_agg_free(s->agg);
		s->agg = NULL;
		free(s->comms);
		s->comms = NULL;
		s->ncomms = 0;
		if (rc == LS_STATE_NOMEM)
			snprintf(m->err, sizeof(m->err), "out of memory");
	}
	return rc;
}

/* --- files --------------------------------------------------------------- */

int ls_state_save(const char *path, const struct ls_state *s, struct ls_state_msg *m)
{
	void *buf;
	size_t len;
	int rc = ls_state_encode(s, &buf, &len);

	if (rc) {
		snprintf(m->err, sizeof(m->err), "encoding the state: out of memory");
		return rc;
	}
	rc = ls_write_atomic(path, buf, len, 0600, true, m->err, sizeof(m->err));
	free(buf);
	return rc ? LS_STATE_IOERR : LS_STATE_OK;
}

static int read_all(int fd, unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -1 : 1;  /* 1: shrank while we read */
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ls_state_load(const char *path, size_t max_series, struct ls_state *s,
		  struct ls_state_msg *m)
{
	unsigned char *buf = NULL;
	struct stat st;
	int fd, rc;

	memset(s, 0, sizeof(*s));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(m->err, sizeof(m->err), "opening %s: %s", path, strerror(errno));
		return errno == ENOENT ? LS_STATE_MISSING : LS_STATE_IOERR;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		rc = S_ISREG(st.st_mode) ? LS_STATE_IOERR : LS_STATE_INVALID;
		snprintf(m->err, sizeof(m->err), "%s: %s", path,
			 rc == LS_STATE_IOERR ? strerror(errno) : "not a regular file");
		goto out;
	}
	if ((uint64_t)st.st_size > MAX_FILE) {
		rc = invalid(m, "%lld bytes: larger than any state file", (long long)st.st_size);
		goto out;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		rc = LS_STATE_NOMEM;
		snprintf(m->err, sizeof(m->err), "out of memory for %lld bytes", (long long)st.st_size);
		goto out;
	}
	rc = read_all(fd, buf, (size_t)st.st_size);
	if (rc) {
		snprintf(m->err, sizeof(m->err), "reading %s: %s", path,
			 rc < 0 ? strerror(errno) : "file shrank while reading");
		rc = LS_STATE_IOERR;
		goto out;
	}
	rc = ls_state_decode(buf, (size_t)st.st_size, max_series, s, m);
out:
	free(buf);
	close(fd);
	return rc;
}
