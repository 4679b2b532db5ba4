/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pid -> comm, learnt from records that carry a comm, for naming keys that
 * are pids. Bounded (fixed table, newest wins a slot): a name is a hint,
 * never a reason to grow memory.
 */
#ifndef LATSCOPE_COMMS_H
#define LATSCOPE_COMMS_H

#include <stdint.h>
#include <stddef.h>

void ls_comm_note(uint32_t pid, const char *comm, size_t maxlen);
/* The comm last seen for pid, copied into buf; NULL if unknown. */
const char *ls_comm_get(uint32_t pid, char *buf, size_t len);
/* Every known (pid, comm), for saving them (lib/state.c). */
void ls_comm_foreach(void (*fn)(uint32_t pid, const char *comm, void *ctx), void *ctx);

#endif
