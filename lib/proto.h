/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The socket protocol's request side and response envelopes
 * (docs/protocol.md): parse one request line, validate parameters, and
 * serialise {"ok":...} responses. Used by the daemon; the CLI builds requests.
 */
#ifndef LATSCOPE_PROTO_H
#define LATSCOPE_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <json-c/json.h>

#define LS_PROTO_MAX_REQUEST 65536

struct ls_req {
	json_object *root;    /* owns everything below */
	const char *method;
	json_object *id;      /* NULL when absent */
};

/* Error codes of the protocol. */
#define LS_E_PARSE "parse_error"
#define LS_E_BAD_REQUEST "bad_request"
#define LS_E_UNKNOWN_METHOD "unknown_method"
#define LS_E_BAD_PARAMS "bad_params"
#define LS_E_NOT_FOUND "not_found"
#define LS_E_TOO_LARGE "too_large"
#define LS_E_INTERNAL "internal"

struct ls_err {
	const char *code;  /* LS_E_*, NULL when no error */
	char msg[160];
};

void ls_err_set(struct ls_err *e, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parse a request line (without the newline). On failure sets err and
 * returns -1; req->id is still set when the object had one. */
int ls_req_parse(const char *line, size_t len, struct ls_req *req, struct ls_err *err);
void ls_req_free(struct ls_req *req);

/* Reject members other than "method", "id" and the NULL-terminated list. */
int ls_req_check_members(const struct ls_req *req, const char *const *allowed,
			 struct ls_err *err);
/* Optional non-negative integer <= max. Returns 1 if present (sets *out),
 * 0 if absent, -1 on a wrong type/range (sets err). */
int ls_req_uint(const struct ls_req *req, const char *name, uint64_t max,
		uint64_t *out, struct ls_err *err);
/* Optional string. Same return convention. */
int ls_req_str(const struct ls_req *req, const char *name, const char **out,
	       struct ls_err *err);
/* Optional member that may be a non-negative integer or a string (keys).
 * Returns 1 with exactly one of *num_out (set, *str_out NULL) or *str_out. */
int ls_req_num_or_str(const struct ls_req *req, const char *name, uint64_t *num_out,
		      const char **str_out, struct ls_err *err);

/* Serialise a response line (with trailing '\n'); result is consumed.
 * Caller frees the returned string with free(). */
char *ls_resp_ok(json_object *id, json_object *result, size_t *len);
char *ls_resp_err(json_object *id, const struct ls_err *err, size_t *len);

#endif
