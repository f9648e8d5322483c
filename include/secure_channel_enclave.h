/*
 * secure_channel_enclave.h - the enclave's half of the secure channel
 * (secGear's names): open records a client made for a session and make
 * records only that client can open.
 *
 * Static library cgear::secure_channel_enclave (BearSSL), linked into
 * enclaves whose EDL imports `secure_channel.edl`. The sessions, their
 * keys and their sequence numbers live only in enclave memory.
 * docs/secure-channel.md.
 *
 * Both functions return 0 on success. secGear documents -1 for every
 * error; cgear returns the cc_enclave_result_t code instead (never 0), so
 * `ret != 0` tests written for secGear work, and the code says which
 * attack or mistake it was.
 */
#ifndef CGEAR_SECURE_CHANNEL_ENCLAVE_H
#define CGEAR_SECURE_CHANNEL_ENCLAVE_H

#include <stddef.h>

#include "secure_channel.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * cc_sec_chl_enclave_encrypt() - make a record of @plain for the client of
 * @session_id.
 * @plain/@plain_len: the data (at most 1 GiB; may be empty).
 * @encrypt:     where the record goes, or NULL to ask for its size. It may
 *               be host memory: the record is made in enclave memory and
 *               copied there whole, so @plain never appears there.
 * @encrypt_len: in: the size of @encrypt; out: the record's size.
 * Errors: CC_ERROR_BAD_PARAMETERS, CC_ERROR_SEC_CHL_INVALID_SESSION (no
 * such session), CC_ERROR_SEC_CHL_EXPIRED (the session's lifetime is over;
 * it is freed), CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH (*@encrypt_len is set to
 * the size needed), CC_ERROR_OUT_OF_MEMORY.
 */
int cc_sec_chl_enclave_encrypt(size_t session_id, void *plain, size_t plain_len, void *encrypt, size_t *encrypt_len);

/**
 * cc_sec_chl_enclave_decrypt() - open a record the client of @session_id
 * made. A refused record changes nothing: the next one expected stays the
 * same.
 * @encrypt/@encrypt_len: the record (it may lie in host memory: it is
 *             copied once before it is checked).
 * @plain:     where the data goes, or NULL to ask for its size.
 * @plain_len: in: the size of @plain; out: the data's size.
 * Errors: CC_ERROR_BAD_PARAMETERS, CC_ERROR_SEC_CHL_MALFORMED (truncated,
 * bad header, the other direction), CC_ERROR_SEC_CHL_INVALID_SESSION,
 * CC_ERROR_SEC_CHL_EXPIRED, CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH,
 * CC_ERROR_SEC_CHL_DECRYPT (modified or forged), CC_ERROR_SEC_CHL_REPLAY,
 * CC_ERROR_SEC_CHL_SEQUENCE (a record is missing before this one),
 * CC_ERROR_OUT_OF_MEMORY.
 */
int cc_sec_chl_enclave_decrypt(size_t session_id, void *encrypt, size_t encrypt_len, void *plain, size_t *plain_len);

/**
 * cgear_sec_chl_enclave_close() - end a session from the enclave's side:
 * wipe and free it now. (cgear extension.) If @close_rec is not NULL, a
 * close record for the client is made there first (*@close_len: in its
 * size, out the record's size; CC_SEC_CHL_RECORD_OVERHEAD bytes suffice):
 * the client's decrypt of it answers CC_ERROR_SEC_CHL_CLOSED.
 * Errors: CC_ERROR_SEC_CHL_INVALID_SESSION, CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH
 * (the session is kept), CC_ERROR_BAD_PARAMETERS.
 */
int cgear_sec_chl_enclave_close(size_t session_id, void *close_rec, size_t *close_len);

#ifdef __cplusplus
}
#endif

#endif
