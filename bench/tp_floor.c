/*
 * tp_floor OBJECT: load bench/tp_floor.bpf.c's empty programs, attach them
 * all, print "attached N" and hold them until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	sigset_t set;
	int n = 0, sig;

	if (argc != 2) {
		fprintf(stderr, "usage: tp_floor OBJECT\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "tp_floor: loading %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(p, obj) {
		if (!bpf_program__attach(p)) {
			fprintf(stderr, "tp_floor: attaching %s: %s\n", bpf_program__name(p),
				strerror(errno));
			return 1;
		}
		n++;
	}
	printf("attached %d\n", n);
	fflush(stdout);
	sigwait(&set, &sig);
	bpf_object__close(obj); /* detaches the links too */
	return 0;
}
