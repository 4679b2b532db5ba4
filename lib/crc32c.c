// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * CRC-32C, reflected polynomial 0x82f63b78, byte-at-a-time table. State
 * files are written once a minute, so a few hundred MB/s is plenty and
 * needs neither SSE4.2 nor slicing tables. Chosen over zlib's crc32 to keep
 * lib/ free of a zlib dependency (the CLI links lib/ without it).
 */
#include "crc32c.h"

static uint32_t table[256];

static void init_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		table[i] = c;
	}
}

uint32_t ls_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	/* table[1] is never 0 once built; the daemon is single-threaded and
	 * tests call this from one thread, so lazy init needs no lock. */
	if (!table[1])
		init_table();
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
