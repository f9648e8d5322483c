/* State shared by the two halves of the round-trip test. */
#ifndef RT_SHARED_H
#define RT_SHARED_H
#include "status.h"

extern const void *g_seen_ptr; /* where t_in's buffer was */
extern int g_seen_aligned;     /* was it 16-byte aligned */
extern int g_noargs_calls;

/* Calls the enclave OCALL proxy of u_void (whose name is renamed). */
cc_enclave_result_t rt_enc_call_u_void(void);
#endif
