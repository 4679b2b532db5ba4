/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Type-checked access to members of daemon responses: every getter returns
 * "absent" for a missing member or one of the wrong type, so a malformed
 * response can never be misread.
 */
#ifndef LATSCOPE_CLI_JGET_H
#define LATSCOPE_CLI_JGET_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

/* Member k of object o if it has type t, else NULL (also if o is NULL). */
json_object *jget(json_object *o, const char *k, json_type t);
/* String member, or NULL. */
const char *jget_str(json_object *o, const char *k);
/* Non-negative integer member: true and *v, or false. */
bool jget_u64(json_object *o, const char *k, uint64_t *v);
/* Integer or floating member: true and *v, or false. */
bool jget_num(json_object *o, const char *k, double *v);

/* Member k as text for a table cell: decimal, or a duration (ls_fmt_ns);
 * "-" when absent or not a non-negative integer. buf has FMT_LEN bytes. */
const char *jstr_u64(json_object *o, const char *k, char *buf);
const char *jstr_dur(json_object *o, const char *k, char *buf);

/* Print "latscope: malformed response from latscoped: ..." to stderr and
 * return CLI_EXIT_RUNTIME. */
int jmalformed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
