/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Human formatting of uptimes, sizes and alerts (durations and counts:
 * lib/units.h). */
#ifndef LATSCOPE_CLI_FMT_H
#define LATSCOPE_CLI_FMT_H

#include <stdbool.h>
#include <stdint.h>

#define FMT_LEN 32

/* Elapsed time for people: 12.0s, 5m03s, 2h05m, 3d04h */
const char *fmt_uptime(char buf[FMT_LEN], uint64_t ns);
/* Byte sizes: 512 B, 64 KiB, 4 MiB, 1.5 GiB */
const char *fmt_bytes(char buf[FMT_LEN], uint64_t b);
/* Escape sequences for an alert on stdout; "" when stdout is not a
 * terminal or NO_COLOR is set. */
const char *fmt_alert_on(void);
const char *fmt_alert_off(void);

#endif
