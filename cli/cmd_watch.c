// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* latscope watch: stay connected and print alert notifications as the
 * daemon sends them (the `watch` socket method). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "client.h"
#include "fmt.h"
#include "jget.h"

#define MAX_LINE (1u << 20)

struct reader {
	int fd;
	char *buf;
	size_t len, cap;
};

/* Next line (NUL-terminated, without '\n') into *line: 1, 0 at end of
 * stream, -1 on error or timeout (timeout_ms < 0: wait forever). */
static int next_line(struct reader *r, int timeout_ms, char **line)
{
	for (;;) {
		char *nl = r->len ? memchr(r->buf, '\n', r->len) : NULL;
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		ssize_t n;

		if (nl) {
			size_t l = nl - r->buf;

			*line = malloc(l + 1);
			if (!*line)
				return -1;
			memcpy(*line, r->buf, l);
			(*line)[l] = '\0';
			memmove(r->buf, nl + 1, r->len - l - 1);
			r->len -= l + 1;
			return 1;
		}
		if (r->len == r->cap) {
			char *nb = r->cap < MAX_LINE ? realloc(r->buf, r->cap ? r->cap * 2 : 4096) : NULL;

			if (!nb) {
				fprintf(stderr, "latscope: watch: line from latscoped too long\n");
				return -1;
			}
			r->buf = nb;
			r->cap = r->cap ? r->cap * 2 : 4096;
		}
		n = read(r->fd, r->buf + r->len, r->cap - r->len);
		if (n > 0) {
			r->len += n;
			continue;
		}
		if (n == 0)
			return 0;
		if (errno != EAGAIN && errno != EINTR) {
			fprintf(stderr, "latscope: watch: %s\n", strerror(errno));
			return -1;
		}
		n = poll(&p, 1, timeout_ms);
		if (n == 0) {
			fprintf(stderr, "latscope: timed out waiting for latscoped to accept the watch\n");
			return -1;
		}
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static void print_human(json_object *ev)
{
	const char *type = jget_str(ev, "type"), *msg = jget_str(ev, "message");
	char when[32];
	time_t t = time(NULL);
	bool fire = type && !strcmp(type, "fire");

	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
	printf("%s %s%-10s%s %s\n", when, fire ? fmt_alert_on() : "", type ? type : "?",
	       fire ? fmt_alert_off() : "", msg ? msg : "(no message)");
	fflush(stdout);
}

static int run(const struct cli_opts *o, int argc, char **argv)
{
	const char *count_s = NULL;
	const struct args_opt opts[] = { { "count", &count_s }, { 0 } };
	struct reader r = { .fd = -1 };
	unsigned long count = 0, seen = 0;
	int rc = CLI_EXIT_RUNTIME, got;
	char *line = NULL;
	json_object *resp;

	if (args_parse(&cmd_watch, argc, argv, opts, NULL, NULL))
		return CLI_EXIT_USAGE;
	if (count_s) {
		char *end;

		count = strtoul(count_s, &end, 10);
		if (!*count_s || *end || count_s[0] == '-' || count == 0)
			return args_usage_error(&cmd_watch, "--count: '%s' is not a number >= 1",
						count_s);
	}
	r.fd = client_stream_open(o, "{\"method\":\"watch\"}");
	if (r.fd < 0)
		return CLI_EXIT_RUNTIME;
	got = next_line(&r, (int)(o->timeout * 1000), &line);
	resp = got == 1 ? json_tokener_parse(line) : NULL;
	if (got == 0)
		fprintf(stderr, "latscope: latscoped closed the connection without responding\n");
	else if (got == 1 && !jget(resp, "ok", json_type_boolean))
		jmalformed("not a response: '%.60s'", line);
	else if (got == 1 && !json_object_get_boolean(jget(resp, "ok", json_type_boolean)))
		fprintf(stderr, "latscope: latscoped refused watch: %s\n",
			jget_str(jget(resp, "error", json_type_object), "message"));
	else if (got == 1)
		rc = CLI_EXIT_OK;
	json_object_put(resp);
	free(line);
	if (!o->json && rc == CLI_EXIT_OK) {
		printf("watching alerts from latscoped at %s (Ctrl-C to stop)\n", o->socket);
		fflush(stdout);
	}
	while (rc == CLI_EXIT_OK && (!count || seen < count)) {
		json_object *ev;

		got = next_line(&r, -1, &line);
		if (got <= 0) {
			if (got == 0)
				fprintf(stderr, "latscope: latscoped closed the connection\n");
			rc = CLI_EXIT_RUNTIME;
			break;
		}
		ev = json_tokener_parse(line);
		if (!jget(ev, "event", json_type_string)) {
			rc = jmalformed("not an event: '%.60s'", line);
		} else if (o->json) {
			printf("%s\n", line);
			fflush(stdout);
		} else {
			print_human(ev);
		}
		json_object_put(ev);
		free(line);
		seen++;
	}
	close(r.fd);
	free(r.buf);
	return rc;
}

const struct cli_cmd cmd_watch = {
	.name = "watch",
	.summary = "stream alert notifications (fire, clear, suppressed) as they happen",
	.usage = "usage: latscope watch [--count N]\n\n"
		 "Stay connected to latscoped and print every alert notification of the\n"
		 "[alert NAME] rules in its configuration (latscope.conf(5)) as it happens:\n"
		 "fires, clears, and rate-limit summaries. With --json, each event is printed\n"
		 "as the daemon sent it, one JSON object per line.\n\n"
		 "  --count N   exit after N events\n" CLI_GLOBAL_HELP,
	.run = run,
};
