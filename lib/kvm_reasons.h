/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * KVM exit reason names, as the kernel's kvm_exit tracepoint prints them:
 * VMX (Intel) names the basic reason (exit_reason & 0xffff) in capitals and
 * appends " FAILED_VMENTRY" when bit 31 is set; SVM (AMD) names the whole
 * code in lower case. Unknown codes stay numbers (VMX decimal, SVM hex).
 * The tables follow the print format of kvm:kvm_exit in Linux 6.18.
 */
#ifndef LATSCOPE_KVM_REASONS_H
#define LATSCOPE_KVM_REASONS_H

#include <stddef.h>
#include <stdint.h>

#define LS_VMX_FAILED_VMENTRY 0x80000000u

/* "vmx", "svm" or "unknown". */
const char *ls_kvm_isa_name(unsigned isa);

/* Name of reason for isa into buf; returns buf. With LS_KVM_ISA_UNKNOWN
 * the number is printed in decimal. */
const char *ls_kvm_reason_name(unsigned isa, uint32_t reason, char *buf, size_t len);

/*
 * Parse a reason: a number (decimal or 0x hex) or a name. *isa in: the ISA
 * to look in (case-insensitive), or LS_KVM_ISA_UNKNOWN to try VMX then SVM,
 * exact case first (the two tables differ in case: "HLT" vs "hlt"); out: the
 * ISA whose name matched (unchanged for a number). A VMX name may end in
 * " FAILED_VMENTRY". Returns 0, or -1 if s is neither.
 */
int ls_kvm_reason_parse(const char *s, unsigned *isa, uint32_t *reason);

/*
 * The generic kvm_exit/kvm_guest series (lib/agg.c) are keyed by the reason
 * alone; naming such a key needs the ISA. Aggregation notes each record's
 * ISA; when exactly one was seen, that is the hint, else LS_KVM_ISA_UNKNOWN
 * (keys are then shown as numbers).
 */
void ls_kvm_note_isa(unsigned isa);
unsigned ls_kvm_isa_hint(void);

#endif
