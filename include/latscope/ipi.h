/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What bpf/ipi.bpf.c and the daemon agree on besides the record format:
 * the receiving classes that pending sends are kept per target CPU for
 * (the map of pending state has ncpus * LS_IPI_NCLASS slots), and the bound
 * on the cpumask expansion. See docs/design.md, "IPIs".
 */
#ifndef LATSCOPE_IPI_H
#define LATSCOPE_IPI_H

/*
 * How a send is served on its target. Both call_function and
 * call_function_single handlers flush the same per-CPU queue of smp calls,
 * so they serve one class.
 */
enum ls_ipi_class {
	LS_IPI_CALL = 0,    /* smp_call_function*: call_function[_single]_entry */
	LS_IPI_RESCHED = 1, /* smp_send_reschedule (no callback): reschedule_entry */
	LS_IPI_WORK = 2,    /* irq_work self-IPI: irq_work_entry */
	LS_IPI_NCLASS,
};

/* Targets of an ipi_send_cpumask beyond this CPU number are not tracked
 * (counted as drops of LS_K_IPI). x86's largest NR_CPUS (MAXSMP). */
#define LS_IPI_MAX_CPUS 8192

#endif
