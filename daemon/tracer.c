/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "latscope.skel.h"
#include "latscope/ipi.h"
#include "tracer.h"
#include "tracer_kvm.h"
#include "tracer_timers.h"
#include "log.h"

struct ls_pcpu_value { /* layout prefix of struct ls_pcpu in bpf/common.bpf.h */
	struct ls_counters c;
};

static const char *family_of(const char *prog, const char *tp)
{
	if (!strncmp(prog, "ipi_", 4)) /* bpf/ipi.bpf.c, vector tracepoints too */
		return "ipi";
	if (!strncmp(tp, "irq_handler_", 12))
		return "hardirq";
	if (!strncmp(tp, "softirq_", 8))
		return "softirq";
	if (!strncmp(tp, "hrtimer_", 8))
		return "hrtimer";
	if (!strncmp(tp, "sched_", 6))
		return "wakeup";
	if (!strcmp(tp, "irq_disable") || !strcmp(tp, "irq_enable") ||
	    !strncmp(tp, "preempt_", 8))
		return "preemptirq";
	return "vector";
}

/* tp_btf programs attach through the btf_trace_<tp> typedef; a kernel that
 * lacks the tracepoint lacks the typedef. */
static bool kernel_has_tp(const struct btf *vmlinux, const char *tp)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF) >= 0;
}

/* Offset of a per-CPU variable in the kernel's per-CPU section; -1 if absent. */
static int64_t percpu_offset(const struct btf *btf, const char *var)
{
	int id = btf__find_by_name_kind(btf, ".data..percpu", BTF_KIND_DATASEC);
	const struct btf_var_secinfo *vs;
	const struct btf_type *sec;
	unsigned i;

	if (id < 0)
		return -1;
	sec = btf__type_by_id(btf, id);
	vs = btf_var_secinfos(sec);
	for (i = 0; i < btf_vlen(sec); i++, vs++)
		if (!strcmp(btf__name_by_offset(btf, btf__type_by_id(btf, vs->type)->name_off), var))
			return vs->offset;
	return -1;
}

/* bpf/ipi.bpf.c finds a CPU's irq_stat from its runqueue: their distance. */
static void probe_ipi_irq_stat(struct ls_tracer *t, const struct btf *vmlinux)
{
	int64_t st = percpu_offset(vmlinux, "irq_stat"), rq = percpu_offset(vmlinux, "runqueues");

	t->ipi_irq_stat_known = st >= 0 && rq >= 0;
	t->ipi_irq_stat_from_rq = st - rq;
	if (!t->ipi_irq_stat_known)
		log_info("ipi: irq_stat or runqueues not in the kernel's BTF: handler runs "
			 "our programs miss cannot be detected");
}

static int probe_programs(struct ls_tracer *t, const struct ls_config *cfg)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	struct bpf_program *p;
	unsigned n = 0;

	if (!vmlinux) {
		log_err("kernel BTF not readable (/sys/kernel/btf/vmlinux): %s; "
			"latscope needs a kernel with CONFIG_DEBUG_INFO_BTF", strerror(errno));
		return -ENOTSUP;
	}
	bpf_object__for_each_program(p, t->skel->obj)
		n++;
	t->progs = calloc(n, sizeof(*t->progs));
	t->links = calloc(n, sizeof(*t->links));
	if (!t->progs || !t->links) {
		btf__free(vmlinux);
		return -ENOMEM;
	}
	bpf_object__for_each_program(p, t->skel->obj) {
		struct ls_prog_state *ps = &t->progs[t->nprogs++];
		const char *sec = bpf_program__section_name(p);
		const char *tp = strchr(sec, '/') ? strchr(sec, '/') + 1 : sec;

		ps->name = bpf_program__name(p);
		ps->family = family_of(ps->name, tp);
		if (ls_kvm_claim(p, ps)) {
			if (cfg && !ls_config_family_enabled(cfg, ps->family))
				snprintf(ps->reason, sizeof(ps->reason),
					 "family %s disabled by configuration ([tracing] families)",
					 ps->family);
			continue;
		}
		if (cfg && !ls_config_family_enabled(cfg, ps->family)) {
			bpf_program__set_autoload(p, false);
			snprintf(ps->reason, sizeof(ps->reason),
				 "family %s disabled by configuration ([tracing] families)",
				 ps->family);
		} else if (!kernel_has_tp(vmlinux, tp)) {
			bpf_program__set_autoload(p, false);
			snprintf(ps->reason, sizeof(ps->reason),
				 "tracepoint %s not in this kernel", tp);
			log_info("program %s off: %s", ps->name, ps->reason);
		}
	}
	probe_ipi_irq_stat(t, vmlinux);
	ls_timers_probe(t, vmlinux);
	btf__free(vmlinux);
	return 0;
}

/*
 * IPI pairing (bpf/ipi.bpf.c): pending state for every (possible CPU,
 * receiving class), and the send side only where both send tracepoints
 * exist (>= 6.4); otherwise the receive programs just count runs.
 */
static void setup_ipi(struct ls_tracer *t, const struct ls_tracer_opts *o)
{
	struct latscope_bpf *sk = t->skel;
	unsigned ncpus = t->ncpus < LS_IPI_MAX_CPUS ? t->ncpus : LS_IPI_MAX_CPUS;

	t->ipi_send_side = bpf_program__autoload(sk->progs.ipi_send_cpu) &&
			   bpf_program__autoload(sk->progs.ipi_send_cpumask);
	if (!t->ipi_send_side) {
		bpf_program__set_autoload(sk->progs.ipi_send_cpu, false);
		bpf_program__set_autoload(sk->progs.ipi_send_cpumask, false);
		log_info("ipi: receive only (no ipi_send_* tracepoints): no IPI origin "
			 "or delivery latency on this kernel");
	}
	sk->rodata->ls_ipi_ncpus = ncpus;
	sk->rodata->ls_ipi_possible = t->ncpus;
	sk->rodata->ls_ipi_smp_call_fn = o->ipi_smp_call_fn;
	sk->rodata->ls_ipi_send_side = t->ipi_send_side;
	sk->rodata->ls_ipi_irq_stat_known = t->ipi_irq_stat_known;
	sk->rodata->ls_ipi_irq_stat_from_rq = t->ipi_irq_stat_from_rq;
	bpf_map__set_max_entries(sk->maps.ls_ipi_slots, ncpus * LS_IPI_NCLASS);
}

/* Rings are created before load: the first one also serves as the outer
 * map's inner-map template, which the verifier checks the others against. */
static int create_rings(struct ls_tracer *t)
{
	unsigned i;

	t->ring_fds = calloc(t->nshards, sizeof(int));
	if (!t->ring_fds)
		return -ENOMEM;
	for (i = 0; i < t->nshards; i++)
		t->ring_fds[i] = -1;
	for (i = 0; i < t->nshards; i++) {
		int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "ls_ring", 0, 0,
					t->ring_bytes, NULL);

		if (fd < 0) {
			log_err("creating ring %u (%zu bytes): %s", i, t->ring_bytes,
				strerror(errno));
			return -errno;
		}
		t->ring_fds[i] = fd;
	}
	return bpf_map__set_inner_map_fd(t->skel->maps.ls_rings, t->ring_fds[0]);
}

static int install_rings(struct ls_tracer *t, ring_buffer_sample_fn fn, void *ctx)
{
	int outer = bpf_map__fd(t->skel->maps.ls_rings);
	unsigned i;

	for (i = 0; i < t->nshards; i++) {
		int fd = t->ring_fds[i];

		if (bpf_map_update_elem(outer, &i, &fd, BPF_ANY)) {
			log_err("installing ring %u: %s", i, strerror(errno));
			return -errno;
		}
		if (!t->rb)
			t->rb = ring_buffer__new(fd, fn, ctx, NULL);
		else if (ring_buffer__add(t->rb, fd, fn, ctx))
			return -errno;
		if (!t->rb)
			return -errno;
	}
	return 0;
}

/*
 * In two passes: the IPI programs last. Programs at one tracepoint run in
 * the order they attached, and bpf/ipi.bpf.c shares the IPI vectors' entry
 * tracepoints with bpf/vectors.bpf.c, whose span must start before the IPI
 * program's work, as ftrace's does. (Within ipi.bpf.c the receive programs
 * come before the send programs; see there.)
 */
static void attach_all(struct ls_tracer *t)
{
	struct bpf_program *p;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		unsigned i = 0;

		bpf_object__for_each_program(p, t->skel->obj) {
			struct ls_prog_state *ps = &t->progs[i++];
			int is_ipi = !strcmp(ps->family, "ipi");
			struct bpf_link *l;

			if (!bpf_program__autoload(p) || is_ipi != pass)
				continue;
			l = bpf_program__attach(p);
			if (!l) {
				snprintf(ps->reason, sizeof(ps->reason), "attach failed: %s",
					 strerror(errno));
				log_warn("program %s: %s", ps->name, ps->reason);
				continue;
			}
			t->links[i - 1] = l;
			ps->attached = true;
			ps->fd = bpf_program__fd(p);
			t->nattached++;
		}
	}
}

/* libbpf hands over a failed program's whole verifier log as one message:
 * log it whole, line by line, or the reason for the failure is cut off. */
static int libbpf_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	char *buf, *line, *save = NULL;

	if (lvl == LIBBPF_DEBUG)
		return 0;
	if (vasprintf(&buf, fmt, ap) < 0)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		ls_log(lvl == LIBBPF_WARN ? LS_LOG_WARN : LS_LOG_DEBUG, "libbpf: %s", line);
	free(buf);
	return 0;
}

int ls_tracer_start(struct ls_tracer *t, const struct ls_tracer_opts *o,
		    ring_buffer_sample_fn fn, void *ctx)
{
	unsigned shift = __builtin_ctz(o->cpus_per_shard);
	int err;

	memset(t, 0, sizeof(*t));
	libbpf_set_print(libbpf_print);
	t->ncpus = libbpf_num_possible_cpus();
	if (t->ncpus <= 0)
		return t->ncpus ? t->ncpus : -EINVAL;
	t->cpus_per_shard = o->cpus_per_shard;
	t->nshards = (t->ncpus + o->cpus_per_shard - 1) / o->cpus_per_shard;
	t->ring_bytes = o->ring_bytes;
	t->wakeup_bytes = o->wakeup_bytes ? o->wakeup_bytes : o->ring_bytes / 4;

	t->skel = latscope_bpf__open();
	if (!t->skel) {
		log_err("opening BPF object: %s", strerror(errno));
		return -errno;
	}
	t->pcpu_buf = calloc(t->ncpus, (bpf_map__value_size(t->skel->maps.ls_pcpu_map) + 7) & ~7u);
	if (!t->pcpu_buf)
		return -ENOMEM;
	err = probe_programs(t, o->cfg);
	if (err)
		return err;
	t->skel->rodata->ls_shard_shift = shift;
	t->skel->rodata->ls_wakeup_bytes = t->wakeup_bytes;
	t->skel->rodata->ls_hrtimer_wakeup_fn = o->hrtimer_wakeup_fn;
	t->skel->rodata->ls_timerfd_fn = o->timerfd_fn;
	t->skel->rodata->ls_wakeup_emit_all = o->wakeup_emit_all;
	t->skel->rodata->ls_wakeup_floor_ns = o->wakeup_floor_ns;
	t->skel->rodata->ls_stack_threshold_ns = o->stack_threshold_ns;
	bpf_map__set_max_entries(t->skel->maps.ls_stacks, o->stack_entries ? o->stack_entries : 1);
	t->wakeup_floor_ns = o->wakeup_floor_ns;
	t->wakeup_emit_all = o->wakeup_emit_all;
	bpf_map__set_max_entries(t->skel->maps.ls_cpu_curr, t->ncpus);
	bpf_map__set_max_entries(t->skel->maps.ls_wakeup_bar, t->ncpus);
	setup_ipi(t, o);
	bpf_map__set_max_entries(t->skel->maps.ls_rings, t->nshards);
	/* sched_switch refers to the vCPU table: it always exists, with one
	 * entry when KVM is not traced (never probed then) */
	if (o->cfg && !ls_config_family_enabled(o->cfg, "kvm"))
		err = bpf_map__set_max_entries(t->skel->maps.ls_kvm_threads, 1);
	else
		err = ls_kvm_prepare(t, o->kvm_threads);
	if (err)
		return err;
	err = create_rings(t);
	if (err)
		return err;

	err = latscope_bpf__load(t->skel);
	if (err) {
		log_err("loading BPF programs: %s (are you root / CAP_BPF+CAP_PERFMON?)",
			strerror(-err));
		return err;
	}
	/* the floor until the daemon has worst lists to raise it to */
	for (__u32 cpu = 0; cpu < (__u32)t->ncpus; cpu++)
		if (bpf_map__update_elem(t->skel->maps.ls_wakeup_bar, &cpu, sizeof(cpu),
					 &o->wakeup_floor_ns, sizeof(o->wakeup_floor_ns), BPF_ANY)) {
			err = -errno;
			log_err("setting the wakeup emit bar: %s", strerror(errno));
			return err;
		}
	t->stacks_fd = bpf_map__fd(t->skel->maps.ls_stacks);
	t->stack_stats_fd = bpf_map__fd(t->skel->maps.ls_stack_stats);
	err = install_rings(t, fn, ctx);
	if (err)
		return err;
	attach_all(t);
	ls_kvm_start(t);
	if (!t->nattached) {
		log_err("no BPF program could be attached");
		return -ENOENT;
	}
	log_info("attached %u of %u programs; %u ring(s) of %zu KiB for %d CPUs",
		 t->nattached, t->nprogs, t->nshards, t->ring_bytes >> 10, t->ncpus);
	return 0;
}

int ls_tracer_counters(struct ls_tracer *t, struct ls_counters *per_cpu)
{
	size_t vsz = (bpf_map__value_size(t->skel->maps.ls_pcpu_map) + 7) & ~7u;
	__u32 zero = 0;
	int i;

	if (bpf_map__lookup_elem(t->skel->maps.ls_pcpu_map, &zero, sizeof(zero),
				 t->pcpu_buf, vsz * t->ncpus, 0))
		return -errno;
	for (i = 0; i < t->ncpus; i++)
		memcpy(&per_cpu[i], (char *)t->pcpu_buf + i * vsz,
		       sizeof(struct ls_pcpu_value));
	return 0;
}

uint64_t ls_tracer_prog_misses(const struct ls_tracer *t, unsigned i)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (i >= t->nprogs || !t->progs[i].attached ||
	    bpf_obj_get_info_by_fd(t->progs[i].fd, &info, &len))
		return 0;
	return info.recursion_misses;
}

int ls_tracer_epoll_fd(const struct ls_tracer *t)
{
	return ring_buffer__epoll_fd(t->rb);
}

int ls_tracer_drain(struct ls_tracer *t)
{
	if (!t->rb) /* start failed before the rings were set up */
		return 0;
	return ring_buffer__consume(t->rb);
}

void ls_tracer_detach(struct ls_tracer *t)
{
	unsigned i;

	for (i = 0; t->links && i < t->nprogs; i++) {
		bpf_link__destroy(t->links[i]);
		t->links[i] = NULL;
		t->progs[i].attached = false;
	}
	/* A program may still be running on another CPU when its link is
	 * gone; they run inside RCU read-side sections, so a grace period
	 * (what MEMBARRIER_CMD_GLOBAL waits for) sees them all out. It is
	 * refused on nohz_full hosts: then give them far longer than any
	 * program runs. */
	if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0))
		usleep(100000);
}

void ls_tracer_stop(struct ls_tracer *t)
{
	unsigned i;

	ls_kvm_stop(t);
	ring_buffer__free(t->rb);
	for (i = 0; t->links && i < t->nprogs; i++)
		bpf_link__destroy(t->links[i]);
	free(t->links);
	latscope_bpf__destroy(t->skel); /* detaches every link, unloads */
	for (i = 0; t->ring_fds && i < t->nshards; i++)
		if (t->ring_fds[i] >= 0)
			close(t->ring_fds[i]);
	free(t->ring_fds);
	free(t->progs);
	free(t->pcpu_buf);
	memset(t, 0, sizeof(*t));
}
