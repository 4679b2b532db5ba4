/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Leveled logging to stderr: "latscoped[pid]: LEVEL: message". */
#ifndef LATSCOPED_LOG_H
#define LATSCOPED_LOG_H

enum ls_log_level { LS_LOG_ERROR, LS_LOG_WARN, LS_LOG_INFO, LS_LOG_DEBUG };

void ls_log_set_level(enum ls_log_level lvl);
int ls_log_parse_level(const char *s); /* -1 if unknown */
void ls_log(enum ls_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) ls_log(LS_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) ls_log(LS_LOG_WARN, __VA_ARGS__)
#define log_info(...) ls_log(LS_LOG_INFO, __VA_ARGS__)
#define log_debug(...) ls_log(LS_LOG_DEBUG, __VA_ARGS__)

#endif
