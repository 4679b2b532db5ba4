// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * State files (format: lib/state.h, docs/state.md): the header and its
 * checksums, the walk over sections (state_sections.c holds each one's
 * codec), and reading and writing whole files.
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
#include "crc32c.h"
#include "state_sections.h"

#define MAX_FILE (1ull << 32) /* far beyond any real aggregator; a sanity cap */

int ls_state_invalid(struct ls_state_msg *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
	return LS_STATE_INVALID;
}

void ls_state_note(struct ls_state_msg *m, const char *fmt, ...)
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

int ls_state_encode(const struct ls_state *s, void **buf, size_t *len)
{
	struct ls_wbuf w = { 0 };
	unsigned char *h;

	wb_room(&w, LS_STATE_HDR_LEN);
	for (size_t i = 0; i < ls_state_nsections; i++) {
		const struct ls_state_section *sec = &ls_state_sections[i];
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
		return ls_state_invalid(m, "not a latscope state file (no LATSTATE magic)");
	if (len < LS_STATE_HDR_LEN)
		return ls_state_invalid(m, "truncated: %zu bytes, the header alone is %d", len,
			       LS_STATE_HDR_LEN);
	if (le_load(p + 28, 4) != ls_crc32c(0, p, 28))
		return ls_state_invalid(m, "header checksum mismatch");
	v = (uint32_t)le_load(p + 8, 4);
	if (v != LS_STATE_FORMAT)
		return ls_state_invalid(m, "format version %u, this latscoped reads version %d", v,
			       LS_STATE_FORMAT);
	if (le_load(p + 12, 4) != LS_STATE_HDR_LEN)
		return ls_state_invalid(m, "header length %llu, expected %d",
			       (unsigned long long)le_load(p + 12, 4), LS_STATE_HDR_LEN);
	body = le_load(p + 16, 8);
	if (body > len - LS_STATE_HDR_LEN)
		return ls_state_invalid(m, "truncated: body is %zu of %llu bytes",
			       len - LS_STATE_HDR_LEN, (unsigned long long)body);
	if (body < len - LS_STATE_HDR_LEN)
		return ls_state_invalid(m, "%llu bytes of trailing garbage after the body",
			       (unsigned long long)(len - LS_STATE_HDR_LEN - body));
	if (le_load(p + 24, 4) != ls_crc32c(0, p + LS_STATE_HDR_LEN, body))
		return ls_state_invalid(m, "body checksum mismatch (file is corrupt)");
	return LS_STATE_OK;
}

/* The table entry that reads this type in this version. */
static const struct ls_state_section *find_section(uint32_t type, uint32_t ver)
{
	for (size_t i = 0; i < ls_state_nsections; i++) {
		const struct ls_state_section *sec = &ls_state_sections[i];
		uint32_t min = sec->min_version ? sec->min_version : sec->version;

		if (sec->type == type && ver >= min && ver <= sec->version)
			return sec;
	}
	return NULL;
}

/* One section's payload; unknown ones are skipped or fatal per their flag. */
static int load_section(struct ls_rbuf *body, struct ls_state *s, struct ls_state_msg *m,
			uint64_t *seen)
{
	uint32_t tf = get_u32(body), ver = get_u32(body);
	uint64_t len = get_u64(body);
	uint32_t type = tf & ~LS_SEC_CRITICAL;
	const struct ls_state_section *sec = find_section(type, ver);
	struct ls_rbuf r;
	int rc;

	if (body->short_read || len > rb_left(body))
		return ls_state_invalid(m, "section %u: length %llu runs past the body", type,
			       (unsigned long long)len);
	r = (struct ls_rbuf){ .p = body->p + body->off, .len = len };
	body->off += len;
	if (!sec) {
		if (tf & LS_SEC_CRITICAL)
			return ls_state_invalid(m, "section %u version %u is required but unknown to "
				       "this latscoped", type, ver);
		ls_state_note(m, "section %u version %u (%llu bytes) unknown to this version: skipped, "
		     "its data will not be saved again", type, ver, (unsigned long long)len);
		return LS_STATE_OK;
	}
	if (*seen & (1ull << (sec - ls_state_sections)))
		return ls_state_invalid(m, "%s section appears twice", sec->name);
	*seen |= 1ull << (sec - ls_state_sections);
	s->sec_version = ver;
	rc = sec->load(&r, s, m);
	if (rc)
		return rc;
	if (r.short_read)
		return ls_state_invalid(m, "%s section: truncated", sec->name);
	if (r.off != r.len)
		return ls_state_invalid(m, "%s section: %zu unread bytes at its end", sec->name,
			       r.len - r.off);
	return LS_STATE_OK;
}

/* A new aggregator as the restoring daemon runs it: restored windows
 * must land in lists of its worst-N, logs only for its isolated CPUs.
 * Options it rejects are the caller's error, not the file's: reported
 * like a lack of memory (the file is kept). */
static int new_agg(const struct ls_state_limits *lim, struct ls_state *s,
		   struct ls_state_msg *m)
{
	struct ls_windows *w;

	s->agg = ls_agg_new(lim->max_series);
	if (!s->agg)
		return LS_STATE_NOMEM;
	w = ls_agg_windows(s->agg);
	if ((lim->win && ls_windows_set_opts(w, lim->win)) ||
	    (lim->isolated && ls_windows_set_isolated(w, lim->isolated))) {
		snprintf(m->err, sizeof(m->err), "windows options rejected by the new aggregator");
		return LS_STATE_NOMEM;
	}
	return LS_STATE_OK;
}

int ls_state_decode(const void *buf, size_t len, const struct ls_state_limits *lim,
		    struct ls_state *s, struct ls_state_msg *m)
{
	const unsigned char *p = buf;
	uint64_t seen = 0;
	struct ls_rbuf body;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = check_header(p, len, m);
	if (rc)
		return rc;
	s->lim = lim;
	rc = new_agg(lim, s, m);
	body = (struct ls_rbuf){ .p = p + LS_STATE_HDR_LEN, .len = len - LS_STATE_HDR_LEN };
	while (!rc && rb_left(&body))
		rc = load_section(&body, s, m, &seen);
	ls_keymap_free(s->keymap);
	s->keymap = NULL;
	s->lim = NULL;
	for (size_t i = 0; !rc && i < ls_state_nsections; i++)
		if (ls_state_sections[i].required && !(seen & (1ull << i)))
			rc = ls_state_invalid(m, "no %s section", ls_state_sections[i].name);
	if (rc) {
		ls_agg_free(s->agg);
		s->agg = NULL;
		free(s->comms);
		s->comms = NULL;
		s->ncomms = 0;
		if (rc == LS_STATE_NOMEM && !m->err[0])
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

int ls_state_load(const char *path, const struct ls_state_limits *lim, struct ls_state *s,
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
		rc = ls_state_invalid(m, "%lld bytes: larger than any state file", (long long)st.st_size);
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
	rc = ls_state_decode(buf, (size_t)st.st_size, lim, s, m);
out:
	free(buf);
	close(fd);
	return rc;
}
