/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * KVM programs: probe, load in their own instance of the object, attach,
 * re-probe while absent (see tracer_kvm.h for why a second instance).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "latscope.skel.h"
#include "tracer.h"
#include "tracer_kvm.h"
#include "log.h"

#define KVM_BTF_MODULE "/sys/kernel/btf/kvm"

enum kvm_state {
	KVM_ABSENT,    /* not in this kernel (yet): re-probed */
	KVM_ATTACHED,
	KVM_FAILED,    /* present but unusable: not retried */
};

/* The kvm programs in the order they attach: the filters first, entry
 * before exit so that no exit opens before its entry can close it. */
static const char *const kvm_progs[] = {
	"kvm_switch", "kvm_task_exit", "kvm_entry", "kvm_exit_tp", "kvm_exit_raw",
	"kvm_inject",
};
#define NKVM (sizeof(kvm_progs) / sizeof(kvm_progs[0]))

struct ls_kvm {
	enum kvm_state state;
	unsigned max_threads;
	bool module_btf_seen;     /* KVM_BTF_MODULE existed at the last probe */
	const char *btf_from;     /* "vmlinux" or "kvm module" */
	const char *exit_prog;    /* kvm_exit_tp or kvm_exit_raw */
	bool inject;              /* kvm_inject loaded */
	char why[160];            /* when not attached */
	struct latscope_bpf *skel; /* the second instance */
	struct bpf_link *links[NKVM];
};

static bool is_kvm_prog(const char *name)
{
	for (size_t i = 0; i < NKVM; i++)
		if (!strcmp(name, kvm_progs[i]))
			return true;
	return false;
}

bool ls_kvm_claim(struct bpf_program *p, struct ls_prog_state *ps)
{
	if (!is_kvm_prog(bpf_program__name(p)))
		return false;
	bpf_program__set_autoload(p, false);
	ps->family = "kvm";
	snprintf(ps->reason, sizeof(ps->reason), "KVM not probed yet");
	return true;
}

int ls_kvm_prepare(struct ls_tracer *t, unsigned max_threads)
{
	t->kvm = calloc(1, sizeof(*t->kvm));
	if (!t->kvm)
		return -ENOMEM;
	t->kvm->max_threads = max_threads ? max_threads : LS_KVM_THREADS_DEFAULT;
	return bpf_map__set_max_entries(t->skel->maps.ls_kvm_threads, t->kvm->max_threads);
}

static struct ls_prog_state *prog_state(struct ls_tracer *t, const char *name)
{
	for (unsigned i = 0; i < t->nprogs; i++)
		if (!strcmp(t->progs[i].name, name))
			return &t->progs[i];
	return NULL;
}

/* Every kvm program not attached gets this reason. */
static void set_reasons(struct ls_tracer *t, const char *fmt, const char *arg)
{
	for (size_t i = 0; i < NKVM; i++) {
		struct ls_prog_state *ps = prog_state(t, kvm_progs[i]);

		if (ps && !ps->attached)
			snprintf(ps->reason, sizeof(ps->reason), fmt, arg);
	}
}

static bool has_member(const struct btf *btf, int id, const char *name)
{
	const struct btf_type *st = btf__type_by_id(btf, id);
	const struct btf_member *m = btf_members(st);

	for (int i = 0; i < btf_vlen(st); i++, m++)
		if (!strcmp(btf__name_by_offset(btf, m->name_off), name))
			return true;
	return false;
}

/* Older kernels: kvm_exit(unsigned int exit_reason, struct kvm_vcpu *, u32
 * isa). The typedef is void (*)(void *__data, <args>): args start at 1. */
static bool reason_is_first_arg(const struct btf *btf)
{
	int id = btf__find_by_name_kind(btf, "btf_trace_kvm_exit", BTF_KIND_TYPEDEF);
	const struct btf_type *tt;
	const struct btf_param *pa;

	if (id < 0)
		return false;
	tt = btf__type_by_id(btf, btf__resolve_type(btf, id));
	if (!tt || !btf_is_ptr(tt))
		return false;
	tt = btf__type_by_id(btf, tt->type);
	if (!tt || !btf_is_func_proto(tt) || btf_vlen(tt) < 2)
		return false;
	pa = btf_params(tt);
	tt = btf__type_by_id(btf, btf__resolve_type(btf, pa[1].type));
	return tt && btf_is_int(tt);
}

/*
 * Is KVM here, and which kvm_exit program fits? Built in: its types are in
 * vmlinux's BTF. A module: in /sys/kernel/btf/kvm, split on vmlinux's, which
 * is also where libbpf's CO-RE relocation finds them at load.
 */
static enum kvm_state probe(struct ls_kvm *k)
{
	struct btf *vmlinux = btf__load_vmlinux_btf(), *btf = NULL;
	enum kvm_state st = KVM_ABSENT;
	int id = -1;

	k->module_btf_seen = !access(KVM_BTF_MODULE, F_OK);
	if (!vmlinux) {
		snprintf(k->why, sizeof(k->why), "kernel BTF unreadable: %s", strerror(errno));
		return KVM_FAILED;
	}
	if ((id = btf__find_by_name_kind(vmlinux, "trace_event_raw_kvm_exit",
					 BTF_KIND_STRUCT)) >= 0) {
		btf = vmlinux;
		k->btf_from = "vmlinux";
	} else if (k->module_btf_seen && (btf = btf__parse_split(KVM_BTF_MODULE, vmlinux))) {
		k->btf_from = "kvm module";
		id = btf__find_by_name_kind(btf, "trace_event_raw_kvm_exit", BTF_KIND_STRUCT);
	}
	if (id < 0) {
		if (!access("/sys/module/kvm", F_OK) && !k->module_btf_seen)
			snprintf(k->why, sizeof(k->why), "kvm module loaded without BTF "
				 "(no %s: CONFIG_DEBUG_INFO_BTF_MODULES)", KVM_BTF_MODULE);
		else
			snprintf(k->why, sizeof(k->why), "KVM absent: no kvm_exit tracepoint in "
				 "kernel BTF and kvm module not loaded");
	} else if (has_member(btf, id, "vcpu_id")) {
		k->exit_prog = "kvm_exit_tp";
		st = KVM_ATTACHED;
	} else if (reason_is_first_arg(btf)) {
		k->exit_prog = "kvm_exit_raw";
		st = KVM_ATTACHED;
	} else {
		snprintf(k->why, sizeof(k->why), "kvm_exit gives neither vcpu_id in its record "
			 "nor the exit reason as an argument");
		st = KVM_FAILED;
	}
	if (btf != vmlinux)
		btf__free(btf);
	btf__free(vmlinux);
	return st; /* KVM_ATTACHED here means "attachable" */
}

/* The wakeup family's sched_switch program times vCPU switch-outs too
 * (bpf/kvm_threads.bpf.h): kvm_switch only stands in when it is off. */
static bool main_switch_attached(struct ls_tracer *t)
{
	struct ls_prog_state *ps = prog_state(t, "sched_switch");

	return ps && ps->attached;
}

static bool wanted(struct ls_tracer *t, const struct ls_kvm *k, const char *name, bool inject)
{
	if (!strcmp(name, "kvm_inject"))
		return inject;
	if (!strcmp(name, "kvm_switch"))
		return !main_switch_attached(t);
	if (!strncmp(name, "kvm_exit_", 9))
		return !strcmp(name, k->exit_prog);
	return is_kvm_prog(name);
}

/* Open the second instance: every map reused from the first. */
static int load(struct ls_tracer *t, struct ls_kvm *k, bool inject)
{
	struct latscope_bpf *s = latscope_bpf__open();
	struct bpf_program *p;
	struct bpf_map *m;
	int err;

	if (!s)
		return -errno;
	bpf_object__for_each_map(m, s->obj) {
		struct bpf_map *main_map;

		main_map = bpf_object__find_map_by_name(t->skel->obj, bpf_map__name(m));
		if (!main_map || bpf_map__fd(main_map) < 0 ||
		    bpf_map__reuse_fd(m, bpf_map__fd(main_map))) {
			err = main_map ? -errno : -ENOENT;
			log_err("kvm: reusing map %s: %s", bpf_map__name(m), strerror(-err));
			latscope_bpf__destroy(s);
			return err;
		}
	}
	bpf_object__for_each_program(p, s->obj)
		bpf_program__set_autoload(p, wanted(t, k, bpf_program__name(p), inject));
	err = latscope_bpf__load(s);
	if (err) {
		latscope_bpf__destroy(s);
		return err;
	}
	k->skel = s;
	k->inject = inject;
	return 0;
}

static void detach(struct ls_tracer *t, struct ls_kvm *k)
{
	for (size_t i = 0; i < NKVM; i++) {
		struct ls_prog_state *ps = prog_state(t, kvm_progs[i]);

		if (!k->links[i])
			continue;
		bpf_link__destroy(k->links[i]);
		k->links[i] = NULL;
		if (ps && ps->attached) {
			ps->attached = false;
			t->nattached--;
		}
	}
	latscope_bpf__destroy(k->skel);
	k->skel = NULL;
}

static int attach(struct ls_tracer *t, struct ls_kvm *k)
{
	for (size_t i = 0; i < NKVM; i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(k->skel->obj,
									  kvm_progs[i]);
		struct ls_prog_state *ps = prog_state(t, kvm_progs[i]);

		if (!p || !ps || !bpf_program__autoload(p) || !strcmp(kvm_progs[i], "kvm_inject"))
			continue;
		k->links[i] = bpf_program__attach(p);
		if (!k->links[i]) {
			int err = -errno;

			snprintf(k->why, sizeof(k->why), "attaching %s: %s", kvm_progs[i],
				 strerror(-err));
			detach(t, k);
			return err;
		}
		ps->attached = true;
		t->nattached++;
	}
	return 0;
}

static void try_attach(struct ls_tracer *t)
{
	struct ls_kvm *k = t->kvm;
	struct ls_prog_state *inj, *sw;
	bool inject = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SYSCALL, NULL) == 1;
	const char *no_inject = "not loaded: BPF_PROG_TYPE_SYSCALL unsupported here";
	int err;

	k->state = probe(k);
	if (k->state != KVM_ATTACHED) {
		set_reasons(t, "%s", k->why);
		if (k->state == KVM_ABSENT)
			log_info("kvm programs off: %s; re-probing every second", k->why);
		else
			log_warn("kvm programs off: %s", k->why);
		return;
	}
	err = load(t, k, inject);
	if (err && inject) {
		log_warn("kvm: loading with kvm_inject failed (%s); retrying without it",
			 strerror(-err));
		err = load(t, k, false);
		no_inject = "not loaded: the kernel rejected it (see the daemon's log)";
	}
	if (!err)
		err = attach(t, k);
	else
		snprintf(k->why, sizeof(k->why), "loading: %s", strerror(-err));
	if (err) {
		k->state = KVM_FAILED;
		set_reasons(t, "%s", k->why);
		log_warn("kvm programs off: %s", k->why);
		return;
	}
	set_reasons(t, "%s", !strcmp(k->exit_prog, "kvm_exit_tp")
		    ? "not needed: this kernel's kvm_exit record has vcpu_id (kvm_exit_tp used)"
		    : "kvm_exit record lacks vcpu_id here (kvm_exit_raw used)");
	sw = prog_state(t, "kvm_switch");
	if (sw && !sw->attached)
		snprintf(sw->reason, sizeof(sw->reason), "%s", "not needed: the wakeup family's "
			 "sched_switch program times vCPU switch-outs");
	inj = prog_state(t, "kvm_inject");
	if (inj)
		snprintf(inj->reason, sizeof(inj->reason), "%s", k->inject
			 ? "loaded, never attached: runs only through BPF_PROG_TEST_RUN (test injection)"
			 : no_inject);
	log_info("kvm programs attached (%s, types from %s)", k->exit_prog, k->btf_from);
}

void ls_kvm_start(struct ls_tracer *t)
{
	if (t->kvm)
		try_attach(t);
}

void ls_kvm_reprobe(struct ls_tracer *t)
{
	struct ls_kvm *k = t->kvm;
	bool seen;

	if (!k || k->state != KVM_ABSENT)
		return;
	seen = !access(KVM_BTF_MODULE, F_OK);
	if (seen == k->module_btf_seen)
		return;
	k->module_btf_seen = seen;
	if (seen) {
		log_info("kvm module BTF appeared: probing");
		try_attach(t);
	}
}

void ls_kvm_stop(struct ls_tracer *t)
{
	if (!t->kvm)
		return;
	if (t->kvm->skel)
		detach(t, t->kvm);
	free(t->kvm);
	t->kvm = NULL;
}

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

json_object *ls_kvm_status(const struct ls_tracer *t)
{
	static const char *const states[] = { "absent", "attached", "failed" };
	const struct ls_kvm *k = t->kvm;
	json_object *o = json_object_new_object();
	const struct latscope_bpf__bss *bss = t->skel ? t->skel->bss : NULL;

	if (!k || !bss)
		return o;
	json_object_object_add(o, "state", json_object_new_string(states[k->state]));
	if (k->state != KVM_ATTACHED)
		json_object_object_add(o, "reason", json_object_new_string(k->why));
	else {
		json_object_object_add(o, "exit_program", json_object_new_string(k->exit_prog));
		json_object_object_add(o, "types_from", json_object_new_string(k->btf_from));
		json_object_object_add(o, "inject_program", json_object_new_boolean(k->inject));
	}
	add_u64(o, "threads_max", k->max_threads);
	add_u64(o, "threads", bss->ls_kvm_nthreads > 0 ? bss->ls_kvm_nthreads : 0);
	add_u64(o, "untracked", bss->ls_kvm_untracked);
	add_u64(o, "open_exits", bss->ls_kvm_open_exits > 0 ? bss->ls_kvm_open_exits : 0);
	return o;
}
