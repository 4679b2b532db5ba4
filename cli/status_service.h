/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The service part of `latscope status`: configuration files, reloads,
 * the CPU filter and alert counters (status.config). */
#ifndef LATSCOPE_CLI_STATUS_SERVICE_H
#define LATSCOPE_CLI_STATUS_SERVICE_H

#include <json-c/json.h>

void status_print_service(json_object *r);

#endif
