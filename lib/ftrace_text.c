/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Parser for saved ftrace text; formats and rules in ftrace_text.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ftrace_text.h"

/* The pid's '-' must lie within this many bytes of the line start:
 * bounds the search on garbage (instance name + padding + comm fit). */
#define HDR_SCAN 512
#define FLAGS_MAX 10
#define NS_PER_SEC 1000000000ull

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Ignored at either end of a line: blanks, CR, NUL padding. */
static int is_pad(char c)
{
	return is_blank(c) || c == '\r' || c == '\n' || c == '\0' || c == '\v' || c == '\f';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_key_char(char c)
{
	return is_alnum(c) || c == '_';
}

static int hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

static const char *skip_to_blank(const char *p, const char *end)
{
	while (p < end && !is_blank(*p))
		p++;
	return p;
}

static int starts_with(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);

	return (size_t)(end - p) >= n && !memcmp(p, s, n);
}

static const char *skip_pad(const char *p, const char *end)
{
	while (p < end && is_pad(*p))
		p++;
	return p;
}

/* Everything but the instance, which is found before the header. */
static void clear_header(struct ls_ft_event *ev)
{
	const char *inst = ev->instance;
	size_t inst_len = ev->instance_len;

	memset(ev, 0, sizeof(*ev));
	ev->pid = -1;
	ev->tgid = LS_FT_TGID_ABSENT;
	ev->cpu = -1;
	ev->instance = inst;
	ev->instance_len = inst_len;
}

static void clear_event(struct ls_ft_event *ev)
{
	ev->instance = NULL;
	ev->instance_len = 0;
	clear_header(ev);
}

/* Decimal digits at *pp into a uint64; at least one, no overflow. */
static int take_u64(const char **pp, const char *end, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (p == end || !is_digit(*p))
		return -1;
	for (; p < end && is_digit(*p); p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*pp = p;
	*out = v;
	return 0;
}

static int take_i32(const char **pp, const char *end, int32_t *out)
{
	uint64_t v;

	if (take_u64(pp, end, &v) || v > INT32_MAX)
		return -1;
	*out = (int32_t)v;
	return 0;
}

/* One or more blanks, skipped. */
static int take_blanks(const char **pp, const char *end)
{
	if (*pp == end || !is_blank(**pp))
		return -1;
	*pp = skip_blanks(*pp, end);
	return 0;
}

/* irq-info flags: "d.h1.", "dNs..", RT's "d...3.."; never starts with a
 * digit, which is what tells it from the timestamp that follows. */
static int take_flags(const char **pp, const char *end, struct ls_ft_event *ev)
{
	const char *p = *pp;

	while (p < end && (is_alnum(*p) || *p == '.'))
		p++;
	if (p == *pp || p - *pp > FLAGS_MAX || is_digit(**pp))
		return -1;
	ev->flags = *pp;
	ev->flags_len = (size_t)(p - *pp);
	*pp = p;
	return 0;
}

/* "( 1234)" or "(-------)". */
static int take_tgid(const char **pp, const char *end, struct ls_ft_event *ev)
{
	const char *p = skip_blanks(*pp + 1, end);

	if (p < end && *p == '-') {
		while (p < end && *p == '-')
			p++;
		ev->tgid = LS_FT_TGID_UNKNOWN;
	} else if (take_i32(&p, end, &ev->tgid)) {
		return -1;
	}
	if (p == end || *p != ')')
		return -1;
	*pp = p + 1;
	return 0;
}

/* "[017]" then optional flags. */
static int take_bracket_cpu(const char **pp, const char *end, struct ls_ft_event *ev)
{
	const char *p = *pp + 1;

	if (take_i32(&p, end, &ev->cpu) || p == end || *p != ']')
		return -1;
	p++;
	if (take_blanks(&p, end))
		return -1;
	if (p < end && !is_digit(*p) && (take_flags(&p, end, ev) || take_blanks(&p, end)))
		return -1;
	*pp = p;
	return 0;
}

/* Latency-format "0d..2.": CPU number glued to the flags. */
static int take_lat_cpu(const char **pp, const char *end, struct ls_ft_event *ev)
{
	const char *p = *pp;

	if (take_i32(&p, end, &ev->cpu) || take_flags(&p, end, ev) || take_blanks(&p, end))
		return -1;
	*pp = p;
	return 0;
}

static int is_delay_mark(char c)
{
	return c == ' ' || c == '+' || c == '!' || c == '#' || c == '*' || c == '@' || c == '$';
}

/* Fraction digits (1 to 9) scaled to ns, added to secs * 1e9. */
static int take_frac_ns(const char **pp, const char *end, uint64_t secs, uint64_t *ns)
{
	const char *p = *pp;
	uint64_t frac = 0;
	int n = 0;

	for (; p < end && is_digit(*p); p++, n++) {
		if (n == 9)
			return -1;
		frac = frac * 10 + (uint64_t)(*p - '0');
	}
	if (n == 0)
		return -1;
	for (; n < 9; n++)
		frac *= 10;
	if (secs > (UINT64_MAX - frac) / NS_PER_SEC)
		return -1;
	*ns = secs * NS_PER_SEC + frac;
	*pp = p;
	return 0;
}

/* "SECS.FRAC:", "COUNT:", "Nus<mark>:". */
static int take_ts(const char **pp, const char *end, struct ls_ft_event *ev)
{
	const char *p = *pp;
	uint64_t v;

	if (take_u64(&p, end, &v))
		return -1;
	if (p < end && *p == '.') {
		p++;
		if (take_frac_ns(&p, end, v, &ev->ts))
			return -1;
		ev->ts_kind = LS_FT_TS_NS;
	} else if (starts_with(p, end, "us")) {
		if (v > UINT64_MAX / 1000)
			return -1;
		p += 2;
		if (p < end && *p != ':' && is_delay_mark(*p))
			p++;
		ev->ts = v * 1000;
		ev->ts_kind = LS_FT_TS_US;
	} else {
		ev->ts = v;
		ev->ts_kind = LS_FT_TS_COUNTER;
	}
	if (p == end || *p != ':')
		return -1;
	*pp = p + 1;
	return 0;
}

/* trace-cmd's function tracer records, shown as events. */
static int is_function_event(const char *name, size_t len)
{
	static const char *const names[] = { "function", "funcgraph_entry", "funcgraph_exit" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && !memcmp(names[i], name, len))
			return 1;
	return 0;
}

/* What follows "TS:": "NAME: FIELDS" (an event) or a function. */
static int take_body(const char *p, const char *end, struct ls_ft_event *ev)
{
	const char *t, *te;

	if (take_blanks(&p, end))
		return 0;
	/* trace-cmd report --ts-diff puts "(+N)" before the name */
	if (starts_with(p, end, "(+")) {
		te = skip_to_blank(p, end);
		if (te[-1] == ')')
			p = skip_blanks(te, end);
	}
	t = p;
	te = skip_to_blank(t, end);
	if (te == t || (te - t == 1 && *t == ':'))
		return 0;
	if (*t == '<')  /* "<stack trace>", "<user stack trace>" */
		te = end;
	ev->fields = skip_blanks(te, end);
	ev->fields_len = (size_t)(end - ev->fields);
	ev->name = t;
	if (te[-1] != ':') {
		ev->name_len = (size_t)(te - t);
		return LS_FT_FUNCTION;
	}
	ev->name_len = (size_t)(te - t - 1);
	return is_function_event(t, ev->name_len) ? LS_FT_FUNCTION : LS_FT_EVENT;
}

/* Everything after the pid's '-'; 0 if this '-' is not the pid's. */
static int take_after_comm(const char *p, const char *end, struct ls_ft_event *ev)
{
	if (take_i32(&p, end, &ev->pid) || take_blanks(&p, end) || p == end)
		return 0;
	if (*p == '(' && (take_tgid(&p, end, ev) || take_blanks(&p, end) || p == end || *p != '['))
		return 0;
	if (*p == '[') {
		if (take_bracket_cpu(&p, end, ev))
			return 0;
	} else if (take_lat_cpu(&p, end, ev)) {
		return 0;
	}
	if (take_ts(&p, end, ev))
		return 0;
	return take_body(p, end, ev);
}

/* "COMM-PID ...": tries each '-' from the left, so the comm keeps its own
 * dashes ("kworker/u8:2-events_unbound-123"). */
static int parse_task_line(const char *comm, const char *end, struct ls_ft_event *ev)
{
	const char *limit = end - comm > HDR_SCAN ? comm + HDR_SCAN : end;

	for (const char *d = comm; d < limit; d++) {
		int kind;

		if (*d != '-')
			continue;
		kind = take_after_comm(d + 1, end, ev);
		if (kind) {
			ev->comm = comm;
			ev->comm_len = (size_t)(d - comm);
			return kind;
		}
		clear_header(ev);
	}
	return 0;
}

/* trace-cmd report's buffer prefix "NAME: " at column 0. */
static const char *take_instance(const char *p, const char *end, struct ls_ft_event *ev)
{
	const char *t = skip_to_blank(p, end);

	if (p == end || is_pad(*p) || t - p < 2 || t == end || t[-1] != ':')
		return p;
	ev->instance = p;
	ev->instance_len = (size_t)(t - 1 - p);
	return t;
}

/* Kernel "CPU:N [LOST M EVENTS]"; trace-cmd "CPU:N [M EVENTS DROPPED]",
 * "CPU:N [EVENTS DROPPED]". */
static int parse_lost(const char *p, const char *end, struct ls_ft_event *ev)
{
	int32_t cpu;
	uint64_t n = 0;

	if (!starts_with(p, end, "CPU:"))
		return 0;
	p += 4;
	if (take_i32(&p, end, &cpu) || !starts_with(p, end, " ["))
		return 0;
	p += 2;
	if (starts_with(p, end, "LOST ")) {
		p += 5;
		if (take_u64(&p, end, &n) || !starts_with(p, end, " EVENTS]"))
			return 0;
		p += 8;
	} else {
		if (p < end && is_digit(*p) && (take_u64(&p, end, &n) || take_blanks(&p, end)))
			return 0;
		if (!starts_with(p, end, "EVENTS DROPPED]"))
			return 0;
		p += 15;
	}
	if (p != end)
		return 0;
	ev->cpu = cpu;
	ev->lost = n;
	return LS_FT_LOST;
}

/* "|" or "=>" in the rest of a function_graph line. */
static int has_graph_mark(const char *p, const char *end)
{
	size_t n = (size_t)(end - p);

	return memchr(p, '|', n) || memmem(p, n, "=>", 2);
}

/* Duration column without a CPU column: "[mark] 0.469 us  |". */
static int is_graph_duration(const char *p, const char *end)
{
	uint64_t v;

	if (p < end && *p != ' ' && is_delay_mark(*p))
		p = skip_blanks(p + 1, end);
	if (take_u64(&p, end, &v))
		return 0;
	if (p < end && *p == '.') {
		p++;
		if (take_u64(&p, end, &v))
			return 0;
	}
	if (take_blanks(&p, end) || !starts_with(p, end, "us"))
		return 0;
	p = skip_blanks(p + 2, end);
	return p < end && *p == '|';
}

/* "SECS.FRAC", the funcgraph-abstime column. */
static int take_secs(const char **pp, const char *end)
{
	const char *p = *pp;
	uint64_t v;

	if (take_u64(&p, end, &v) || p == end || *p != '.')
		return -1;
	p++;
	if (take_u64(&p, end, &v))
		return -1;
	*pp = p;
	return 0;
}

/*
 * function_graph output: " 2)   0.469 us    |  foo();", its context switch
 * lines " 2)  <idle>-0  => bash-12", the funcgraph-abstime prefix
 * "1234.567890 |", and the dash separator (42) around context switches.
 */
static int parse_graph(const char *p, const char *end, struct ls_ft_event *ev)
{
	const char *q = p;
	int32_t cpu;

	while (q < end && *q == '-')
		q++;
	if (q == end && q - p >= 40)
		return LS_FT_FUNCTION;
	q = p;
	if (!take_secs(&q, end)) {
		q = skip_blanks(q, end);
		if (q < end && *q == '|')
			p = skip_blanks(q + 1, end);
	}
	q = p;
	if (!take_i32(&q, end, &cpu) && q < end && *q == ')' &&
	    (q + 1 == end || is_blank(q[1]))) {
		if (!has_graph_mark(q + 1, end))
			return 0;
		ev->cpu = cpu;
		return LS_FT_FUNCTION;
	}
	return is_graph_duration(p, end) ? LS_FT_FUNCTION : 0;
}

/* trace-cmd report's headers: "cpus=N", "version = N", "CPU N is empty". */
static int is_tracecmd_header(const char *p, const char *end)
{
	static const char *const pre[] = { "cpus=", "version = ", "CPU " };
	static const char *const post[] = { "", "", " is empty" };
	uint64_t v;

	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		const char *q = p;

		if (!starts_with(q, end, pre[i]))
			continue;
		q += strlen(pre[i]);
		if (!take_u64(&q, end, &v) && (size_t)(end - q) == strlen(post[i]) &&
		    starts_with(q, end, post[i]))
			return 1;
	}
	return 0;
}

int ls_ft_parse_line(const char *line, size_t len, struct ls_ft_event *ev)
{
	const char *p = line, *end, *text, *rest;
	int kind;

	clear_event(ev);
	if (!line)
		return LS_FT_BLANK;
	end = line + len;
	if (starts_with(p, end, "\xef\xbb\xbf"))
		p += 3;
	while (end > p && is_pad(end[-1]))
		end--;
	text = skip_pad(p, end);
	if (text == end)
		return LS_FT_BLANK;
	if (*text == '#') {
		ev->fields = skip_blanks(text + 1, end);
		ev->fields_len = (size_t)(end - ev->fields);
		return LS_FT_COMMENT;
	}
	if (is_tracecmd_header(text, end)) {
		ev->fields = text;
		ev->fields_len = (size_t)(end - text);
		return LS_FT_COMMENT;
	}
	rest = skip_pad(take_instance(p, end, ev), end);
	if (parse_lost(rest, end, ev))
		return LS_FT_LOST;
	kind = parse_task_line(rest, end, ev);
	if (kind)
		return kind;
	clear_event(ev);
	if (parse_graph(text, end, ev))
		return LS_FT_FUNCTION;
	return LS_FT_GARBAGE;
}

/* --- field helpers ------------------------------------------------------ */

int ls_ft_parse_u64(const char *s, size_t len, int hex, uint64_t *out)
{
	const char *p = s, *end;
	uint64_t v = 0;

	if (!s)
		return -EINVAL;
	end = s + len;
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		p += 2;
		hex = 1;
	}
	if (!hex) {
		if (take_u64(&p, end, &v) || p != end)
			return -EINVAL;
	} else {
		if (p == end)
			return -EINVAL;
		for (; p < end; p++) {
			int d = hex_value(*p);

			if (d < 0 || v > UINT64_MAX >> 4)
				return -EINVAL;
			v = v << 4 | (uint64_t)d;
		}
	}
	*out = v;
	return 0;
}

/* The value after the first "key=" at a key boundary; *at = the key. */
static const char *find_value(const struct ls_ft_event *ev, const char *key, const char **at)
{
	const char *f = ev->fields, *end;
	size_t klen = strlen(key);

	if (!f || !klen)
		return NULL;
	end = f + ev->fields_len;
	for (const char *p = f; (size_t)(end - p) > klen; p++) {
		if (memcmp(p, key, klen) || p[klen] != '=' || (p > f && is_key_char(p[-1])))
			continue;
		*at = p;
		return p + klen + 1;
	}
	return NULL;
}

static int closes(char open, char close)
{
	return (open == '[' && close == ']') || (open == '(' && close == ')');
}

int ls_ft_field_str(const struct ls_ft_event *ev, const char *key,
		    const char **val, size_t *len)
{
	const char *at, *v = find_value(ev, key, &at), *e;

	if (!v)
		return -ENOENT;
	e = skip_to_blank(v, ev->fields + ev->fields_len);
	if (e > v && e[-1] == ',')
		e--;
	if (e > v && at > ev->fields && closes(at[-1], e[-1]))
		e--;
	*val = v;
	*len = (size_t)(e - v);
	return 0;
}

/* At a blank: does " key=" or " ==>" start here? */
static int next_key_at(const char *p, const char *end)
{
	const char *key = skip_blanks(p, end), *k = key;

	if (starts_with(key, end, "==>"))
		return 1;
	while (k < end && is_key_char(*k))
		k++;
	return k > key && k < end && *k == '=';
}

int ls_ft_field_text(const struct ls_ft_event *ev, const char *key,
		     const char **val, size_t *len)
{
	const char *at, *v = find_value(ev, key, &at), *end, *e;

	if (!v)
		return -ENOENT;
	end = ev->fields + ev->fields_len;
	/* the first blank of the run before a key stops it: no blank to trim */
	for (e = v; e < end; e++)
		if (is_blank(*e) && next_key_at(e, end))
			break;
	*val = v;
	*len = (size_t)(e - v);
	return 0;
}

static int field_num(const struct ls_ft_event *ev, const char *key, int hex, uint64_t *out)
{
	const char *v;
	size_t len;
	int rc = ls_ft_field_str(ev, key, &v, &len);

	return rc ? rc : ls_ft_parse_u64(v, len, hex, out);
}

int ls_ft_field_u64(const struct ls_ft_event *ev, const char *key, uint64_t *out)
{
	return field_num(ev, key, 0, out);
}

int ls_ft_field_hex(const struct ls_ft_event *ev, const char *key, uint64_t *out)
{
	return field_num(ev, key, 1, out);
}

static int is_word_sep(char c)
{
	return is_blank(c) || c == ',';
}

/* Next word at or after *pp; 0 when there is none. */
static int next_word(const char **pp, const char *end, const char **w, size_t *len)
{
	const char *p = *pp, *e;

	while (p < end && is_word_sep(*p))
		p++;
	if (p == end)
		return 0;
	for (e = p; e < end && !is_word_sep(*e); e++)
		;
	*w = p;
	*len = (size_t)(e - p);
	*pp = e;
	return 1;
}

int ls_ft_word_after(const struct ls_ft_event *ev, const char *key,
		     const char **val, size_t *len)
{
	const char *p = ev->fields, *end, *w;
	size_t klen = strlen(key), wlen;

	if (!p)
		return -ENOENT;
	end = p + ev->fields_len;
	while (next_word(&p, end, &w, &wlen))
		if (wlen == klen && !memcmp(w, key, klen))
			return next_word(&p, end, val, len) ? 0 : -ENOENT;
	return -ENOENT;
}

/* --- counting and classification --------------------------------------- */

/* "# tracer: NAME" and "# entries-in-buffer/entries-written: A/B". */
static void count_header(struct ls_ft_counts *c, const char *p, const char *end)
{
	uint64_t in_buf, written;

	if (starts_with(p, end, "cpus=")) {
		c->headers = 1;
	} else if (starts_with(p, end, "tracer:")) {
		const char *name = skip_blanks(p + 7, end);
		size_t n = (size_t)(skip_to_blank(name, end) - name);

		if (n >= sizeof(c->tracer))
			n = sizeof(c->tracer) - 1;
		memcpy(c->tracer, name, n);
		c->tracer[n] = '\0';
		c->headers = 1;
	} else if (starts_with(p, end, "entries-in-buffer/entries-written:")) {
		p = skip_blanks(p + 34, end);
		if (!take_u64(&p, end, &in_buf) && p < end && *p++ == '/' &&
		    !take_u64(&p, end, &written) && written > in_buf)
			c->overwritten += written - in_buf;
	}
}

void ls_ft_count(struct ls_ft_counts *c, int kind, const struct ls_ft_event *ev)
{
	c->lines++;
	switch (kind) {
	case LS_FT_EVENT:
		c->events++;
		if (ev->ts_kind == LS_FT_TS_COUNTER)
			c->counter_ts++;
		break;
	case LS_FT_FUNCTION:
		c->functions++;
		break;
	case LS_FT_LOST:
		c->lost_lines++;
		c->lost_events += ev->lost;
		break;
	case LS_FT_COMMENT:
		c->comments++;
		if (ev->fields)
			count_header(c, ev->fields, ev->fields + ev->fields_len);
		break;
	case LS_FT_BLANK:
		c->blanks++;
		break;
	case LS_FT_TRUNCATED:
		c->truncated++;
		break;
	default:
		c->garbage++;
		break;
	}
}

enum ls_ft_kind ls_ft_classify(const struct ls_ft_counts *c)
{
	if (c->events > c->functions)
		return LS_FT_KIND_EVENTS;
	if (c->functions > 0 || (c->tracer[0] && strcmp(c->tracer, "nop")))
		return LS_FT_KIND_FUNCTION;
	return c->headers ? LS_FT_KIND_EMPTY : LS_FT_KIND_UNKNOWN;
}

const char *ls_ft_kind_name(enum ls_ft_kind kind)
{
	switch (kind) {
	case LS_FT_KIND_EMPTY:
		return "empty event trace";
	case LS_FT_KIND_EVENTS:
		return "event trace";
	case LS_FT_KIND_FUNCTION:
		return "function tracer trace";
	default:
		return "not ftrace text";
	}
}

/* --- reader ------------------------------------------------------------- */

void ls_ft_reader_init(struct ls_ft_reader *r, ls_ft_read_fn fn, void *ctx,
		       char *buf, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->read = fn;
	r->ctx = ctx;
	r->buf = buf;
	r->cap = cap;
}

static ssize_t read_fd(void *ctx, char *buf, size_t len)
{
	int fd = (int)(intptr_t)ctx;
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

void ls_ft_reader_init_fd(struct ls_ft_reader *r, int fd, char *buf, size_t cap)
{
	ls_ft_reader_init(r, read_fd, (void *)(intptr_t)fd, buf, cap);
}

/* Moves unconsumed data to the front and reads after it: 1 data, 0 end
 * of input, -errno. Only called with room left (end < cap). */
static int fill(struct ls_ft_reader *r)
{
	ssize_t n;

	if (r->eof)
		return 0;
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->scanned -= r->pos;
		r->pos = 0;
	}
	errno = 0;
	n = r->read(r->ctx, r->buf + r->end, r->cap - r->end);
	if (n < 0)
		return errno ? -errno : -EIO;
	if ((size_t)n > r->cap - r->end) /* a broken callback: keep end in bounds */
		return -EIO;
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->end += (size_t)n;
	return 1;
}

/* Drops input through the '\n' that ends a truncated line. */
static int skip_rest(struct ls_ft_reader *r)
{
	for (;;) {
		const char *nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
		int rc;

		if (nl) {
			r->pos = r->scanned = (size_t)(nl + 1 - r->buf);
			r->skipping = 0;
			return 0;
		}
		r->pos = r->end = r->scanned = 0;
		rc = fill(r);
		if (rc <= 0) {
			r->skipping = rc < 0;
			return rc;
		}
	}
}

/* Hands out buf[pos..pos+len) and consumes through next. */
static int give(struct ls_ft_reader *r, size_t len, size_t next, const char **line,
		size_t *out_len)
{
	*line = r->buf + r->pos;
	*out_len = len;
	r->pos = r->scanned = next;
	return LS_FT_RD_LINE;
}

int ls_ft_reader_line(struct ls_ft_reader *r, const char **line, size_t *len)
{
	int rc;

	if (!r->buf || r->cap == 0)
		return -EINVAL;
	if (r->skipping && (rc = skip_rest(r)) < 0)
		return rc;
	for (;;) {
		/* scanned saves rescanning a long line for each read */
		const char *nl = memchr(r->buf + r->scanned, '\n', r->end - r->scanned);

		if (nl)
			return give(r, (size_t)(nl - (r->buf + r->pos)),
				    (size_t)(nl + 1 - r->buf), line, len);
		r->scanned = r->end;
		if (r->end - r->pos == r->cap) {
			give(r, r->cap, r->end, line, len);
			r->skipping = 1;
			return LS_FT_RD_TRUNCATED;
		}
		rc = fill(r);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return r->end == r->pos ? LS_FT_RD_EOF
						: give(r, r->end - r->pos, r->end, line, len);
	}
}

int ls_ft_reader_next(struct ls_ft_reader *r, struct ls_ft_event *ev)
{
	const char *line;
	size_t len;
	int rc = ls_ft_reader_line(r, &line, &len), kind;

	if (rc == LS_FT_RD_LINE) {
		kind = ls_ft_parse_line(line, len, ev);
	} else {
		clear_event(ev);
		if (rc != LS_FT_RD_TRUNCATED)
			return rc;
		kind = LS_FT_TRUNCATED;
	}
	ls_ft_count(&r->counts, kind, kind == LS_FT_TRUNCATED ? NULL : ev);
	return kind;
}
