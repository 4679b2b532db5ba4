/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <stdio.h>
#include <string.h>
#include "latscope.skel.h"
#include "log.h"
#include "tracer.h"
#include "tracer_timers.h"

/* Parameters of the tracepoint's prototype (the first is the handler's
 * data pointer); -1 when the kernel's BTF does not describe it. */
static int tp_params(const struct btf *vmlinux, const char *tp)
{
	const struct btf_type *t;
	char name[128];
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -1;
	t = btf__type_by_id(vmlinux, id);            /* typedef -> pointer */
	t = t ? btf__type_by_id(vmlinux, t->type) : NULL;
	t = t && btf_is_ptr(t) ? btf__type_by_id(vmlinux, t->type) : NULL;
	return t && btf_is_func_proto(t) ? btf_vlen(t) : -1;
}

static struct ls_prog_state *prog_state(const struct ls_tracer *t, const char *name)
{
	for (unsigned i = 0; i < t->nprogs; i++)
		if (!strcmp(t->progs[i].name, name))
			return &t->progs[i];
	return NULL;
}

void ls_timers_probe(struct ls_tracer *t, const struct btf *vmlinux)
{
	struct bpf_program *p = t->skel->progs.hrtimer_cancel;
	struct ls_prog_state *ps = prog_state(t, "hrtimer_cancel");

	/* data, hrtimer, mode, was_armed */
	if (!ps || !bpf_program__autoload(p) || tp_params(vmlinux, "hrtimer_start") >= 4)
		return;
	bpf_program__set_autoload(p, false);
	snprintf(ps->reason, sizeof(ps->reason),
		 "hrtimer_cancel also traces expiries and re-arms on this kernel "
		 "(hrtimer_start has no was_armed)");
	log_info("program %s off: %s", ps->name, ps->reason);
}

bool ls_timers_cancels_counted(const struct ls_tracer *t)
{
	const struct ls_prog_state *ps = prog_state(t, "hrtimer_cancel");

	return ps && ps->attached;
}
