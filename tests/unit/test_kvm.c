// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * KVM: exit reason names (checked against the running kernel's own kvm_exit
 * print format when tracefs is readable), parsing, and aggregation of
 * synthetic ls_rec_kvm records into the KVM table, the generic kvm_exit /
 * kvm_guest series and the kvm view. Tests run in order: the ISA hint is
 * process-wide and only ever accumulates.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libgen.h>
#include <bpf/btf.h>

#include "latscope/kvm_inject.h"
#include "agg.h"
#include "agg_kvm.h"
#include "kvm_reasons.h"
#include "names.h"
#include "report_kvm.h"
#include "state.h"

static char obj_path[4096];

/* Byte offset of member `field` of BTF struct t, or -1. */
static long btf_off(const struct btf *btf, const struct btf_type *t, const char *field)
{
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), field))
			return (long)btf_member_bit_offset(t, i) / 8;
	return -1;
}

#define SAME(btf, t, type, field) \
	assert_int_equal(btf_off(btf, t, #field), (long)offsetof(type, field))

/* The KVM record and the injection context as the BPF object sees them
 * (its BTF) match the userspace headers. */
static void test_layout_matches_bpf(void **state)
{
	struct btf *btf = btf__parse(obj_path, NULL);
	const struct btf_type *t;
	int id;

	(void)state;
	assert_non_null(btf);
	id = btf__find_by_name_kind(btf, "ls_rec_kvm", BTF_KIND_STRUCT);
	assert_true(id > 0);
	t = btf__type_by_id(btf, id);
	assert_int_equal(t->size, sizeof(struct ls_rec_kvm));
	assert_int_equal(sizeof(struct ls_rec_kvm) % 8, 0);
	SAME(btf, t, struct ls_rec_kvm, h);
	SAME(btf, t, struct ls_rec_kvm, guest_ns);
	SAME(btf, t, struct ls_rec_kvm, off_cpu_ns);
	SAME(btf, t, struct ls_rec_kvm, tgid);
	SAME(btf, t, struct ls_rec_kvm, isa);
	SAME(btf, t, struct ls_rec_kvm, kflags);
	SAME(btf, t, struct ls_rec_kvm, comm);
	id = btf__find_by_name_kind(btf, "ls_kvm_inject", BTF_KIND_STRUCT);
	assert_true(id > 0);
	t = btf__type_by_id(btf, id);
	assert_int_equal(t->size, sizeof(struct ls_kvm_inject));
	SAME(btf, t, struct ls_kvm_inject, ts);
	SAME(btf, t, struct ls_kvm_inject, type);
	SAME(btf, t, struct ls_kvm_inject, cpu);
	SAME(btf, t, struct ls_kvm_inject, tid);
	SAME(btf, t, struct ls_kvm_inject, tgid);
	SAME(btf, t, struct ls_kvm_inject, next_tid);
	SAME(btf, t, struct ls_kvm_inject, reason);
	SAME(btf, t, struct ls_kvm_inject, vcpu_id);
	SAME(btf, t, struct ls_kvm_inject, isa);
	SAME(btf, t, struct ls_kvm_inject, comm);
	btf__free(btf);
}

static const char *name(unsigned isa, uint32_t reason)
{
	static char buf[64];

	return ls_kvm_reason_name(isa, reason, buf, sizeof(buf));
}

static void test_reason_names(void **state)
{
	(void)state;
	assert_string_equal(name(LS_KVM_ISA_VMX, 12), "HLT");
	assert_string_equal(name(LS_KVM_ISA_VMX, 44), "APIC_ACCESS");
	assert_string_equal(name(LS_KVM_ISA_VMX, 0), "EXCEPTION_NMI");
	assert_string_equal(name(LS_KVM_ISA_VMX, 85), "MSR_WRITE_IMM");
	assert_string_equal(name(LS_KVM_ISA_VMX, 0x80000021), "INVALID_STATE FAILED_VMENTRY");
	assert_string_equal(name(LS_KVM_ISA_VMX, 99), "99");       /* unknown: numeric */
	assert_string_equal(name(LS_KVM_ISA_VMX, 5), "5");         /* hole in the table */
	assert_string_equal(name(LS_KVM_ISA_VMX, 0x80000063), "99 FAILED_VMENTRY");
	assert_string_equal(name(LS_KVM_ISA_VMX, 0x1000000c), "HLT 0x10000000");
	assert_string_equal(name(LS_KVM_ISA_SVM, 0x78), "hlt");
	assert_string_equal(name(LS_KVM_ISA_SVM, 0x400), "npf");
	assert_string_equal(name(LS_KVM_ISA_SVM, 0x4e), "PF excp");
	assert_string_equal(name(LS_KVM_ISA_SVM, 0x80000001), "vmgexit_mmio_read");
	assert_string_equal(name(LS_KVM_ISA_SVM, 0xffffffff), "invalid_guest_state");
	assert_string_equal(name(LS_KVM_ISA_SVM, 0x999), "0x999");
	assert_string_equal(name(LS_KVM_ISA_SVM, 12), "0xc");
	assert_string_equal(name(LS_KVM_ISA_UNKNOWN, 12), "12");
	assert_string_equal(ls_kvm_isa_name(LS_KVM_ISA_VMX), "vmx");
	assert_string_equal(ls_kvm_isa_name(LS_KVM_ISA_SVM), "svm");
	assert_string_equal(ls_kvm_isa_name(7), "unknown");
	{
		char tiny[4];

		assert_string_equal(ls_kvm_reason_name(LS_KVM_ISA_VMX, 0x80000021, tiny,
						       sizeof(tiny)), "INV");
	}
}

/*
 * Every { code, "name" } of the running kernel's kvm_exit print format
 * (VMX list first, then SVM) must be named the same here. Codes the
 * kernel has and we lack are listed (a newer kernel), not failed.
 */
static void test_names_match_kernel(void **state)
{
	const char *path = "/sys/kernel/tracing/events/kvm/kvm_exit/format";
	FILE *f = fopen(path, "re");
	char *fmt = NULL, *p, *svm;
	size_t cap = 0;
	unsigned checked = 0, missing = 0;

	(void)state;
	if (!f || getdelim(&fmt, &cap, '\0', f) < 0) {
		printf("note: %s unreadable: names not compared with the kernel\n", path);
		if (f)
			fclose(f);
		free(fmt);
		skip();
	}
	fclose(f);
	p = strstr(fmt, "print fmt:");
	assert_non_null(p);
	svm = strstr(p, ") : __print_symbolic(REC->exit_reason,");
	assert_non_null(svm);
	while ((p = strstr(p, "{ "))) {
		unsigned isa = p < svm ? LS_KVM_ISA_VMX : LS_KVM_ISA_SVM;
		unsigned long long code, add = 0;
		char kname[64], *q;
		long long neg;

		p += 2;
		if (sscanf(p, "%lld, \"%63[^\"]\"", &neg, kname) == 2 && neg == -1)
			code = 0xffffffffull;
		else if (sscanf(p, "%lli + %llu, \"%63[^\"]\"", &code, &add, kname) == 3)
			code += add;
		else if (sscanf(p, "%lli, \"%63[^\"]\"", &code, kname) != 2)
			continue;
		if (!strcmp(kname, "FAILED_VMENTRY")) /* the flag of __print_flags */
			continue;
		q = (char *)name(isa, (uint32_t)code);
		if (!strcmp(q, kname)) {
			checked++;
		} else if (q[0] >= '0' && q[0] <= '9') {
			printf("note: kernel names %s 0x%llx \"%s\", latscope does not\n",
			       ls_kvm_isa_name(isa), code, kname);
			missing++;
		} else {
			fail_msg("%s 0x%llx: kernel \"%s\", latscope \"%s\"", ls_kvm_isa_name(isa),
				 code, kname, q);
		}
	}
	printf("%u reason names agree with the running kernel, %u unnamed here\n",
	       checked, missing);
	assert_true(checked >= 150);
	free(fmt);
}

static void test_reason_parse(void **state)
{
	unsigned isa;
	uint32_t r;

	(void)state;
	isa = LS_KVM_ISA_UNKNOWN;
	assert_int_equal(ls_kvm_reason_parse("HLT", &isa, &r), 0);
	assert_true(isa == LS_KVM_ISA_VMX && r == 12);
	isa = LS_KVM_ISA_UNKNOWN;
	assert_int_equal(ls_kvm_reason_parse("hlt", &isa, &r), 0);
	assert_true(isa == LS_KVM_ISA_SVM && r == 0x78);
	isa = LS_KVM_ISA_UNKNOWN; /* neither case exact: VMX first */
	assert_int_equal(ls_kvm_reason_parse("Hlt", &isa, &r), 0);
	assert_true(isa == LS_KVM_ISA_VMX && r == 12);
	isa = LS_KVM_ISA_SVM;
	assert_int_equal(ls_kvm_reason_parse("HLT", &isa, &r), 0);
	assert_true(isa == LS_KVM_ISA_SVM && r == 0x78);
	isa = LS_KVM_ISA_UNKNOWN;
	assert_int_equal(ls_kvm_reason_parse("INVALID_STATE FAILED_VMENTRY", &isa, &r), 0);
	assert_true(isa == LS_KVM_ISA_VMX && r == 0x80000021);
	isa = LS_KVM_ISA_UNKNOWN;
	assert_int_equal(ls_kvm_reason_parse("99 FAILED_VMENTRY", &isa, &r), 0);
	assert_true(isa == LS_KVM_ISA_VMX && r == 0x80000063);
	isa = LS_KVM_ISA_UNKNOWN;
	assert_int_equal(ls_kvm_reason_parse("PF excp", &isa, &r), 0);
	assert_true(isa == LS_KVM_ISA_SVM && r == 0x4e);
	isa = LS_KVM_ISA_UNKNOWN; /* numbers: any base, ISA untouched */
	assert_int_equal(ls_kvm_reason_parse("0x400", &isa, &r), 0);
	assert_true(isa == LS_KVM_ISA_UNKNOWN && r == 0x400);
	assert_int_equal(ls_kvm_reason_parse("44", &isa, &r), 0);
	assert_true(r == 44);
	assert_int_equal(ls_kvm_reason_parse("bogus", &isa, &r), -1);
	assert_int_equal(ls_kvm_reason_parse("", &isa, &r), -1);
	assert_int_equal(ls_kvm_reason_parse(NULL, &isa, &r), -1);
	assert_int_equal(ls_kvm_reason_parse("0x100000000", &isa, &r), -1);
	isa = LS_KVM_ISA_VMX; /* an SVM name is not a VMX one */
	assert_int_equal(ls_kvm_reason_parse("npf", &isa, &r), -1);
	/* every name round-trips */
	for (uint32_t c = 0; c < 0x500; c++)
		for (isa = LS_KVM_ISA_VMX; isa <= LS_KVM_ISA_SVM; isa++) {
			const char *n = name(isa, c);
			unsigned in = isa;

			if (n[0] >= '0' && n[0] <= '9')
				continue;
			assert_int_equal(ls_kvm_reason_parse(n, &in, &r), 0);
			assert_true(r == c && in == isa);
		}
}

static struct ls_rec_kvm rec(uint16_t cpu, uint32_t tid, uint32_t tgid, uint32_t vcpu,
			     uint8_t isa, uint32_t reason, uint64_t dur, uint64_t guest,
			     uint64_t off, const char *comm)
{
	struct ls_rec_kvm r = {
		.h = { .ts = 1000, .dur = dur, .key = reason, .pid = tid, .arg = vcpu,
		       .cpu = cpu, .kind = LS_K_KVM_EXIT },
		.guest_ns = guest, .off_cpu_ns = off, .tgid = tgid, .isa = isa,
	};

	snprintf(r.comm, sizeof(r.comm), "%s", comm);
	return r;
}

static void add(struct ls_agg *a, struct ls_rec_kvm r)
{
	assert_int_equal(ls_rec_size(r.h.kind), sizeof(r));
	ls_agg_add(a, &r.h);
}

static json_object *get(json_object *o, const char *path)
{
	char buf[128], *save = NULL, *k;

	snprintf(buf, sizeof(buf), "%s", path);
	for (k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save)) {
		if (k[0] >= '0' && k[0] <= '9')
			o = json_object_array_get_idx(o, (size_t)atoi(k));
		else
			o = json_object_object_get(o, k);
	}
	assert_non_null(o);
	return o;
}

static uint64_t u(json_object *o, const char *path)
{
	return json_object_get_uint64(get(o, path));
}

static const char *s(json_object *o, const char *path)
{
	return json_object_get_string(get(o, path));
}

/*
 * Seed 004 (tglx, 2011): on vCPU 1 of qemu 77375, guest 2 us -> APIC_ACCESS
 * 11 us -> guest 9 us -> APIC_ACCESS 11 us -> guest 11 us -> HLT still open
 * at the end. "That's 11us guest vs. 22us host time." The records are what
 * offline analysis builds from that trace; the last carries LS_KVM_F_OPEN.
 */
static void test_seed_004(void **state)
{
	struct ls_agg *a = ls_agg_new(1000);
	struct ls_hist h;
	json_object *v;

	(void)state;
	add(a, rec(17, 77375, 77375, 1, LS_KVM_ISA_VMX, 44, 11000, 2000, 0, "qemu-system-x86"));
	add(a, rec(17, 77375, 77375, 1, LS_KVM_ISA_VMX, 44, 11000, 9000, 0, "qemu-system-x86"));
	{
		struct ls_rec_kvm open = rec(17, 77375, 77375, 1, LS_KVM_ISA_VMX, 12, 0, 11000, 0,
					     "qemu-system-x86");

		open.kflags = LS_KVM_F_OPEN;
		add(a, open);
	}
	/* generic series: two exit costs, three guest runs */
	ls_hist_init(&h);
	assert_int_equal(ls_agg_merge(a, LS_K_KVM_EXIT, -1, -1, &h), 1);
	assert_true(h.count == 2 && h.sum == 22000 && h.min == 11000 && h.max == 11000);
	ls_hist_free(&h);
	ls_hist_init(&h);
	assert_int_equal(ls_agg_merge(a, LS_K_KVM_GUEST, 17, -1, &h), 2);
	assert_true(h.count == 3 && h.sum == 22000 && h.min == 2000 && h.max == 11000);
	ls_hist_free(&h);

	v = ls_report_kvm(a, -1, -1, LS_KVM_SORT_TOTAL);
	assert_true(u(v, "exits") == 2 && u(v, "total_ns") == 22000 && u(v, "open") == 1);
	assert_int_equal(json_object_array_length(get(v, "reasons")), 2);
	assert_string_equal(s(v, "reasons.0.reason.name"), "APIC_ACCESS");
	assert_string_equal(s(v, "reasons.0.isa"), "vmx");
	assert_true(u(v, "reasons.0.count") == 2 && u(v, "reasons.0.avg_ns") == 11000);
	assert_true(u(v, "reasons.0.p50_ns") == 11000 && u(v, "reasons.0.max_ns") == 11000);
	assert_string_equal(s(v, "reasons.1.reason.name"), "HLT");
	assert_true(u(v, "reasons.1.count") == 0 && u(v, "reasons.1.open") == 1);
	assert_null(json_object_object_get(get(v, "reasons.1"), "min_ns"));
	/* 11 us guest vs 22 us host; the open HLT's guest run apart */
	assert_int_equal(json_object_array_length(get(v, "vcpus")), 1);
	assert_string_equal(s(v, "vcpus.0.vm.comm"), "qemu-system-x86");
	assert_true(u(v, "vcpus.0.vm.pid") == 77375 && u(v, "vcpus.0.vcpu") == 1);
	assert_true(u(v, "vcpus.0.host_ns") == 22000 && u(v, "vcpus.0.guest_ns") == 11000);
	assert_true(u(v, "vcpus.0.guest_runs") == 2 && u(v, "vcpus.0.open") == 1);
	assert_true(u(v, "vcpus.0.open_guest_ns") == 11000);
	assert_true(json_object_get_double(get(v, "vcpus.0.guest_pct")) == 33.33);
	json_object_put(v);
	/* VMX only so far: the generic series' keys are named */
	{
		char buf[64];
		uint32_t k;

		assert_string_equal(ls_key_name(LS_K_KVM_EXIT, 44, buf, sizeof(buf)), "APIC_ACCESS");
		assert_int_equal(ls_key_parse(LS_K_KVM_GUEST, "hlt", &k), 0);
		assert_int_equal(k, 12);
	}
	ls_agg_free(a);
}

static void test_table(void **state)
{
	struct ls_agg *a = ls_agg_new(1000);
	const struct ls_kvm_table *t;
	struct ls_kvm_stats st;
	json_object *v;
	char buf[64];

	(void)state;
	/* VM 100 (VMX) vCPUs 0 and 1, VM 200 (SVM) vCPU 0 */
	add(a, rec(0, 101, 100, 0, LS_KVM_ISA_VMX, 12, 50000, 1000, 45000, "vmA"));
	add(a, rec(0, 101, 100, 0, LS_KVM_ISA_VMX, 12, 30000, 3000, 0, "vmA"));
	add(a, rec(1, 102, 100, 1, LS_KVM_ISA_VMX, 30, 8000, 0, 0, "vmA"));
	add(a, rec(1, 201, 200, 0, LS_KVM_ISA_SVM, 0x78, 20000, 5000, 90000, "vmB"));
	t = ls_agg_kvm(a);
	assert_non_null(t);
	ls_kvm_table_stats(t, &st);
	assert_true(st.records == 4 && st.series == 3 && st.overflow == 0);

	v = ls_report_kvm(a, -1, -1, LS_KVM_SORT_COUNT);
	assert_string_equal(s(v, "sort"), "count");
	assert_true(u(v, "exits") == 4 && u(v, "total_ns") == 108000);
	assert_string_equal(s(v, "reasons.0.reason.name"), "HLT");
	assert_true(u(v, "reasons.0.count") == 2 && u(v, "reasons.0.total_ns") == 80000);
	assert_true(u(v, "reasons.0.min_ns") == 30000 && u(v, "reasons.0.max_ns") == 50000);
	assert_true(u(v, "reasons.0.on_cpu_ns") == 35000 && u(v, "reasons.0.off_cpu_ns") == 45000);
	assert_true(json_object_get_double(get(v, "reasons.0.exits_pct")) == 50.0);
	assert_true(json_object_get_double(get(v, "reasons.0.time_pct")) == 74.07);
	/* off-CPU larger than the cost is clamped to it */
	assert_string_equal(s(v, "reasons.1.reason.name"), "hlt");
	assert_true(u(v, "reasons.1.on_cpu_ns") == 0 && u(v, "reasons.1.off_cpu_ns") == 20000);
	/* vCPUs sorted by VM then vCPU; guest 0 = unknown, not a run */
	assert_int_equal(json_object_array_length(get(v, "vcpus")), 3);
	assert_true(u(v, "vcpus.0.vm.pid") == 100 && u(v, "vcpus.0.vcpu") == 0);
	assert_true(u(v, "vcpus.0.guest_ns") == 4000 && u(v, "vcpus.0.guest_runs") == 2);
	assert_true(u(v, "vcpus.1.vcpu") == 1 && u(v, "vcpus.1.guest_runs") == 0);
	assert_string_equal(s(v, "vcpus.2.vm.comm"), "vmB");
	json_object_put(v);

	v = ls_report_kvm(a, 100, 1, LS_KVM_SORT_MAX);
	assert_true(u(v, "vm") == 100 && u(v, "vcpu") == 1 && u(v, "exits") == 1);
	assert_string_equal(s(v, "reasons.0.reason.name"), "IO_INSTRUCTION");
	json_object_put(v);
	v = ls_report_kvm(a, 999, -1, LS_KVM_SORT_P99);
	assert_true(u(v, "exits") == 0);
	assert_int_equal(json_object_array_length(get(v, "reasons")), 0);
	assert_int_equal(json_object_array_length(get(v, "vcpus")), 0);
	json_object_put(v);
	/* both ISAs seen: generic keys are numbers now */
	assert_string_equal(ls_key_name(LS_K_KVM_EXIT, 12, buf, sizeof(buf)), "12");
	assert_string_equal(ls_class_name(LS_K_KVM_EXIT), "kvm_exit");
	assert_string_equal(ls_class_name(LS_K_KVM_GUEST), "kvm_guest");
	ls_agg_free(a);
}

static void test_overflow(void **state)
{
	struct ls_agg *a = ls_agg_new(16);
	struct ls_kvm_stats st;
	json_object *v, *last;
	size_t n;

	(void)state;
	for (uint32_t vcpu = 0; vcpu < 40; vcpu++)
		add(a, rec(0, 1000 + vcpu, 1000, vcpu, LS_KVM_ISA_VMX, 48, 1000 + vcpu, 0, 0, "big"));
	ls_kvm_table_stats(ls_agg_kvm(a), &st);
	assert_true(st.records == 40 && st.series == 17 && st.overflow == 24);
	v = ls_report_kvm(a, -1, -1, LS_KVM_SORT_TOTAL);
	assert_true(u(v, "exits") == 40); /* nothing lost: folded */
	n = json_object_array_length(get(v, "vcpus"));
	assert_int_equal(n, 17);
	last = json_object_array_get_idx(get(v, "vcpus"), n - 1);
	assert_string_equal(s(last, "vm.comm"), "other");
	assert_true(u(last, "exits") == 24);
	assert_true(u(v, "table.series_overflow") == 24);
	json_object_put(v);
	ls_agg_free(a);
}

/* The KVM table survives a state file round trip: same view after. */
static void test_state_round_trip(void **state)
{
	struct ls_agg *a = ls_agg_new(1000);
	struct ls_state s = { 0 }, r = { 0 };
	struct ls_state_msg m = { 0 };
	struct ls_rec_kvm open = rec(1, 102, 100, 1, LS_KVM_ISA_VMX, 12, 0, 7000, 0, "vmA");
	struct ls_kvm_stats st;
	struct ls_state_limits lim = { .max_series = 1000 };
	json_object *v1, *v2;
	void *buf;
	size_t len;

	(void)state;
	add(a, rec(0, 101, 100, 0, LS_KVM_ISA_VMX, 12, 50000, 1000, 45000, "vmA"));
	add(a, rec(0, 101, 100, 0, LS_KVM_ISA_VMX, 44, 11000, 0, 0, "vmA"));
	add(a, rec(1, 201, 200, 0, LS_KVM_ISA_SVM, 0x400, 3000, 9000, 0, "vmB"));
	open.kflags = LS_KVM_F_OPEN;
	add(a, open);
	s.agg = a;
	assert_int_equal(ls_state_encode(&s, &buf, &len), LS_STATE_OK);
	assert_int_equal(ls_state_decode(buf, len, &lim, &r, &m), LS_STATE_OK);
	v1 = ls_report_kvm(a, -1, -1, LS_KVM_SORT_TOTAL);
	v2 = ls_report_kvm(r.agg, -1, -1, LS_KVM_SORT_TOTAL);
	assert_string_equal(json_object_to_json_string(v1), json_object_to_json_string(v2));
	assert_true(u(v2, "open") == 1 && u(v2, "vcpus.1.open_guest_ns") == 7000);
	ls_kvm_table_stats(ls_agg_kvm(r.agg), &st);
	assert_true(st.records == 4 && st.series == 4);
	json_object_put(v1);
	json_object_put(v2);
	free(buf);
	ls_agg_free(r.agg);
	free(r.comms);

	/* an aggregator with no KVM record saves an empty section, restores no table */
	s.agg = ls_agg_new(10);
	assert_int_equal(ls_state_encode(&s, &buf, &len), LS_STATE_OK);
	lim.max_series = 10;
	assert_int_equal(ls_state_decode(buf, len, &lim, &r, &m), LS_STATE_OK);
	assert_null(ls_agg_kvm(r.agg));
	free(buf);
	ls_agg_free(r.agg);
	free(r.comms);
	ls_agg_free(s.agg);
	ls_agg_free(a);
}

static void test_sort_parse(void **state)
{
	enum ls_kvm_sort so;

	(void)state;
	assert_int_equal(ls_kvm_sort_parse("p99", &so), 0);
	assert_int_equal(so, LS_KVM_SORT_P99);
	assert_int_equal(ls_kvm_sort_parse("total", &so), 0);
	assert_int_equal(so, LS_KVM_SORT_TOTAL);
	assert_int_equal(ls_kvm_sort_parse("Count", &so), -1);
	assert_int_equal(ls_kvm_sort_parse("", &so), -1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_matches_bpf),
		cmocka_unit_test(test_reason_names),
		cmocka_unit_test(test_names_match_kernel),
		cmocka_unit_test(test_reason_parse),
		cmocka_unit_test(test_seed_004),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_state_round_trip),
		cmocka_unit_test(test_sort_parse),
	};

	char self[4096];

	(void)argc;
	snprintf(self, sizeof(self), "%s", argv[0]);
	snprintf(obj_path, sizeof(obj_path), "%s/../latscope.bpf.o", dirname(self));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
