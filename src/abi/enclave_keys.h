/*
 * enclave_keys.h - the key block every enclave receives at start: its own
 * identity and the sealing keys derived for it, nothing else.
 *
 * The enclave runtime reads it once with read(CG_KEYS_FD) before any user
 * code runs, then closes the descriptor. The process engine passes a
 * sealed memfd on that descriptor; the KVM engine's shim answers the same
 * read() from a copy in guest memory. The layout is fixed (no pointers)
 * and versioned.
 *
 * Sealing keys are HKDF-SHA256(platform root secret, salt "cgear-seal-v1",
 * info = policy byte || identity) with policy 1 = measurement (like SGX
 * MRENCLAVE) and 2 = signer (like MRSIGNER), 0x80 added for debug
 * enclaves. The report key is HKDF-SHA256(root, salt "cgear-report-v1",
 * info = debug byte || measurement || instance): whoever holds the root can
 * check that a report request came from this enclave, nobody else can make
 * one. See src/platform/platform.h.
 */
#ifndef CGEAR_ENCLAVE_KEYS_H
#define CGEAR_ENCLAVE_KEYS_H

#include <stdint.h>

#include "monitor_abi.h" /* CG_KEYS_FD */

#define CG_KEYS_MAGIC 0x7379654b72616567ull /* "gearKeys" */
#define CG_KEYS_VERSION 2u

#define CG_KEYS_F_DEBUG 0x1u      /* the enclave runs as a debug enclave */
#define CG_KEYS_F_SIGNED 0x2u     /* signer and seal_signer are valid */
#define CG_KEYS_F_PLATFORM 0x4u   /* seal keys are valid (a platform was available) */

struct cg_enclave_keys {
    uint64_t magic;               /* CG_KEYS_MAGIC */
    uint32_t version;             /* CG_KEYS_VERSION */
    uint32_t flags;               /* CG_KEYS_F_* */
    uint8_t measurement[48];      /* SHA-384 image measurement */
    uint8_t signer[48];           /* SHA-384 of the signer's public key */
    uint32_t security_version;    /* from the image manifest */
    uint32_t reserved;
    uint8_t seal_measurement[32]; /* sealing key, policy "measurement" */
    uint8_t seal_signer[32];      /* sealing key, policy "signer" */
    uint8_t instance[16];         /* random, chosen at launch: this run of the enclave */
    uint8_t report_key[32];       /* authenticates the enclave's report requests (sys_ocall.h) */
};

#define CG_KEYS_SIZE 232u
_Static_assert(sizeof(struct cg_enclave_keys) == CG_KEYS_SIZE, "key block layout");

#endif
