// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Loads every KVM program of the BPF object (OBJ, e.g. build/latscope.bpf.o)
 * into this kernel, both kvm_exit variants included: the daemon only ever
 * loads the one its probe picks, so this is how the other one (kvm_exit_raw,
 * for kernels older than this one) is checked against the verifier here.
 * Nothing is attached. Prints "loaded NAME" per program; exit 1 on failure.
 */
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: kvm_variants OBJ\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		perror("kvm_variants: open");
		return 1;
	}
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, !strncmp(bpf_program__name(p), "kvm_", 4));
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "kvm_variants: load: %s\n", strerror(-err));
		bpf_object__close(obj);
		return 1;
	}
	bpf_object__for_each_program(p, obj)
		if (bpf_program__fd(p) >= 0)
			printf("loaded %s\n", bpf_program__name(p));
	bpf_object__close(obj);
	return 0;
}
