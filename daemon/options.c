/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"

enum { O_LIVE = 256, O_RECORD, O_CONFIG, O_CHECK, O_KEY_BASE = 512 };

static void usage(FILE *f)
{
	const struct ls_config_flag *fl;
	unsigned i;

	fprintf(f,
"Usage: latscoped [OPTIONS]\n"
"Trace per-CPU interrupt, softirq and x86 vector latency with BPF and serve\n"
"the histograms on a Unix socket (query with `latscope`).\n\n"
"  -f, --foreground        stay in the foreground (logs on stderr)\n"
"      --live SEC          with -f: print a per-CPU table every SEC seconds\n"
"      --record FILE       also write every record to FILE (capture format, include/latscope/record.h)\n"
"  -c, --config FILE       configuration file (default " LS_CONFIG_DEFAULT_FILE ",\n"
"                          then FILE.d/*.conf); flags below override it\n"
"      --check-config      validate the configuration, print it and exit (0 valid, 1 not)\n"
"  -h, --help              this help\n"
"  -V, --version           print the version\n\n"
"Configuration keys (latscope.conf(5)) settable as flags:\n");
	for (i = 0; (fl = ls_config_flag(i)); i++) {
		char left[64];

		if (fl->short_opt)
			snprintf(left, sizeof(left), "-%c, --%s %s", fl->short_opt, fl->flag, fl->arg);
		else
			snprintf(left, sizeof(left), "    --%s %s", fl->flag, fl->arg);
		if (strlen(left) > 22)
			fprintf(f, "  %s\n  %-24s%s ([%s] %s)\n", left, "", fl->help, fl->section,
				fl->key);
		else
			fprintf(f, "  %-24s%s ([%s] %s)\n", left, fl->help, fl->section, fl->key);
	}
}

int ls_cmdline_parse(int argc, char **argv, struct ls_cmdline *cl)
{
	static const struct option fixed[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "live", required_argument, NULL, O_LIVE },
		{ "record", required_argument, NULL, O_RECORD },
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, O_CHECK },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
	};
	static char flagname[64][40]; /* "--ring-kb", for messages */
	struct option lo[64];
	char shorts[32] = "fc:hV", err[LS_CONFIG_ERR_MAX];
	const struct ls_config_flag *fl;
	unsigned i, n = 0;
	int c;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		lo[n++] = fixed[i];
	for (i = 0; (fl = ls_config_flag(i)) && n < 63; i++) {
		lo[n++] = (struct option){ fl->flag, required_argument, NULL, O_KEY_BASE + i };
		if (fl->short_opt)
			snprintf(shorts + strlen(shorts), sizeof(shorts) - strlen(shorts), "%c:",
				 fl->short_opt);
	}
	lo[n] = (struct option){ 0 };
	cl->config_path = LS_CONFIG_DEFAULT_FILE;
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		switch (c) {
		case 'f': cl->foreground = true; continue;
		case O_LIVE: {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || end == optarg || v < 1 || v > 3600) {
				fprintf(stderr, "latscoped: invalid --live '%s': expected seconds 1..3600\n",
					optarg);
				return -1;
			}
			cl->live_sec = v;
			continue;
		}
		case O_RECORD: cl->record_path = optarg; continue;
		case 'c': cl->config_path = optarg; cl->config_explicit = true; continue;
		case O_CHECK: cl->check_config = true; continue;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("latscoped %s\n", LS_VERSION); exit(0);
		}
		/* a configuration key: short options map to their flag */
		for (i = 0; c < O_KEY_BASE && (fl = ls_config_flag(i)); i++)
			if (fl->short_opt == c) {
				c = O_KEY_BASE + i;
				break;
			}
		fl = c >= O_KEY_BASE ? ls_config_flag(c - O_KEY_BASE) : NULL;
		if (!fl || cl->nov == LS_MAX_OVERRIDES) {
			usage(stderr);
			return -1;
		}
		cl->ov[cl->nov] = (struct ls_config_override){
			.section = fl->section, .key = fl->key, .value = optarg,
		};
		snprintf(flagname[c - O_KEY_BASE], sizeof(flagname[0]), "--%s", fl->flag);
		cl->ov[cl->nov].flag = flagname[c - O_KEY_BASE];
		if (ls_config_check_override(&cl->ov[cl->nov], err, sizeof(err))) {
			fprintf(stderr, "latscoped: %s\n", err);
			return -1;
		}
		cl->nov++;
	}
	if (optind < argc) {
		fprintf(stderr, "latscoped: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (cl->live_sec && !cl->foreground) {
		fprintf(stderr, "latscoped: --live needs --foreground\n");
		return -1;
	}
	return 0;
}
