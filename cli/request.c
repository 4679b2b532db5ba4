// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "jget.h"
#include "args.h"
#include "request.h"

json_object *request_new(const char *method)
{
	json_object *req = json_object_new_object();

	json_object_object_add(req, "method", json_object_new_string(method));
	return req;
}

/* First bytes of a bad response, non-printables as '?', for messages. */
static const char *snippet(const char *s, size_t len, char out[64])
{
	size_t n = len < 60 ? len : 57;

	for (size_t i = 0; i < n; i++)
		out[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	strcpy(out + n, len > n ? "..." : "");
	return out;
}

static json_object *parse(const char *line, size_t len)
{
	json_tokener *tok = json_tokener_new();
	enum json_tokener_error err;
	json_object *obj;
	char snip[64];
	size_t end;

	if (!tok) {
		fprintf(stderr, "latscope: out of memory\n");
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, line, (int)len);
	err = json_tokener_get_error(tok);
	if (!obj || err != json_tokener_success) {
		jmalformed("not JSON (%s): '%s'", err == json_tokener_continue ?
			   "incomplete value" : json_tokener_error_desc(err),
			   snippet(line, len, snip));
		json_object_put(obj);
		obj = NULL;
	} else {
		for (end = json_tokener_get_parse_end(tok); end < len; end++)
			if (!isspace((unsigned char)line[end]))
				break;
		if (end < len) {
			jmalformed("trailing data after the JSON value: '%s'",
				   snippet(line + end, len - end, snip));
			json_object_put(obj);
			obj = NULL;
		}
	}
	json_tokener_free(tok);
	return obj;
}

static void print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					       JSON_C_TO_STRING_SPACED |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int daemon_error(const struct cli_opts *o, json_object *resp)
{
	json_object *err = jget(resp, "error", json_type_object);
	const char *code = jget_str(err, "code"), *msg = jget_str(err, "message");

	if (!err)
		return jmalformed("\"ok\" is false but there is no \"error\" object");
	if (o->json)
		print_json(err);
	fprintf(stderr, "latscope: latscoped error (%s): %s\n",
		code ? code : "no code", msg ? msg : "no message");
	if (code && !strcmp(code, "unknown_method"))
		fprintf(stderr, "  latscoped does not know this command: "
			"is it older than this latscope (" LS_VERSION ")?\n");
	return CLI_EXIT_RUNTIME;
}

static int check_response(const struct cli_opts *o, json_object *resp,
			  int (*human)(json_object *result))
{
	json_object *ok = jget(resp, "ok", json_type_boolean), *res;

	if (!json_object_is_type(resp, json_type_object))
		return jmalformed("expected a JSON object, got %s",
				  json_type_to_name(json_object_get_type(resp)));
	if (!ok)
		return jmalformed("no boolean \"ok\" member");
	if (!json_object_get_boolean(ok))
		return daemon_error(o, resp);
	res = jget(resp, "result", json_type_object);
	if (!res)
		return jmalformed("\"ok\" is true but there is no \"result\" object");
	if (o->json) {
		print_json(res);
		return CLI_EXIT_OK;
	}
	return human(res);
}

int request_run(const struct cli_opts *o, json_object *req,
		int (*human)(json_object *result))
{
	char *line = NULL;
	size_t len = 0;
	json_object *resp;
	int rc;

	rc = client_roundtrip(o, json_object_to_json_string_ext(req,
				JSON_C_TO_STRING_PLAIN), &line, &len);
	json_object_put(req);
	if (rc)
		return rc;
	resp = parse(line, len);
	free(line);
	if (!resp)
		return CLI_EXIT_RUNTIME;
	rc = check_response(o, resp, human);
	json_object_put(resp);
	return rc;
}

int request_get(const struct cli_opts *o, json_object *req, json_object **resp,
		json_object **result)
{
	struct cli_opts quiet = *o;
	char *line = NULL;
	size_t len = 0;
	json_object *ok;
	int rc;

	*resp = *result = NULL;
	rc = client_roundtrip(o, json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN),
			      &line, &len);
	json_object_put(req);
	if (rc)
		return rc;
	*resp = parse(line, len);
	free(line);
	if (!*resp)
		return CLI_EXIT_RUNTIME;
	ok = jget(*resp, "ok", json_type_boolean);
	*result = jget(*resp, "result", json_type_object);
	quiet.json = false; /* errors go to stderr only */
	if (!ok || !json_object_get_boolean(ok) || !*result) {
		rc = !ok ? jmalformed("no boolean \"ok\" member")
		     : json_object_get_boolean(ok) ? jmalformed("\"ok\" is true but there is no "
							       "\"result\" object")
		     : daemon_error(&quiet, *resp);
		json_object_put(*resp);
		*resp = *result = NULL;
		return rc;
	}
	return CLI_EXIT_OK;
}

int request_run_cpu_view(const struct cli_cmd *c, const struct cli_opts *o,
			 int argc, char **argv, const char *method,
			 int (*human)(json_object *result))
{
	const char *cpu = NULL;
	const struct args_opt opts[] = { { "cpu", &cpu }, { 0 } };
	json_object *req;
	int rc, n = 0;

	rc = args_parse(c, argc, argv, opts, NULL, NULL);
	if (!rc && cpu)
		rc = args_cpu(c, cpu, &n);
	if (rc)
		return rc;
	req = request_new(method);
	if (cpu)
		json_object_object_add(req, "cpu", json_object_new_int(n));
	return request_run(o, req, human);
}
