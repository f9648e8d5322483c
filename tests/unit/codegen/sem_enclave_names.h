/* Forced into the enclave half of the semantic test (sem_t.c,
 * sem_enclave.c): renames the enclave OCALL proxies so that they do not
 * clash with the host's implementations of the same untrusted functions
 * in one process. */
#define o_errno sem_enc_o_errno
#define o_allow sem_enc_o_allow
#define o_noallow sem_enc_o_noallow
#define o_arr sem_enc_o_arr
#define o_expr sem_enc_o_expr
#define o_second_block sem_enc_o_second_block
#define lib_u sem_enc_lib_u
#define o_deep sem_enc_o_deep
#define o_deep_grow sem_enc_o_deep_grow
