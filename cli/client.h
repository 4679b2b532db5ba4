/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Transport to latscoped: one request line out, one response line back. */
#ifndef LATSCOPE_CLI_CLIENT_H
#define LATSCOPE_CLI_CLIENT_H

#include <stddef.h>
#include "cli.h"

/*
 * Connect to o->socket, send req followed by '\n', read one response line,
 * all within o->timeout seconds. On success returns 0 and *resp is a
 * malloc'd NUL-terminated line without its '\n' (caller frees), of *len
 * bytes. Otherwise prints what went wrong (daemon not running, permission,
 * timeout, truncated response, ...) to stderr and returns CLI_EXIT_RUNTIME.
 */
int client_roundtrip(const struct cli_opts *o, const char *req, char **resp,
		     size_t *len);

/*
 * For streaming methods (watch): connect to o->socket and send req plus
 * '\n' within o->timeout. Returns the connected non-blocking fd, whose
 * lines (the response, then events) the caller reads; or -1 after printing
 * what went wrong.
 */
int client_stream_open(const struct cli_opts *o, const char *req);

#endif
