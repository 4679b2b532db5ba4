/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * KVM exits from ftrace text, paired per vCPU thread (ftrace's pid):
 * exit cost = kvm_exit -> next kvm_entry of that thread (one struct
 * ls_rec_kvm, record.h), guest time = kvm_entry -> next kvm_exit (its
 * guest_ns), and the part of the exit cost the thread spent switched out
 * (sched_switch away and back while the exit is open: off_cpu_ns).
 *
 * kvm_exit formats:
 *   old  "reason APIC_ACCESS rip 0xffffffff8104d1cc info 10b0 0"
 *   new  "vcpu 1 reason EXTERNAL_INTERRUPT rip 0x... info1 0x... info2 ..."
 *        "vcpu 0 reason INVALID_STATE FAILED_VMENTRY rip ..." (VMX flag)
 *        "vcpu 0 reason DE excp rip ..." (SVM names may hold a blank)
 * kvm_entry: "vcpu 1" (old), "vcpu 1, rip 0x..." (new). The old kvm_exit
 * has no vcpu: the thread's last kvm_entry gives it.
 * The reason is printed by name (VMX or SVM table, which also tells the
 * ISA) or, for codes the kernel's table lacks, as hex.
 */
#include <string.h>

#include "agg.h"
#include "comms.h"
#include "offline_pair_int.h"

#define VMX_FAILED_VMENTRY 0x80000000u

struct reason {
	uint32_t code;
	const char *name;
};

/* The kernel's VMX_EXIT_REASONS names (arch/x86/include/uapi/asm/vmx.h),
 * plus PENDING_INTERRUPT, the name of 7 before INTERRUPT_WINDOW. */
static const struct reason vmx[] = {
	{ 0, "EXCEPTION_NMI" }, { 1, "EXTERNAL_INTERRUPT" }, { 2, "TRIPLE_FAULT" },
	{ 3, "INIT_SIGNAL" }, { 4, "SIPI_SIGNAL" }, { 7, "INTERRUPT_WINDOW" },
	{ 7, "PENDING_INTERRUPT" }, { 8, "NMI_WINDOW" }, { 9, "TASK_SWITCH" },
	{ 10, "CPUID" }, { 12, "HLT" }, { 13, "INVD" }, { 14, "INVLPG" }, { 15, "RDPMC" },
	{ 16, "RDTSC" }, { 18, "VMCALL" }, { 19, "VMCLEAR" }, { 20, "VMLAUNCH" },
	{ 21, "VMPTRLD" }, { 22, "VMPTRST" }, { 23, "VMREAD" }, { 24, "VMRESUME" },
	{ 25, "VMWRITE" }, { 26, "VMOFF" }, { 27, "VMON" }, { 28, "CR_ACCESS" },
	{ 29, "DR_ACCESS" }, { 30, "IO_INSTRUCTION" }, { 31, "MSR_READ" },
	{ 32, "MSR_WRITE" }, { 33, "INVALID_STATE" }, { 34, "MSR_LOAD_FAIL" },
	{ 36, "MWAIT_INSTRUCTION" }, { 37, "MONITOR_TRAP_FLAG" },
	{ 39, "MONITOR_INSTRUCTION" }, { 40, "PAUSE_INSTRUCTION" },
	{ 41, "MCE_DURING_VMENTRY" }, { 43, "TPR_BELOW_THRESHOLD" }, { 44, "APIC_ACCESS" },
	{ 45, "EOI_INDUCED" }, { 46, "GDTR_IDTR" }, { 47, "LDTR_TR" },
	{ 48, "EPT_VIOLATION" }, { 49, "EPT_MISCONFIG" }, { 50, "INVEPT" },
	{ 51, "RDTSCP" }, { 52, "PREEMPTION_TIMER" }, { 53, "INVVPID" }, { 54, "WBINVD" },
	{ 55, "XSETBV" }, { 56, "APIC_WRITE" }, { 57, "RDRAND" }, { 58, "INVPCID" },
	{ 59, "VMFUNC" }, { 60, "ENCLS" }, { 61, "RDSEED" }, { 62, "PML_FULL" },
	{ 63, "XSAVES" }, { 64, "XRSTORS" }, { 67, "UMWAIT" }, { 68, "TPAUSE" },
	{ 74, "BUS_LOCK" }, { 75, "NOTIFY" }, { 77, "TDCALL" }, { 84, "MSR_READ_IMM" },
	{ 85, "MSR_WRITE_IMM" },
};

/* The kernel's SVM_EXIT_REASONS names (arch/x86/include/uapi/asm/svm.h),
 * plus older names: intr (interrupt), ioio (io), vmmcall (hypercall). */
static const struct reason svm[] = {
	{ 0x000, "read_cr0" }, { 0x002, "read_cr2" }, { 0x003, "read_cr3" },
	{ 0x004, "read_cr4" }, { 0x008, "read_cr8" }, { 0x010, "write_cr0" },
	{ 0x012, "write_cr2" }, { 0x013, "write_cr3" }, { 0x014, "write_cr4" },
	{ 0x018, "write_cr8" }, { 0x020, "read_dr0" }, { 0x021, "read_dr1" },
	{ 0x022, "read_dr2" }, { 0x023, "read_dr3" }, { 0x024, "read_dr4" },
	{ 0x025, "read_dr5" }, { 0x026, "read_dr6" }, { 0x027, "read_dr7" },
	{ 0x030, "write_dr0" }, { 0x031, "write_dr1" }, { 0x032, "write_dr2" },
	{ 0x033, "write_dr3" }, { 0x034, "write_dr4" }, { 0x035, "write_dr5" },
	{ 0x036, "write_dr6" }, { 0x037, "write_dr7" }, { 0x040, "DE excp" },
	{ 0x041, "DB excp" }, { 0x043, "BP excp" }, { 0x044, "OF excp" },
	{ 0x045, "BR excp" }, { 0x046, "UD excp" }, { 0x047, "NM excp" },
	{ 0x048, "DF excp" }, { 0x04a, "TS excp" }, { 0x04b, "NP excp" },
	{ 0x04c, "SS excp" }, { 0x04d, "GP excp" }, { 0x04e, "PF excp" },
	{ 0x050, "MF excp" }, { 0x051, "AC excp" }, { 0x052, "MC excp" },
	{ 0x053, "XF excp" }, { 0x060, "interrupt" }, { 0x060, "intr" }, { 0x061, "nmi" },
	{ 0x062, "smi" }, { 0x063, "init" }, { 0x064, "vintr" }, { 0x065, "cr0_sel_write" },
	{ 0x066, "read_idtr" }, { 0x067, "read_gdtr" }, { 0x068, "read_ldtr" },
	{ 0x069, "read_rt" }, { 0x06a, "write_idtr" }, { 0x06b, "write_gdtr" },
	{ 0x06c, "write_ldtr" }, { 0x06d, "write_rt" }, { 0x06e, "rdtsc" },
	{ 0x06f, "rdpmc" }, { 0x070, "pushf" }, { 0x071, "popf" }, { 0x072, "cpuid" },
	{ 0x073, "rsm" }, { 0x074, "iret" }, { 0x075, "swint" }, { 0x076, "invd" },
	{ 0x077, "pause" }, { 0x078, "hlt" }, { 0x079, "invlpg" }, { 0x07a, "invlpga" },
	{ 0x07b, "io" }, { 0x07b, "ioio" }, { 0x07c, "msr" }, { 0x07d, "task_switch" },
	{ 0x07e, "ferr_freeze" }, { 0x07f, "shutdown" }, { 0x080, "vmrun" },
	{ 0x081, "hypercall" }, { 0x081, "vmmcall" }, { 0x082, "vmload" },
	{ 0x083, "vmsave" }, { 0x084, "stgi" }, { 0x085, "clgi" }, { 0x086, "skinit" },
	{ 0x087, "rdtscp" }, { 0x088, "icebp" }, { 0x089, "wbinvd" }, { 0x08a, "monitor" },
	{ 0x08b, "mwait" }, { 0x08d, "xsetbv" }, { 0x08f, "write_efer_trap" },
	{ 0x090, "write_cr0_trap" }, { 0x094, "write_cr4_trap" }, { 0x098, "write_cr8_trap" },
	{ 0x0a2, "invpcid" }, { 0x0a5, "buslock" }, { 0x0a6, "idle-halt" },
	{ 0x400, "npf" }, { 0x401, "avic_incomplete_ipi" },
	{ 0x402, "avic_unaccelerated_access" }, { 0x403, "vmgexit" },
	{ 0x80000001, "vmgexit_mmio_read" }, { 0x80000002, "vmgexit_mmio_write" },
	{ 0x80000003, "vmgexit_nmi_complete" }, { 0x80000004, "vmgexit_ap_hlt_loop" },
	{ 0x80000005, "vmgexit_ap_jump_table" }, { 0x80000010, "vmgexit_page_state_change" },
	{ 0x80000011, "vmgexit_guest_request" }, { 0x80000012, "vmgexit_ext_guest_request" },
	{ 0x80000013, "vmgexit_ap_creation" }, { 0x8000fffd, "vmgexit_hypervisor_feature" },
	{ 0xffffffff, "invalid_guest_state" },
};

#define NVMX (sizeof(vmx) / sizeof(vmx[0]))
#define NSVM (sizeof(svm) / sizeof(svm[0]))

static int find_reason(const struct reason *tab, size_t n, const char *s, size_t len,
		       uint32_t *code)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(tab[i].name) == len && !memcmp(tab[i].name, s, len)) {
			*code = tab[i].code;
			return 0;
		}
	return -1;
}

/* The reason text: after the word "reason", up to " rip" (or the end). */
static int reason_text(const struct ls_ft_event *ev, const char **s, size_t *len)
{
	const char *f = ev->fields, *end = f + ev->fields_len, *p, *e;

	for (p = f; p + 7 <= end; p++)
		if (!memcmp(p, "reason ", 7) && (p == f || p[-1] == ' ' || p[-1] == ','))
			break;
	if (p + 7 > end)
		return -1;
	p += 7;
	while (p < end && *p == ' ')
		p++;
	e = memmem(p, (size_t)(end - p), " rip", 4);
	e = e ? e : end;
	while (e > p && e[-1] == ' ')
		e--;
	*s = p;
	*len = (size_t)(e - p);
	return *len ? 0 : -1;
}

/* Reason code with flags and ISA; -1 when the name is in no table. */
static int parse_reason(const char *s, size_t len, uint32_t *code, uint8_t *isa)
{
	static const char failed[] = " FAILED_VMENTRY";
	size_t flen = sizeof(failed) - 1;
	uint32_t flags = 0;
	uint64_t v;

	if (len > flen && !memcmp(s + len - flen, failed, flen)) {
		flags = VMX_FAILED_VMENTRY;
		len -= flen;
	}
	if (!find_reason(vmx, NVMX, s, len, code)) {
		*isa = LS_KVM_ISA_VMX;
	} else if (!flags && !find_reason(svm, NSVM, s, len, code)) {
		*isa = LS_KVM_ISA_SVM;
	} else if (!ls_ft_parse_u64(s, len, 0, &v) && v <= UINT32_MAX) {
		*code = (uint32_t)v; /* a code the kernel's table lacks */
		*isa = flags ? LS_KVM_ISA_VMX : LS_KVM_ISA_UNKNOWN;
	} else {
		return -1;
	}
	*code |= flags;
	return 0;
}

static void note_vcpu(struct vcpu_thread *t, const struct ls_ft_event *ev)
{
	const char *v;
	size_t n;
	uint64_t id;

	if (!ls_ft_word_after(ev, "vcpu", &v, &n) && !ls_ft_parse_u64(v, n, 0, &id) &&
	    id <= UINT32_MAX)
		t->vcpu = (uint32_t)id;
}

static void kvm_exit(struct ls_pair *p, struct vcpu_thread *t, const struct ls_ft_event *ev)
{
	const char *s;
	size_t len;

	if (reason_text(ev, &s, &len)) {
		ls_pair_malformed(p);
		return;
	}
	if (t->exit_open) /* no kvm_entry since the last exit */
		p->st.unpaired[LS_K_KVM_EXIT]++;
	if (parse_reason(s, len, &t->reason, &t->isa)) {
		t->reason = LS_KEY_OTHER;
		t->isa = LS_KVM_ISA_UNKNOWN;
		p->st.kvm_unknown_reason++;
	}
	note_vcpu(t, ev);
	t->guest_ns = t->entry_known && ev->ts >= t->entry_ts ? ev->ts - t->entry_ts : 0;
	t->entry_known = false;
	t->exit_open = true;
	t->exit_ts = ev->ts;
	t->exit_cpu = (uint16_t)ev->cpu;
	t->off_cpu_ns = 0;
	t->out = false;
	t->tgid = ev->tgid >= 0 ? (uint32_t)ev->tgid : 0;
}

/* The VMM's comm: its main thread's when the tgid is known, else this
 * thread's (ftrace shows "<...>" for comms it did not save). */
static void vmm_comm(uint32_t tid, uint32_t tgid, const struct ls_ft_event *ev, char *out)
{
	out[0] = '\0';
	if (tgid && ls_comm_get(tgid, out, COMM_LEN))
		return;
	if (ls_pair_comm_known(ev->comm, ev->comm_len))
		ls_pair_copy_comm(out, ev->comm, ev->comm_len);
	else if (!ls_comm_get(tid, out, COMM_LEN))
		out[0] = '\0';
}

static void kvm_entry(struct ls_pair *p, struct vcpu_thread *t, const struct ls_ft_event *ev)
{
	struct ls_rec_kvm r;
	uint32_t tid = (uint32_t)ev->pid;

	note_vcpu(t, ev);
	if (!t->exit_open) {
		/* the first entry of the trace, or an exit lost */
		p->st.unpaired[LS_K_KVM_EXIT]++;
	} else if (ev->ts < t->exit_ts) {
		p->st.backwards++;
	} else {
		memset(&r, 0, sizeof(r));
		r.h.ts = t->exit_ts;
		r.h.dur = ev->ts - t->exit_ts;
		r.h.key = t->reason;
		r.h.pid = tid;
		r.h.arg = t->vcpu;
		r.h.cpu = t->exit_cpu;
		r.h.kind = LS_K_KVM_EXIT;
		r.guest_ns = t->guest_ns;
		r.off_cpu_ns = t->off_cpu_ns;
		if (t->out && ev->ts >= t->out_ts) /* back without a switch seen */
			r.off_cpu_ns += ev->ts - t->out_ts;
		r.tgid = t->tgid;
		r.isa = t->isa;
		vmm_comm(tid, t->tgid, ev, r.comm);
		ls_pair_emit(p, &r.h);
	}
	t->exit_open = false;
	t->out = false;
	t->entry_known = true;
	t->entry_ts = ev->ts;
}

void ls_pair_kvm(struct ls_pair *p, enum ev_handler h, const struct ls_ft_event *ev)
{
	struct vcpu_thread *t;
	int how;

	t = ls_pmap_put(p->vcpus, (uint32_t)ev->pid, &how);
	ls_pair_evicted(p, how);
	if (h == H_KVM_EXIT)
		kvm_exit(p, t, ev);
	else
		kvm_entry(p, t, ev);
}

void ls_pair_kvm_switch(struct ls_pair *p, uint32_t prev, uint32_t next, uint64_t ts)
{
	struct vcpu_thread *t;

	if (prev == next)
		return;
	t = ls_pmap_get(p->vcpus, prev);
	if (t && t->exit_open && !t->out) {
		t->out = true;
		t->out_ts = ts;
	}
	t = ls_pmap_get(p->vcpus, next);
	if (t && t->exit_open && t->out) {
		t->out = false;
		t->off_cpu_ns += ts >= t->out_ts ? ts - t->out_ts : 0;
	}
}

static int list_open(uint64_t tid, void *value, void *ctx)
{
	struct ls_pair *p = ctx;
	const struct vcpu_thread *t = value;
	uint64_t end = p->st.last_ts;

	if (!t->exit_open)
		return 0;
	ls_pair_note_open(p, &(struct ls_pair_open){
		.kind = LS_K_KVM_EXIT, .cpu = t->exit_cpu, .key = t->reason,
		.pid = (uint32_t)tid, .arg = t->vcpu, .ts = t->exit_ts,
		.open_ns = end - t->exit_ts, .guest_ns = t->guest_ns,
		.off_cpu_ns = t->off_cpu_ns + (t->out && end >= t->out_ts ? end - t->out_ts : 0),
	});
	return 0;
}

void ls_pair_kvm_finish(struct ls_pair *p)
{
	ls_pmap_foreach(p->vcpus, list_open, p);
}
