/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Names for classes, softirq vectors, x86 vectors and irqs. */
#ifndef LATSCOPE_NAMES_H
#define LATSCOPE_NAMES_H

#include <stdint.h>
#include <stddef.h>
#include "ksyms.h"

/* Symbol table used to name timer-function keys (may be NULL: raw
 * addresses are printed then). Not owned. */
void ls_names_set_ksyms(const struct ls_ksyms *ks);

/* Where hardirq names come from. NULL (the default): this machine's
 * /sys/kernel/irq/N/actions. Offline analysis passes the names its trace
 * printed, since the trace may come from another machine; fn returns NULL
 * for an irq it has no name for. */
typedef const char *(*ls_irq_names_fn)(uint32_t irq, void *ctx);
void ls_names_set_irq_names(ls_irq_names_fn fn, void *ctx);

/* "hardirq", "softirq", "softirq_raise", "vector"; NULL if unknown. */
const char *ls_class_name(uint32_t cls);
/* Inverse; returns -1 if unknown. */
int ls_class_from_name(const char *name);
/* Classes whose keys are kernel addresses (LS_KADDR): timer functions,
 * IPI callbacks and callsites, preemptirq ips. */
int ls_class_key_is_kaddr(uint32_t cls);
/* Classes whose values are counts, not nanoseconds (ipi_sends...). */
int ls_class_is_count(uint32_t cls);

/* "HI","TIMER","NET_TX","NET_RX","BLOCK","IRQ_POLL","TASKLET","SCHED",
 * "HRTIMER","RCU"; NULL if out of range. */
const char *ls_softirq_name(uint32_t vec);
/* "local_timer", "call_function", ... (tracepoint stem); NULL if unknown. */
const char *ls_vector_name(uint32_t v);
/* enum ls_sched_class: "normal", "rt", "dl"; NULL if unknown. */
const char *ls_sched_class_name(uint32_t c);

/*
 * Human name of a key within a class, written into buf: softirq and vector
 * names, irq "N:action" from /sys/kernel/irq/N/actions when readable (else
 * the number), LS_KEY_OTHER as "other". Returns buf.
 */
const char *ls_key_name(uint32_t cls, uint32_t key, char *buf, size_t len);
/*
 * Parse a key given by a user: a number, or a name valid for the class
 * (softirq/vector names, case-insensitive; "other"). Returns 0 and sets *key,
 * or -1.
 */
int ls_key_parse(uint32_t cls, const char *s, uint32_t *key);

/* Kernel function named by the low 32 bits of its address (LS_KADDR):
 * "name", "name+0x1f" or the raw address. Returns buf. */
const char *ls_kaddr_name(uint32_t key, char *buf, size_t len);

#endif
