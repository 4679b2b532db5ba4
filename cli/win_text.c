// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "jget.h"
#include "units.h"
#include "win_text.h"

const char *win_task(json_object *task, char *buf, size_t len)
{
	const char *comm = jget_str(task, "comm");
	uint64_t pid;

	if (!jget_u64(task, "pid", &pid))
		snprintf(buf, len, "?");
	else if (comm && pid == 0)
		snprintf(buf, len, "%s", comm);
	else if (comm)
		snprintf(buf, len, "%s-%llu", comm, (unsigned long long)pid);
	else
		snprintf(buf, len, "pid %llu", (unsigned long long)pid);
	return buf;
}

static const char *name_of(json_object *o)
{
	const char *n = jget_str(o, "name");

	return n ? n : "?";
}

const char *win_cause(json_object *win, char *buf, size_t len)
{
	const char *src = jget_str(win, "source");
	json_object *c = jget(win, "cause", json_type_object);
	char t[64];
	uint64_t v;

	if (!src || !c) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (!strcmp(src, "timer")) {
		json_object *woken = jget(c, "woken", json_type_object);

		snprintf(buf, len, "timer %s late%s%s", name_of(c), woken ? ", woke " : "",
			 woken ? win_task(woken, t, sizeof(t)) : "");
	} else if (!strcmp(src, "ipi")) {
		char cpu[24] = "?";

		if (jget_u64(c, "sender_cpu", &v))
			snprintf(cpu, sizeof(cpu), "%llu", (unsigned long long)v);
		snprintf(buf, len, "IPI %s from CPU %s (%s)", name_of(c), cpu,
			 win_task(jget(c, "sender", json_type_object), t, sizeof(t)));
	} else if (!strcmp(src, "softirq")) {
		json_object *vecs = jget(c, "vectors", json_type_array);
		size_t n = snprintf(buf, len, "softirq ");

		for (size_t i = 0; vecs && i < json_object_array_length(vecs) && n < len; i++)
			n += snprintf(buf + n, len - n, "%s%s", i ? "+" : "",
				      json_object_get_string(json_object_array_get_idx(vecs, i)));
	} else if (!strcmp(src, "wakeup")) {
		snprintf(buf, len, "wakeup of %s held off", name_of(c));
	} else if (!strcmp(src, "tracepoint")) {
		snprintf(buf, len, "off at %s, on at %s", name_of(c),
			 jget_str(c, "enabled_at") ? jget_str(c, "enabled_at") : "?");
	} else {
		snprintf(buf, len, "%s %s", src, name_of(c));
	}
	return buf;
}

const char *win_context(json_object *win, char *buf, size_t len)
{
	json_object *ctx = jget(win, "context", json_type_object);
	json_object *b = jget(win, "blocker", json_type_object);
	const char *kind = jget_str(ctx, "kind"), *sirq = jget_str(ctx, "softirq");
	char d[32];
	uint64_t bl;
	size_t n;

	n = snprintf(buf, len, "%s%s%s", kind ? kind : "?", sirq ? " " : "", sirq ? sirq : "");
	if (b && n < len && jget_u64(b, "len_ns", &bl))
		snprintf(buf + n, len - n, ", during %s %s (%s)",
			 jget_str(b, "source") ? jget_str(b, "source") : "?", name_of(b),
			 ls_fmt_ns(bl, d, sizeof(d)));
	return buf;
}

const char *win_record(json_object *rec, char *buf, size_t len)
{
	const char *kind = jget_str(rec, "kind");
	json_object *key = jget(rec, "key", json_type_object), *o;
	char d[32], t[64];
	uint64_t dur = 0, pid = 0, v;
	size_t n;

	jget_u64(rec, "dur_ns", &dur);
	jget_u64(rec, "pid", &pid);
	n = snprintf(buf, len, "%-8s %-24s %9s  pid %llu", kind ? kind : "?", name_of(key),
		     ls_fmt_ns(dur, d, sizeof(d)), (unsigned long long)pid);
	if (n >= len)
		return buf;
	if (jget(rec, "late_ns", json_type_int)) {
		int64_t late = json_object_get_int64(jget(rec, "late_ns", json_type_int));

		n += snprintf(buf + n, len - n, "  late %s%s", late < 0 ? "-" : "",
			      ls_fmt_ns(late < 0 ? -(uint64_t)late : (uint64_t)late, d, sizeof(d)));
	}
	if (n < len && (o = jget(rec, "woken", json_type_object)))
		n += snprintf(buf + n, len - n, "  woke %s", win_task(o, t, sizeof(t)));
	if (n < len && jget_u64(rec, "sender_cpu", &v))
		n += snprintf(buf + n, len - n, "  from CPU %llu %s", (unsigned long long)v,
			      win_task(jget(rec, "sender", json_type_object), t, sizeof(t)));
	if (n < len && (o = jget(rec, "flags", json_type_array)) && json_object_array_length(o))
		snprintf(buf + n, len - n, "  [%s]", json_object_get_string(
				 json_object_array_get_idx(o, 0)));
	return buf;
}

static uint64_t u64_of(json_object *o, const char *k)
{
	uint64_t v = 0;

	jget_u64(o, k, &v);
	return v;
}

static uint64_t sum_of(json_object *o)
{
	uint64_t s = 0;

	json_object_object_foreach(o, k, v) {
		(void)k;
		if (json_object_is_type(v, json_type_int))
			s += json_object_get_uint64(v);
	}
	return s;
}

void win_print_status(json_object *status)
{
	json_object *w = jget(status, "windows", json_type_object);
	json_object *n = jget(w, "windows", json_type_object);
	json_object *iso = jget(w, "isolation", json_type_object);
	const char *cpus = jget_str(iso, "cpus"), *src = jget_str(iso, "source");

	if (!w || !n)
		return;
	printf("%-11s irq-off: %llu hardirq, %llu vector, %llu timer, %llu ipi; preempt-off: "
	       "%llu softirq passes, %llu wakeup; %llu exact\n", "windows",
	       (unsigned long long)u64_of(n, "hardirq"), (unsigned long long)u64_of(n, "vector"),
	       (unsigned long long)u64_of(n, "timer"), (unsigned long long)u64_of(n, "ipi"),
	       (unsigned long long)u64_of(n, "softirq"), (unsigned long long)u64_of(n, "wakeup"),
	       (unsigned long long)u64_of(n, "tracepoint"));
	printf("%-11s not windows: %llu idle, %llu contradicted, %llu armed late; isolated CPUs "
	       "%s (%s)\n", "",
	       (unsigned long long)sum_of(jget(w, "idle_excluded", json_type_object)),
	       (unsigned long long)sum_of(jget(w, "contradicted", json_type_object)),
	       (unsigned long long)u64_of(w, "armed_late"), cpus && *cpus ? cpus : "none",
	       src && !strcmp(src, "option") ? "latscoped --isolated" : "isolcpus/nohz_full/cpuset");
	win_print_stacks(jget(w, "stacks", json_type_object));
}

void win_print_stacks(json_object *s)
{
	json_object *k = jget(s, "kernel", json_type_object);
	uint64_t calls;
	char t[32], a[32], m[32];

	if (!s || !k)
		return;
	if (!u64_of(s, "threshold_ns")) {
		printf("%-11s off (stack_threshold = 0)\n", "stacks");
		return;
	}
	calls = u64_of(k, "taken") + u64_of(k, "collision") + u64_of(k, "fault") +
		u64_of(k, "other");
	printf("%-11s timers/IPIs >= %s late: %llu taken, failed: %llu collisions, %llu faults, "
	       "%llu other; %llu read, %llu lost\n", "stacks",
	       ls_fmt_ns(u64_of(s, "threshold_ns"), t, sizeof(t)),
	       (unsigned long long)u64_of(k, "taken"), (unsigned long long)u64_of(k, "collision"),
	       (unsigned long long)u64_of(k, "fault"), (unsigned long long)u64_of(k, "other"),
	       (unsigned long long)u64_of(s, "read"), (unsigned long long)u64_of(s, "lost"));
	if (calls)
		printf("%-11s each call spent %s on average (at most %s) inside the late handler\n", "",
		       ls_fmt_ns(u64_of(k, "ns") / calls, a, sizeof(a)),
		       ls_fmt_ns(u64_of(k, "max_ns"), m, sizeof(m)));
}
