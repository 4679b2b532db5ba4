/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Replace a file atomically: readers see the old or the new content, never
 * a mix or a partial file. */
#ifndef LATSCOPE_ATOMIC_FILE_H
#define LATSCOPE_ATOMIC_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Write buf to PATH.tmp, then rename it over path. With durable, fsync the
 * file before the rename and the directory after it, so after a crash the
 * path holds either the old or the new content (state files); without, the
 * rename alone keeps readers consistent (metrics textfiles). Returns 0, or
 * -errno with a message naming the failed step in err.
 */
int ls_write_atomic(const char *path, const void *buf, size_t len, mode_t mode,
		    bool durable, char *err, size_t errlen);

#endif
