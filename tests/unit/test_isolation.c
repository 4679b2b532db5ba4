// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Isolated CPUs: the kernel's CPU list format, detection from a fake /sys
 * and /proc tree, --isolated overriding it, and the interruption log. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "isolation.h"
#include "interruptions.h"

static const char *fmt(const struct ls_cpuset *s)
{
	static char buf[256];

	return ls_cpuset_format(s, buf, sizeof(buf));
}

static void test_parse_format(void **state)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "", "" }, { "\n", "" }, { "3", "3" }, { "0-3,8,10-11\n", "0-3,8,10-11" },
		{ " 2-3 ", "2-3" }, { "5,1,2", "1-2,5" }, { "4095", "4095" }, { "7-7", "7" },
	};
	static const char *const bad[] = {
		"a", "1-", "-1", "3-1", "1,,2", "1,", "4096", "0-4096", "1 2", "1;2", "0x1",
	};
	struct ls_cpuset s;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(ls_cpuset_parse(ok[i].in, &s), 0);
		assert_string_equal(fmt(&s), ok[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ls_cpuset_parse(bad[i], &s), -1);
	assert_int_equal(ls_cpuset_parse("1-2", &s), 0);
	assert_true(ls_cpuset_has(&s, 1) && ls_cpuset_has(&s, 2) && !ls_cpuset_has(&s, 3));
	assert_false(ls_cpuset_has(&s, 100000));
	assert_false(ls_cpuset_empty(&s));
	/* a buffer too short cuts the list, never overflows */
	{
		char small[4];

		assert_int_equal(ls_cpuset_parse("0-1,3,5,7", &s), 0);
		ls_cpuset_format(&s, small, sizeof(small));
		assert_string_equal(small, "0-1");
	}
}

static void put(const char *root, const char *rel, const char *text)
{
	char path[512], dir[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(p - path), path);
		mkdir(dir, 0755);
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_detect(void **state)
{
	char root[] = "/tmp/ls-iso-XXXXXX";
	struct ls_isolation iso;
	struct ls_cpuset all;

	(void)state;
	assert_non_null(mkdtemp(root));
	/* nothing there: no isolation, no error */
	assert_int_equal(ls_isolation_detect(&iso, root), 0);
	ls_isolation_all(&iso, &all);
	assert_true(ls_cpuset_empty(&all));
	put(root, "sys/devices/system/cpu/isolated", "2-3\n");
	put(root, "sys/devices/system/cpu/nohz_full", "3,5\n");
	put(root, "proc/self/mounts", "proc /proc proc rw 0 0\n"
	    "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nosuid 0 0\n");
	put(root, "sys/fs/cgroup/unified/cpuset.cpus.isolated", "7\n");
	assert_int_equal(ls_isolation_detect(&iso, root), 0);
	assert_string_equal(fmt(&iso.isolcpus), "2-3");
	assert_string_equal(fmt(&iso.nohz_full), "3,5");
	assert_string_equal(fmt(&iso.cpuset), "7");
	assert_non_null(strstr(iso.cpuset_file, "unified/cpuset.cpus.isolated"));
	assert_int_equal(ls_isolation_of(&iso, 3), LS_ISO_ISOLCPUS | LS_ISO_NOHZ_FULL);
	assert_int_equal(ls_isolation_of(&iso, 7), LS_ISO_CPUSET);
	assert_int_equal(ls_isolation_of(&iso, 4), 0);
	ls_isolation_all(&iso, &all);
	assert_string_equal(fmt(&all), "2-3,5,7");
	/* --isolated replaces detection */
	assert_int_equal(ls_isolation_override(&iso, "bogus"), -1);
	assert_false(iso.overridden);
	assert_int_equal(ls_isolation_override(&iso, "1"), 0);
	assert_int_equal(ls_isolation_of(&iso, 1), LS_ISO_OPTION);
	assert_int_equal(ls_isolation_of(&iso, 3), 0);
	ls_isolation_all(&iso, &all);
	assert_string_equal(fmt(&all), "1");
	/* a file that is not a CPU list is an error, named */
	put(root, "sys/devices/system/cpu/nohz_full", "(null)\n");
	assert_int_equal(ls_isolation_detect(&iso, root), -1);
	assert_non_null(strstr(iso.error, "nohz_full"));
	{
		char cmd[600];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		assert_int_equal(system(cmd), 0);
	}
}

static void add(struct ls_intr_log *l, uint8_t kind, uint32_t key, uint32_t arg, uint64_t ts,
		uint64_t dur)
{
	struct ls_rec_ipi r = {
		.h = { .ts = ts, .dur = dur, .key = key, .arg = arg, .cpu = 3, .kind = kind },
	};

	ls_intr_add(l, &r.h);
}

static void test_interruption_log(void **state)
{
	struct ls_intr_log *l = calloc(1, sizeof(*l));

	(void)state;
	add(l, LS_K_VECTOR, LS_V_LOCAL_TIMER, 0, 100, 5);
	add(l, LS_K_VECTOR, LS_V_LOCAL_TIMER, 0, 200, 9);
	add(l, LS_K_IPI, 0xabc, 0, 300, 40);  /* from CPU 0 */
	add(l, LS_K_IPI, 0xabc, 2, 400, 60);  /* same callback, from CPU 2 */
	add(l, LS_K_WAKEUP, 1, 0, 500, 70);   /* not an interruption */
	assert_int_equal(l->total, 4);
	assert_int_equal(l->nkeys, 3);
	assert_int_equal(l->keys[0].count, 2);
	assert_int_equal(l->keys[0].total_ns, 14);
	assert_int_equal(l->keys[0].max_ns, 9);
	assert_int_equal(l->keys[0].last_ns, 200);
	assert_int_equal(l->keys[0].sender, LS_INTR_NO_SENDER);
	assert_int_equal(l->keys[1].sender, 0);
	assert_int_equal(l->keys[2].sender, 2);
	assert_int_equal(ls_intr_recent(l, 0)->h.ts, 400);
	assert_int_equal(ls_intr_recent(l, 3)->h.ts, 100);
	assert_null(ls_intr_recent(l, 4));
	/* distinct causes beyond the table fold into "other"; the recent
	 * ring keeps the newest LS_INTR_RECENT */
	for (uint32_t k = 0; k < LS_INTR_KEYS + 10; k++)
		add(l, LS_K_HARDIRQ, 1000 + k, 0, 1000 + k, 1);
	assert_int_equal(l->nkeys, LS_INTR_KEYS);
	assert_int_equal(l->other.count, 3 + 10);
	assert_int_equal(l->total, 4 + LS_INTR_KEYS + 10);
	assert_int_equal(ls_intr_recent(l, 0)->h.key, 1000 + LS_INTR_KEYS + 9);
	for (uint32_t i = 0; i < LS_INTR_RECENT; i++)
		add(l, LS_K_SOFTIRQ, 3, 0, 5000 + i, 2);
	assert_int_equal(ls_intr_recent(l, 0)->h.ts, 5000 + LS_INTR_RECENT - 1);
	assert_int_equal(ls_intr_recent(l, LS_INTR_RECENT - 1)->h.ts, 5000);
	assert_null(ls_intr_recent(l, LS_INTR_RECENT));
	free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_interruption_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
