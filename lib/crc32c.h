/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* CRC-32C (Castagnoli), the checksum of latscope's state files. */
#ifndef LATSCOPE_CRC32C_H
#define LATSCOPE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Continue a CRC over buf; start with crc = 0. crc32c("123456789") is
 * 0xe3069283 (the standard check value). */
uint32_t ls_crc32c(uint32_t crc, const void *buf, size_t len);

#endif
