// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

#define MAX_RESPONSE (256u << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *file_type(mode_t m)
{
	if (S_ISREG(m))
		return "a regular file";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	return "not a socket";
}

static void not_running(const char *path, const char *why)
{
	fprintf(stderr, "latscope: latscoped is not running (%s %s)\n", why, path);
	if (!strcmp(path, CLI_DEFAULT_SOCKET))
		fprintf(stderr, "  start it with 'sudo systemctl start latscoped' or 'sudo latscoped'\n");
	else
		fprintf(stderr, "  start it with 'sudo latscoped --socket %s'\n", path);
	fprintf(stderr, "  or point --socket / $LATSCOPE_SOCKET at the socket it listens on\n");
}

static void permission_denied(const char *path)
{
	struct stat st;
	struct group *gr;
	struct passwd *pw;
	char gname[32];

	if (stat(path, &st) < 0) {
		fprintf(stderr, "latscope: permission denied: cannot reach %s (%s); "
			"run as root\n", path, strerror(errno));
		return;
	}
	gr = getgrgid(st.st_gid);
	pw = getpwuid(st.st_uid);
	if (gr)
		snprintf(gname, sizeof(gname), "%s", gr->gr_name);
	else
		snprintf(gname, sizeof(gname), "%u", (unsigned)st.st_gid);
	fprintf(stderr, "latscope: permission denied connecting to %s "
		"(mode %04o, owner %s:%s)\n", path, (unsigned)(st.st_mode & 07777),
		pw ? pw->pw_name : "?", gname);
	if (st.st_gid == 0)
		fprintf(stderr, "  connecting needs write permission on the socket: "
			"run as root (sudo latscope ...)\n");
	else
		fprintf(stderr, "  connecting needs write permission on the socket: "
			"run as root, or join group '%s'\n"
			"  (sudo usermod -aG %s $USER, then log in again)\n", gname, gname);
}

static void connect_error(const struct cli_opts *o, int err)
{
	struct stat st;

	switch (err) {
	case ENOENT:
		not_running(o->socket, "no socket at");
		break;
	case ECONNREFUSED:
		if (stat(o->socket, &st) == 0 && !S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "latscope: %s is %s, not a socket; "
				"pass the daemon's socket with --socket PATH\n",
				o->socket, file_type(st.st_mode));
			break;
		}
		not_running(o->socket, "nothing is listening on");
		break;
	case ENOTDIR:
		fprintf(stderr, "latscope: %s is not a socket path "
			"(a parent is not a directory)\n", o->socket);
		break;
	case EACCES:
	case EPERM:
		permission_denied(o->socket);
		break;
	case EAGAIN:
	case EINPROGRESS:
	case ETIMEDOUT:
		fprintf(stderr, "latscope: timed out after %gs connecting to %s "
			"(latscoped busy or stuck?)\n", o->timeout, o->socket);
		break;
	default:
		fprintf(stderr, "latscope: cannot connect to %s: %s\n",
			o->socket, strerror(err));
	}
}

static int open_socket(const struct cli_opts *o)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = {
		.tv_sec = (time_t)o->timeout,
		.tv_usec = (suseconds_t)((o->timeout - (time_t)o->timeout) * 1e6),
	};
	int fd;

	if (strlen(o->socket) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "latscope: socket path too long (max %zu bytes): %s\n",
			sizeof(sa.sun_path) - 1, o->socket);
		return -1;
	}
	strcpy(sa.sun_path, o->socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "latscope: socket: %s\n", strerror(errno));
		return -1;
	}
	/* connect() on a Unix socket waits for backlog room up to SO_SNDTIMEO */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		connect_error(o, errno);
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* Wait for ev on fd until deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short ev, double deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };

	for (;;) {
		double left = deadline - now();
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)(left * 1000) + 1);
		if (r >= 0 || errno != EINTR)
			return r > 0 ? 1 : r;
	}
}

static void timed_out(const struct cli_opts *o, const char *doing)
{
	fprintf(stderr, "latscope: timed out after %gs %s latscoped at %s "
		"(raise --timeout, or check that the daemon is healthy)\n",
		o->timeout, doing, o->socket);
}

/* Returns 0 when sent or when the daemon hung up (its reply may still be
 * readable), CLI_EXIT_RUNTIME on timeout or error. */
static int send_all(const struct cli_opts *o, int fd, const char *buf,
		    size_t len, double deadline)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n >= 0) {
			buf += n;
			len -= (size_t)n;
		} else if (errno == EPIPE || errno == ECONNRESET) {
			return 0;
		} else if (errno == EAGAIN || errno == EINTR) {
			if (wait_fd(fd, POLLOUT, deadline) == 0) {
				timed_out(o, "sending a request to");
				return CLI_EXIT_RUNTIME;
			}
		} else {
			fprintf(stderr, "latscope: sending to %s: %s\n",
				o->socket, strerror(errno));
			return CLI_EXIT_RUNTIME;
		}
	}
	return 0;
}

static int recv_line(const struct cli_opts *o, int fd, double deadline,
		     char **resp, size_t *len)
{
	size_t cap = 65536, used = 0;
	char *buf = malloc(cap + 1), *nl;

	while (buf) {
		ssize_t n;
		int w;

		if (used == cap) {
			char *nb = cap < MAX_RESPONSE ? realloc(buf, cap * 2 + 1) : NULL;

			if (!nb) {
				fprintf(stderr, "latscope: response from latscoped too large "
					"(over %zu bytes without end of line)\n", used);
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + used, cap - used);
		if (n > 0) {
			nl = memchr(buf + used, '\n', (size_t)n);
			used += (size_t)n;
			if (nl) {
				*nl = '\0';
				*resp = buf;
				*len = (size_t)(nl - buf);
				return 0;
			}
			continue;
		}
		if (n == 0 || errno == ECONNRESET) {
			if (used)
				fprintf(stderr, "latscope: truncated response from latscoped: "
					"connection closed after %zu bytes, before the end "
					"of the line\n", used);
			else
				fprintf(stderr, "latscope: latscoped at %s closed the "
					"connection without responding\n", o->socket);
			break;
		}
		if (errno != EAGAIN && errno != EINTR) {
			fprintf(stderr, "latscope: reading from %s: %s\n",
				o->socket, strerror(errno));
			break;
		}
		w = wait_fd(fd, POLLIN, deadline);
		if (w == 0)
			timed_out(o, "waiting for a response from");
		else if (w < 0)
			fprintf(stderr, "latscope: poll: %s\n", strerror(errno));
		if (w <= 0)
			break;
	}
	if (!buf)
		fprintf(stderr, "latscope: out of memory\n");
	free(buf);
	return CLI_EXIT_RUNTIME;
}

int client_roundtrip(const struct cli_opts *o, const char *req, char **resp,
		     size_t *len)
{
	double deadline = now() + o->timeout;
	size_t rlen = strlen(req);
	char *line = malloc(rlen + 2);
	int fd, rc = CLI_EXIT_RUNTIME;

	if (!line) {
		fprintf(stderr, "latscope: out of memory\n");
		return rc;
	}
	memcpy(line, req, rlen);
	line[rlen] = '\n';
	line[rlen + 1] = '\0';
	fd = open_socket(o);
	if (fd >= 0) {
		rc = send_all(o, fd, line, rlen + 1, deadline);
		if (!rc)
			rc = recv_line(o, fd, deadline, resp, len);
		close(fd);
	}
	free(line);
	return rc;
}

int client_stream_open(const struct cli_opts *o, const char *req)
{
	double deadline = now() + o->timeout;
	size_t rlen = strlen(req);
	char *line = malloc(rlen + 2);
	int fd;

	if (!line) {
		fprintf(stderr, "latscope: out of memory\n");
		return -1;
	}
	memcpy(line, req, rlen);
	line[rlen] = '\n';
	fd = open_socket(o);
	if (fd >= 0 && send_all(o, fd, line, rlen + 1, deadline)) {
		close(fd);
		fd = -1;
	}
	free(line);
	return fd;
}
