/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * windows_dump CAPTURE: replay a latscoped --record capture through the
 * library (ls_agg_add, as the daemon does) and print every window it
 * derives, one per line, in the order they were finished:
 *   cpu kind source start_ns len_ns key pid peer flags
 * kind is irqoff/preemptoff, source as in docs/windows.md, flags the
 * LS_WIN_* bits.
 *
 * windows_dump --hrtimer TID CAPTURE: instead, the hrtimer expiries that
 * woke thread TID: cpu ts_ns late_ns armed_ns pid expiry_ns (armed as in
 * record.h, LS_ARMED_UNKNOWN printed as "unknown"; pid = the task
 * interrupted; expiry on CLOCK_MONOTONIC: ts - now_lag - late, "unknown"
 * without now_lag).
 * Exit 2 on a bad capture.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agg.h"
#include "windows.h"

static void print(const struct ls_window *w, void *ctx)
{
	(void)ctx;
	printf("%u %s %s %llu %llu %u %u %u %u\n", w->cpu, ls_win_kind_name(w->kind),
	       ls_win_src_name(w->src), (unsigned long long)w->start,
	       (unsigned long long)w->len, w->key, w->pid, w->peer, w->flags);
}

int main(int argc, char **argv)
{
	struct ls_capture_hdr h;
	union ls_rec_any r;
	struct ls_agg *a;
	long tid = -1;
	FILE *f;

	if (argc == 4 && !strcmp(argv[1], "--hrtimer")) {
		tid = atol(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: windows_dump [--hrtimer TID] CAPTURE\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f || fread(&h, sizeof(h), 1, f) != 1 || h.magic != LS_CAPTURE_MAGIC ||
	    h.version != LS_RECORD_VERSION) {
		fprintf(stderr, "windows_dump: %s: not a version %d latscope capture\n", argv[1],
			LS_RECORD_VERSION);
		return 2;
	}
	a = ls_agg_new(1u << 20);
	if (!a)
		return 2;
	ls_windows_set_sink(ls_agg_windows(a), print, NULL);
	while (fread(&r.h, sizeof(r.h), 1, f) == 1) {
		size_t size = ls_rec_size(r.h.kind);

		if (!size || size > sizeof(r) ||
		    (size > sizeof(r.h) && fread((char *)&r + sizeof(r.h), size - sizeof(r.h), 1, f) != 1)) {
			fprintf(stderr, "windows_dump: %s: bad or truncated record\n", argv[1]);
			return 2;
		}
		if (tid < 0) {
			ls_agg_add(a, &r.h);
		} else if (r.h.kind == LS_K_HRTIMER && r.h.arg == (uint32_t)tid) {
			printf("%u %llu %lld ", r.h.cpu, (unsigned long long)r.h.ts,
			       (long long)r.hrtimer.late);
			if (r.hrtimer.armed == LS_ARMED_UNKNOWN)
				printf("unknown %u ", r.h.pid);
			else
				printf("%lld %u ", (long long)r.hrtimer.armed, r.h.pid);
			if (r.hrtimer.now_lag == LS_LAG_UNKNOWN)
				printf("unknown\n");
			else
				printf("%lld\n", (long long)r.h.ts - r.hrtimer.now_lag -
				       (long long)r.hrtimer.late);
		}
	}
	ls_agg_flush(a, UINT64_MAX);
	ls_agg_free(a);
	fclose(f);
	return 0;
}
