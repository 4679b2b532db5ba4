/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * workload: a bounded mix of activity that makes the interrupt families
 * latscope traces fire on every CPU, for the integration tests.
 *
 *   net:   two threads pinned to different CPUs exchange many small TCP
 *          round trips over loopback, with a bulk transfer every so often
 *          (NET_RX / NET_TX softirqs, reschedule IPIs);
 *   disk:  4 KiB writes + fdatasync to a temp file in DIR, O_DIRECT when the
 *          file system allows it (block I/O, BLOCK softirqs, device irqs);
 *   sleep: one thread per CPU looping nanosleep(1 ms) (timer interrupts,
 *          HRTIMER/TIMER softirqs, reschedule IPIs).
 *
 * Every loop stops at a shared deadline; the temp file is unlinked as soon
 * as it is open. Prints what it did; exits 1 if a part failed, 2 on usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#define PING_BYTES 64
#define BULK_BYTES (256 * 1024)
#define BULK_EVERY 64 /* round trips between two bulk transfers */
#define DISK_BLOCK 4096
#define DISK_BLOCKS 1024 /* the file cycles through 4 MiB */
#define MAX_SLEEPERS 256

static uint64_t g_deadline_ns;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int expired(void)
{
	return now_ns() >= g_deadline_ns;
}

static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* The CPUs this process may run on, in order; returns how many. */
static int allowed_cpus(int *cpus, int max)
{
	cpu_set_t set;
	int cpu, n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (cpu = 0; cpu < CPU_SETSIZE && n < max; cpu++)
		if (CPU_ISSET(cpu, &set))
			cpus[n++] = cpu;
	return n;
}

/* --- net ---------------------------------------------------------------- */

/* Wire format: a 4-byte length, then that many bytes. The server answers a
 * message of up to PING_BYTES with an echo, a longer one with one byte. */
struct net_stats {
	uint64_t round_trips, bulks, bytes;
	int failed;
};

struct net_ctx {
	int listen_fd, cpu_client, cpu_server;
	struct net_stats st;
};

static int xfer(int fd, void *buf, size_t len, int sending)
{
	char *p = buf;

	while (len) {
		ssize_t n = sending ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static void tune_socket(int fd)
{
	struct timeval tv = { .tv_sec = 2 }; /* a dead peer cannot hang us */
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Serves one connection until the client closes it. */
static void *net_server(void *arg)
{
	struct net_ctx *nc = arg;
	static char buf[BULK_BYTES];
	uint32_t len;
	int fd;

	pin_to(nc->cpu_server);
	fd = accept(nc->listen_fd, NULL, NULL);
	if (fd < 0)
		return NULL;
	tune_socket(fd);
	while (xfer(fd, &len, sizeof(len), 0) == 0 && len <= sizeof(buf) &&
	       xfer(fd, buf, len, 0) == 0)
		if (xfer(fd, buf, len <= PING_BYTES ? len : 1, 1))
			break;
	close(fd);
	return NULL;
}

/* One message and its answer; returns the bytes moved or -1. */
static int64_t net_exchange(int fd, char *buf, uint32_t len)
{
	uint32_t reply = len <= PING_BYTES ? len : 1;

	if (xfer(fd, &len, sizeof(len), 1) || xfer(fd, buf, len, 1) || xfer(fd, buf, reply, 0))
		return -1;
	return sizeof(len) + len + reply;
}

static void *net_client(void *arg)
{
	struct net_ctx *nc = arg;
	static char buf[BULK_BYTES];
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	pin_to(nc->cpu_client);
	nc->st.failed = 1;
	if (fd < 0 || getsockname(nc->listen_fd, (struct sockaddr *)&sa, &sl) ||
	    connect(fd, (struct sockaddr *)&sa, sl))
		goto out;
	tune_socket(fd);
	while (!expired()) {
		int bulk = (nc->st.round_trips + 1) % BULK_EVERY == 0;
		int64_t n = net_exchange(fd, buf, bulk ? BULK_BYTES : PING_BYTES);

		if (n < 0)
			goto out;
		nc->st.round_trips++;
		nc->st.bulks += bulk;
		nc->st.bytes += n;
	}
	nc->st.failed = 0;
out:
	if (nc->st.failed)
		fprintf(stderr, "workload: net: %s\n", strerror(errno));
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int listen_loopback(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
		fprintf(stderr, "workload: net: loopback listen: %s\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* --- disk --------------------------------------------------------------- */

struct disk_ctx {
	const char *dir;
	uint64_t writes;
	int direct, failed;
};

/* A temp file in dir, opened O_DIRECT when possible, already unlinked. */
static int open_scratch(struct disk_ctx *dc)
{
	char path[4096];
	int fd, dfd;

	snprintf(path, sizeof(path), "%s/latscope-workload.XXXXXX", dc->dir);
	fd = mkstemp(path);
	if (fd < 0) {
		fprintf(stderr, "workload: disk: mkstemp in %s: %s\n", dc->dir, strerror(errno));
		return -1;
	}
	dfd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
	unlink(path);
	if (dfd >= 0) {
		close(fd);
		dc->direct = 1;
		return dfd;
	}
	return fd;
}

static void *disk_worker(void *arg)
{
	struct disk_ctx *dc = arg;
	void *block = NULL;
	int fd = open_scratch(dc);

	dc->failed = 1;
	if (fd < 0 || posix_memalign(&block, DISK_BLOCK, DISK_BLOCK))
		goto out;
	memset(block, 0x5a, DISK_BLOCK);
	while (!expired()) {
		off_t off = (off_t)(dc->writes % DISK_BLOCKS) * DISK_BLOCK;

		if (pwrite(fd, block, DISK_BLOCK, off) != DISK_BLOCK || fdatasync(fd)) {
			fprintf(stderr, "workload: disk: write/fdatasync: %s\n", strerror(errno));
			goto out;
		}
		dc->writes++;
	}
	dc->failed = 0;
out:
	free(block);
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* --- sleep -------------------------------------------------------------- */

struct sleep_ctx {
	int cpu;
	uint64_t sleeps;
};

static void *sleeper(void *arg)
{
	struct sleep_ctx *sc = arg;
	const struct timespec ms = { .tv_nsec = 1000000 };

	pin_to(sc->cpu);
	while (!expired()) {
		nanosleep(&ms, NULL);
		sc->sleeps++;
	}
	return NULL;
}

/* --- main --------------------------------------------------------------- */

static void spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int err = pthread_create(t, NULL, fn, arg);

	if (err) {
		fprintf(stderr, "workload: pthread_create: %s\n", strerror(err));
		exit(1);
	}
}

struct opts {
	double seconds;
	int net, disk, sleep;
	const char *dir;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: workload --seconds S [--no-net] [--no-disk] [--no-sleep] [--dir DIR]\n"
		   "Loopback TCP, block I/O (temp file in DIR, default /var/tmp) and 1 ms\n"
		   "sleepers on every CPU for S seconds (0 < S <= 3600).\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "no-net", no_argument, NULL, 'n' },
		{ "no-disk", no_argument, NULL, 'd' },
		{ "no-sleep", no_argument, NULL, 'z' },
		{ "dir", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			o->seconds = strtod(optarg, &end);
			if (end == optarg || *end || !(o->seconds > 0 && o->seconds <= 3600)) {
				fprintf(stderr, "workload: invalid --seconds '%s'\n", optarg);
				return -1;
			}
			break;
		case 'n': o->net = 0; break;
		case 'd': o->disk = 0; break;
		case 'z': o->sleep = 0; break;
		case 'D': o->dir = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc || o->seconds <= 0) {
		usage(stderr);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .net = 1, .disk = 1, .sleep = 1, .dir = "/var/tmp" };
	struct net_ctx nc = { .listen_fd = -1 };
	struct disk_ctx dc = { 0 };
	struct sleep_ctx sc[MAX_SLEEPERS];
	pthread_t nt[2], dt, st[MAX_SLEEPERS];
	int cpus[MAX_SLEEPERS], ncpus, i, failed = 0;
	uint64_t t0, sleeps = 0;

	if (parse_opts(argc, argv, &o))
		return 2;
	ncpus = allowed_cpus(cpus, MAX_SLEEPERS);
	if (ncpus < 1) {
		fprintf(stderr, "workload: no usable CPU\n");
		return 1;
	}
	t0 = now_ns();
	g_deadline_ns = t0 + (uint64_t)(o.seconds * 1e9);
	if (o.net) {
		nc.listen_fd = listen_loopback();
		nc.cpu_client = cpus[0];
		nc.cpu_server = cpus[ncpus - 1];
		if (nc.listen_fd < 0)
			return 1;
		spawn(&nt[0], net_server, &nc);
		spawn(&nt[1], net_client, &nc);
	}
	if (o.disk) {
		dc.dir = o.dir;
		spawn(&dt, disk_worker, &dc);
	}
	for (i = 0; o.sleep && i < ncpus; i++) {
		sc[i] = (struct sleep_ctx){ .cpu = cpus[i] };
		spawn(&st[i], sleeper, &sc[i]);
	}

	if (o.net) {
		pthread_join(nt[1], NULL);
		/* the client is done: unblock a server still waiting in accept */
		shutdown(nc.listen_fd, SHUT_RDWR);
		pthread_join(nt[0], NULL);
		close(nc.listen_fd);
		failed |= nc.st.failed;
		printf("net: %llu round trips (%llu bulk), %.1f MiB, CPU %d <-> CPU %d\n",
		       (unsigned long long)nc.st.round_trips, (unsigned long long)nc.st.bulks,
		       nc.st.bytes / 1048576.0, nc.cpu_client, nc.cpu_server);
	}
	if (o.disk) {
		pthread_join(dt, NULL);
		failed |= dc.failed;
		printf("disk: %llu writes of %d bytes + fdatasync (%s) in %s\n",
		       (unsigned long long)dc.writes, DISK_BLOCK,
		       dc.direct ? "O_DIRECT" : "buffered", o.dir);
	}
	for (i = 0; o.sleep && i < ncpus; i++) {
		pthread_join(st[i], NULL);
		sleeps += sc[i].sleeps;
	}
	if (o.sleep)
		printf("sleep: %llu sleeps of 1 ms on %d CPUs\n", (unsigned long long)sleeps, ncpus);
	printf("workload: %.2f s%s\n", (now_ns() - t0) / 1e9, failed ? ", FAILED" : "");
	return failed;
}
