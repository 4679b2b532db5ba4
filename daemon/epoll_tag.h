/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Every fd in the daemon's one epoll set carries a pointer to one of these,
 * embedded first in the object that owns the fd, so the loop can dispatch. */
#ifndef LATSCOPED_EPOLL_TAG_H
#define LATSCOPED_EPOLL_TAG_H

enum ls_ep_kind {
	LS_EP_RINGS,    /* libbpf's ring epoll fd: a forced wakeup arrived */
	LS_EP_DRAIN,    /* timerfd: periodic drain */
	LS_EP_TICK,     /* timerfd: 1 s housekeeping */
	LS_EP_SIGNAL,   /* signalfd */
	LS_EP_LISTEN,   /* the listening socket */
	LS_EP_CLIENT,   /* a connected client */
	LS_EP_HOOK,     /* pidfd of a running alert hook (alerts.c) */
};

struct ls_ep {
	enum ls_ep_kind kind;
	int fd;
};

#endif
