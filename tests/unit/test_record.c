/*
 * The record format really is shared: struct ls_rec, the larger records
 * that grew fields (ls_rec_hrtimer, ls_rec_ipi), struct ls_counters and the
 * stack counters as compiled into the BPF object (read back from its BTF)
 * have the same size and field offsets as the userspace view of
 * include/latscope/record.h and stacks.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <libgen.h>
#include <cmocka.h>
#include <bpf/btf.h>
#include "latscope/record.h"
#include "latscope/stacks.h"

static char obj_path[4096];

static const struct btf_member *member(const struct btf *btf, const struct btf_type *t,
				       const char *name)
{
	const struct btf_member *m = btf_members(t);
	int i;

	for (i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), name))
			return m;
	return NULL;
}

#define CHECK_FIELD(btf, t, type, field)                                          \
	do {                                                                      \
		const struct btf_member *m_ = member(btf, t, #field);             \
		assert_non_null(m_);                                              \
		assert_int_equal(btf_member_bit_offset(t, m_ - btf_members(t)) / 8, \
				 offsetof(type, field));                          \
	} while (0)

static const struct btf_type *find_struct(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);

	assert_true(id > 0);
	return btf__type_by_id(btf, id);
}

static void test_rec_matches_bpf(void **st)
{
	struct btf *btf = btf__parse(obj_path, NULL);
	const struct btf_type *t;

	(void)st;
	assert_non_null(btf);
	t = find_struct(btf, "ls_rec");
	assert_int_equal(t->size, sizeof(struct ls_rec));
	CHECK_FIELD(btf, t, struct ls_rec, ts);
	CHECK_FIELD(btf, t, struct ls_rec, dur);
	CHECK_FIELD(btf, t, struct ls_rec, key);
	CHECK_FIELD(btf, t, struct ls_rec, pid);
	CHECK_FIELD(btf, t, struct ls_rec, arg);
	CHECK_FIELD(btf, t, struct ls_rec, cpu);
	CHECK_FIELD(btf, t, struct ls_rec, kind);
	CHECK_FIELD(btf, t, struct ls_rec, flags);
	t = find_struct(btf, "ls_counters");
	assert_int_equal(t->size, sizeof(struct ls_counters));
	CHECK_FIELD(btf, t, struct ls_counters, records);
	CHECK_FIELD(btf, t, struct ls_counters, drops);
	CHECK_FIELD(btf, t, struct ls_counters, unpaired);
	t = find_struct(btf, "ls_rec_hrtimer");
	assert_int_equal(t->size, sizeof(struct ls_rec_hrtimer));
	CHECK_FIELD(btf, t, struct ls_rec_hrtimer, late);
	CHECK_FIELD(btf, t, struct ls_rec_hrtimer, armed);
	CHECK_FIELD(btf, t, struct ls_rec_hrtimer, now_lag);
	CHECK_FIELD(btf, t, struct ls_rec_hrtimer, stack);
	t = find_struct(btf, "ls_rec_ipi");
	assert_int_equal(t->size, sizeof(struct ls_rec_ipi));
	CHECK_FIELD(btf, t, struct ls_rec_ipi, coalesced);
	CHECK_FIELD(btf, t, struct ls_rec_ipi, comm);
	CHECK_FIELD(btf, t, struct ls_rec_ipi, stack);
	t = find_struct(btf, "ls_stack_counters");
	assert_int_equal(t->size, sizeof(struct ls_stack_counters));
	CHECK_FIELD(btf, t, struct ls_stack_counters, collision);
	CHECK_FIELD(btf, t, struct ls_stack_counters, other);
	CHECK_FIELD(btf, t, struct ls_stack_counters, max_ns);
	/* the daemon reads the counters as the first member of the per-CPU value */
	t = find_struct(btf, "ls_pcpu");
	assert_int_equal(btf_member_bit_offset(t, 0), 0);
	assert_string_equal(btf__name_by_offset(btf, btf_members(t)->name_off), "c");
	btf__free(btf);
}

static void test_layout(void **st)
{
	(void)st;
	/* 32 bytes + 8 bytes ring header = 40 bytes per record in the ring */
	assert_int_equal(sizeof(struct ls_rec), 32);
	assert_int_equal(sizeof(struct ls_capture_hdr), 32);
	/* grown records stay 8-byte multiples (ring alignment), and no larger
	 * than the flight recorder's slot (the wakeup record) */
	assert_int_equal(sizeof(struct ls_rec_hrtimer), 80);
	assert_int_equal(sizeof(struct ls_rec_ipi), 64);
	assert_int_equal(sizeof(struct ls_rec_hrtimer) % 8, 0);
	assert_int_equal(sizeof(struct ls_rec_ipi) % 8, 0);
	assert_true(sizeof(struct ls_rec_hrtimer) <= sizeof(struct ls_rec_wakeup));
	assert_int_equal(LS_V_MAX, 12);
	assert_true(LS_K_VECTOR < LS_K_MAX);
	/* the magic spells "LATSC1" in little-endian byte order */
	assert_memory_equal(&(uint64_t){ LS_CAPTURE_MAGIC }, "LATSC1", 6);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_rec_matches_bpf),
	};
	char self[4096];

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(obj_path, sizeof(obj_path), "%s/../latscope.bpf.o", dirname(self));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
