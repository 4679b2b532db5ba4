/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include "server.h"
#include "log.h"
#include "proto.h"

#define MAX_CLIENTS 256
#define PARTIAL_TIMEOUT_NS (5ull * 1000000000)
#define IDLE_TIMEOUT_NS (60ull * 1000000000)
#define MAX_OUT_BYTES (8u << 20)
#define OUT_SOFT_LIMIT (1u << 20)  /* stop answering a client past this */
#define LINES_PER_TURN 16

struct client {
	struct ls_ep ep;       /* first: epoll dispatch */
	struct client *next;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_off;
	uint64_t last_ns;      /* last byte received */
	pid_t pid;
	uid_t uid;
	int eof;               /* the peer shut its sending side */
	int closing;           /* flush pending output, then close */
	int watcher;           /* subscribed to events (`watch`): no idle timeout */
	uint32_t events;       /* epoll events registered */
};

struct ls_server {
	struct ls_ep ep;
	int epfd;
	char path[108];
	int owns_path;
	ls_handler_fn fn;
	void *ctx;
	struct client *clients;
	unsigned nclients;
	struct client *cur;    /* client whose request the handler is answering */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* A socket file left by a dead daemon is removed; a live one is an error. */
static int clear_stale(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		log_err("%s exists and is not a socket; refusing to replace it", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strncpy(a.sun_path, path, sizeof(a.sun_path) - 1);
	r = connect(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	if (r == 0) {
		log_err("another latscoped is serving %s", path);
		return -EADDRINUSE;
	}
	return unlink(path) ? -errno : 0;
}

static int mkdir_parent(const char *path)
{
	char dir[108];
	char *slash;

	strncpy(dir, path, sizeof(dir) - 1);
	dir[sizeof(dir) - 1] = '\0';
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int bind_listen(struct ls_server *s, const struct ls_server_opts *o)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(o->path) >= sizeof(a.sun_path)) {
		log_err("socket path too long (max %zu): %s", sizeof(a.sun_path) - 1, o->path);
		return -ENAMETOOLONG;
	}
	if ((err = mkdir_parent(o->path)) || (err = clear_stale(o->path))) {
		if (err != -EEXIST && err != -EADDRINUSE)
			log_err("preparing %s: %s", o->path, strerror(-err));
		return err;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(a.sun_path, o->path);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || chmod(o->path, o->mode) ||
	    listen(fd, 64)) {
		err = -errno;
		log_err("listening on %s: %s", o->path, strerror(errno));
		close(fd);
		return err;
	}
	strcpy(s->path, o->path);
	s->owns_path = 1;
	return fd;
}

int ls_server_open(struct ls_server **out, const struct ls_server_opts *o, int epfd,
		   ls_handler_fn fn, void *ctx)
{
	struct ls_server *s = calloc(1, sizeof(*s));
	struct epoll_event ev = { .events = EPOLLIN };
	int fd;

	if (!s)
		return -ENOMEM;
	fd = o->listen_fd >= 0 ? o->listen_fd : bind_listen(s, o);
	if (fd < 0) {
		free(s);
		return fd;
	}
	if (o->listen_fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	s->ep = (struct ls_ep){ .kind = LS_EP_LISTEN, .fd = fd };
	s->epfd = epfd;
	s->fn = fn;
	s->ctx = ctx;
	ev.data.ptr = &s->ep;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int err = -errno;

		ls_server_close(s);
		return err;
	}
	*out = s;
	return 0;
}

static void client_free(struct ls_server *s, struct client *c)
{
	struct client **pp;

	for (pp = &s->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->ep.fd, NULL);
	close(c->ep.fd);
	log_debug("client pid %d uid %u disconnected", (int)c->pid, (unsigned)c->uid);
	free(c->in);
	free(c->out);
	free(c);
	s->nclients--;
}

/* Write what we can; returns -1 if the client is gone. */
static int flush_out(struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->ep.fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		c->out_off += n;
	}
	c->out_off = c->out_len = 0;
	return c->closing ? -1 : 0;
}

static int queue_out(struct client *c, const char *buf, size_t len)
{
	char *p;

	if (c->out_len - c->out_off + len > MAX_OUT_BYTES)
		return -1; /* the client does not read its responses */
	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	p = realloc(c->out, c->out_len + len);
	if (!p)
		return -1;
	c->out = p;
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	return 0;
}

static void respond_error(struct client *c, const char *code, const char *msg)
{
	struct ls_err e;
	size_t len;
	char *r;

	ls_err_set(&e, code, "%s", msg);
	r = ls_resp_err(NULL, &e, &len);
	if (r)
		queue_out(c, r, len);
	free(r);
}

static int has_line(const struct client *c)
{
	return c->in_len && memchr(c->in, '\n', c->in_len);
}

static int out_backlog(const struct client *c)
{
	return c->out_len - c->out_off >= OUT_SOFT_LIMIT;
}

/* Requests buffered that this client is allowed to have answered now. */
static int ready_work(const struct client *c)
{
	return !c->closing && has_line(c) && !out_backlog(c);
}

/*
 * Watch for input only when we would act on it: not while complete requests
 * are still buffered (they are worked off LINES_PER_TURN at a time, so one
 * client's pipeline cannot starve the others) and not while the client
 * leaves its responses unread (backpressure instead of unbounded queues).
 */
static void update_events(struct ls_server *s, struct client *c)
{
	uint32_t want = (c->out_off < c->out_len ? EPOLLOUT : 0) |
			(!c->closing && !c->eof && !has_line(c) && !out_backlog(c) ? EPOLLIN : 0);
	struct epoll_event ev = { .events = want, .data.ptr = &c->ep };

	if (want == c->events)
		return;
	c->events = want;
	epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->ep.fd, &ev);
}

/* Answer up to LINES_PER_TURN complete requests. */
static int process_lines(struct ls_server *s, struct client *c)
{
	unsigned done = 0;
	size_t start = 0;
	char *nl;

	while (done < LINES_PER_TURN && !out_backlog(c) &&
	       (nl = memchr(c->in + start, '\n', c->in_len - start))) {
		size_t len = nl - (c->in + start), rlen = 0;
		char *resp;

		if (len && c->in[start + len - 1] == '\r')
			len--; /* tolerate CRLF clients */
		if (len) {
			s->cur = c;
			resp = s->fn(s->ctx, c->in + start, len, &rlen);
			s->cur = NULL;
			if (!resp || queue_out(c, resp, rlen)) {
				free(resp);
				return -1;
			}
			free(resp);
			done++;
		}
		start = nl - c->in + 1;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	if (c->in_len > LS_PROTO_MAX_REQUEST && !has_line(c)) {
		respond_error(c, LS_E_TOO_LARGE, "request exceeds 65536 bytes; closing");
		c->closing = 1;
		c->in_len = 0;
	}
	return 0;
}

/* One non-blocking read. Returns -1 on a socket error. */
static int read_some(struct client *c)
{
	ssize_t n;

	if (c->in_cap - c->in_len < 4096) {
		size_t cap = c->in_cap ? c->in_cap * 2 : 8192;
		char *p;

		if (cap > 2 * LS_PROTO_MAX_REQUEST + 8192)
			cap = 2 * LS_PROTO_MAX_REQUEST + 8192;
		p = cap > c->in_cap ? realloc(c->in, cap) : c->in;
		if (!p)
			return -1;
		c->in = p;
		c->in_cap = cap;
	}
	n = recv(c->ep.fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
	if (n == 0) {
		/* the peer finished sending: answer what it asked, then close;
		 * a trailing partial request is discarded */
		c->eof = 1;
		return 0;
	}
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	c->in_len += n;
	c->last_ns = now_ns();
	return 0;
}

/* One turn for a client; frees it when it is done or broken. */
static void client_work(struct ls_server *s, struct client *c, int readable)
{
	if (readable && !c->eof && !c->closing && !has_line(c) && read_some(c))
		goto drop;
	if (!c->closing && process_lines(s, c))
		goto drop;
	if (c->eof && !has_line(c))
		c->closing = 1;
	if (flush_out(c))
		goto drop;
	update_events(s, c);
	return;
drop:
	client_free(s, c);
}

int ls_server_pending(const struct ls_server *s)
{
	const struct client *c;

	for (c = s->clients; c; c = c->next)
		if (ready_work(c))
			return 1;
	return 0;
}

void ls_server_run_pending(struct ls_server *s)
{
	struct client *c, *next;

	for (c = s->clients; c; c = next) {
		next = c->next;
		if (ready_work(c))
			client_work(s, c, 0);
	}
}

static void accept_clients(struct ls_server *s)
{
	for (;;) {
		struct epoll_event ev = { .events = EPOLLIN };
		struct ucred cred;
		socklen_t clen = sizeof(cred);
		struct client *c;
		int fd = accept4(s->ep.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("accept: %s", strerror(errno));
			return;
		}
		if (s->nclients >= MAX_CLIENTS || !(c = calloc(1, sizeof(*c)))) {
			log_warn("refusing client: %u clients connected", s->nclients);
			close(fd);
			continue;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0) {
			c->pid = cred.pid;
			c->uid = cred.uid;
		}
		log_debug("client pid %d uid %u connected", (int)c->pid, (unsigned)c->uid);
		c->ep = (struct ls_ep){ .kind = LS_EP_CLIENT, .fd = fd };
		c->events = EPOLLIN;
		c->last_ns = now_ns();
		ev.data.ptr = &c->ep;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(c);
			continue;
		}
		c->next = s->clients;
		s->clients = c;
		s->nclients++;
	}
}

void ls_server_event(struct ls_server *s, struct ls_ep *tag, uint32_t events)
{
	struct client *c = (struct client *)tag;

	if (tag->kind == LS_EP_LISTEN) {
		accept_clients(s);
		return;
	}
	if (events & EPOLLERR) {
		client_free(s, c);
		return;
	}
	client_work(s, c, !!(events & (EPOLLIN | EPOLLHUP)));
}

void ls_server_tick(struct ls_server *s, uint64_t now)
{
	struct client *c = s->clients, *next;

	for (; c; c = next) {
		uint64_t idle = now - c->last_ns;

		next = c->next;
		if ((c->in_len && idle > PARTIAL_TIMEOUT_NS) || (idle > IDLE_TIMEOUT_NS && !c->watcher)) {
			log_debug("client pid %d timed out", (int)c->pid);
			client_free(s, c);
		}
	}
}

void ls_server_watch_current(struct ls_server *s)
{
	if (s->cur)
		s->cur->watcher = 1;
}

unsigned ls_server_broadcast(struct ls_server *s, const char *line, size_t len)
{
	struct client *c, *next;
	unsigned n = 0;

	for (c = s->clients; c; c = next) {
		next = c->next;
		if (!c->watcher || c->closing)
			continue;
		if (out_backlog(c) || queue_out(c, line, len)) {
			log_warn("dropping event watcher pid %d: it does not read its events",
				 (int)c->pid);
			client_free(s, c);
			continue;
		}
		if (flush_out(c)) {
			client_free(s, c);
			continue;
		}
		update_events(s, c);
		n++;
	}
	return n;
}

unsigned ls_server_watchers(const struct ls_server *s)
{
	const struct client *c;
	unsigned n = 0;

	for (c = s ? s->clients : NULL; c; c = c->next)
		n += c->watcher;
	return n;
}

unsigned ls_server_clients(const struct ls_server *s)
{
	return s->nclients;
}

void ls_server_close(struct ls_server *s)
{
	if (!s)
		return;
	while (s->clients)
		client_free(s, s->clients);
	if (s->ep.fd > 0)
		close(s->ep.fd);
	if (s->owns_path)
		unlink(s->path);
	free(s);
}
