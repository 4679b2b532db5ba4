// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * State files (lib/state.c): a save/restore round trip gives back equal
 * histograms, counters and times; damaged, truncated, foreign and
 * newer-format files are rejected with a reason; unknown sections are
 * skipped or rejected according to their critical flag; a well-checksummed
 * file with inconsistent histograms is rejected too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "crc32c.h"
#include "state.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* Limits of a restoring daemon with this series cap and no other limit. */
static const struct ls_state_limits *lim(size_t max_series)
{
	static struct ls_state_limits l;

	l = (struct ls_state_limits){ .max_series = max_series };
	return &l;
}

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* Log-uniform-ish latencies from 0 ns to ~1 s, plus the extremes. */
static uint64_t rnd_latency(void)
{
	uint64_t r = rnd();

	if (r % 1000 == 0)
		return r % 2 ? 0 : UINT64_MAX;
	return (rnd() >> 34) >> (r % 34);
}

/* An aggregator with hardirq, softirq (+ derived raise), hrtimer-like
 * values by ls_agg_add_value, several CPUs and keys, and a series cap low
 * enough that some keys fold into `other`. */
static struct ls_agg *sample_agg(size_t max_series)
{
	struct ls_agg *a = ls_agg_new(max_series);

	assert_non_null(a);
	for (int i = 0; i < 20000; i++) {
		struct ls_rec r = {
			.ts = (uint64_t)i * 1000, .dur = rnd_latency(), .key = rnd() % 40,
			.cpu = rnd() % 4, .kind = i % 3 ? LS_K_HARDIRQ : LS_K_SOFTIRQ,
			.arg = i % 5 ? (uint32_t)(rnd() % 100000) : LS_ARG_NONE,
		};

		if (r.kind == LS_K_SOFTIRQ)
			r.key %= LS_NR_SOFTIRQS;
		ls_agg_add(a, &r);
		ls_agg_add_value(a, LS_K_HRTIMER_LATE, rnd() % 4, 0x81234560 + rnd() % 7,
				 rnd_latency());
	}
	return a;
}

static struct ls_state_comm sample_comms[] = {
	{ 4242, "timer_probe" }, { 1, "systemd" }, { 99999, "fifteen-chars-x" },
};

static struct ls_state sample_state(struct ls_agg *a)
{
	struct ls_state s = {
		.comms = sample_comms, .ncomms = 3,
		.agg = a, .stats_since_unix_ns = 1700000000123456789ull,
		.started_unix_ns = 1700000500000000000ull,
		.saved_unix_ns = 1700000600000000001ull, .ncpus = 4,
		.version = "0.1.0", .boot_id = "0b6c1a7e-1111-2222-3333-444455556666",
	};

	for (int k = 0; k < LS_K_MAX; k++) {
		s.counters.events[k] = rnd() >> 20;
		s.counters.records[k] = rnd() >> 21;
		s.counters.drops[k] = k == LS_K_HARDIRQ ? 7 : 0;
		s.counters.unpaired[k] = rnd() % 10;
	}
	return s;
}

static void assert_hist_equal(const struct ls_hist *x, const struct ls_hist *y)
{
	uint64_t nx, ny;
	int ix, iy;

	assert_true(x->count == y->count);
	assert_true(x->sum == y->sum);
	assert_true(x->min == y->min);
	assert_true(x->max == y->max);
	for (ix = ls_hist_next_bucket(x, 0, &nx), iy = ls_hist_next_bucket(y, 0, &ny);
	     ix >= 0 || iy >= 0;
	     ix = ls_hist_next_bucket(x, ix + 1, &nx), iy = ls_hist_next_bucket(y, iy + 1, &ny)) {
		assert_int_equal(ix, iy);
		assert_true(nx == ny);
	}
}

struct cmp_ctx {
	const struct ls_agg *other;
	size_t n;
};

/* Every series of one aggregator has an equal twin in the other. */
static int cmp_series(const struct ls_series *s, void *p)
{
	struct cmp_ctx *c = p;
	struct ls_hist h;

	ls_hist_init(&h);
	assert_int_equal(ls_agg_merge(c->other, s->cls, s->cpu, s->key, &h), 1);
	assert_hist_equal(&s->h, &h);
	ls_hist_free(&h);
	c->n++;
	return 0;
}

static void assert_agg_equal(const struct ls_agg *x, const struct ls_agg *y)
{
	struct ls_agg_stats sx, sy;
	struct cmp_ctx c = { y, 0 };

	ls_agg_get_stats(x, &sx);
	ls_agg_get_stats(y, &sy);
	assert_memory_equal(&sx, &sy, sizeof(sx));
	ls_agg_foreach(x, cmp_series, &c);
	assert_int_equal(c.n, sx.series);
}

static void test_crc32c(void **st)
{
	(void)st;
	assert_int_equal(ls_crc32c(0, "123456789", 9), 0xe3069283u);
	/* incremental == one shot */
	assert_int_equal(ls_crc32c(ls_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
	assert_int_equal(ls_crc32c(0, "", 0), 0);
}

static void test_round_trip(void **st)
{
	struct ls_agg *a = sample_agg(150);
	struct ls_state s = sample_state(a), r;
	struct ls_state_msg m = { 0 };
	struct ls_agg_stats as;
	void *buf, *buf2;
	size_t len, len2;

	(void)st;
	ls_agg_get_stats(a, &as);
	assert_true(as.series_overflow > 0); /* the cap was hit: `other` is saved too */
	assert_int_equal(ls_state_encode(&s, &buf, &len), LS_STATE_OK);
	assert_int_equal(ls_state_decode(buf, len, lim(150), &r, &m), LS_STATE_OK);
	assert_string_equal(m.notes, "");
	assert_agg_equal(a, r.agg);
	assert_memory_equal(&s.counters, &r.counters, sizeof(s.counters));
	assert_true(r.stats_since_unix_ns == s.stats_since_unix_ns);
	assert_true(r.started_unix_ns == s.started_unix_ns);
	assert_true(r.saved_unix_ns == s.saved_unix_ns);
	assert_int_equal(r.ncpus, 4);
	assert_string_equal(r.version, s.version);
	assert_string_equal(r.boot_id, s.boot_id);
	assert_int_equal(r.ncomms, 3);
	assert_memory_equal(r.comms, sample_comms, sizeof(sample_comms));
	/* the restored state saves to the same bytes */
	assert_int_equal(ls_state_encode(&r, &buf2, &len2), LS_STATE_OK);
	assert_int_equal(len2, len);
	assert_memory_equal(buf, buf2, len);
	free(buf);
	free(buf2);
	free(r.comms);
	ls_agg_free(r.agg);
	ls_agg_free(a);
}

/* Restoring into a smaller cap folds the excess into `other`, counting
 * every folded value, and loses no value. */
static void test_restore_smaller_cap(void **st)
{
	struct ls_agg *a = sample_agg(100000);
	struct ls_state s = sample_state(a), r;
	struct ls_state_msg m = { 0 };
	struct ls_agg_stats sa, sr;
	struct ls_hist ha, hr;
	void *buf;
	size_t len;

	(void)st;
	assert_int_equal(ls_state_encode(&s, &buf, &len), LS_STATE_OK);
	assert_int_equal(ls_state_decode(buf, len, lim(20), &r, &m), LS_STATE_OK);
	ls_agg_get_stats(a, &sa);
	ls_agg_get_stats(r.agg, &sr);
	assert_int_equal(sa.series_overflow, 0);
	assert_true(sr.series_overflow > 0);
	assert_true(sr.series < sa.series);
	ls_hist_init(&ha);
	ls_hist_init(&hr);
	ls_agg_merge(a, LS_K_HARDIRQ, -1, -1, &ha);
	ls_agg_merge(r.agg, LS_K_HARDIRQ, -1, -1, &hr);
	assert_hist_equal(&ha, &hr);
	ls_hist_free(&ha);
	ls_hist_free(&hr);
	free(buf);
	free(r.comms);
	ls_agg_free(r.agg);
	ls_agg_free(a);
}

/* A small valid file to damage. */
static void small_file(void **buf, size_t *len)
{
	struct ls_agg *a = ls_agg_new(100);
	struct ls_state s;

	ls_agg_add_value(a, LS_K_HARDIRQ, 0, 11, 1500);
	ls_agg_add_value(a, LS_K_HARDIRQ, 0, 11, 90000);
	ls_agg_add_value(a, LS_K_VECTOR, 1, 3, 700);
	s = sample_state(a);
	assert_int_equal(ls_state_encode(&s, buf, len), LS_STATE_OK);
	ls_agg_free(a);
}

static int decode(const void *buf, size_t len, struct ls_state_msg *m)
{
	struct ls_state r;
	int rc;

	memset(m, 0, sizeof(*m));
	rc = ls_state_decode(buf, len, lim(100), &r, m);
	if (rc == LS_STATE_OK) {
		ls_agg_free(r.agg);
		free(r.comms);
	} else {
		assert_null(r.agg);
		assert_null(r.comms);
	}
	return rc;
}

static void assert_rejected(const void *buf, size_t len, const char *why)
{
	struct ls_state_msg m;

	assert_int_equal(decode(buf, len, &m), LS_STATE_INVALID);
	if (!strstr(m.err, why))
		fail_msg("expected '%s' in '%s'", why, m.err);
}

static void test_corrupt_every_byte(void **st)
{
	unsigned char *buf;
	size_t len;

	(void)st;
	small_file((void **)&buf, &len);
	for (size_t i = 0; i < len; i++) {
		unsigned char save = buf[i];
		struct ls_state_msg m;

		for (int bit = 0; bit < 8; bit++) {
			buf[i] = save ^ (unsigned char)(1u << bit);
			if (decode(buf, len, &m) != LS_STATE_INVALID)
				fail_msg("flipping bit %d of byte %zu was not detected", bit, i);
			assert_true(m.err[0]);
		}
		buf[i] = save;
	}
	assert_rejected(buf, len - 1, "truncated");
	free(buf);
}

static void test_truncated(void **st)
{
	unsigned char *buf;
	size_t len;

	(void)st;
	small_file((void **)&buf, &len);
	for (size_t n = 0; n < len; n++)
		assert_rejected(buf, n, "truncated");
	free(buf);
}

static void test_foreign(void **st)
{
	static const char text[] = "[latscope]\nsocket = /run/latscope.sock\n"
				   "just some configuration file, not a state\n";
	static const unsigned char elf[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	unsigned char *buf, *big;
	size_t len;

	(void)st;
	assert_rejected(text, sizeof(text), "not a latscope state file");
	assert_rejected(elf, sizeof(elf), "not a latscope state file");
	assert_rejected("LATSTAT", 7, "truncated");
	small_file((void **)&buf, &len);
	big = malloc(len + 5);
	memcpy(big, buf, len);
	memcpy(big + len, "extra", 5);
	assert_rejected(big, len + 5, "trailing garbage");
	free(big);
	free(buf);
}

/* Recompute both checksums after editing a file image. */
static void fix_crcs(unsigned char *p, size_t len)
{
	uint32_t c = ls_crc32c(0, p + 32, len - 32);

	memcpy(p + 24, &c, 4);
	c = ls_crc32c(0, p, 28);
	memcpy(p + 28, &c, 4);
}

static void test_newer_format(void **st)
{
	unsigned char *buf;
	size_t len;

	(void)st;
	small_file((void **)&buf, &len);
	buf[8] = 2;
	fix_crcs(buf, len);
	assert_rejected(buf, len, "format version 2, this latscoped reads version 1");
	free(buf);
}

/* Append a section to a valid file image. */
static unsigned char *with_section(const unsigned char *buf, size_t len, uint32_t type,
				   uint32_t ver, const void *payload, uint64_t plen,
				   size_t *out_len)
{
	unsigned char *p = malloc(len + 16 + plen);
	uint64_t body;

	memcpy(p, buf, len);
	memcpy(p + len, &type, 4);
	memcpy(p + len + 4, &ver, 4);
	memcpy(p + len + 8, &plen, 8);
	memcpy(p + len + 16, payload, plen);
	*out_len = len + 16 + plen;
	body = *out_len - 32;
	memcpy(p + 16, &body, 8);
	fix_crcs(p, *out_len);
	return p;
}

/* Offset of the header of the section of this type (critical bit
 * ignored), walking the framing of docs/state.md; its payload length. */
static size_t section_at(const unsigned char *p, size_t len, uint32_t type, uint64_t *plen)
{
	for (size_t off = 32; off + 16 <= len;) {
		uint32_t t;

		memcpy(&t, p + off, 4);
		memcpy(plen, p + off + 8, 8);
		if ((t & ~LS_SEC_CRITICAL) == type)
			return off;
		off += 16 + *plen;
	}
	fail_msg("no section %u", type);
	return 0;
}

static void test_unknown_sections(void **st)
{
	unsigned char *buf, *p;
	struct ls_state_msg m;
	size_t len, plen;

	(void)st;
	small_file((void **)&buf, &len);
	/* optional, e.g. a newer daemon's windows section: skipped and said */
	p = with_section(buf, len, 100, 1, "0123456789", 10, &plen);
	assert_int_equal(decode(p, plen, &m), LS_STATE_OK);
	assert_non_null(strstr(m.notes, "section 100 version 1 (10 bytes) unknown"));
	free(p);
	/* a known section in a version this reader lacks, not critical: same */
	p = with_section(buf, len, LS_SEC_AGG, 9, "", 0, &plen);
	assert_int_equal(decode(p, plen, &m), LS_STATE_OK);
	assert_non_null(strstr(m.notes, "section 2 version 9"));
	free(p);
	/* critical: the file cannot be understood, so it is rejected */
	p = with_section(buf, len, 100 | LS_SEC_CRITICAL, 1, "0123456789", 10, &plen);
	assert_rejected(p, plen, "section 100 version 1 is required but unknown");
	free(p);
	/* a known section twice */
	{
		uint64_t slen = 0;
		size_t at = section_at(buf, len, LS_SEC_COMMS, &slen);

		p = with_section(buf, len, LS_SEC_COMMS, 1, buf + at + 16, slen, &plen);
		assert_rejected(p, plen, "comms section appears twice");
		free(p);
	}
	/* a section that claims more than the body holds */
	p = with_section(buf, len, 100, 1, "0123456789", 10, &plen);
	memcpy(p + len + 8, &(uint64_t){ 11 }, 8);
	fix_crcs(p, plen);
	assert_rejected(p, plen, "runs past the body");
	free(p);
	free(buf);
}

/* The first place a little-endian u64 appears in a file image. */
static size_t find_u64(const unsigned char *p, size_t len, uint64_t v)
{
	for (size_t i = 0; i + 8 <= len; i++)
		if (!memcmp(p + i, &v, 8))
			return i;
	fail_msg("%llu not in the image", (unsigned long long)v);
	return 0;
}

/* Checksums right, content impossible: rejected by the consistency checks. */
static void test_inconsistent_hist(void **st)
{
	const uint64_t n = 0x1234567, v = 0x76543210;
	struct ls_agg *a = ls_agg_new(10);
	struct ls_state s;
	struct ls_hist h;
	unsigned char *buf;
	size_t len, at;

	(void)st;
	/* n values of v: a count unlikely to appear anywhere else in the image */
	ls_hist_init(&h);
	ls_hist_add_n(&h, v, n);
	assert_true(ls_agg_add_hist(a, LS_K_HARDIRQ, 0, 1, &h));
	ls_hist_free(&h);
	s = sample_state(a);
	assert_int_equal(ls_state_encode(&s, (void **)&buf, &len), LS_STATE_OK);
	/* the series' count (then sum, min, max; its one bucket holds n too, later) */
	at = find_u64(buf, len, n);
	buf[at]++;
	fix_crcs(buf, len);
	assert_rejected(buf, len, "buckets disagree with count/min/max");
	buf[at]--;
	memcpy(buf + at + 16, &(uint64_t){ v / 2 }, 8); /* min below the first bucket */
	fix_crcs(buf, len);
	assert_rejected(buf, len, "buckets disagree");
	memcpy(buf + at + 16, &v, 8);
	memcpy(buf + at + 8, &(uint64_t){ 5 }, 8);     /* sum below count * min */
	fix_crcs(buf, len);
	assert_rejected(buf, len, "sum outside");
	free(buf);
	ls_agg_free(a);
}

static void test_file_save_load(void **st)
{
	char dir[] = "/tmp/latscope-test-state.XXXXXX", path[256], tmp[300];
	struct ls_agg *a = sample_agg(1000);
	struct ls_state s = sample_state(a), r;
	struct ls_state_msg m = { 0 };
	struct stat sb;

	(void)st;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/latscope.state", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(ls_state_load(path, lim(1000), &r, &m), LS_STATE_MISSING);
	assert_null(r.agg);
	assert_int_equal(ls_state_save(path, &s, &m), LS_STATE_OK);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_not_equal(stat(tmp, &sb), 0); /* renamed away */
	/* a second save replaces the first */
	assert_int_equal(ls_state_save(path, &s, &m), LS_STATE_OK);
	assert_int_equal(ls_state_load(path, lim(1000), &r, &m), LS_STATE_OK);
	assert_agg_equal(a, r.agg);
	ls_agg_free(r.agg);
	free(r.comms);
	/* a directory where the file should be is not a state file */
	unlink(path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(ls_state_load(path, lim(1000), &r, &m), LS_STATE_INVALID);
	assert_int_equal(ls_state_save(path, &s, &m), LS_STATE_IOERR);
	assert_non_null(strstr(m.err, "renaming over"));
	rmdir(path);
	rmdir(dir);
	ls_agg_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_restore_smaller_cap),
		cmocka_unit_test(test_corrupt_every_byte),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_newer_format),
		cmocka_unit_test(test_unknown_sections),
		cmocka_unit_test(test_inconsistent_hist),
		cmocka_unit_test(test_file_save_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
