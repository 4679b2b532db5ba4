/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "comms.h"

#define SLOTS 4096

static struct {
	uint32_t pid;
	char comm[16];
} table[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void ls_comm_note(uint32_t pid, const char *comm, size_t maxlen)
{
	size_t n = strnlen(comm, maxlen < 15 ? maxlen : 15);
	unsigned i = (pid * 2654435761u) % SLOTS;

	if (!pid || !n)
		return;
	pthread_mutex_lock(&lock);
	table[i].pid = pid;
	memcpy(table[i].comm, comm, n);
	table[i].comm[n] = '\0';
	pthread_mutex_unlock(&lock);
}

const char *ls_comm_get(uint32_t pid, char *buf, size_t len)
{
	unsigned i = (pid * 2654435761u) % SLOTS;
	const char *r = NULL;

	pthread_mutex_lock(&lock);
	if (pid && table[i].pid == pid) {
		snprintf(buf, len, "%s", table[i].comm);
		r = buf;
	}
	pthread_mutex_unlock(&lock);
	return r;
}

void ls_comm_foreach(void (*fn)(uint32_t pid, const char *comm, void *ctx), void *ctx)
{
	pthread_mutex_lock(&lock);
	for (unsigned i = 0; i < SLOTS; i++)
		if (table[i].pid)
			fn(table[i].pid, table[i].comm, ctx);
	pthread_mutex_unlock(&lock);
}
