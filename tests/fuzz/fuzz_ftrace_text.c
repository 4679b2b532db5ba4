/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * libFuzzer target for lib/ftrace_text.c: the line parser, field helpers,
 * counting/classification and the streaming reader, over arbitrary bytes.
 *
 * Besides crashes and sanitizer reports it checks:
 *  - every pointer an event or helper returns lies inside its line, which
 *    is parsed from an exact-size heap copy so ASan sees any over-read;
 *  - the reader hands out exactly the input's '\n'-separated lines, the
 *    ones of cap bytes or more cut to their first cap bytes, whatever the
 *    buffer size and however the input is split into reads;
 *  - the counts add up to the lines read, and ls_ft_reader_next, which
 *    parses in the reader's buffer, counts the same.
 *
 * The first two bytes choose the read chunk size and the reader's buffer
 * size; the whole input is the text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ftrace_text.h"

#define CHECK(c) do { if (!(c)) abort(); } while (0)

struct source {
	const uint8_t *p;
	size_t left;
	size_t chunk;
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

static void in_line(const char *line, size_t len, const char *p, size_t n)
{
	if (n)
		CHECK(p >= line && n <= len && (size_t)(p - line) <= len - n);
}

static const char *const keys[] = {
	"irq", "vec", "vector", "action", "name", "comm", "pid", "prev_comm",
	"next_comm", "prev_pid", "hrtimer", "function", "now", "x", "",
};
static const char *const words[] = { "reason", "vcpu", "rip", "info1", "vec", "" };

static void use_helpers(const char *line, size_t len, const struct ls_ft_event *ev)
{
	const char *v;
	size_t n;
	uint64_t u;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!ls_ft_field_str(ev, keys[i], &v, &n))
			in_line(line, len, v, n);
		if (!ls_ft_field_text(ev, keys[i], &v, &n))
			in_line(line, len, v, n);
		ls_ft_field_u64(ev, keys[i], &u);
		ls_ft_field_hex(ev, keys[i], &u);
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!ls_ft_word_after(ev, words[i], &v, &n)) {
			in_line(line, len, v, n);
			ls_ft_parse_u64(v, n, 0, &u);
			ls_ft_parse_u64(v, n, 1, &u);
		}
}

/* Parses line from an exact-size copy and checks where ev points. */
static int parse_checked(const char *line, size_t len, struct ls_ft_counts *c)
{
	char *copy = malloc(len ? len : 1);
	struct ls_ft_event ev;
	int kind;

	CHECK(copy);
	memcpy(copy, line, len);
	kind = ls_ft_parse_line(copy, len, &ev);
	CHECK(kind >= LS_FT_EVENT && kind <= LS_FT_GARBAGE);
	in_line(copy, len, ev.comm, ev.comm_len);
	in_line(copy, len, ev.flags, ev.flags_len);
	in_line(copy, len, ev.name, ev.name_len);
	in_line(copy, len, ev.fields, ev.fields_len);
	in_line(copy, len, ev.instance, ev.instance_len);
	if (kind == LS_FT_EVENT)
		CHECK(ev.pid >= 0 && ev.cpu >= 0 && ev.ts_kind != LS_FT_TS_NONE && ev.name_len > 0);
	use_helpers(copy, len, &ev);
	ls_ft_count(c, kind, &ev);
	free(copy);
	return kind;
}

/* Reads data through a reader with buffer cap, read chunk chunk, and checks
 * each line against the input split at '\n'. */
static void read_all(const uint8_t *data, size_t size, size_t cap, size_t chunk)
{
	struct source src = { data, size, chunk };
	const char *text = (const char *)data, *next = text, *end = text + size;
	struct ls_ft_counts c;
	struct ls_ft_reader r;
	struct ls_ft_event ev;
	char *buf = malloc(cap);
	const char *line;
	size_t len;
	int rc;

	CHECK(buf);
	memset(&c, 0, sizeof(c));
	ls_ft_reader_init(&r, read_mem, &src, buf, cap);
	while ((rc = ls_ft_reader_line(&r, &line, &len)) > 0) {
		const char *nl = memchr(next, '\n', (size_t)(end - next));
		size_t want = (size_t)((nl ? nl : end) - next);

		CHECK(next < end);
		in_line(buf, cap, line, len);
		if (rc == LS_FT_RD_TRUNCATED) {
			CHECK(want >= cap && len == cap);
			ls_ft_count(&c, LS_FT_TRUNCATED, NULL);
		} else {
			CHECK(want < cap && len == want);
			parse_checked(line, len, &c);
		}
		CHECK(!memcmp(line, next, len));
		next = nl ? nl + 1 : end;
	}
	CHECK(rc == LS_FT_RD_EOF && next == end);
	CHECK(c.lines == c.events + c.functions + c.lost_lines + c.comments + c.blanks +
			 c.garbage + c.truncated);
	ls_ft_kind_name(ls_ft_classify(&c));

	/* ls_ft_reader_next, parsing in the reader's buffer, agrees */
	src = (struct source){ data, size, chunk };
	ls_ft_reader_init(&r, read_mem, &src, buf, cap);
	while ((rc = ls_ft_reader_next(&r, &ev)) > 0)
		;
	CHECK(rc == 0 && !memcmp(&r.counts, &c, sizeof(c)));
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ls_ft_counts c;
	size_t chunk, cap;

	memset(&c, 0, sizeof(c));
	parse_checked((const char *)data, size, &c);
	if (size < 2)
		return 0;
	chunk = (size_t)data[0] % 32 + 1;
	cap = (size_t)data[1] % 128 + 1;
	read_all(data, size, cap, chunk);
	read_all(data, size, LS_FT_LINE_MAX, size);
	return 0;
}
