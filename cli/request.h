/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One method call: build the request, check the response envelope, print. */
#ifndef LATSCOPE_CLI_REQUEST_H
#define LATSCOPE_CLI_REQUEST_H

#include <json-c/json.h>
#include "cli.h"

/* A request object {"method": method}; add parameters as members. */
json_object *request_new(const char *method);

/*
 * Send req (consumed) and print the outcome. On success: with o->json the
 * result object pretty-printed, else human(result), whose return is the
 * exit code. A daemon error prints its code and message to stderr (and with
 * o->json the error object to stdout) and returns CLI_EXIT_RUNTIME, as does
 * any transport failure or malformed response.
 */
int request_run(const struct cli_opts *o, json_object *req,
		int (*human)(json_object *result));

/*
 * Send req (consumed) and return the daemon's result in *result, owned by
 * *resp (put it when done) instead of printing it. Errors are printed as
 * request_run does and return CLI_EXIT_RUNTIME.
 */
int request_get(const struct cli_opts *o, json_object *req, json_object **resp,
		json_object **result);

/*
 * The whole run of a command whose only option is --cpu N and whose request
 * is {"method": method[, "cpu": N]} (cpus, timers, ...).
 */
int request_run_cpu_view(const struct cli_cmd *c, const struct cli_opts *o,
			 int argc, char **argv, const char *method,
			 int (*human)(json_object *result));

#endif
