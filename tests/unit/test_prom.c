// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Prometheus exposition (lib/prom.c): the bucket mapping against exactly
 * sorted values, and the rendered text parsed back: cumulative buckets
 * monotone, +Inf == _count, exact _sum, families contiguous with one
 * HELP/TYPE each, label values escaped, pid-keyed classes kept out of the
 * by-key family, keys with one name merged into one series.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "comms.h"
#include "names.h"
#include "prom.h"

static uint64_t rng_state = 0x1234567887654321ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Values <= b in a sorted array. */
static uint64_t count_le(const uint64_t *v, size_t n, uint64_t b)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v[mid] <= b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void test_bounds(void **st)
{
	static const unsigned mant[] = { 1, 2, 5 };

	(void)st;
	assert_int_equal(ls_prom_bounds_ns[0], 100);
	assert_true(ls_prom_bounds_ns[LS_PROM_NBOUNDS - 1] == 10000000000ull);
	for (int j = 0; j < LS_PROM_NBOUNDS; j++) {
		uint64_t p = 100;

		for (int d = 0; d < j / 3; d++)
			p *= 10;
		assert_true(ls_prom_bounds_ns[j] == mant[j % 3] * p);
	}
}

/* For many value sets: cum[j] is monotone, <= the exact count of values
 * <= b and >= the exact count of values <= b * 31/32 (the documented
 * error), and exact where min/max decide. */
static void test_cumulative_vs_exact(void **st)
{
	enum { N = 20000 };
	uint64_t *v = malloc(N * sizeof(*v));

	(void)st;
	for (int round = 0; round < 40; round++) {
		struct ls_hist h;
		uint64_t cum[LS_PROM_NBOUNDS];
		size_t n = 1 + rnd() % N;

		ls_hist_init(&h);
		for (size_t i = 0; i < n; i++) {
			/* spread over 10 ns .. ~20 s, some exactly on bounds */
			if (rnd() % 10 == 0)
				v[i] = ls_prom_bounds_ns[rnd() % LS_PROM_NBOUNDS] + rnd() % 3 - 1;
			else
				v[i] = (rnd() >> 30) >> (rnd() % 31);
			assert_true(ls_hist_add(&h, v[i]));
		}
		qsort(v, n, sizeof(*v), cmp_u64);
		ls_prom_cumulative(&h, cum);
		for (int j = 0; j < LS_PROM_NBOUNDS; j++) {
			uint64_t b = ls_prom_bounds_ns[j];
			uint64_t hi = count_le(v, n, b), lo = count_le(v, n, b - b / 32);

			if (j)
				assert_true(cum[j] >= cum[j - 1]);
			if (cum[j] > hi || cum[j] < lo)
				fail_msg("round %d le=%llu: %llu not in [%llu, %llu]", round,
					 (unsigned long long)b, (unsigned long long)cum[j],
					 (unsigned long long)lo, (unsigned long long)hi);
			if (v[n - 1] <= b)
				assert_true(cum[j] == n);
			if (v[0] > b)
				assert_true(cum[j] == 0);
		}
		ls_hist_free(&h);
	}
	free(v);
}

static void test_cumulative_exact_cases(void **st)
{
	struct ls_hist h;
	uint64_t cum[LS_PROM_NBOUNDS];

	(void)st;
	ls_hist_init(&h);
	ls_prom_cumulative(&h, cum);
	for (int j = 0; j < LS_PROM_NBOUNDS; j++)
		assert_true(cum[j] == 0);
	/* 1000 ns lies in bucket [992, 1008): known exactly through max */
	ls_hist_add(&h, 1000);
	ls_prom_cumulative(&h, cum);
	assert_true(cum[2] == 0 && cum[3] == 1);
	/* with a larger value too, 1000 falls to the next bound (the error) */
	ls_hist_add(&h, 3000);
	ls_prom_cumulative(&h, cum);
	assert_true(cum[3] == 0 && cum[4] == 1 && cum[5] == 2);
	/* 990 is in [976, 992), wholly below 1000: counted at le=1e-06 */
	ls_hist_add(&h, 990);
	ls_prom_cumulative(&h, cum);
	assert_true(cum[3] == 1 && cum[4] == 2 && cum[5] == 3);
	/* beyond the last bound: only in +Inf */
	ls_hist_add(&h, 20000000000ull);
	ls_prom_cumulative(&h, cum);
	assert_true(cum[LS_PROM_NBOUNDS - 1] == 3);
	ls_hist_free(&h);
}

static char *render(const struct ls_agg *a, const struct ls_counters *c, size_t *len)
{
	struct ls_prom p;
	char *text;

	assert_int_equal(ls_prom_open(&p), 0);
	ls_prom_histograms(&p, a);
	if (c)
		ls_prom_counters(&p, c);
	text = ls_prom_close(&p, len);
	assert_non_null(text);
	assert_int_equal(strlen(text), *len);
	return text;
}

/* One parsed sample line. */
struct sample {
	char name[96];
	char labels[256];  /* raw, without le */
	char le[32];       /* "" when none */
	char value[48];
};

/* Split "name{a="x",le="y"} value"; le is taken out of the labels. */
static void parse_sample(const char *line, struct sample *s)
{
	const char *brace = strchr(line, '{'), *sp;

	memset(s, 0, sizeof(*s));
	if (!brace || brace > strchr(line, ' ')) {
		assert_int_equal(sscanf(line, "%95s %47s", s->name, s->value), 2);
		return;
	}
	memcpy(s->name, line, (size_t)(brace - line));
	sp = strstr(brace, "} ");
	assert_non_null(sp);
	memcpy(s->labels, brace + 1, (size_t)(sp - brace - 1));
	snprintf(s->value, sizeof(s->value), "%s", sp + 2);
	char *le = strstr(s->labels, ",le=\"");

	if (le) {
		snprintf(s->le, sizeof(s->le), "%s", le + 5);
		s->le[strlen(s->le) - 1] = 0;
		*le = 0;
	}
}

/*
 * Walk the whole text: every sample belongs to the family announced last
 * (so families are contiguous), every family is announced once, and every
 * histogram series has monotone cumulative buckets in increasing le order
 * ending with +Inf == _count. Returns the number of histogram series.
 */
static int check_exposition(const char *text)
{
	char fam[96] = "", seen[64][96], cur_labels[256] = "";
	int nfam = 0, nseries = 0, nle = 0;
	uint64_t prev = 0, inf = 0;
	const char *line = text;
	double prev_le = -1;

	while (*line) {
		const char *nl = strchr(line, '\n');
		char buf[1024];
		struct sample s;

		assert_non_null(nl); /* every line ends with a newline */
		assert_true((size_t)(nl - line) < sizeof(buf));
		memcpy(buf, line, (size_t)(nl - line));
		buf[nl - line] = 0;
		line = nl + 1;
		if (!strncmp(buf, "# HELP ", 7)) {
			sscanf(buf + 7, "%95s", fam);
			for (int i = 0; i < nfam; i++)
				assert_string_not_equal(seen[i], fam);
			snprintf(seen[nfam++], sizeof(seen[0]), "%s", fam);
			continue;
		}
		if (!strncmp(buf, "# TYPE ", 7)) {
			assert_int_equal(strncmp(buf + 7, fam, strlen(fam)), 0);
			continue;
		}
		parse_sample(buf, &s);
		assert_int_equal(strncmp(s.name, fam, strlen(fam)), 0);
		if (!strstr(s.name, "_bucket") && !strstr(s.name, "_count"))
			continue;
		if (strstr(s.name, "_bucket")) {
			uint64_t v = strtoull(s.value, NULL, 10);

			if (strcmp(s.labels, cur_labels)) { /* a new series starts */
				assert_int_equal(nle, 0);
				snprintf(cur_labels, sizeof(cur_labels), "%s", s.labels);
				prev = 0;
				prev_le = -1;
				nseries++;
			}
			assert_true(v >= prev);
			prev = v;
			if (!strcmp(s.le, "+Inf")) {
				inf = v;
				assert_int_equal(nle, LS_PROM_NBOUNDS);
				nle = 0;
			} else {
				double le = strtod(s.le, NULL);

				assert_true(le > prev_le);
				assert_true(le * 1e9 > ls_prom_bounds_ns[nle] - 0.5 &&
					    le * 1e9 < ls_prom_bounds_ns[nle] + 0.5);
				prev_le = le;
				nle++;
			}
		} else if (strstr(fam, "_seconds")) { /* histogram _count */
			assert_string_equal(s.labels, cur_labels);
			assert_true(strtoull(s.value, NULL, 10) == inf);
			cur_labels[0] = 0;
		}
	}
	return nseries;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_render(void **st)
{
	char path[] = "/tmp/latscope-test-ksyms.XXXXXX";
	struct ls_agg *a = ls_agg_new(1000);
	struct ls_counters c = { 0 };
	struct ls_ksyms *ks;
	size_t len;
	char *text;
	int fd = mkstemp(path);

	(void)st;
	assert_true(fd >= 0);
	close(fd);
	/* timer functions: a name needing escapes, and one name twice */
	write_file(path, "ffffffff81000000 T quote\"back\\slash\n"
			 "ffffffff81000100 T dup_fn\n"
			 "ffffffff81000200 T dup_fn\n"
			 "ffffffff81000300 T zz_end\n");
	ks = ls_ksyms_load(path);
	assert_non_null(ks);
	ls_names_set_ksyms(ks);
	for (int i = 0; i < 5000; i++) {
		ls_agg_add_value(a, LS_K_SOFTIRQ, i % 2, i % 10, 500 + rnd() % 1000000);
		ls_agg_add_value(a, LS_K_HRTIMER, i % 2, 0x81000000, 100 + rnd() % 5000);
	}
	ls_agg_add_value(a, LS_K_HRTIMER, 0, 0x81000100, 1000); /* dup_fn, 2 keys */
	ls_agg_add_value(a, LS_K_HRTIMER, 1, 0x81000200, 3000);
	ls_agg_add_value(a, LS_K_HRTIMER_WAKEUP, 0, 4242, 7777); /* pid key */
	c.events[LS_K_SOFTIRQ] = 10000;
	c.records[LS_K_SOFTIRQ] = 5000;
	c.drops[LS_K_SOFTIRQ] = 3;
	c.events[LS_K_HRTIMER] = 1;
	text = render(a, &c, &len);
	/* per cpu: softirq x2, hrtimer x2, hrtimer_wakeup x1; by key: 10
	 * softirq vectors, 2 hrtimer names (pid-keyed class left out) */
	assert_int_equal(check_exposition(text), 5 + 12);
	assert_non_null(strstr(text, "latscope_latency_by_key_seconds_count{class=\"hrtimer\","
				     "key=\"quote\\\"back\\\\slash\"} 5000\n"));
	assert_non_null(strstr(text, "latscope_latency_by_key_seconds_count{class=\"hrtimer\","
				     "key=\"dup_fn\"} 2\n"));
	assert_non_null(strstr(text, "latscope_latency_by_key_seconds_sum{class=\"hrtimer\","
				     "key=\"dup_fn\"} 0.000004000\n"));
	assert_non_null(strstr(text, "latscope_latency_seconds_count{class=\"hrtimer_wakeup\","
				     "cpu=\"0\"} 1\n"));
	assert_null(strstr(text, "by_key_seconds_count{class=\"hrtimer_wakeup\""));
	assert_non_null(strstr(text, "latscope_latency_seconds_sum{class=\"hrtimer_wakeup\","
				     "cpu=\"0\"} 0.000007777\n"));
	/* counters: active classes with zeros included, others absent */
	assert_non_null(strstr(text, "latscope_dropped_records_total{class=\"softirq\"} 3\n"));
	assert_non_null(strstr(text, "latscope_dropped_records_total{class=\"hrtimer\"} 0\n"));
	assert_non_null(strstr(text, "# TYPE latscope_events_total counter\n"));
	assert_null(strstr(text, "_total{class=\"hardirq\"}"));
	free(text);
	ls_names_set_ksyms(NULL);
	ls_ksyms_free(ks);
	unlink(path);
	ls_agg_free(a);
}

static void test_escaping(void **st)
{
	const char *labels[] = { "a", "x\"y\\z\nw", "b", "plain", NULL };
	struct ls_prom p;
	size_t len;
	char *text;

	(void)st;
	assert_int_equal(ls_prom_open(&p), 0);
	ls_prom_family(&p, "m_total", "counter", "help with \\ and\nnewline \"quotes\" kept");
	ls_prom_u64(&p, "m_total", labels, 18446744073709551615ull);
	ls_prom_u64(&p, "m_total", NULL, 0);
	ls_prom_double(&p, "g", NULL, 0.25);
	text = ls_prom_close(&p, &len);
	assert_string_equal(text,
		"# HELP m_total help with \\\\ and\\nnewline \"quotes\" kept\n"
		"# TYPE m_total counter\n"
		"m_total{a=\"x\\\"y\\\\z\\nw\",b=\"plain\"} 18446744073709551615\n"
		"m_total 0\n"
		"g 0.25\n");
	free(text);
}

static void test_empty(void **st)
{
	struct ls_agg *a = ls_agg_new(10);
	struct ls_counters c = { 0 };
	size_t len;
	char *text;

	(void)st;
	text = render(a, &c, &len);
	/* nothing recorded: no families at all (a TYPE with no samples is noise) */
	assert_string_equal(text, "");
	free(text);
	ls_agg_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_cumulative_vs_exact),
		cmocka_unit_test(test_cumulative_exact_cases),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
