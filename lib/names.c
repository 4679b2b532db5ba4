// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Names for classes, softirq vectors, x86 vectors and irqs. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "latscope/record.h"
#include "agg.h"
#include "names.h"
#include "comms.h"
#include "windows.h"
#include "kvm_reasons.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const class_names[LS_K_MAX] = {
	[LS_K_HARDIRQ] = "hardirq",
	[LS_K_SOFTIRQ] = "softirq",
	[LS_K_SOFTIRQ_RAISE] = "softirq_raise",
	[LS_K_VECTOR] = "vector",
	[LS_K_HRTIMER] = "hrtimer",
	[LS_K_HRTIMER_LATE] = "hrtimer_late",
	[LS_K_HRTIMER_EARLY] = "hrtimer_early",
	[LS_K_HRTIMER_WAKEUP] = "hrtimer_wakeup",
	[LS_K_WAKEUP] = "wakeup",
	[LS_K_WAKEUP_TIMER] = "wakeup_timer",
	[LS_K_IRQOFF] = "irqoff",
	[LS_K_PREEMPTOFF] = "preemptoff",
	[LS_K_IRQOFF_EXACT] = "irqoff_exact",
	[LS_K_PREEMPTOFF_EXACT] = "preemptoff_exact",
	[LS_K_IPI] = "ipi",
	[LS_K_IPI_BY_SENDER] = "ipi_by_sender",
	[LS_K_IPI_CALLSITE] = "ipi_callsite",
	[LS_K_IPI_SENDS] = "ipi_sends",
	[LS_K_IPI_CALLSITE_SENDS] = "ipi_callsite_sends",
	[LS_K_KVM_EXIT] = "kvm_exit",
	[LS_K_KVM_GUEST] = "kvm_guest",
	[LS_K_HRTIMER_CANCEL] = "hrtimer_cancel",
	[LS_K_HRTIMER_TIMERFD] = "hrtimer_timerfd",
};

static const struct ls_ksyms *ksyms;
static ls_irq_names_fn irq_names_fn;
static void *irq_names_ctx;

void ls_names_set_ksyms(const struct ls_ksyms *ks)
{
	ksyms = ks;
}

void ls_names_set_irq_names(ls_irq_names_fn fn, void *ctx)
{
	irq_names_fn = fn;
	irq_names_ctx = ctx;
}

static int is_timer_fn_class(uint32_t cls)
{
	return cls == LS_K_HRTIMER || cls == LS_K_HRTIMER_LATE || cls == LS_K_HRTIMER_EARLY ||
	       cls == LS_K_HRTIMER_CANCEL || cls == LS_K_IRQOFF_EXACT ||
	       cls == LS_K_PREEMPTOFF_EXACT;
}

/* Window classes are keyed by the window's source (enum ls_win_src). */
static int is_window_class(uint32_t cls)
{
	return cls == LS_K_IRQOFF || cls == LS_K_PREEMPTOFF;
}

/* IPI classes keyed by a kernel address: callback (0 = none) or callsite. */
static int is_ipi_kaddr_class(uint32_t cls)
{
	return cls == LS_K_IPI || cls == LS_K_IPI_SENDS || cls == LS_K_IPI_CALLSITE ||
	       cls == LS_K_IPI_CALLSITE_SENDS;
}

int ls_class_key_is_kaddr(uint32_t cls)
{
	return is_timer_fn_class(cls) || is_ipi_kaddr_class(cls);
}

static int is_kvm_class(uint32_t cls)
{
	return cls == LS_K_KVM_EXIT || cls == LS_K_KVM_GUEST;
}

static const char *const softirq_names[LS_NR_SOFTIRQS] = {
	"HI", "TIMER", "NET_TX", "NET_RX", "BLOCK",
	"IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU",
};

static const char *const vector_names[LS_V_MAX] = {
	[LS_V_LOCAL_TIMER] = "local_timer",
	[LS_V_CALL_FUNCTION] = "call_function",
	[LS_V_CALL_FUNCTION_SINGLE] = "call_function_single",
	[LS_V_RESCHEDULE] = "reschedule",
	[LS_V_IRQ_WORK] = "irq_work",
	[LS_V_X86_PLATFORM_IPI] = "x86_platform_ipi",
	[LS_V_SPURIOUS_APIC] = "spurious_apic",
	[LS_V_ERROR_APIC] = "error_apic",
	[LS_V_THERMAL_APIC] = "thermal_apic",
	[LS_V_THRESHOLD_APIC] = "threshold_apic",
	[LS_V_DEFERRED_ERROR_APIC] = "deferred_error_apic",
	[LS_V_REBOOT] = "reboot",
};

static const char *const sched_class_names[LS_SCHED_MAX] = {
	[LS_SCHED_NORMAL] = "normal",
	[LS_SCHED_RT] = "rt",
	[LS_SCHED_DL] = "dl",
};

static int is_wakeup_class(uint32_t cls)
{
	return cls == LS_K_WAKEUP || cls == LS_K_WAKEUP_TIMER;
}

static const char *name_at(const char *const *tab, size_t n, uint32_t i)
{
	return i < n ? tab[i] : NULL;
}

/* Index of name in tab (case-insensitive), or -1. */
static int index_of(const char *const *tab, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (tab[i] && !strcasecmp(tab[i], name))
			return (int)i;
	return -1;
}

const char *ls_class_name(uint32_t cls)
{
	return name_at(class_names, ARRAY_SIZE(class_names), cls);
}

int ls_class_from_name(const char *name)
{
	return index_of(class_names, ARRAY_SIZE(class_names), name);
}

int ls_class_is_count(uint32_t cls)
{
	return cls == LS_K_IPI_SENDS || cls == LS_K_IPI_CALLSITE_SENDS ||
	       cls == LS_K_HRTIMER_CANCEL;
}

const char *ls_softirq_name(uint32_t vec)
{
	return name_at(softirq_names, ARRAY_SIZE(softirq_names), vec);
}

const char *ls_vector_name(uint32_t v)
{
	return name_at(vector_names, ARRAY_SIZE(vector_names), v);
}

const char *ls_sched_class_name(uint32_t c)
{
	return name_at(sched_class_names, ARRAY_SIZE(sched_class_names), c);
}

/*
 * Irq names come from /sys/kernel/irq/N/actions. ls_key_name runs once per
 * output line, so names are cached in a small direct-mapped table and re-read
 * only when the entry is missing or older than IRQ_NAME_TTL_NS (drivers can
 * come and go). A failed read is cached too, as an empty name.
 */
#define IRQ_CACHE 256
#define IRQ_NAME_MAX 256 /* longer action lists are cut, not rejected */
#define IRQ_NAME_TTL_NS (3 * 1000000000ull)

struct irq_name {
	uint32_t irq;
	uint64_t read_ns;  /* 0 = never filled */
	char name[IRQ_NAME_MAX];
};

static struct irq_name irq_cache[IRQ_CACHE];
static pthread_mutex_t irq_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Strip leading and trailing whitespace in place; returns the start. */
static char *trim(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Actions of irq into out (IRQ_NAME_MAX bytes); "" if unreadable. */
static void read_irq_actions(uint32_t irq, char *out)
{
	char path[64], buf[IRQ_NAME_MAX];
	ssize_t n;
	int fd;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/sys/kernel/irq/%u/actions", irq);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	strcpy(out, trim(buf));
}

/* "N:name" from the offline trace's names; "N" when it has none. */
static void traced_irq_name(uint32_t irq, char *buf, size_t len)
{
	const char *name = irq_names_fn(irq, irq_names_ctx);

	if (name && *name)
		snprintf(buf, len, "%u:%s", irq, name);
	else
		snprintf(buf, len, "%u", irq);
}

static void irq_name(uint32_t irq, char *buf, size_t len)
{
	struct irq_name *e = &irq_cache[irq % IRQ_CACHE];
	uint64_t now = mono_ns();

	pthread_mutex_lock(&irq_cache_lock);
	if (!e->read_ns || e->irq != irq || now - e->read_ns > IRQ_NAME_TTL_NS) {
		read_irq_actions(irq, e->name);
		e->irq = irq;
		e->read_ns = now ? now : 1;
	}
	if (e->name[0])
		snprintf(buf, len, "%u:%s", irq, e->name);
	else
		snprintf(buf, len, "%u", irq);
	pthread_mutex_unlock(&irq_cache_lock);
}

const char *ls_key_name(uint32_t cls, uint32_t key, char *buf, size_t len)
{
	const char *name = NULL;

	if (!len)
		return buf;
	if (key == LS_KEY_OTHER)
		name = "other";
	else if (cls == LS_K_SOFTIRQ || cls == LS_K_SOFTIRQ_RAISE)
		name = ls_softirq_name(key);
	else if (cls == LS_K_VECTOR)
		name = ls_vector_name(key);
	else if (is_wakeup_class(cls))
		name = ls_sched_class_name(key);
	else if (is_window_class(cls))
		name = ls_win_src_name(key);
	else if (cls == LS_K_HARDIRQ) {
		if (irq_names_fn)
			traced_irq_name(key, buf, len);
		else
			irq_name(key, buf, len);
		return buf;
	} else if (is_timer_fn_class(cls)) {
		return ls_ksyms_format(ksyms, LS_KADDR(key), buf, len);
	} else if (is_ipi_kaddr_class(cls) && key) {
		return ls_ksyms_format(ksyms, LS_KADDR(key), buf, len);
	} else if (is_ipi_kaddr_class(cls)) {
		name = "none"; /* reschedule IPIs carry no callback */
	} else if (cls == LS_K_IPI_BY_SENDER) {
		snprintf(buf, len, "cpu%u", key);
		return buf;
	} else if (cls == LS_K_HRTIMER_WAKEUP || cls == LS_K_HRTIMER_TIMERFD) {
		char comm[16];

		if (ls_comm_get(key, comm, sizeof(comm)))
			snprintf(buf, len, "%s-%u", comm, key);
		else
			snprintf(buf, len, "%u", key);
		return buf;
	} else if (is_kvm_class(cls)) {
		return ls_kvm_reason_name(ls_kvm_isa_hint(), key, buf, len);
	}
	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%u", key);
	return buf;
}

/* Whole string is a decimal number that fits in 32 bits. */
static int parse_u32(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/*
 * "N:action" as printed by ls_key_name for a hardirq: accepted when it is
 * what ls_key_name prints for N now, so a name copied from output parses.
 */
static int parse_irq_name(const char *s, uint32_t *key)
{
	char num[16], cur[IRQ_NAME_MAX + 16];
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : 0;
	uint32_t irq;

	if (!n || n >= sizeof(num))
		return -1;
	memcpy(num, s, n);
	num[n] = '\0';
	if (parse_u32(num, &irq))
		return -1;
	ls_key_name(LS_K_HARDIRQ, irq, cur, sizeof(cur));
	if (strcasecmp(cur, s))
		return -1;
	*key = irq;
	return 0;
}

/* "none" (0), "func" or "func+0x1f" as ls_ksyms_format prints them. */
static int parse_kaddr(const char *s, uint32_t *key)
{
	char name[256];
	const char *plus = strchr(s, '+');
	size_t n = plus ? (size_t)(plus - s) : strlen(s);
	unsigned long long off = 0;
	uint64_t addr;
	char *end;

	if (!strcasecmp(s, "none")) {
		*key = 0;
		return 0;
	}
	if (!strncasecmp(s, "0x", 2)) { /* printed when the symbol is unknown */
		errno = 0;
		addr = strtoull(s + 2, &end, 16);
		if (errno || *end || end == s + 2 || LS_KADDR((uint32_t)addr) != addr)
			return -1;
		*key = (uint32_t)addr;
		return 0;
	}
	if (!n || n >= sizeof(name))
		return -1;
	if (plus) {
		errno = 0;
		off = strtoull(plus + 1, &end, 16);
		if (errno || *end || strncasecmp(plus + 1, "0x", 2) || off >= 1ull << 31)
			return -1;
	}
	memcpy(name, s, n);
	name[n] = '\0';
	addr = ls_ksyms_addr(ksyms, name);
	if (!addr)
		return -1;
	*key = (uint32_t)(addr + off);
	return 0;
}

int ls_key_parse(uint32_t cls, const char *s, uint32_t *key)
{
	int i = -1;

	if (!s || !*s)
		return -1;
	if (!parse_u32(s, key))
		return 0;
	if (!strcasecmp(s, "other")) {
		*key = LS_KEY_OTHER;
		return 0;
	}
	if (cls == LS_K_SOFTIRQ || cls == LS_K_SOFTIRQ_RAISE)
		i = index_of(softirq_names, ARRAY_SIZE(softirq_names), s);
	else if (cls == LS_K_VECTOR)
		i = index_of(vector_names, ARRAY_SIZE(vector_names), s);
	else if (is_wakeup_class(cls))
		i = index_of(sched_class_names, ARRAY_SIZE(sched_class_names), s);
	else if (is_window_class(cls))
		return ls_win_src_parse(s, key);
	else if (cls == LS_K_HARDIRQ)
		return parse_irq_name(s, key);
	else if (is_ipi_kaddr_class(cls))
		return parse_kaddr(s, key);
	else if (cls == LS_K_IPI_BY_SENDER)
		return strncasecmp(s, "cpu", 3) ? -1 : parse_u32(s + 3, key);
	else if (is_timer_fn_class(cls)) {
		uint64_t addr = ls_ksyms_addr(ksyms, s);

		if (!addr)
			return -1;
		*key = (uint32_t)addr;
		return 0;
	} else if (is_kvm_class(cls)) {
		unsigned isa = ls_kvm_isa_hint();

		return ls_kvm_reason_parse(s, &isa, key);
	}
	if (i < 0)
		return -1;
	*key = (uint32_t)i;
	return 0;
}

const char *ls_kaddr_name(uint32_t key, char *buf, size_t len)
{
	return ls_ksyms_format(ksyms, LS_KADDR(key), buf, len);
}
