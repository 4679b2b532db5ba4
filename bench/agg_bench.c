// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Aggregator microbenchmark: CPU time per ls_agg_add on a warm table.
 *
 *   agg_bench [records [ncpus...]]     default: 20000000 records, 2 8 64 cpus
 *
 * Records are generated up front (the cost of making them is not measured)
 * with a realistic mix: ~30 keys over hardirq/softirq/vector, skewed towards
 * the timer and network keys, log-normal-ish durations with a tail, most
 * softirqs carrying a raise delay. Two orders are measured: every record from
 * a random cpu/key ("random", the worst case for any lookup cache) and short
 * runs from one source ("bursty", as when a ring drain returns a batch from
 * one busy CPU). Built standalone by the Makefile, so it includes the
 * library sources it needs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../lib/hist.c"
#include "../lib/agg.c"
#include "../lib/comms.c"
#include "../lib/wakeups.c"
#include "../lib/windows.c"
#include "../lib/win_store.c"
#include "../lib/win_roll.c"
#include "../lib/interruptions.c"
#include "../lib/cpuset.c"
#include "../lib/isolation.c"
#include "../lib/agg_kvm.c"
#include "../lib/kvm_reasons.c"

#define BUF_RECS (1u << 20)   /* generated once, replayed until done */
#define WARMUP_RECS BUF_RECS

struct key_w {
	uint8_t kind;
	uint32_t key;
	unsigned weight;     /* relative frequency */
	uint64_t typical_ns; /* centre of the duration distribution */
};

/* 31 sources; weights roughly as on a busy network server. */
static const struct key_w keys[] = {
	{ LS_K_VECTOR, LS_V_LOCAL_TIMER, 300, 2000 },
	{ LS_K_VECTOR, LS_V_RESCHEDULE, 120, 600 },
	{ LS_K_VECTOR, LS_V_CALL_FUNCTION, 30, 1500 },
	{ LS_K_VECTOR, LS_V_CALL_FUNCTION_SINGLE, 60, 1200 },
	{ LS_K_VECTOR, LS_V_IRQ_WORK, 20, 800 },
	{ LS_K_VECTOR, LS_V_THERMAL_APIC, 1, 3000 },
	{ LS_K_VECTOR, LS_V_SPURIOUS_APIC, 1, 300 },
	{ LS_K_SOFTIRQ, 1, 250, 3000 },   /* TIMER */
	{ LS_K_SOFTIRQ, 3, 200, 15000 },  /* NET_RX */
	{ LS_K_SOFTIRQ, 2, 40, 4000 },    /* NET_TX */
	{ LS_K_SOFTIRQ, 9, 150, 5000 },   /* RCU */
	{ LS_K_SOFTIRQ, 7, 120, 2500 },   /* SCHED */
	{ LS_K_SOFTIRQ, 4, 30, 8000 },    /* BLOCK */
	{ LS_K_SOFTIRQ, 6, 10, 4000 },    /* TASKLET */
	{ LS_K_SOFTIRQ, 8, 40, 1500 },    /* HRTIMER */
	{ LS_K_SOFTIRQ, 0, 2, 2000 },     /* HI */
	{ LS_K_SOFTIRQ, 5, 2, 3000 },     /* IRQ_POLL */
	{ LS_K_HARDIRQ, 24, 5, 1500 },
	{ LS_K_HARDIRQ, 26, 3, 4000 },
	{ LS_K_HARDIRQ, 28, 1, 1000 },
	{ LS_K_HARDIRQ, 34, 20, 2500 },
	{ LS_K_HARDIRQ, 36, 10, 2000 },
	{ LS_K_HARDIRQ, 38, 60, 3000 },
	{ LS_K_HARDIRQ, 39, 40, 2500 },
	{ LS_K_HARDIRQ, 41, 150, 3500 },
	{ LS_K_HARDIRQ, 42, 80, 2500 },
	{ LS_K_HARDIRQ, 43, 5, 1000 },
	{ LS_K_HARDIRQ, 120, 70, 4000 },
	{ LS_K_HARDIRQ, 121, 70, 4000 },
	{ LS_K_HARDIRQ, 122, 70, 4000 },
	{ LS_K_HARDIRQ, 123, 70, 4000 },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const struct key_w *pick_key(void)
{
	static unsigned total;
	unsigned w;

	if (!total)
		for (size_t i = 0; i < NKEYS; i++)
			total += keys[i].weight;
	w = (unsigned)(rnd() % total);
	for (size_t i = 0;; i++) {
		if (w < keys[i].weight)
			return &keys[i];
		w -= keys[i].weight;
	}
}

/* typical * 2^(-1..+2) with a 1% tail up to 1000x: spans several octaves. */
static uint64_t duration(uint64_t typical)
{
	uint64_t d = (typical >> 1) + rnd() % (typical * 4);

	return rnd() % 100 ? d : d * (1 + rnd() % 1000);
}

static void gen_record(struct ls_rec *r, uint16_t cpu, const struct key_w *k)
{
	r->ts = 0;
	r->dur = duration(k->typical_ns);
	r->key = k->key;
	r->pid = (uint32_t)rnd() % 4096;
	r->cpu = cpu;
	r->kind = k->kind;
	r->flags = 0;
	r->arg = k->kind == LS_K_SOFTIRQ && rnd() % 10 ?
		 (uint32_t)duration(500) : LS_ARG_NONE;
}

/* bursty: runs of 1..16 records from one (cpu, key), else all independent. */
static void gen_records(struct ls_rec *buf, unsigned ncpus, int bursty)
{
	for (size_t i = 0; i < BUF_RECS;) {
		const struct key_w *k = pick_key();
		uint16_t cpu = (uint16_t)(rnd() % ncpus);
		size_t run = bursty ? 1 + rnd() % 16 : 1;

		for (; run && i < BUF_RECS; run--)
			gen_record(&buf[i++], cpu, k);
	}
}

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run(const struct ls_rec *buf, unsigned ncpus, const char *order,
		uint64_t nrec)
{
	struct ls_agg *a = ls_agg_new(65536);
	struct ls_agg_stats st;
	double t0, t;

	if (!a) {
		perror("ls_agg_new");
		exit(1);
	}
	for (size_t i = 0; i < WARMUP_RECS; i++)
		ls_agg_add(a, &buf[i]);
	t0 = cpu_seconds();
	for (uint64_t i = 0; i < nrec; i++)
		ls_agg_add(a, &buf[i & (BUF_RECS - 1)]);
	t = cpu_seconds() - t0;
	ls_agg_get_stats(a, &st);
	printf("cpus=%-3u order=%-6s records=%llu series=%llu  %.2f ns/record  %.1f M records/s\n",
	       ncpus, order, (unsigned long long)nrec,
	       (unsigned long long)st.series, t * 1e9 / (double)nrec,
	       (double)nrec / t / 1e6);
	ls_agg_free(a);
}

int main(int argc, char **argv)
{
	static const unsigned default_cpus[] = { 2, 8, 64 };
	uint64_t nrec = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000000;
	struct ls_rec *buf = malloc(BUF_RECS * sizeof(*buf));
	int ncfg = argc > 2 ? argc - 2 : 3;

	if (!buf || !nrec) {
		fprintf(stderr, "usage: %s [records [ncpus...]]\n", argv[0]);
		return 1;
	}
	for (int c = 0; c < ncfg; c++) {
		unsigned ncpus = argc > 2 ? (unsigned)strtoul(argv[c + 2], NULL, 10)
					  : default_cpus[c];

		if (!ncpus || ncpus > 65536) {
			fprintf(stderr, "bad cpu count\n");
			return 1;
		}
		for (int bursty = 0; bursty <= 1; bursty++) {
			gen_records(buf, ncpus, bursty);
			run(buf, ncpus, bursty ? "bursty" : "random", nrec);
		}
	}
	free(buf);
	return 0;
}
