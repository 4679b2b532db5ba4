// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"
#include "fmt.h"
#include "units.h"
#include "jget.h"

json_object *jget(json_object *o, const char *k, json_type t)
{
	json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, t))
		return NULL;
	return v;
}

const char *jget_str(json_object *o, const char *k)
{
	json_object *v = jget(o, k, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

static bool jval_u64(json_object *v, uint64_t *out)
{
	/* json-c keeps integers above INT64_MAX as uint64: get_int64 then
	 * saturates to INT64_MAX, so a negative result means negative. */
	if (!v || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0)
		return false;
	*out = json_object_get_uint64(v);
	return true;
}

bool jget_u64(json_object *o, const char *k, uint64_t *v)
{
	return jval_u64(jget(o, k, json_type_int), v);
}

bool jget_num(json_object *o, const char *k, double *v)
{
	json_object *n = jget(o, k, json_type_double);

	if (!n)
		n = jget(o, k, json_type_int);
	if (!n)
		return false;
	*v = json_object_get_double(n);
	return true;
}

const char *jstr_u64(json_object *o, const char *k, char *buf)
{
	uint64_t v;

	if (!jget_u64(o, k, &v))
		return "-";
	snprintf(buf, FMT_LEN, "%llu", (unsigned long long)v);
	return buf;
}

const char *jstr_dur(json_object *o, const char *k, char *buf)
{
	uint64_t v;

	return jget_u64(o, k, &v) ? ls_fmt_ns(v, buf, FMT_LEN) : "-";
}

int jmalformed(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "latscope: malformed response from latscoped: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_RUNTIME;
}
