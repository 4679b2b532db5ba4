// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * latscope: command-line client of latscoped. Global options are taken out
 * of argv wherever they appear; the rest goes to the command, found in the
 * table below (one cli/cmd_*.c file per command).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int run_help(const struct cli_opts *o, int argc, char **argv);

static const struct cli_cmd cmd_help = {
	.name = "help",
	.summary = "show help for latscope or for one command",
	.usage = "usage: latscope help [COMMAND]\n\n"
		 "Without COMMAND, list the commands and global options;\n"
		 "with COMMAND, show its usage (same as 'latscope COMMAND --help').\n",
	.run = run_help,
};

static const struct cli_cmd *const commands[] = {
	&cmd_status,
	&cmd_cpus,
	&cmd_hist,
	&cmd_keys,
	&cmd_timers,
	&cmd_wakeups,
	&cmd_windows,
	&cmd_top,
	&cmd_isolated,
	&cmd_ipis,
	&cmd_watch,
	&cmd_kvm,
	&cmd_metrics,
	&cmd_analyze,
	&cmd_help,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: latscope [--socket PATH] [--json] [--timeout SEC] COMMAND [ARGS]\n\n"
		"Query latscoped, the interrupt and softirq latency tracer.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\nOptions (also accepted after the command):\n"
		"  --socket PATH  daemon socket (default: $LATSCOPE_SOCKET, else\n"
		"                 " CLI_DEFAULT_SOCKET ")\n"
		"  --json         print the daemon's JSON result instead of tables\n"
		"  --timeout SEC  give up after SEC seconds (default %g)\n"
		"  -h, --help     show this help; 'latscope COMMAND --help' for a command\n"
		"  --version      print the version\n\n"
		"Exit status: 0 ok, 1 daemon or runtime error, 2 usage error.\n",
		CLI_DEFAULT_TIMEOUT);
}

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "latscope: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n\n");
	usage(stderr);
	return CLI_EXIT_USAGE;
}

static const struct cli_cmd *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static int run_help(const struct cli_opts *o, int argc, char **argv)
{
	const struct cli_cmd *c;

	(void)o;
	if (argc == 1) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (argc > 2)
		return usage_error("help: unexpected argument '%s'", argv[2]);
	c = find_command(argv[1]);
	if (!c)
		return usage_error("help: unknown command '%s'", argv[1]);
	printf("%s", c->usage);
	return CLI_EXIT_OK;
}

/* Is argv[*i] "--name VALUE" or "--name=VALUE"? 1 and *val (advancing *i
 * past VALUE), 0 if it is not this option, -1 if VALUE is missing. */
static int opt_value(const char *name, int argc, char **argv, int *i,
		     const char **val)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) || (a[n] && a[n] != '='))
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (*i + 1 == argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

static int parse_timeout(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (!*s || *end || !isfinite(v) || v <= 0 || v > 86400)
		return usage_error("--timeout: '%s' is not a number of seconds "
				   "(0 < SEC <= 86400)", s);
	*out = v;
	return 0;
}

struct cmdline {
	struct cli_opts o;
	const char *timeout;
	bool help, version;
	int nrest;
	char **rest;  /* the command and its own arguments */
};

/* Take the global options out of argv, wherever they are. */
static int parse_globals(struct cmdline *cl, int argc, char **argv)
{
	bool ended = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r;

		if (ended || a[0] != '-' || !a[1]) {
			cl->rest[cl->nrest++] = argv[i];
		} else if (!strcmp(a, "--")) {
			ended = true;
			if (cl->nrest)
				cl->rest[cl->nrest++] = argv[i];
		} else if ((r = opt_value("--socket", argc, argv, &i, &cl->o.socket)) ||
			   (r = opt_value("--timeout", argc, argv, &i, &cl->timeout))) {
			if (r < 0)
				return usage_error("option '%s' needs a value", a);
		} else if (!strcmp(a, "--json")) {
			cl->o.json = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			cl->help = true;
		} else if (!strcmp(a, "--version")) {
			cl->version = true;
		} else if (cl->nrest) {
			cl->rest[cl->nrest++] = argv[i]; /* the command's option */
		} else {
			return usage_error("unknown option '%s'", a);
		}
	}
	return 0;
}

static int dispatch(struct cmdline *cl)
{
	const char *env = getenv("LATSCOPE_SOCKET");
	const struct cli_cmd *c;

	if (cl->version) {
		printf("latscope " LS_VERSION "\n");
		return CLI_EXIT_OK;
	}
	if (!cl->nrest) {
		if (cl->help) {
			usage(stdout);
			return CLI_EXIT_OK;
		}
		return usage_error("no command given");
	}
	c = find_command(cl->rest[0]);
	if (!c)
		return usage_error("unknown command '%s'", cl->rest[0]);
	if (cl->help) {
		printf("%s", c->usage);
		return CLI_EXIT_OK;
	}
	if (cl->timeout && parse_timeout(cl->timeout, &cl->o.timeout))
		return CLI_EXIT_USAGE;
	if (!cl->o.socket)
		cl->o.socket = env && *env ? env : CLI_DEFAULT_SOCKET;
	if (!*cl->o.socket)
		return usage_error("--socket: empty path");
	return c->run(&cl->o, cl->nrest, cl->rest);
}

int main(int argc, char **argv)
{
	struct cmdline cl = {
		.o.timeout = CLI_DEFAULT_TIMEOUT,
		.rest = calloc((size_t)argc + 1, sizeof(char *)),
	};
	int rc;

	if (!cl.rest) {
		fprintf(stderr, "latscope: out of memory\n");
		return CLI_EXIT_RUNTIME;
	}
	rc = parse_globals(&cl, argc, argv);
	if (!rc)
		rc = dispatch(&cl);
	free(cl.rest);
	return rc;
}
