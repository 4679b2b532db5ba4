/*
 * capture_hrtimer CAPTURE PID: the hrtimer records of a capture whose woken
 * task (h.arg) is PID, in capture order: "ts_ns soft_late_ns late_ns func".
 */
#include <stdio.h>
#include <stdlib.h>
#include "latscope/record.h"

int main(int argc, char **argv)
{
	struct ls_capture_hdr h;
	struct ls_rec_hrtimer t;
	unsigned long pid;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: capture_hrtimer CAPTURE PID\n");
		return 2;
	}
	pid = strtoul(argv[2], NULL, 0);
	f = fopen(argv[1], "rb");
	if (!f || fread(&h, sizeof(h), 1, f) != 1 || h.magic != LS_CAPTURE_MAGIC) {
		fprintf(stderr, "capture_hrtimer: %s: not a latscope capture\n", argv[1]);
		return 2;
	}
	while (fread(&t.h, sizeof(t.h), 1, f) == 1) {
		unsigned size = ls_rec_size(t.h.kind);

		if (!size) {
			fprintf(stderr, "capture_hrtimer: bad record\n");
			return 2;
		}
		if (t.h.kind != LS_K_HRTIMER) { /* other kinds may be longer */
			if (size > sizeof(t.h) && fseek(f, size - sizeof(t.h), SEEK_CUR))
				return 2;
			continue;
		}
		if (fread((char *)&t + sizeof(t.h), size - sizeof(t.h), 1, f) != 1) {
			fprintf(stderr, "capture_hrtimer: truncated record\n");
			return 2;
		}
		if (t.h.arg == pid)
			printf("%llu %lld %lld %llx\n", (unsigned long long)t.h.ts,
			       (long long)t.soft_late, (long long)t.late,
			       (unsigned long long)LS_KADDR(t.h.key));
	}
	return 0;
}
