/*
 * capture_wakeups CAPTURE [TID...]: the wakeup records of a capture (of
 * those tids only, when given), in capture order, one per line:
 *   ts_ns dur_ns cpu class tid culprit_pid waker_cpu wflags since_expiry_ns comm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "latscope/record.h"

int main(int argc, char **argv)
{
	struct ls_capture_hdr h;
	struct ls_rec_wakeup w;
	FILE *f;

	if (argc < 2) {
		fprintf(stderr, "usage: capture_wakeups CAPTURE [TID...]\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f || fread(&h, sizeof(h), 1, f) != 1 || h.magic != LS_CAPTURE_MAGIC) {
		fprintf(stderr, "capture_wakeups: %s: not a latscope capture\n", argv[1]);
		return 2;
	}
	while (fread(&w.h, sizeof(w.h), 1, f) == 1) {
		unsigned size = ls_rec_size(w.h.kind);
		int i, want = argc == 2;
		char comm[17];

		if (!size || size > sizeof(w) ||
		    (size > sizeof(w.h) && fread((char *)&w + sizeof(w.h), size - sizeof(w.h), 1, f) != 1)) {
			fprintf(stderr, "capture_wakeups: bad or truncated record\n");
			return 2;
		}
		if (w.h.kind != LS_K_WAKEUP)
			continue;
		for (i = 2; i < argc && !want; i++)
			want = strtoul(argv[i], NULL, 0) == w.h.arg;
		if (!want)
			continue;
		memcpy(comm, w.comm, 16);
		comm[16] = '\0';
		for (i = 0; comm[i]; i++)
			if (comm[i] == ' ')
				comm[i] = '_';
		printf("%llu %llu %u %u %u %u %u %u %lld %s\n", (unsigned long long)w.h.ts,
		       (unsigned long long)w.h.dur, w.h.cpu, w.h.key, w.h.arg, w.h.pid,
		       w.waker_cpu, w.wflags, (long long)w.since_expiry, comm[0] ? comm : "-");
	}
	return 0;
}
