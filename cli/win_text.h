/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One-line texts for windows and records of the daemon's window views
 * (shared by latscope windows, top and isolated). */
#ifndef LATSCOPE_CLI_WIN_TEXT_H
#define LATSCOPE_CLI_WIN_TEXT_H

#include <stddef.h>
#include <json-c/json.h>

#define WIN_TEXT_LEN 256

/* "timer hrtimer_wakeup late, woke cyclictest-812", "hardirq 24:virtio0",
 * "softirq NET_RX+RCU", "IPI from CPU 0 bash-77: do_sync_core", ... */
const char *win_cause(json_object *win, char *buf, size_t len);
/* "cyclictest-812", "swapper/0", "pid 77", "?" */
const char *win_task(json_object *task, char *buf, size_t len);
/* "task", "softirq NET_RX", ... plus " (blocked by hardirq 24:virtio0 40us)" */
const char *win_context(json_object *win, char *buf, size_t len);
/* One record of a story or an interruption list, without its time. */
const char *win_record(json_object *rec, char *buf, size_t len);

/* The "windows" lines of latscope status, from status.windows. */
void win_print_status(json_object *status);
/* Its "stacks" line, from status.windows.stacks (nothing when NULL). */
void win_print_stacks(json_object *stacks);

#endif
