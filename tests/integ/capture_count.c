/*
 * capture_count CAPTURE KIND N: how many records of KIND are among the first
 * N records of a latscoped --record capture (all records when N is 0).
 * Walks the variable-size records with ls_rec_size(); used by the tests to
 * check the socket's totals against the raw stream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "latscope/record.h"

int main(int argc, char **argv)
{
	unsigned long long n = 0, seen = 0, limit;
	struct ls_capture_hdr h;
	unsigned kind;
	struct ls_rec r;
	FILE *f;

	if (argc != 4) {
		fprintf(stderr, "usage: capture_count CAPTURE KIND N\n");
		return 2;
	}
	kind = strtoul(argv[2], NULL, 0);
	limit = strtoull(argv[3], NULL, 0);
	f = fopen(argv[1], "rb");
	if (!f || fread(&h, sizeof(h), 1, f) != 1 || h.magic != LS_CAPTURE_MAGIC ||
	    h.rec_size != sizeof(struct ls_rec)) {
		fprintf(stderr, "capture_count: %s: not a latscope capture\n", argv[1]);
		return 2;
	}
	while ((!limit || seen < limit) && fread(&r, sizeof(r), 1, f) == 1) {
		unsigned size = ls_rec_size(r.kind);

		if (!size || (size > sizeof(r) && fseek(f, size - sizeof(r), SEEK_CUR))) {
			fprintf(stderr, "capture_count: record %llu: bad kind %u\n", seen, r.kind);
			return 2;
		}
		seen++;
		n += r.kind == kind;
	}
	if (limit && seen < limit) {
		fprintf(stderr, "capture_count: only %llu records, %llu asked\n", seen, limit);
		return 2;
	}
	printf("%llu\n", n);
	return 0;
}
