/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The Unix socket server: non-blocking accept/read/write inside the daemon's
 * epoll loop, newline framing, size limits and timeouts (docs/protocol.md).
 * It knows nothing of methods: each complete line goes to the handler, which
 * returns the response line.
 */
#ifndef LATSCOPED_SERVER_H
#define LATSCOPED_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "epoll_tag.h"

/* Returns a malloc'd response line (ending in '\n') and its length. */
typedef char *(*ls_handler_fn)(void *ctx, const char *line, size_t len, size_t *out_len);

struct ls_server_opts {
	const char *path;
	mode_t mode;
	int listen_fd;  /* >= 0: already bound and listening (socket activation) */
};

struct ls_server;

int ls_server_open(struct ls_server **out, const struct ls_server_opts *o, int epfd,
		   ls_handler_fn fn, void *ctx);
/* Dispatch an epoll event whose tag is LS_EP_LISTEN or LS_EP_CLIENT. */
void ls_server_event(struct ls_server *s, struct ls_ep *tag, uint32_t events);
/* Clients have buffered requests waiting for a turn: poll without blocking
 * and call ls_server_run_pending after the events. */
int ls_server_pending(const struct ls_server *s);
void ls_server_run_pending(struct ls_server *s);
/* Close clients that stalled mid-request or idled too long. */
void ls_server_tick(struct ls_server *s, uint64_t now_ns);
unsigned ls_server_clients(const struct ls_server *s);
/* From inside the handler: the client being answered becomes an event
 * watcher (the `watch` method): it stays connected without idle timeout
 * and receives every ls_server_broadcast line. */
void ls_server_watch_current(struct ls_server *s);
/* Queue line (ending in '\n') to every watcher; a watcher that leaves
 * 1 MiB unread is dropped. Returns how many got it. */
unsigned ls_server_broadcast(struct ls_server *s, const char *line, size_t len);
unsigned ls_server_watchers(const struct ls_server *s);
void ls_server_close(struct ls_server *s);

#endif
