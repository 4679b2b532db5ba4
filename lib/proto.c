/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto.h"

void ls_err_set(struct ls_err *e, const char *code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

int ls_req_parse(const char *line, size_t len, struct ls_req *req, struct ls_err *err)
{
	struct json_tokener *tok;
	json_object *m;

	memset(req, 0, sizeof(*req));
	if (len > LS_PROTO_MAX_REQUEST) {
		ls_err_set(err, LS_E_TOO_LARGE, "request longer than %d bytes",
			   LS_PROTO_MAX_REQUEST);
		return -1;
	}
	tok = json_tokener_new();
	if (!tok) {
		ls_err_set(err, LS_E_INTERNAL, "out of memory");
		return -1;
	}
	req->root = json_tokener_parse_ex(tok, line, (int)len);
	if (!req->root || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)len) {
		/* trailing bytes after a complete value count as malformed too */
		enum json_tokener_error je = json_tokener_get_error(tok);
		const char *why = req->root ? "trailing data after the JSON value"
			: je == json_tokener_continue ? "incomplete JSON value"
			: json_tokener_error_desc(je);
		json_tokener_free(tok);
		ls_req_free(req);
		ls_err_set(err, LS_E_PARSE, "not valid JSON: %s", why);
		return -1;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(req->root, json_type_object)) {
		ls_req_free(req);
		ls_err_set(err, LS_E_PARSE, "request must be a JSON object");
		return -1;
	}
	json_object_object_get_ex(req->root, "id", &req->id);
	if (!json_object_object_get_ex(req->root, "method", &m) ||
	    !json_object_is_type(m, json_type_string)) {
		ls_err_set(err, LS_E_BAD_REQUEST, "\"method\" must be a string");
		return -1;
	}
	req->method = json_object_get_string(m);
	return 0;
}

void ls_req_free(struct ls_req *req)
{
	json_object_put(req->root);
	memset(req, 0, sizeof(*req));
}

int ls_req_check_members(const struct ls_req *req, const char *const *allowed,
			 struct ls_err *err)
{
	json_object_object_foreach(req->root, k, v) {
		const char *const *a;
		bool ok = !strcmp(k, "method") || !strcmp(k, "id");

		(void)v;
		for (a = allowed; !ok && a && *a; a++)
			ok = !strcmp(k, *a);
		if (!ok) {
			ls_err_set(err, LS_E_BAD_PARAMS, "unknown parameter \"%.40s\" for %s",
				   k, req->method);
			return -1;
		}
	}
	return 0;
}

static json_object *member(const struct ls_req *req, const char *name)
{
	json_object *v = NULL;

	json_object_object_get_ex(req->root, name, &v);
	return v;
}

static int as_uint(json_object *v, const char *name, uint64_t max, uint64_t *out,
		   struct ls_err *err)
{
	int64_t i;

	if (!json_object_is_type(v, json_type_int)) {
		ls_err_set(err, LS_E_BAD_PARAMS, "%s: expected a non-negative integer", name);
		return -1;
	}
	i = json_object_get_int64(v);
	/* json-c clamps values beyond int64 to INT64_MAX/MIN; reject those */
	if (i < 0 || (uint64_t)i > max || i == INT64_MAX) {
		ls_err_set(err, LS_E_BAD_PARAMS, "%s: %lld out of range 0..%llu", name,
			   (long long)i, (unsigned long long)max);
		return -1;
	}
	*out = (uint64_t)i;
	return 1;
}

int ls_req_uint(const struct ls_req *req, const char *name, uint64_t max,
		uint64_t *out, struct ls_err *err)
{
	json_object *v = member(req, name);

	return v ? as_uint(v, name, max, out, err) : 0;
}

int ls_req_str(const struct ls_req *req, const char *name, const char **out,
	       struct ls_err *err)
{
	json_object *v = member(req, name);

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		ls_err_set(err, LS_E_BAD_PARAMS, "%s: expected a string", name);
		return -1;
	}
	*out = json_object_get_string(v);
	return 1;
}

int ls_req_num_or_str(const struct ls_req *req, const char *name, uint64_t *num_out,
		      const char **str_out, struct ls_err *err)
{
	json_object *v = member(req, name);

	*str_out = NULL;
	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		*str_out = json_object_get_string(v);
		return 1;
	}
	if (json_object_is_type(v, json_type_int))
		return as_uint(v, name, UINT32_MAX, num_out, err);
	ls_err_set(err, LS_E_BAD_PARAMS, "%s: expected a number or a name", name);
	return -1;
}

static char *finish(json_object *resp, size_t *len)
{
	const char *s = json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN);
	size_t n = strlen(s);
	char *out = malloc(n + 2);

	if (out) {
		memcpy(out, s, n);
		out[n] = '\n';
		out[n + 1] = '\0';
		*len = n + 1;
	}
	json_object_put(resp);
	return out;
}

char *ls_resp_ok(json_object *id, json_object *result, size_t *len)
{
	json_object *resp = json_object_new_object();

	json_object_object_add(resp, "ok", json_object_new_boolean(1));
	if (id)
		json_object_object_add(resp, "id", json_object_get(id));
	json_object_object_add(resp, "result", result);
	return finish(resp, len);
}

char *ls_resp_err(json_object *id, const struct ls_err *err, size_t *len)
{
	json_object *resp = json_object_new_object();
	json_object *e = json_object_new_object();

	json_object_object_add(resp, "ok", json_object_new_boolean(0));
	if (id)
		json_object_object_add(resp, "id", json_object_get(id));
	json_object_object_add(e, "code", json_object_new_string(err->code));
	json_object_object_add(e, "message", json_object_new_string(err->msg));
	json_object_object_add(resp, "error", e);
	return finish(resp, len);
}
