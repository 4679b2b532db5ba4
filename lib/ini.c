/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ini.h"

#define MAX_FILE_BYTES (1u << 20) /* a config larger than this is a mistake */

static int fail(char *err, size_t errlen, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail(char *err, size_t errlen, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errlen, "%s:%u: ", file, line);

	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

static char *trim(char *s, char *end)
{
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return s;
}

static int name_ok(const char *s, int allow_punct)
{
	if (!*s || strlen(s) >= LS_INI_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_' ||
		      (allow_punct && (*s == '-' || *s == '.'))))
			return 0;
	return 1;
}

/* "[section]" or "[section NAME]" into sec/name (name empty if none). */
static int parse_header(char *l, char *sec, char *name, const char **why)
{
	size_t n = strlen(l);
	char *sp;

	if (l[n - 1] != ']') {
		*why = "section header without closing ']'";
		return -1;
	}
	l = trim(l + 1, l + n - 1);
	sp = l + strcspn(l, " \t");
	name[0] = '\0';
	if (*sp) {
		char *nm = trim(sp, sp + strlen(sp));

		*sp = '\0';
		if (!name_ok(nm, 1)) {
			*why = "section NAME must be 1-63 letters, digits, '_', '-' or '.'";
			return -1;
		}
		strcpy(name, nm);
	}
	if (!name_ok(l, 0)) {
		*why = "section name must be 1-63 letters, digits or '_'";
		return -1;
	}
	strcpy(sec, l);
	return 0;
}

int ls_ini_parse_buf(const char *buf, size_t len, const char *file,
		     ls_ini_fn fn, void *ctx, char *err, size_t errlen)
{
	char sec[LS_INI_NAME_MAX] = "", name[LS_INI_NAME_MAX] = "";
	char line[LS_INI_MAX_LINE + 1], cberr[512];
	size_t pos = 0;
	unsigned lineno = 0;

	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		pos = 3; /* UTF-8 byte order mark */
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t ll = (nl ? (size_t)(nl - buf) : len) - pos;
		struct ls_ini_item it = { .file = file };
		const char *why = NULL;
		char *l, *eq;

		lineno++;
		if (ll > LS_INI_MAX_LINE)
			return fail(err, errlen, file, lineno, "line longer than %d bytes",
				    LS_INI_MAX_LINE);
		if (memchr(buf + pos, '\0', ll))
			return fail(err, errlen, file, lineno, "NUL byte in line (binary file?)");
		memcpy(line, buf + pos, ll);
		pos += ll + 1;
		l = trim(line, line + ll);
		if (!*l || *l == '#' || *l == ';')
			continue;
		it.line = lineno;
		if (*l == '[') {
			if (parse_header(l, sec, name, &why))
				return fail(err, errlen, file, lineno, "%s", why);
			it.section = sec;
			it.name = name[0] ? name : NULL;
			goto call;
		}
		eq = strchr(l, '=');
		if (!eq)
			return fail(err, errlen, file, lineno,
				    "expected 'key = value', a [section] or a # comment");
		it.value = trim(eq + 1, eq + strlen(eq));
		it.key = trim(l, eq);
		if (!name_ok(it.key, 0))
			return fail(err, errlen, file, lineno,
				    "bad key name '%.64s': letters, digits and '_' only", it.key);
		if (!sec[0])
			return fail(err, errlen, file, lineno,
				    "key '%s' before any [section]", it.key);
		it.section = sec;
		it.name = name[0] ? name : NULL;
call:
		if (fn(ctx, &it, cberr, sizeof(cberr)))
			return fail(err, errlen, file, lineno, "%s", cberr);
	}
	return 0;
}

int ls_ini_parse_file(const char *path, ls_ini_fn fn, void *ctx, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	int r, e;

	if (!f) {
		e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	buf = malloc(MAX_FILE_BYTES + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	n = fread(buf, 1, MAX_FILE_BYTES + 1, f);
	e = ferror(f) ? errno : 0;
	fclose(f);
	if (e || n > MAX_FILE_BYTES) {
		snprintf(err, errlen, "%s: %s", path,
			 e ? strerror(e) : "larger than 1 MiB; not a configuration file");
		free(buf);
		errno = e ? e : EFBIG;
		return -1;
	}
	r = ls_ini_parse_buf(buf, n, path, fn, ctx, err, errlen);
	free(buf);
	errno = 0;
	return r;
}
