// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Stand-in for journald's native socket and for systemd's notify socket in
 * tests: binds a Unix datagram socket at PATH and prints every datagram as
 * one JSON object per line ({"FIELD": "value", ...}), flushed, until
 * SIGTERM. Both protocols are sequences of fields: "NAME=value\n", or (the
 * journal's binary-safe form) "NAME\n" + 64-bit little-endian length +
 * data + "\n". A datagram that is neither is printed as
 * {"_MALFORMED": "..."}; datagrams carrying fds (journald's memfd path for
 * huge entries) as {"_FDS": n}, so nothing is accepted silently.
 *   dgram_sink PATH
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <json-c/json.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static json_object *parse(const char *b, size_t n)
{
	json_object *o = json_object_new_object();
	size_t i = 0;

	while (i < n) {
		const char *nl = memchr(b + i, '\n', n - i);
		const char *eq = memchr(b + i, '=', (nl ? (size_t)(nl - b) : n) - i);
		char name[256];
		size_t nlen;

		if (eq) { /* NAME=value\n */
			nlen = eq - (b + i);
			if (!nlen || nlen >= sizeof(name))
				goto bad;
			memcpy(name, b + i, nlen);
			name[nlen] = '\0';
			json_object_object_add(o, name, json_object_new_string_len(
				eq + 1, (nl ? nl : b + n) - (eq + 1)));
			i = nl ? (size_t)(nl - b) + 1 : n;
		} else if (nl) { /* NAME\n<le64 len><data>\n */
			uint64_t len = 0;

			nlen = nl - (b + i);
			if (!nlen || nlen >= sizeof(name) || n - (nl - b) - 1 < 8)
				goto bad;
			memcpy(name, b + i, nlen);
			name[nlen] = '\0';
			for (int k = 7; k >= 0; k--)
				len = len << 8 | (unsigned char)nl[1 + k];
			i = nl - b + 9;
			if (len > n - i || i + len >= n || b[i + len] != '\n')
				goto bad;
			json_object_object_add(o, name, json_object_new_string_len(b + i, len));
			i += len + 1;
		} else {
			goto bad;
		}
	}
	return o;
bad:
	json_object_put(o);
	o = json_object_new_object();
	json_object_object_add(o, "_MALFORMED", json_object_new_string_len(b, n > 200 ? 200 : n));
	return o;
}

int main(int argc, char **argv)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	static char buf[1 << 20];
	char cbuf[CMSG_SPACE(sizeof(int) * 8)];
	struct sigaction sa = { .sa_handler = on_term };
	int fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(a.sun_path)) {
		fprintf(stderr, "usage: dgram_sink PATH\n");
		return 2;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	strcpy(a.sun_path, argv[1]);
	unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		perror(argv[1]);
		return 1;
	}
	while (!stop) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
		ssize_t n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
		json_object *o;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("recvmsg");
			return 1;
		}
		if (CMSG_FIRSTHDR(&m)) {
			o = json_object_new_object();
			json_object_object_add(o, "_FDS", json_object_new_int(1));
		} else {
			o = parse(buf, (size_t)n);
		}
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		fflush(stdout);
		json_object_put(o);
	}
	unlink(argv[1]);
	return 0;
}
