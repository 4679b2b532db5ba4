/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * libFuzzer target for the offline pairing engine (lib/offline_*.c) behind
 * `latscope analyze`: arbitrary bytes are read as ftrace text, paired, fed
 * to the aggregator and summarized, as the command does.
 *
 * Besides crashes and sanitizer reports it checks that every record
 *  - has a known kind and its size (ls_rec_size),
 *  - lies inside the trace: it starts at or after the first timestamp and
 *    ends at or before the latest one read so far (no end invented),
 *  - is on a CPU the engine accepts;
 * that the aggregator received them all; and that the open spans listed
 * are among those counted.
 *
 * The first byte chooses the reader's buffer size (long lines get cut),
 * the second the read chunk size; the whole input is the text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "names.h"
#include "offline_pair.h"
#include "report_input.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

struct ctx {
	struct ls_agg *agg;
	struct ls_pair *pair;
	uint64_t records[LS_K_MAX];
};

struct source {
	const uint8_t *p;
	size_t left, chunk;
};

static ssize_t read_mem(void *ctx, char *buf, size_t len)
{
	struct source *s = ctx;
	size_t n = len < s->chunk ? len : s->chunk;

	if (n > s->left)
		n = s->left;
	memcpy(buf, s->p, n);
	s->p += n;
	s->left -= n;
	return (ssize_t)n;
}

static void on_record(void *p, const struct ls_rec *r)
{
	struct ctx *c = p;
	const struct ls_pair_stats *st = ls_pair_stats(c->pair);

	CHECK(ls_rec_size(r->kind) >= sizeof(*r));
	CHECK(r->kind == LS_K_HARDIRQ || r->kind == LS_K_SOFTIRQ || r->kind == LS_K_VECTOR ||
	      r->kind == LS_K_HRTIMER || r->kind == LS_K_IPI || r->kind == LS_K_WAKEUP ||
	      r->kind == LS_K_KVM_EXIT);
	CHECK(r->cpu < LS_PAIR_MAX_CPUS);
	CHECK(r->ts >= st->first_ts && r->dur <= st->last_ts - r->ts);
	c->records[r->kind]++;
	ls_agg_add(c->agg, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx c;
	struct source src;
	struct ls_ft_reader r;
	struct ls_ft_event ev;
	struct ls_agg_stats ast;
	const struct ls_pair_stats *st;
	const struct ls_pair_open *open;
	json_object *in;
	uint64_t counted = 0;
	size_t cap, nopen;
	char *buf;
	int kind;

	if (size < 2)
		return 0;
	memset(&c, 0, sizeof(c));
	cap = data[0] < 128 ? (size_t)data[0] + 1 : LS_FT_LINE_MAX;
	src = (struct source){ data + 2, size - 2, (size_t)data[1] % 64 + 1 };
	buf = malloc(cap);
	c.agg = ls_agg_new(4096);
	c.pair = ls_pair_new(on_record, &c, NULL);
	CHECK(buf && c.agg && c.pair);
	ls_ft_reader_init(&r, read_mem, &src, buf, cap);
	while ((kind = ls_ft_reader_next(&r, &ev)) > 0)
		ls_pair_line(c.pair, kind, &ev);
	CHECK(kind == 0);
	ls_pair_finish(c.pair);
	st = ls_pair_stats(c.pair);
	ls_agg_get_stats(c.agg, &ast);
	for (int k = 0; k < LS_K_MAX; k++) {
		CHECK(st->records[k] == c.records[k]);
		CHECK(ast.records_by_kind[k] == c.records[k]);
		counted += st->open_at_end[k];
	}
	nopen = ls_pair_open(c.pair, &open);
	CHECK(nopen <= LS_PAIR_OPEN_MAX && nopen <= counted);
	for (size_t i = 0; i < nopen; i++)
		CHECK(open[i].ts >= st->first_ts && open[i].open_ns == st->last_ts - open[i].ts);
	ls_names_set_irq_names(ls_pair_irq_name, c.pair);
	in = ls_report_input("fuzz", &r.counts, c.pair);
	ls_names_set_irq_names(NULL, NULL);
	CHECK(in);
	json_object_put(in);
	ls_pair_free(c.pair);
	ls_agg_free(c.agg);
	free(buf);
	return 0;
}
