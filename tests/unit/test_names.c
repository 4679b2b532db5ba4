// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Class, softirq, vector and irq names; key parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "latscope/record.h"
#include "agg.h"
#include "names.h"

static const char *const softirqs[] = {
	"HI", "TIMER", "NET_TX", "NET_RX", "BLOCK",
	"IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU",
};

static const char *const vectors[] = {
	"local_timer", "call_function", "call_function_single", "reschedule",
	"irq_work", "x86_platform_ipi", "spurious_apic", "error_apic",
	"thermal_apic", "threshold_apic", "deferred_error_apic", "reboot",
};

static const uint32_t classes[] = {
	LS_K_HARDIRQ, LS_K_SOFTIRQ, LS_K_SOFTIRQ_RAISE, LS_K_VECTOR,
	LS_K_HRTIMER, LS_K_HRTIMER_LATE, LS_K_HRTIMER_EARLY, LS_K_HRTIMER_WAKEUP,
};

static void flip_case(char *s)
{
	for (; *s; s++)
		*s = (char)(islower((unsigned char)*s) ? toupper((unsigned char)*s)
						       : tolower((unsigned char)*s));
}

static void test_class_names(void **state)
{
	static const char *const want[] = { "hardirq", "softirq", "softirq_raise", "vector",
					     "hrtimer", "hrtimer_late", "hrtimer_early",
					     "hrtimer_wakeup" };

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_string_equal(ls_class_name(classes[i]), want[i]);
		assert_int_equal(ls_class_from_name(want[i]), (int)classes[i]);
	}
	assert_int_equal(ls_class_from_name("SoftIRQ_Raise"), LS_K_SOFTIRQ_RAISE);
	assert_null(ls_class_name(LS_K_NONE));
	assert_null(ls_class_name(LS_K_MAX - 1));
	assert_null(ls_class_name(LS_K_MAX));
	assert_null(ls_class_name(UINT32_MAX));
	assert_int_equal(ls_class_from_name(""), -1);
	assert_int_equal(ls_class_from_name("irq"), -1);
	assert_int_equal(ls_class_from_name("hardirq "), -1);
}

static void test_softirq_vector_names(void **state)
{
	(void)state;
	assert_int_equal(sizeof(softirqs) / sizeof(softirqs[0]), LS_NR_SOFTIRQS);
	assert_int_equal(sizeof(vectors) / sizeof(vectors[0]), LS_V_MAX);
	for (uint32_t i = 0; i < LS_NR_SOFTIRQS; i++)
		assert_string_equal(ls_softirq_name(i), softirqs[i]);
	for (uint32_t i = 0; i < LS_V_MAX; i++)
		assert_string_equal(ls_vector_name(i), vectors[i]);
	assert_string_equal(ls_vector_name(LS_V_RESCHEDULE), "reschedule");
	assert_string_equal(ls_softirq_name(3), "NET_RX");
	assert_null(ls_softirq_name(LS_NR_SOFTIRQS));
	assert_null(ls_vector_name(LS_V_MAX));
	assert_null(ls_softirq_name(UINT32_MAX));
}

static void test_key_name(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(ls_key_name(LS_K_SOFTIRQ, 3, buf, sizeof(buf)), "NET_RX");
	assert_string_equal(ls_key_name(LS_K_SOFTIRQ_RAISE, 9, buf, sizeof(buf)), "RCU");
	assert_string_equal(ls_key_name(LS_K_VECTOR, 0, buf, sizeof(buf)), "local_timer");
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(ls_key_name(classes[i], LS_KEY_OTHER, buf, sizeof(buf)),
				    "other");
	/* Out of range keys and unknown classes fall back to the number. */
	assert_string_equal(ls_key_name(LS_K_SOFTIRQ, 42, buf, sizeof(buf)), "42");
	assert_string_equal(ls_key_name(LS_K_VECTOR, LS_V_MAX, buf, sizeof(buf)), "12");
	assert_string_equal(ls_key_name(LS_K_MAX - 1, 5, buf, sizeof(buf)), "5");
	assert_string_equal(ls_key_name(LS_K_HARDIRQ, 999999, buf, sizeof(buf)), "999999");
	/* Truncated to the buffer, always terminated; len 0 writes nothing. */
	assert_string_equal(ls_key_name(LS_K_SOFTIRQ, 3, buf, 4), "NET");
	buf[0] = 'x';
	assert_ptr_equal(ls_key_name(LS_K_SOFTIRQ, 3, buf, 0), buf);
	assert_int_equal(buf[0], 'x');
}

static void expect_parse(uint32_t cls, const char *s, uint32_t want)
{
	uint32_t key = 12345;

	if (ls_key_parse(cls, s, &key))
		fail_msg("class %u: \"%s\" did not parse", cls, s);
	assert_int_equal(key, want);
}

static void test_parse_round_trip(void **state)
{
	char buf[64];

	(void)state;
	for (size_t c = 1; c <= 2; c++) {
		uint32_t cls = classes[c];

		for (uint32_t i = 0; i < LS_NR_SOFTIRQS; i++) {
			expect_parse(cls, ls_key_name(cls, i, buf, sizeof(buf)), i);
			flip_case(buf);
			expect_parse(cls, buf, i);
		}
	}
	for (uint32_t i = 0; i < LS_V_MAX; i++) {
		expect_parse(LS_K_VECTOR, ls_key_name(LS_K_VECTOR, i, buf, sizeof(buf)), i);
		flip_case(buf);
		expect_parse(LS_K_VECTOR, buf, i);
	}
	expect_parse(LS_K_SOFTIRQ, "net_rx", 3);
	expect_parse(LS_K_VECTOR, "Local_Timer", LS_V_LOCAL_TIMER);
	for (size_t c = 0; c < 4; c++) {
		expect_parse(classes[c], "0", 0);
		expect_parse(classes[c], "17", 17);
		expect_parse(classes[c], "4294967294", 4294967294u);
		expect_parse(classes[c], "4294967295", LS_KEY_OTHER);
		expect_parse(classes[c], "other", LS_KEY_OTHER);
		expect_parse(classes[c], "OTHER", LS_KEY_OTHER);
		expect_parse(classes[c], ls_key_name(classes[c], LS_KEY_OTHER, buf,
						     sizeof(buf)), LS_KEY_OTHER);
	}
}

static void expect_bad(uint32_t cls, const char *s)
{
	uint32_t key = 12345;

	if (!ls_key_parse(cls, s, &key))
		fail_msg("class %u: \"%s\" parsed as %u", cls, s, key);
	assert_int_equal(key, 12345); /* untouched on failure */
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "-1", "+3", " 3", "3 ", "3x", "0x10", "4294967296",
		"99999999999999999999", "NET RX", "othe", "other ",
	};

	(void)state;
	for (size_t c = 0; c < 4; c++)
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			expect_bad(classes[c], bad[i]);
	expect_bad(LS_K_VECTOR, "NET_RX");
	expect_bad(LS_K_SOFTIRQ, "reschedule");
	expect_bad(LS_K_HARDIRQ, "NET_RX");
	expect_bad(LS_K_HARDIRQ, "local_timer");
	expect_bad(LS_K_HARDIRQ, "3:");
	expect_bad(LS_K_HARDIRQ, ":virtio0");
	expect_bad(9, "NET_RX");
	expect_bad(LS_K_SOFTIRQ, NULL);
}

/* Contents of /sys/kernel/irq/N/actions, whitespace-trimmed, read here
 * independently of the library. Returns false if unreadable. */
static bool read_actions(const char *irq, char *out, size_t len)
{
	char path[300], *s;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/sys/kernel/irq/%s/actions", irq);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(out, 1, len - 1, f);
	fclose(f);
	out[n] = '\0';
	while (n && isspace((unsigned char)out[n - 1]))
		out[--n] = '\0';
	for (s = out; isspace((unsigned char)*s); s++)
		;
	memmove(out, s, strlen(s) + 1);
	return true;
}

static void test_irq_names(void **state)
{
	char want[400], actions[300], buf[400];
	int named = 0, unnamed = 0;
	struct dirent *de;
	DIR *d = opendir("/sys/kernel/irq");

	(void)state;
	if (!d)
		skip();
	while ((de = readdir(d))) {
		uint32_t irq, key = 0;

		/* Action lists over 255 chars are cut by the library's cache. */
		if (!isdigit((unsigned char)de->d_name[0]) ||
		    !read_actions(de->d_name, actions, sizeof(actions)) ||
		    strlen(actions) >= 255)
			continue;
		irq = (uint32_t)strtoul(de->d_name, NULL, 10);
		if (actions[0]) {
			snprintf(want, sizeof(want), "%u:%s", irq, actions);
			named++;
		} else {
			snprintf(want, sizeof(want), "%u", irq);
			unnamed++;
		}
		/* Twice: the second answer comes from the cache. */
		assert_string_equal(ls_key_name(LS_K_HARDIRQ, irq, buf, sizeof(buf)), want);
		assert_string_equal(ls_key_name(LS_K_HARDIRQ, irq, buf, sizeof(buf)), want);
		/* The printed name parses back, in any case; a wrong one does not. */
		expect_parse(LS_K_HARDIRQ, want, irq);
		flip_case(want);
		expect_parse(LS_K_HARDIRQ, want, irq);
		snprintf(want, sizeof(want), "%u:no-such-driver", irq);
		assert_int_equal(ls_key_parse(LS_K_HARDIRQ, want, &key), -1);
	}
	closedir(d);
	print_message("checked %d named and %d unnamed irqs\n", named, unnamed);
	if (!named)
		skip();
}

/* Offline analysis names irqs from its trace, not from this machine. */
static const char *traced_names(uint32_t irq, void *ctx)
{
	(void)ctx;
	return irq == 42 ? "virtio3-tx" : NULL;
}

static void test_irq_names_offline(void **state)
{
	char buf[64];
	uint32_t key = 0;

	(void)state;
	ls_names_set_irq_names(traced_names, NULL);
	assert_string_equal(ls_key_name(LS_K_HARDIRQ, 42, buf, sizeof(buf)), "42:virtio3-tx");
	assert_string_equal(ls_key_name(LS_K_HARDIRQ, 43, buf, sizeof(buf)), "43");
	expect_parse(LS_K_HARDIRQ, "42:virtio3-tx", 42);
	assert_int_equal(ls_key_parse(LS_K_HARDIRQ, "42:other", &key), -1);
	ls_names_set_irq_names(NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_class_names),
		cmocka_unit_test(test_softirq_vector_names),
		cmocka_unit_test(test_key_name),
		cmocka_unit_test(test_parse_round_trip),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_irq_names),
		cmocka_unit_test(test_irq_names_offline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
