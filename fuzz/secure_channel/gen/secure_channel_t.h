/* fuzz/secure_channel: the enclave-side prototypes `cgear codegen
 * --trusted --header-only edl/secure_channel.edl` writes, under the enc_
 * names the fuzz build gives the enclave library (CMakeLists.txt), so that
 * host proxies and enclave functions live in one program. */
#ifndef SECURE_CHANNEL_T_H
#define SECURE_CHANNEL_T_H
#include <stddef.h>
#include <stdint.h>
int cc_sec_chl_ecall_hello(uint8_t *req, size_t req_len, uint8_t *rsp, size_t rsp_cap, size_t *rsp_len);
int cc_sec_chl_ecall_close(uint8_t *req, size_t req_len);
int cc_sec_chl_ecall_reset(void);
size_t cc_sec_chl_ecall_count(void);
int cc_sec_chl_ecall_set_lifetime(uint32_t seconds);
#endif
