/* Forced into the enclave half of the round-trip test: renames the enclave
 * OCALL proxies so they do not clash with the host's implementations of
 * the same untrusted functions in one process. */
#define u_add rt_enc_u_add
#define u_fill rt_enc_u_fill
#define u_void rt_enc_u_void
#define u_inout rt_enc_u_inout
