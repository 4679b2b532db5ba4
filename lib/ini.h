/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small strict INI reader for latscope.conf (docs: latscope.conf(5)).
 *
 *   # comment            ; comment       (whole lines only)
 *   [section]
 *   [section NAME]       named section, e.g. [alert irqoff_cpu3]
 *   key = value          value runs to the end of the line, trimmed
 *
 * It knows no keys: each section header and each assignment goes to a
 * callback, which validates it. Errors come back as "FILE:LINE: message",
 * and parsing stops at the first one.
 */
#ifndef LATSCOPE_INI_H
#define LATSCOPE_INI_H

#include <stddef.h>

#define LS_INI_MAX_LINE 4096
#define LS_INI_NAME_MAX 64 /* section and key names, NAME of [section NAME] */

struct ls_ini_item {
	const char *file;
	unsigned line;
	const char *section; /* "daemon", "alert", ... */
	const char *name;    /* NAME of [section NAME], else NULL */
	const char *key;     /* NULL: this call announces the section header */
	const char *value;   /* NULL for a section header */
};

/* Return 0 to go on; non-zero after writing a message (without the
 * "FILE:LINE: " prefix, which the reader adds) into err. */
typedef int (*ls_ini_fn)(void *ctx, const struct ls_ini_item *it, char *err, size_t errlen);

/* Parse buf (len bytes; need not be NUL-terminated). Returns 0, or -1
 * with "FILE:LINE: message" in err. */
int ls_ini_parse_buf(const char *buf, size_t len, const char *file,
		     ls_ini_fn fn, void *ctx, char *err, size_t errlen);
/* Read and parse a file. A missing file is -1 with errno ENOENT (and a
 * message). */
int ls_ini_parse_file(const char *path, ls_ini_fn fn, void *ctx, char *err, size_t errlen);

#endif
