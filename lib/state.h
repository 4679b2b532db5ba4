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
 * the table in state_sections.c, fields in struct ls_state.
 */
#ifndef LATSCOPE_STATE_H
#define LATSCOPE_STATE_H

#include <stddef.h>
#include <stdint.h>
#include "latscope/record.h"
#include "agg.h"

#define LS_STATE_MAGIC "LATSTATE"
#define LS_STATE_FORMAT 1
#define LS_STATE_HDR_LEN 32

#define LS_SEC_CRITICAL 0x80000000u
enum ls_sec_type {
	LS_SEC_META = 1,      /* times, writer version, boot id */
	LS_SEC_AGG = 2,       /* aggregator stats and every series' histogram */
	LS_SEC_COUNTERS = 3,  /* kernel counter totals per kind */
	LS_SEC_COMMS = 4,     /* pid -> comm, to name pid keys (not critical) */
	/* 5: reserved for the windows family's worst-N windows */
	LS_SEC_KVM = 6,       /* the aggregator's KVM table (not critical) */
};

struct ls_state_comm {
	uint32_t pid;
	char comm[16];
};

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
 * aggregator capped at max_series and s->comms an array (the caller frees
 * both); otherwise both are NULL and m->err says what is wrong.
 */
int ls_state_decode(const void *buf, size_t len, size_t max_series,
		    struct ls_state *s, struct ls_state_msg *m);

/* Encode and write path atomically and durably (mode 0600). */
int ls_state_save(const char *path, const struct ls_state *s, struct ls_state_msg *m);
/* Read and decode path; LS_STATE_MISSING when it does not exist. */
int ls_state_load(const char *path, size_t max_series, struct ls_state *s,
		  struct ls_state_msg *m);

#endif
