// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Drives the kvm_inject BPF program of a running latscoped (PID) with a
 * scripted sequence of KVM events, so tests exercise the real in-kernel
 * pairing, ring buffer, daemon, socket and CLI on a host where kvm_exit
 * never fires. The daemon pins and exports nothing for this: the program is
 * found among the BPF fds the daemon's process holds (/proc/PID/fdinfo),
 * checked by type and name, and run with BPF_PROG_TEST_RUN (root only).
 *
 *   kvm_inject PID < SCRIPT
 *     one event per line, '#' starts a comment; T is microseconds after a
 *     base taken at start (CLOCK_MONOTONIC), ISA vmx|svm, numbers decimal
 *     or 0x hex:
 *       T exit CPU TID TGID VCPU ISA REASON COMM
 *       T entry CPU TID TGID VCPU COMM
 *       T switch CPU PREV NEXT
 *       T task_exit CPU TID
 *     a line starting with '!' must be refused by the program (-EINVAL).
 *     Prints "injected N refused M".
 *
 *   kvm_inject --stats PID SECONDS PROG...
 *     run time per call of the daemon's tracing programs PROG (e.g.
 *     kvm_switch on sched_switch) while two threads ping-pong through a
 *     pipe, with run-time statistics enabled through BPF_ENABLE_STATS for
 *     that long only. Prints "PROG runs N ns_per_run X" for each.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "latscope/record.h"
#include "latscope/kvm_inject.h"

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "kvm_inject: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

/* fd of the BPF program NAME (of TYPE) held open by process pid, or -1. */
static int find_prog(const char *pid, const char *name, __u32 type, struct bpf_prog_info *out)
{
	char dir[64], path[320], line[128];
	struct dirent *de;
	DIR *d;
	int found = -1;

	snprintf(dir, sizeof(dir), "/proc/%s/fdinfo", pid);
	d = opendir(dir);
	if (!d)
		die("cannot read /proc/%s/fdinfo", pid);
	while (found < 0 && (de = readdir(d))) {
		unsigned id = 0;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "prog_id: %u", &id) == 1)
				break;
		fclose(f);
		if (id) {
			struct bpf_prog_info info = { 0 };
			__u32 len = sizeof(info);
			int fd = bpf_prog_get_fd_by_id(id);

			if (fd < 0)
				continue;
			if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == type &&
			    !strcmp(info.name, name)) {
				*out = info;
				found = fd;
			} else {
				close(fd);
			}
		}
	}
	closedir(d);
	return found;
}

static __u32 num(const char *s, const char *line)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		die("bad number in: %s", line);
	return (__u32)v;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Parse one script line into ev; returns 0 for an empty line. */
static int parse(char *line, struct ls_kvm_inject *ev, __u64 base, int *must_fail)
{
	char copy[256], *tok[12], *save = NULL, *p;
	int n = 0;

	if ((p = strchr(line, '#')))
		*p = '\0';
	snprintf(copy, sizeof(copy), "%s", line);
	for (p = strtok_r(line, " \t\r\n", &save); p && n < 12; p = strtok_r(NULL, " \t\r\n", &save))
		tok[n++] = p;
	if (!n)
		return 0;
	memset(ev, 0, sizeof(*ev));
	*must_fail = !strcmp(tok[0], "!");
	if (*must_fail) {
		memmove(tok, tok + 1, --n * sizeof(*tok));
	}
	if (n < 4)
		die("too few fields: %s", copy);
	ev->ts = base + (__u64)num(tok[0], copy) * 1000;
	ev->cpu = num(tok[2], copy);
	ev->tid = num(tok[3], copy);
	if (!strcmp(tok[1], "exit") && n == 9) {
		ev->type = LS_KVM_INJ_EXIT;
		ev->tgid = num(tok[4], copy);
		ev->vcpu_id = num(tok[5], copy);
		ev->isa = !strcmp(tok[6], "vmx") ? LS_KVM_ISA_VMX :
			  !strcmp(tok[6], "svm") ? LS_KVM_ISA_SVM : num(tok[6], copy);
		ev->reason = num(tok[7], copy);
		snprintf(ev->comm, sizeof(ev->comm), "%s", tok[8]);
	} else if (!strcmp(tok[1], "entry") && n == 7) {
		ev->type = LS_KVM_INJ_ENTRY;
		ev->tgid = num(tok[4], copy);
		ev->vcpu_id = num(tok[5], copy);
		snprintf(ev->comm, sizeof(ev->comm), "%s", tok[6]);
	} else if (!strcmp(tok[1], "switch") && n == 5) {
		ev->type = LS_KVM_INJ_SWITCH;
		ev->next_tid = num(tok[4], copy);
	} else if (!strcmp(tok[1], "task_exit") && n == 4) {
		ev->type = LS_KVM_INJ_TASK_EXIT;
	} else {
		die("unknown event or wrong field count: %s", copy);
	}
	return 1;
}

static int inject(const char *pid)
{
	struct bpf_prog_info info;
	int fd = find_prog(pid, "kvm_inject", BPF_PROG_TYPE_SYSCALL, &info);
	unsigned injected = 0, refused = 0, lineno = 0;
	__u64 base = mono_ns();
	char line[256];

	if (fd < 0)
		die("process %s holds no loaded kvm_inject program", pid);
	while (fgets(line, sizeof(line), stdin)) {
		struct ls_kvm_inject ev;
		int must_fail, err;
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &ev, .ctx_size_in = sizeof(ev));

		lineno++;
		if (!parse(line, &ev, base, &must_fail))
			continue;
		err = bpf_prog_test_run_opts(fd, &opts);
		if (err)
			die("BPF_PROG_TEST_RUN: %s", strerror(errno));
		if (must_fail != ((int)opts.retval == -EINVAL)) {
			fprintf(stderr, "kvm_inject: line %u: program returned %d, expected %s\n",
				lineno, (int)opts.retval, must_fail ? "-EINVAL" : "0");
			return 1;
		}
		if (must_fail)
			refused++;
		else
			injected++;
	}
	printf("injected %u refused %u\n", injected, refused);
	return 0;
}

static int pipes[2][2];

static void *pong(void *arg)
{
	char c;

	(void)arg;
	while (read(pipes[0][0], &c, 1) == 1 && c)
		if (write(pipes[1][1], &c, 1) != 1)
			break;
	return NULL;
}

#define MAX_PROGS 8

/* Run time per call of the programs named, over the same window. */
static int stats(const char *pid, const char *secs, int nprogs, char **names)
{
	struct bpf_prog_info before[MAX_PROGS], after;
	int fds[MAX_PROGS], sfd, i;
	__u64 end;
	pthread_t th;
	char c = 1;
	__u32 len;

	if (nprogs > MAX_PROGS)
		die("%s", "too many programs");
	for (i = 0; i < nprogs; i++) {
		memset(&before[i], 0, sizeof(before[i]));
		fds[i] = find_prog(pid, names[i], BPF_PROG_TYPE_TRACING, &before[i]);
		if (fds[i] < 0)
			die("no tracing program %s loaded by that process", names[i]);
	}
	sfd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (sfd < 0)
		die("BPF_ENABLE_STATS: %s", strerror(errno));
	if (pipe(pipes[0]) || pipe(pipes[1]) || pthread_create(&th, NULL, pong, NULL))
		die("%s", "pipe/thread setup failed");
	for (i = 0; i < nprogs; i++) {
		len = sizeof(before[i]);
		bpf_obj_get_info_by_fd(fds[i], &before[i], &len);
	}
	end = mono_ns() + (__u64)num(secs, secs) * 1000000000ull;
	while (mono_ns() < end)
		if (write(pipes[0][1], &c, 1) != 1 || read(pipes[1][0], &c, 1) != 1)
			break;
	for (i = 0; i < nprogs; i++) {
		__u64 runs;

		len = sizeof(after);
		memset(&after, 0, sizeof(after));
		bpf_obj_get_info_by_fd(fds[i], &after, &len);
		runs = after.run_cnt - before[i].run_cnt;
		printf("%s runs %llu ns_per_run %.1f\n", names[i], (unsigned long long)runs,
		       runs ? (double)(after.run_time_ns - before[i].run_time_ns) / (double)runs : 0);
		close(fds[i]);
	}
	c = 0;
	if (write(pipes[0][1], &c, 1) != 1)
		die("%s", "stopping the pong thread failed");
	pthread_join(th, NULL);
	close(sfd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2)
		return inject(argv[1]);
	if (argc >= 5 && !strcmp(argv[1], "--stats"))
		return stats(argv[2], argv[3], argc - 4, argv + 4);
	fprintf(stderr, "usage: kvm_inject PID < SCRIPT | kvm_inject --stats PID SECONDS PROG...\n");
	return 2;
}
