/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * x86 system vector handlers (irq_vectors:*_entry/exit). Vectors run with
 * interrupts off and do not nest in each other, so one slot per CPU pairs
 * them; the key is enum ls_vector, the hardware vector goes in arg.
 * Vectors a kernel lacks (config-dependent ones like threshold_apic) have
 * their programs' autoload switched off by the daemon.
 */
#include "common.bpf.h"

#define LS_VECTOR_PAIR(name, id)                                         \
	SEC("tp_btf/" #name "_entry")                                    \
	int BPF_PROG(name##_entry, int vector)                           \
	{                                                                \
		struct ls_pcpu *pc = ls_pcpu();                          \
		if (pc)                                                  \
			ls_span_begin(pc, &pc->vector, LS_K_VECTOR, id,  \
				      vector);                           \
		return 0;                                                \
	}                                                                \
	SEC("tp_btf/" #name "_exit")                                     \
	int BPF_PROG(name##_exit, int vector)                            \
	{                                                                \
		struct ls_pcpu *pc = ls_pcpu();                          \
		if (pc)                                                  \
			ls_span_end(pc, &pc->vector, LS_K_VECTOR, id);   \
		return 0;                                                \
	}

LS_VECTOR_PAIR(local_timer, LS_V_LOCAL_TIMER)
LS_VECTOR_PAIR(call_function, LS_V_CALL_FUNCTION)
LS_VECTOR_PAIR(call_function_single, LS_V_CALL_FUNCTION_SINGLE)
LS_VECTOR_PAIR(reschedule, LS_V_RESCHEDULE)
LS_VECTOR_PAIR(irq_work, LS_V_IRQ_WORK)
LS_VECTOR_PAIR(x86_platform_ipi, LS_V_X86_PLATFORM_IPI)
LS_VECTOR_PAIR(spurious_apic, LS_V_SPURIOUS_APIC)
LS_VECTOR_PAIR(error_apic, LS_V_ERROR_APIC)
LS_VECTOR_PAIR(thermal_apic, LS_V_THERMAL_APIC)
LS_VECTOR_PAIR(threshold_apic, LS_V_THRESHOLD_APIC)
LS_VECTOR_PAIR(deferred_error_apic, LS_V_DEFERRED_ERROR_APIC)
LS_VECTOR_PAIR(reboot, LS_V_REBOOT)
