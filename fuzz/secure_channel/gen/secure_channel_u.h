/* fuzz/secure_channel: what `cgear codegen --untrusted --header-only
 * edl/secure_channel.edl` writes (the fuzz build has no cgear tool). The
 * stubs in sc_fuzz_env.c implement these; a mismatch fails to compile. */
#ifndef SECURE_CHANNEL_U_H
#define SECURE_CHANNEL_U_H
#include <stddef.h>
#include <stdint.h>
#include "enclave.h"
cc_enclave_result_t cc_sec_chl_ecall_hello(cc_enclave_t *enclave, int *retval, uint8_t *req, size_t req_len,
                                           uint8_t *rsp, size_t rsp_cap, size_t *rsp_len);
cc_enclave_result_t cc_sec_chl_ecall_close(cc_enclave_t *enclave, int *retval, uint8_t *req, size_t req_len);
cc_enclave_result_t cc_sec_chl_ecall_reset(cc_enclave_t *enclave, int *retval);
cc_enclave_result_t cc_sec_chl_ecall_count(cc_enclave_t *enclave, size_t *retval);
cc_enclave_result_t cc_sec_chl_ecall_set_lifetime(cc_enclave_t *enclave, int *retval, uint32_t seconds);
#endif
