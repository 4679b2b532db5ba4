/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * latscoped's state file: what a restart or upgrade must not lose (every
 * histogram of the aggregator, its counters, the kernel counter totals and
 * when the statistics began). Format in docs/state.md:
 *
 *   header (32 bytes): magic "LATSTATE", format version, header length,
 *                      body length, CRC-32C of the body, CRC-32C of the
 *                      header's first 28 bytes
 *   body: sections, each {u32 type, u32 version, u64 length, payload}
 *
 * All integers little-endian. A section type with LS_SEC_CRITICAL set must
 * be understood by a reader or the file is rejected; other unknown sections
 * (or known ones in a version this reader lacks) are skipped and reported.
 * New families add a section: a type below, a save and a load function in
 * the table in state_sections.c, fields in struct ls_state. A section's
 * layout changes only with a new section version (docs/state.md).
 */
#ifndef LATSCOPE_STATE_H
#define LATSCOPE_STATE_H

#include <stddef.h>
#include <stdint.h>
#include "latscope/record.h"
#include "agg.h"
#include "cpuset.h"
#include "ksyms.h"
#include "windows.h"

#define LS_STATE_MAGIC "LATSTATE"
#define LS_STATE_FORMAT 1
#define LS_STATE_HDR_LEN 32

#define LS_SEC_CRITICAL 0x80000000u
enum ls_sec_type {
	LS_SEC_META = 1,      /* times, writer version, boot id */
	LS_SEC_AGG = 2,       /* aggregator stats and every series' histogram */
	LS_SEC_COUNTERS = 3,  /* kernel counter totals per kind */
	LS_SEC_COMMS = 4,     /* pid -> comm, to name pid keys (not critical) */
	LS_SEC_WINDOWS = 5,   /* worst windows with their stories, window
			       * counters (not critical) */
	LS_SEC_KVM = 6,       /* the aggregator's KVM table (not critical) */
	LS_SEC_ISOLATED = 7,  /* interruption logs of isolated CPUs (not critical) */
	LS_SEC_WAKEUPS = 8,   /* worst wakeups, below-floor counts (not critical) */
	LS_SEC_SYMBOLS = 9,   /* names of the kernel addresses saved as keys,
			       * to rebase them on another boot (not critical) */
};

struct ls_state_comm {
	uint32_t pid;
	char comm[16];
};

/* What the restoring daemon is like: a saved state is fitted to it. */
struct ls_state_limits {
	size_t max_series;            /* series cap of the new aggregator */
	uint32_t ncpus;               /* this machine's possible CPUs: saved
				       * windows, wakeups and interruption logs
				       * of CPUs beyond are dropped (0: no limit) */
	const struct ls_win_opts *win; /* windows options of the new aggregator
				       * (worst-N, flight recorder); NULL: defaults */
	const struct ls_cpuset *isolated; /* CPUs whose interruption logs are
				       * restored; NULL: none */
	const struct ls_ksyms *ksyms; /* this boot's kernel symbols, to rebase
				       * saved kernel addresses; NULL: kept */
	const char *boot_id;          /* this boot's: windows saved on another
				       * are flagged LS_WIN_EARLIER_BOOT (NULL:
				       * unknown, none flagged) */
};

/* What a decode restored beyond the aggregator's series (for the log and
 * `status`); dropped entries are also said in ls_state_msg.notes. */
struct ls_state_restored {
	uint64_t windows;             /* worst windows kept */
	uint64_t wakeups;             /* worst wakeups kept */
	uint64_t isolated_logs;       /* interruption logs of isolated CPUs */
	uint64_t rebased;             /* kernel addresses moved to this boot's */
};

struct ls_keymap;

struct ls_state {
	struct ls_agg *agg;           /* encode: read; decode: created */
	struct ls_counters counters;  /* kernel counter totals */
	uint64_t stats_since_unix_ns; /* when these statistics began */
	uint64_t started_unix_ns;     /* start of the daemon that saved them */
	uint64_t saved_unix_ns;       /* when they were saved */
	uint32_t ncpus;               /* possible CPUs of the saver */
	char version[32];             /* latscoped version of the saver */
	char boot_id[40];             /* /proc/sys/kernel/random/boot_id */
	struct ls_state_comm *comms;  /* decode: malloc'ed, caller frees */
	size_t ncomms;
	struct ls_state_restored restored; /* decode: filled */
	/* decode only, for the section loaders (ls_state_decode sets them) */
	const struct ls_state_limits *lim;
	struct ls_keymap *keymap;     /* saved kernel address -> this boot's */
	uint32_t sec_version;         /* version of the section being loaded */
};

enum ls_state_rc {
	LS_STATE_OK = 0,
	LS_STATE_MISSING,  /* no such file */
	LS_STATE_INVALID,  /* foreign, truncated, corrupt, or a newer format */
	LS_STATE_IOERR,    /* could not read or write */
	LS_STATE_NOMEM,
};

struct ls_state_msg {
	char err[256];     /* why a call failed */
	char notes[512];   /* non-fatal: sections skipped, values dropped */
};

/* Fill s->comms from the running comm table (lib/comms.h); -1 on ENOMEM. */
int ls_state_get_comms(struct ls_state *s);

/* Serialise s into a malloc'ed buffer (free() it). LS_STATE_OK or NOMEM. */
int ls_state_encode(const struct ls_state *s, void **buf, size_t *len);
/*
 * Parse a whole file image. On LS_STATE_OK, s is filled, s->agg is a new
 * aggregator fitted to lim (series cap, windows options, CPUs, isolated
 * CPUs, symbols) and s->comms an array (the caller frees both); otherwise
 * both are NULL and m->err says what is wrong.
 */
int ls_state_decode(const void *buf, size_t len, const struct ls_state_limits *lim,
		    struct ls_state *s, struct ls_state_msg *m);

/* Encode and write path atomically and durably (mode 0600). */
int ls_state_save(const char *path, const struct ls_state *s, struct ls_state_msg *m);
/* Read and decode path; LS_STATE_MISSING when it does not exist. */
int ls_state_load(const char *path, const struct ls_state_limits *lim, struct ls_state *s,
		  struct ls_state_msg *m);

#endif
