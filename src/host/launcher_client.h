/*
 * launcher_client.h - the host side of a system install's cgear-launcher
 * (launcher.c; the contract is src/abi/launcher_abi.h).
 */
#ifndef CGEAR_HOST_LAUNCHER_CLIENT_H
#define CGEAR_HOST_LAUNCHER_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

struct cg_enclave;

/* launcher.c: the system install's cgear-launcher (src/abi/launcher_abi.h),
 * or NULL when this process uses the per-user development platform. */
const char *cg_launcher(void);

/* launcher.c: a report on @e signed by the system platform, for the
 * request @req (struct cg_sys_report_req and its bytes); malloc'd *@out.
 * Errors: CC_ERROR_ACCESS_DENIED (the launcher refused; logged why),
 * CC_ERROR_BAD_FORMAT, CC_ERROR_OUT_OF_MEMORY. */
cc_enclave_result_t cg_launcher_report(const struct cg_enclave *e, const uint8_t *req, size_t req_len,
                                       uint8_t **out, size_t *out_len);

/* launcher.c: can the launcher open the system platform? Logs why not. */
cc_enclave_result_t cg_launcher_check(void);

#endif
