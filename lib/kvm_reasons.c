// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* KVM exit reason names (see kvm_reasons.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "latscope/record.h"
#include "kvm_reasons.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define FAILED_SUFFIX " FAILED_VMENTRY"

struct svm_name {
	uint32_t code;
	const char *name;
};

/* VMX basic exit reasons (Intel SDM appendix C), indexed by code. */
static const char *const vmx_names[] = {
	[0] = "EXCEPTION_NMI",
	[1] = "EXTERNAL_INTERRUPT",
	[2] = "TRIPLE_FAULT",
	[3] = "INIT_SIGNAL",
	[4] = "SIPI_SIGNAL",
	[7] = "INTERRUPT_WINDOW",
	[8] = "NMI_WINDOW",
	[9] = "TASK_SWITCH",
	[10] = "CPUID",
	[12] = "HLT",
	[13] = "INVD",
	[14] = "INVLPG",
	[15] = "RDPMC",
	[16] = "RDTSC",
	[18] = "VMCALL",
	[19] = "VMCLEAR",
	[20] = "VMLAUNCH",
	[21] = "VMPTRLD",
	[22] = "VMPTRST",
	[23] = "VMREAD",
	[24] = "VMRESUME",
	[25] = "VMWRITE",
	[26] = "VMOFF",
	[27] = "VMON",
	[28] = "CR_ACCESS",
	[29] = "DR_ACCESS",
	[30] = "IO_INSTRUCTION",
	[31] = "MSR_READ",
	[32] = "MSR_WRITE",
	[33] = "INVALID_STATE",
	[34] = "MSR_LOAD_FAIL",
	[36] = "MWAIT_INSTRUCTION",
	[37] = "MONITOR_TRAP_FLAG",
	[39] = "MONITOR_INSTRUCTION",
	[40] = "PAUSE_INSTRUCTION",
	[41] = "MCE_DURING_VMENTRY",
	[43] = "TPR_BELOW_THRESHOLD",
	[44] = "APIC_ACCESS",
	[45] = "EOI_INDUCED",
	[46] = "GDTR_IDTR",
	[47] = "LDTR_TR",
	[48] = "EPT_VIOLATION",
	[49] = "EPT_MISCONFIG",
	[50] = "INVEPT",
	[51] = "RDTSCP",
	[52] = "PREEMPTION_TIMER",
	[53] = "INVVPID",
	[54] = "WBINVD",
	[55] = "XSETBV",
	[56] = "APIC_WRITE",
	[57] = "RDRAND",
	[58] = "INVPCID",
	[59] = "VMFUNC",
	[60] = "ENCLS",
	[61] = "RDSEED",
	[62] = "PML_FULL",
	[63] = "XSAVES",
	[64] = "XRSTORS",
	[67] = "UMWAIT",
	[68] = "TPAUSE",
	[74] = "BUS_LOCK",
	[75] = "NOTIFY",
	[77] = "TDCALL",
	[84] = "MSR_READ_IMM",
	[85] = "MSR_WRITE_IMM",
};

/* SVM exit codes (AMD APM vol. 2 appendix C), as KVM names them. */
static const struct svm_name svm_names[] = {
	{ 0x0, "read_cr0" },
	{ 0x2, "read_cr2" },
	{ 0x3, "read_cr3" },
	{ 0x4, "read_cr4" },
	{ 0x8, "read_cr8" },
	{ 0x10, "write_cr0" },
	{ 0x12, "write_cr2" },
	{ 0x13, "write_cr3" },
	{ 0x14, "write_cr4" },
	{ 0x18, "write_cr8" },
	{ 0x20, "read_dr0" },
	{ 0x21, "read_dr1" },
	{ 0x22, "read_dr2" },
	{ 0x23, "read_dr3" },
	{ 0x24, "read_dr4" },
	{ 0x25, "read_dr5" },
	{ 0x26, "read_dr6" },
	{ 0x27, "read_dr7" },
	{ 0x30, "write_dr0" },
	{ 0x31, "write_dr1" },
	{ 0x32, "write_dr2" },
	{ 0x33, "write_dr3" },
	{ 0x34, "write_dr4" },
	{ 0x35, "write_dr5" },
	{ 0x36, "write_dr6" },
	{ 0x37, "write_dr7" },
	{ 0x40, "DE excp" },
	{ 0x41, "DB excp" },
	{ 0x43, "BP excp" },
	{ 0x44, "OF excp" },
	{ 0x45, "BR excp" },
	{ 0x46, "UD excp" },
	{ 0x47, "NM excp" },
	{ 0x48, "DF excp" },
	{ 0x4a, "TS excp" },
	{ 0x4b, "NP excp" },
	{ 0x4c, "SS excp" },
	{ 0x4d, "GP excp" },
	{ 0x4e, "PF excp" },
	{ 0x50, "MF excp" },
	{ 0x51, "AC excp" },
	{ 0x52, "MC excp" },
	{ 0x53, "XF excp" },
	{ 0x60, "interrupt" },
	{ 0x61, "nmi" },
	{ 0x62, "smi" },
	{ 0x63, "init" },
	{ 0x64, "vintr" },
	{ 0x65, "cr0_sel_write" },
	{ 0x66, "read_idtr" },
	{ 0x67, "read_gdtr" },
	{ 0x68, "read_ldtr" },
	{ 0x69, "read_rt" },
	{ 0x6a, "write_idtr" },
	{ 0x6b, "write_gdtr" },
	{ 0x6c, "write_ldtr" },
	{ 0x6d, "write_rt" },
	{ 0x6e, "rdtsc" },
	{ 0x6f, "rdpmc" },
	{ 0x70, "pushf" },
	{ 0x71, "popf" },
	{ 0x72, "cpuid" },
	{ 0x73, "rsm" },
	{ 0x74, "iret" },
	{ 0x75, "swint" },
	{ 0x76, "invd" },
	{ 0x77, "pause" },
	{ 0x78, "hlt" },
	{ 0x79, "invlpg" },
	{ 0x7a, "invlpga" },
	{ 0x7b, "io" },
	{ 0x7c, "msr" },
	{ 0x7d, "task_switch" },
	{ 0x7e, "ferr_freeze" },
	{ 0x7f, "shutdown" },
	{ 0x80, "vmrun" },
	{ 0x81, "hypercall" },
	{ 0x82, "vmload" },
	{ 0x83, "vmsave" },
	{ 0x84, "stgi" },
	{ 0x85, "clgi" },
	{ 0x86, "skinit" },
	{ 0x87, "rdtscp" },
	{ 0x88, "icebp" },
	{ 0x89, "wbinvd" },
	{ 0x8a, "monitor" },
	{ 0x8b, "mwait" },
	{ 0x8d, "xsetbv" },
	{ 0x8f, "write_efer_trap" },
	{ 0x90, "write_cr0_trap" },
	{ 0x94, "write_cr4_trap" },
	{ 0x98, "write_cr8_trap" },
	{ 0xa2, "invpcid" },
	{ 0xa5, "buslock" },
	{ 0xa6, "idle-halt" },
	{ 0x400, "npf" },
	{ 0x401, "avic_incomplete_ipi" },
	{ 0x402, "avic_unaccelerated_access" },
	{ 0x403, "vmgexit" },
	{ 0x80000001, "vmgexit_mmio_read" },
	{ 0x80000002, "vmgexit_mmio_write" },
	{ 0x80000003, "vmgexit_nmi_complete" },
	{ 0x80000004, "vmgexit_ap_hlt_loop" },
	{ 0x80000005, "vmgexit_ap_jump_table" },
	{ 0x80000010, "vmgexit_page_state_change" },
	{ 0x80000011, "vmgexit_guest_request" },
	{ 0x80000012, "vmgexit_ext_guest_request" },
	{ 0x80000013, "vmgexit_ap_creation" },
	{ 0x8000fffd, "vmgexit_hypervisor_feature" },
	{ 0xffffffff, "invalid_guest_state" },
};

static unsigned isas_seen; /* bit per LS_KVM_ISA_* */

const char *ls_kvm_isa_name(unsigned isa)
{
	return isa == LS_KVM_ISA_VMX ? "vmx" : isa == LS_KVM_ISA_SVM ? "svm" : "unknown";
}

static const char *vmx_name(uint32_t basic)
{
	return basic < ARRAY_SIZE(vmx_names) ? vmx_names[basic] : NULL;
}

static const char *svm_name(uint32_t code)
{
	for (size_t i = 0; i < ARRAY_SIZE(svm_names); i++)
		if (svm_names[i].code == code)
			return svm_names[i].name;
	return NULL;
}

const char *ls_kvm_reason_name(unsigned isa, uint32_t reason, char *buf, size_t len)
{
	const char *name;

	if (!len)
		return buf;
	if (isa == LS_KVM_ISA_SVM) {
		name = svm_name(reason);
		if (name)
			snprintf(buf, len, "%s", name);
		else
			snprintf(buf, len, "0x%x", reason);
	} else if (isa == LS_KVM_ISA_VMX) {
		uint32_t flags = reason & ~0xffffu & ~LS_VMX_FAILED_VMENTRY;
		size_t n;

		name = vmx_name(reason & 0xffff);
		if (name)
			n = snprintf(buf, len, "%s", name);
		else
			n = snprintf(buf, len, "%u", reason & 0xffff);
		if (n < len && (reason & LS_VMX_FAILED_VMENTRY))
			n += snprintf(buf + n, len - n, FAILED_SUFFIX);
		if (n < len && flags) /* other flag bits: unnamed in the kernel too */
			snprintf(buf + n, len - n, " 0x%x", flags);
	} else {
		snprintf(buf, len, "%u", reason);
	}
	return buf;
}

static int parse_number(const char *s, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

typedef int (*cmp_fn)(const char *, const char *);

static int find_vmx(const char *s, cmp_fn cmp, uint32_t *reason)
{
	size_t n = strlen(s), sl = strlen(FAILED_SUFFIX);
	uint32_t flag = 0;
	char base[64];

	if (n > sl && !cmp(s + n - sl, FAILED_SUFFIX)) {
		n -= sl;
		flag = LS_VMX_FAILED_VMENTRY;
	}
	if (n >= sizeof(base))
		return -1;
	memcpy(base, s, n);
	base[n] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(vmx_names); i++)
		if (vmx_names[i] && !cmp(vmx_names[i], base)) {
			*reason = (uint32_t)i | flag;
			return 0;
		}
	return parse_number(base, reason) ? -1 : (*reason |= flag, 0);
}

static int find_svm(const char *s, cmp_fn cmp, uint32_t *reason)
{
	for (size_t i = 0; i < ARRAY_SIZE(svm_names); i++)
		if (!cmp(svm_names[i].name, s)) {
			*reason = svm_names[i].code;
			return 0;
		}
	return -1;
}

int ls_kvm_reason_parse(const char *s, unsigned *isa, uint32_t *reason)
{
	static const cmp_fn cmps[] = { strcmp, strcasecmp }; /* exact case first */

	if (!s || !*s)
		return -1;
	if (!parse_number(s, reason))
		return 0;
	if (*isa == LS_KVM_ISA_VMX)
		return find_vmx(s, strcasecmp, reason);
	if (*isa == LS_KVM_ISA_SVM)
		return find_svm(s, strcasecmp, reason);
	for (size_t i = 0; i < ARRAY_SIZE(cmps); i++) {
		if (!find_vmx(s, cmps[i], reason)) {
			*isa = LS_KVM_ISA_VMX;
			return 0;
		}
		if (!find_svm(s, cmps[i], reason)) {
			*isa = LS_KVM_ISA_SVM;
			return 0;
		}
	}
	return -1;
}

void ls_kvm_note_isa(unsigned isa)
{
	if (isa == LS_KVM_ISA_VMX || isa == LS_KVM_ISA_SVM)
		__atomic_or_fetch(&isas_seen, 1u << isa, __ATOMIC_RELAXED);
}

unsigned ls_kvm_isa_hint(void)
{
	unsigned seen = __atomic_load_n(&isas_seen, __ATOMIC_RELAXED);

	if (seen == 1u << LS_KVM_ISA_VMX)
		return LS_KVM_ISA_VMX;
	if (seen == 1u << LS_KVM_ISA_SVM)
		return LS_KVM_ISA_SVM;
	return LS_KVM_ISA_UNKNOWN;
}
