/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Parser for saved ftrace text: tracefs `trace` / `trace_pipe` output and
 * `trace-cmd report` output. The lowest layer of `latscope analyze`.
 *
 * One line in, one classified and split line out: no allocation, pointers
 * into the caller's buffer, never reads past the length given (lines need
 * not be NUL-terminated and may contain NULs). A reader streams lines from
 * an fd or a callback through one caller-provided buffer, so input of any
 * size is read in constant memory.
 *
 * Event line shapes accepted (comm may contain spaces, '-', '/', digits):
 *
 *   [INST: ] COMM-PID [(TGID)] [CPU] [FLAGS] TS: NAME: FIELDS
 *   [INST: ] COMM-PID CPUFLAGS TS: NAME: FIELDS          (latency-format)
 *
 *   COMM-PID   split at the last '-' of the comm, i.e. the '-' followed by
 *              the pid and then the rest of a valid header; "<idle>-0",
 *              "<...>-77375", "CPU 0/KVM-7289", "kworker/u8:2-events_unbound-1".
 *   (TGID)     options/record-tgid: "(  123)" or "(-------)" (not known).
 *   [CPU]      "[017]". In latency-format the CPU number is glued to the
 *              flags instead: "0d..2." is CPU 0, flags "d..2.".
 *   FLAGS      irq-info column, absent when options/irq-info is 0: 1 to 10
 *              characters of [.A-Za-z0-9], not starting with a digit
 *              ("d.h1.", "dNs..", "d..1", RT's "d...3..").
 *   TS         "SECS.FRAC" with 1 to 9 decimals -> exact ns (no floating
 *              point; 316004.317570 -> 316004317570000);
 *              "N" -> a raw counter (trace_clock counter, x86-tsc), kept;
 *              "Nus" plus a delay mark (latency-format, relative to the
 *              buffer start) -> N * 1000 ns.
 *   INST:      trace-cmd's buffer-name prefix for instance buffers
 *              ("q123:           <idle>-0 [000] ..."): a first token with
 *              no leading blank that ends in ':' and is followed by a blank.
 *              A comm at column 0 like "a: b" is therefore read as instance
 *              "a", comm "b" (the kernel right-aligns comms of at most 15
 *              characters in 16 columns, so its lines never start there).
 *
 * After "TS: " the first blank-delimited token decides: ending in ':' it is
 * an event NAME (rest = FIELDS, leading blanks skipped), otherwise the line
 * is function tracer output ("func <-parent", "<stack trace>"). trace-cmd's
 * "function:", "funcgraph_entry:" and "funcgraph_exit:" records count as
 * function lines too, and its --ts-diff column "(+N)" is skipped.
 *
 * Function lines without a task header: function_graph's "CPU)" lines
 * holding a '|' or "=>" (after an optional funcgraph-abstime "TS |"
 * column), duration-only "0.469 us  |" lines, and its separator of 40 or
 * more dashes. Not parsed (GARBAGE): the verbose latency-format, raw/hex/bin
 * output, lines without the task header (options/context-info off).
 */
#ifndef LATSCOPE_FTRACE_TEXT_H
#define LATSCOPE_FTRACE_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Line classes. */
enum ls_ft_line {
	LS_FT_EVENT = 1,  /* a tracepoint event with a task header */
	LS_FT_FUNCTION,   /* function / function_graph / latency tracer output */
	LS_FT_LOST,       /* "CPU:N [LOST M EVENTS]", "CPU:N [M EVENTS DROPPED]" */
	LS_FT_COMMENT,    /* '#' header; trace-cmd's "cpus=N", "version = N",
			   * "CPU N is empty" */
	LS_FT_BLANK,      /* empty or only blanks */
	LS_FT_GARBAGE,    /* anything else */
	LS_FT_TRUNCATED,  /* reader only: line longer than its buffer, skipped */
};

enum ls_ft_ts {
	LS_FT_TS_NONE = 0,
	LS_FT_TS_NS,      /* ts is ns, exact from SECS.FRAC */
	LS_FT_TS_US,      /* ts is ns from a microsecond count (latency-format) */
	LS_FT_TS_COUNTER, /* ts is the raw integer the clock printed */
};

#define LS_FT_TGID_UNKNOWN (-1) /* "(-------)": ftrace did not learn it */
#define LS_FT_TGID_ABSENT  (-2) /* no TGID column */

/*
 * One parsed line. Pointers point into the line passed to the parser and
 * are not NUL-terminated; lengths may be 0. Which members are set:
 *   LS_FT_EVENT     all but lost (instance, flags may be empty)
 *   LS_FT_FUNCTION  the header members when the line has a task header
 *                   (name = the function); cpu only for function_graph
 *                   lines with a "N)" column; otherwise pid = cpu = -1
 *   LS_FT_LOST      cpu, lost (0: count not printed)
 *   LS_FT_COMMENT   fields = the text after '#' (or the whole header line)
 * Everything else is zero / empty, pid, tgid and cpu are negative.
 */
struct ls_ft_event {
	const char *comm;
	size_t comm_len;
	int32_t pid;
	int32_t tgid;           /* LS_FT_TGID_* when not printed */
	int32_t cpu;
	enum ls_ft_ts ts_kind;
	uint64_t ts;            /* see enum ls_ft_ts */
	const char *flags;      /* irq-info column, e.g. "d.h1." */
	size_t flags_len;
	const char *name;       /* event name without the ':' */
	size_t name_len;
	const char *fields;     /* text after the name, blanks trimmed */
	size_t fields_len;
	const char *instance;   /* trace-cmd buffer name */
	size_t instance_len;
	uint64_t lost;
};

/*
 * Classify and split one line of len bytes (a trailing "\n", "\r\n",
 * blanks and NULs are ignored, as is a leading UTF-8 BOM). Returns an
 * enum ls_ft_line other than LS_FT_TRUNCATED; ev is always written.
 */
int ls_ft_parse_line(const char *line, size_t len, struct ls_ft_event *ev);

/*
 * Field helpers over ev->fields. Keys are matched as "key=" at the start of
 * the fields or after a character that cannot be part of a key (so "pid"
 * does not match "prev_pid="); the first match wins. Return 0, -ENOENT
 * (no such key) or -EINVAL (value malformed or out of range).
 *
 * ls_ft_field_str: the value up to the next blank, without a trailing ','
 *   and, when the key follows '[' or '(', without the matching closer:
 *   "vec=9 [action=RCU]" gives action "RCU".
 * ls_ft_field_text: for free text that may contain blanks (comms, irq
 *   names): the value runs up to the next " key=" or " ==>", or the end.
 *   "prev_comm=CPU 0/KVM prev_pid=7289" gives "CPU 0/KVM". A comm that
 *   itself contains " x=" is cut there; nothing in the text can tell.
 * ls_ft_field_u64: the str value as a number: decimal ("target_cpu=017" is
 *   17, not octal) or hex with a 0x prefix.
 * ls_ft_field_hex: the str value as hex, 0x optional, for pointers and
 *   addresses the kernel prints without it ("hrtimer=ffff880130ad8610",
 *   hashed "000000004cb9887a"). Decimal-looking hex cannot be told apart,
 *   so the caller, knowing the field, picks the base.
 *
 * trace-cmd report prints some events through plugins, not key=value:
 * sched_switch "bash:123 [120] S ==> swapper/1:0 [120]", sched_wakeup
 * "bash:123 [120] CPU:001", hrtimer "function=f/0x0". `trace-cmd report -N`
 * prints the kernel's formats.
 */
int ls_ft_field_str(const struct ls_ft_event *ev, const char *key,
		    const char **val, size_t *len);
int ls_ft_field_text(const struct ls_ft_event *ev, const char *key,
		     const char **val, size_t *len);
int ls_ft_field_u64(const struct ls_ft_event *ev, const char *key, uint64_t *out);
int ls_ft_field_hex(const struct ls_ft_event *ev, const char *key, uint64_t *out);

/*
 * Positional formats ("reason APIC_ACCESS rip 0x... info 10b0 0",
 * "vcpu 1, rip 0x..."): the word after the first whole word equal to key.
 * Words are separated by blanks; a ',' ends a word. Returns 0, -ENOENT.
 */
int ls_ft_word_after(const struct ls_ft_event *ev, const char *key,
		     const char **val, size_t *len);

/* s[0..len) as a number: hex=0: decimal or 0x-prefixed hex; hex=1: hex
 * with optional 0x. The whole span must be digits. 0 or -EINVAL. */
int ls_ft_parse_u64(const char *s, size_t len, int hex, uint64_t *out);

/* What a file is, judged from its lines so far. */
enum ls_ft_kind {
	LS_FT_KIND_UNKNOWN = 0, /* nothing trace-like: not ftrace text */
	LS_FT_KIND_EMPTY,       /* an event trace's headers, no events */
	LS_FT_KIND_EVENTS,      /* an event trace: analyze it */
	LS_FT_KIND_FUNCTION,    /* function / function_graph / latency tracer */
};

struct ls_ft_counts {
	uint64_t lines;        /* lines counted, truncated ones included */
	uint64_t events;
	uint64_t functions;
	uint64_t lost_lines;   /* LOST / DROPPED lines */
	uint64_t lost_events;  /* sum of their counts */
	uint64_t comments;
	uint64_t blanks;
	uint64_t garbage;
	uint64_t truncated;
	uint64_t counter_ts;   /* events with a raw counter timestamp */
	uint64_t overwritten;  /* entries-written minus entries-in-buffer */
	int headers;           /* "# tracer:" or trace-cmd "cpus=" seen */
	char tracer[32];       /* from "# tracer: NAME"; "" if none */
};

/* Count one line (kind from ls_ft_parse_line, or LS_FT_TRUNCATED with ev
 * NULL); picks the tracer name and the overwrite count from headers. */
void ls_ft_count(struct ls_ft_counts *c, int kind, const struct ls_ft_event *ev);

/*
 * EVENTS when events outnumber function lines, FUNCTION when function lines
 * are at least as many (or a non-nop "# tracer:" header with no events),
 * EMPTY for trace headers alone, else UNKNOWN. Garbage does not count
 * against a file: traces pasted into mails are still traces.
 */
enum ls_ft_kind ls_ft_classify(const struct ls_ft_counts *c);
const char *ls_ft_kind_name(enum ls_ft_kind kind);

/* Streaming line reader. */
#define LS_FT_LINE_MAX 65536 /* suggested buffer size */

/* Reads up to len bytes into buf: count, 0 at end of input, -1 and errno. */
typedef ssize_t (*ls_ft_read_fn)(void *ctx, char *buf, size_t len);

struct ls_ft_reader {
	ls_ft_read_fn read;
	void *ctx;
	char *buf;
	size_t cap;
	size_t pos;      /* start of unconsumed data */
	size_t end;      /* end of data */
	size_t scanned;  /* buf[pos..scanned) holds no '\n' */
	int skipping;    /* discarding the rest of a truncated line */
	int eof;
	struct ls_ft_counts counts; /* kept by ls_ft_reader_next */
};

/* buf (cap >= 1 bytes, LS_FT_LINE_MAX suggested) stays the caller's and
 * must outlive the reader; lines of cap bytes or more are truncated. */
void ls_ft_reader_init(struct ls_ft_reader *r, ls_ft_read_fn fn, void *ctx,
		       char *buf, size_t cap);
/* Reads with read(2), retrying EINTR; the fd stays open. For a FILE *
 * nothing was read from yet, pass fileno(f). */
void ls_ft_reader_init_fd(struct ls_ft_reader *r, int fd, char *buf, size_t cap);

#define LS_FT_RD_EOF       0
#define LS_FT_RD_LINE      1 /* a whole line, without its '\n' */
#define LS_FT_RD_TRUNCATED 2 /* the first cap bytes; the rest is skipped */
/*
 * Next raw line, valid until the next call. Returns LS_FT_RD_* or -errno
 * (a read error; calling again retries). Counts nothing.
 */
int ls_ft_reader_line(struct ls_ft_reader *r, const char **line, size_t *len);
/*
 * Next line parsed into ev and counted in r->counts: an enum ls_ft_line
 * (LS_FT_TRUNCATED for a skipped long line, ev cleared), 0 at end of input,
 * or -errno. ev points into the reader's buffer until the next call.
 */
int ls_ft_reader_next(struct ls_ft_reader *r, struct ls_ft_event *ev);

#endif
