/* Human formatting of durations and counts (lib/units.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "units.h"

static void expect_ns(uint64_t ns, const char *want)
{
	char buf[32];

	assert_string_equal(ls_fmt_ns(ns, buf, sizeof(buf)), want);
}

static void test_ns(void **st)
{
	(void)st;
	expect_ns(0, "0ns");
	expect_ns(999, "999ns");
	expect_ns(1000, "1.00us");
	expect_ns(9994, "9.99us");
	expect_ns(9996, "10.0us");
	expect_ns(12345, "12.3us");
	expect_ns(99960, "100us");
	expect_ns(999499, "999us");
	expect_ns(999500, "1.00ms");
	expect_ns(4560000, "4.56ms");
	expect_ns(1200000000, "1.20s");
	expect_ns(UINT64_MAX, "18446744074s");
}

static void test_count(void **st)
{
	char buf[32];

	(void)st;
	assert_string_equal(ls_fmt_count(950, buf, sizeof(buf)), "950");
	assert_string_equal(ls_fmt_count(12345, buf, sizeof(buf)), "12.3k");
	assert_string_equal(ls_fmt_count(4.56e6, buf, sizeof(buf)), "4.56M");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ns),
		cmocka_unit_test(test_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
