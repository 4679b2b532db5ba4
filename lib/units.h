/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Human formatting of durations and rates shared by the daemon's live view
 * and the CLI. */
#ifndef LATSCOPE_UNITS_H
#define LATSCOPE_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* 850ns, 12.3us, 4.56ms, 1.20s: three significant digits, unit by size. */
const char *ls_fmt_ns(uint64_t ns, char *buf, size_t len);
/* 950, 12.3k, 4.56M */
const char *ls_fmt_count(double v, char *buf, size_t len);

#endif
