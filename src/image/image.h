/*
 * image.h - cgear enclave images: format, measurement, signing, manifest input.
 *
 * Host-side library `cgear_image` (OpenSSL 3), used by the host runtime to
 * verify an image before it runs and by the `cgear` tool to build, sign and
 * inspect images. The byte layout is specified in docs/image-format.md.
 *
 * Conventions: every function that can fail returns a cc_enclave_result_t
 * and, when @why is not NULL, writes a one-line English reason into
 * @why[0..why_len) on failure. CC_ERROR_INVALID_ENCLAVE means "the bytes do
 * not form a valid image / manifest"; CC_ERROR_SIGNATURE_INVALID means "the
 * structure is fine but the signature does not verify (or is absent)".
 * Inputs are treated as hostile: no function reads outside the buffer it is
 * given, whatever the bytes say.
 */
#ifndef CGEAR_IMAGE_H
#define CGEAR_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "cgear_manifest.h"
#include "status.h"

#define CG_IMAGE_MAGIC "CGEARIMG"
#define CG_IMAGE_MAGIC_LEN 8u
#define CG_IMAGE_FORMAT_VERSION 1u
#define CG_IMAGE_HEADER_LEN 48u
#define CG_IMAGE_MANIFEST_FORMAT 1u
#define CG_IMAGE_MANIFEST_FORMAT_SHM 2u /* format 1 plus the shared-memory limits */
#define CG_IMAGE_SIG_FORMAT 1u

#define CG_IMAGE_HASH_LEN 48u /* SHA-384: measurement and signer id */

/* Bounds the parser enforces (docs/image-format.md). */
#define CG_IMAGE_MANIFEST_MAX 4096u
#define CG_IMAGE_ELF_MAX ((uint64_t)1 << 30)
#define CG_IMAGE_SIG_MAX 4096u
#define CG_IMAGE_PUBKEY_MAX 1024u
#define CG_IMAGE_SIGVAL_MAX 512u
#define CG_IMAGE_NAME_MAX 63u

/* manifest `debug` */
#define CG_IMAGE_DEBUG_ALLOWED 0u  /* runs with or without SECGEAR_DEBUG_FLAG */
#define CG_IMAGE_DEBUG_ONLY 1u     /* refuses to run without SECGEAR_DEBUG_FLAG */
#define CG_IMAGE_DEBUG_DISABLED 2u /* refuses SECGEAR_DEBUG_FLAG (secGear DisableDebug=1) */

/* manifest `engines` (bit set) */
#define CG_IMAGE_ENGINE_PROCESS 0x1u
#define CG_IMAGE_ENGINE_KVM 0x2u
#define CG_IMAGE_ENGINE_ALL (CG_IMAGE_ENGINE_PROCESS | CG_IMAGE_ENGINE_KVM)

/* Defaults when neither a manifest file nor an embedded manifest says otherwise. */
#define CG_IMAGE_DEFAULT_THREADS 2u
#define CG_IMAGE_DEFAULT_HEAP ((uint64_t)256 << 20)
#define CG_IMAGE_DEFAULT_STACK ((uint64_t)256 << 10)
/* Shared memory (secgear_shared_memory.h): the most the host may hand out
 * with cc_malloc_shared_memory(), in bytes and in blocks. 0 bytes: none. */
#define CG_IMAGE_DEFAULT_SHM_SIZE ((uint64_t)64 << 20)
#define CG_IMAGE_DEFAULT_SHM_BLOCKS 64u
#define CG_IMAGE_MAX_SHM_SIZE ((uint64_t)64 << 30)
#define CG_IMAGE_MAX_SHM_BLOCKS 4096u

/* The image manifest, decoded. */
struct cg_image_manifest {
    char name[CG_IMAGE_NAME_MAX + 1]; /* 1..63 of [A-Za-z0-9_.-], NUL-terminated */
    uint32_t version;                 /* the developer's release number, free */
    uint32_t security_version;        /* raised on security fixes (secGear ISVSVN) */
    uint32_t threads;                 /* 1..CG_MANIFEST_MAX_THREADS */
    uint64_t heap_size;               /* 1 MiB..1 TiB */
    uint64_t stack_size;              /* 16 KiB..1 GiB */
    uint32_t debug;                   /* CG_IMAGE_DEBUG_* */
    uint32_t engines;                 /* non-empty subset of CG_IMAGE_ENGINE_ALL */
    uint64_t shm_size;                /* shared memory bytes: 0, or 4 KiB multiples up to 64 GiB */
    uint32_t shm_blocks;              /* shared memory blocks: 1..CG_IMAGE_MAX_SHM_BLOCKS */
};

/* A parsed image. Pointers refer into the buffer given to cg_image_parse()
 * and live as long as it does. */
struct cg_image {
    bool is_image;                    /* false: a plain enclave ELF (no header, unsigned) */
    struct cg_image_manifest manifest;
    const uint8_t *manifest_bytes;    /* canonical encoding (NULL for a plain ELF) */
    size_t manifest_len;
    const uint8_t *elf;
    size_t elf_len;
    uint64_t elf_manifest_offset;     /* offset of the embedded .cgear_manifest in the ELF */
    bool is_signed;
    const uint8_t *pubkey;            /* DER SubjectPublicKeyInfo */
    size_t pubkey_len;
    const uint8_t *sig;               /* DER ECDSA-Sig-Value */
    size_t sig_len;
    uint8_t measurement[CG_IMAGE_HASH_LEN];
    uint8_t signer[CG_IMAGE_HASH_LEN]; /* SHA-384 of pubkey; zero when unsigned */
};

/**
 * cg_manifest_defaults() - fill @m with the defaults: name "enclave",
 * version 0, security version 0, 2 threads, 256 MiB heap, 256 KiB stack,
 * debug allowed, every engine.
 */
void cg_manifest_defaults(struct cg_image_manifest *m);

/**
 * cg_manifest_check() - are all values of @m within their documented ranges?
 * Errors: CC_ERROR_INVALID_ENCLAVE with the offending field in @why.
 */
cc_enclave_result_t cg_manifest_check(const struct cg_image_manifest *m, char *why, size_t why_len);

/**
 * cg_manifest_encode() - canonical binary encoding of @m.
 * @out/@cap: destination; CG_IMAGE_MANIFEST_MAX bytes always suffice.
 * @out_len:  receives the encoded length.
 * Errors: CC_ERROR_INVALID_ENCLAVE (@m fails cg_manifest_check),
 * CC_ERROR_SHORT_BUFFER (@cap too small).
 */
cc_enclave_result_t cg_manifest_encode(const struct cg_image_manifest *m, uint8_t *out, size_t cap, size_t *out_len,
                                       char *why, size_t why_len);

/**
 * cg_manifest_decode() - decode a canonical manifest; the bytes must be
 * exactly one encoding (length, reserved values, name) with values in range.
 * Errors: CC_ERROR_INVALID_ENCLAVE.
 */
cc_enclave_result_t cg_manifest_decode(const uint8_t *buf, size_t len, struct cg_image_manifest *m, char *why,
                                       size_t why_len);

/**
 * cg_manifest_from_cg() / cg_manifest_to_cg() - convert between the image
 * manifest and the manifest embedded in the ELF (struct cg_manifest), which
 * carries only name, threads, heap, stack and the debug-only flag. from_cg
 * leaves the other fields of @m as they were.
 */
void cg_manifest_from_cg(const struct cg_manifest *in, struct cg_image_manifest *m);
void cg_manifest_to_cg(const struct cg_image_manifest *m, struct cg_manifest *out);

/**
 * cg_manifest_parse_config() - apply a manifest file to @m.
 * @text/@len: the file contents. A file whose first non-blank character is
 *             '<' is read as secGear's Enclave.config.xml (StackMaxSize,
 *             HeapMaxSize, TCSNum, DisableDebug, ISVSVN; other SGX elements
 *             are ignored); anything else as cgear's `key = value` text
 *             format (docs/image-format.md). Keys absent from the file keep
 *             the value @m had.
 * Errors: CC_ERROR_BAD_FORMAT with "line N: ..." in @why (syntax, unknown or
 * repeated key, bad number); CC_ERROR_INVALID_ENCLAVE if the result is out
 * of range.
 */
cc_enclave_result_t cg_manifest_parse_config(const char *text, size_t len, struct cg_image_manifest *m, char *why,
                                             size_t why_len);

/**
 * cg_image_measure() - the measurement of an image with manifest @m and
 * ELF @elf: SHA-384 over "cgear-image-v1", the format version, the manifest
 * and ELF lengths, the canonical manifest and the ELF (docs/image-format.md).
 * Errors: CC_ERROR_INVALID_ENCLAVE (@m out of range), CC_ERROR_GENERIC
 * (OpenSSL failure).
 */
cc_enclave_result_t cg_image_measure(const struct cg_image_manifest *m, const uint8_t *elf, size_t elf_len,
                                     uint8_t out[CG_IMAGE_HASH_LEN]);

/**
 * cg_image_parse() - parse and check the structure of an image or a plain
 * enclave ELF, and compute its measurement and signer id. Does NOT check the
 * signature (see cg_image_verify()).
 *
 * Checks: header magic, version, lengths (each bounded, their sum equal to
 * @len exactly), reserved fields zero; the manifest decodes canonically; the
 * ELF is a static x86-64 cgear enclave whose embedded manifest agrees with
 * the image manifest; the signature block (if any) has the exact layout,
 * a DER P-384 public key that parses with no trailing bytes, and a signature
 * of bounded length. A buffer that does not start with the image magic is
 * checked as a plain ELF: its embedded manifest (plus defaults for the other
 * fields) is the manifest and it is unsigned.
 * Errors: CC_ERROR_INVALID_ENCLAVE, CC_ERROR_BAD_PARAMETERS (NULL),
 * CC_ERROR_GENERIC (OpenSSL failure).
 */
cc_enclave_result_t cg_image_parse(const uint8_t *buf, size_t len, struct cg_image *img, char *why, size_t why_len);

/**
 * cg_image_verify() - check the signature of a parsed image: ECDSA P-384
 * by img->pubkey over img->measurement.
 * Errors: CC_ERROR_SIGNATURE_INVALID (unsigned, or the signature does not
 * verify), CC_ERROR_GENERIC (OpenSSL failure).
 */
cc_enclave_result_t cg_image_verify(const struct cg_image *img, char *why, size_t why_len);

/**
 * cg_image_build() - assemble an image from a manifest and an enclave ELF.
 * @m:       the manifest (checked with cg_manifest_check()).
 * @elf:     the enclave ELF; its embedded .cgear_manifest, if present, is
 *           rewritten in the image's copy to agree with @m (the enclave
 *           runtime sizes itself from it). An ELF without one is refused.
 * @key:     an EC P-384 private key, or NULL for an unsigned (debug) image.
 * @out/@out_len: receive a malloc()ed image; the caller frees it.
 * Errors: CC_ERROR_INVALID_ENCLAVE (bad manifest or ELF),
 * CC_ERROR_BAD_PARAMETERS (key not P-384), CC_ERROR_OUT_OF_MEMORY,
 * CC_ERROR_GENERIC (signing failed).
 */
cc_enclave_result_t cg_image_build(const struct cg_image_manifest *m, const uint8_t *elf, size_t elf_len,
                                   EVP_PKEY *key, uint8_t **out, size_t *out_len, char *why, size_t why_len);

/**
 * cg_elf_embedded_manifest() - read the manifest embedded in an enclave ELF
 * into @m (name, threads, heap, stack, debug-only; other fields keep their
 * value), after checking the ELF as the loader does.
 * Errors: CC_ERROR_INVALID_ENCLAVE.
 */
cc_enclave_result_t cg_elf_embedded_manifest(const uint8_t *elf, size_t len, struct cg_image_manifest *m, char *why,
                                             size_t why_len);

/**
 * cg_key_generate() - a new EC P-384 key pair in *@out (EVP_PKEY_free it).
 * Errors: CC_ERROR_GENERIC.
 */
cc_enclave_result_t cg_key_generate(EVP_PKEY **out, char *why, size_t why_len);

/**
 * cg_key_write_pem() - write @key as an unencrypted PKCS#8 PEM private key
 * to @path, created with mode 0600; refuses to overwrite unless @force.
 * Errors: CC_ERROR_INVALID_PATH (exists, or cannot be written), CC_ERROR_GENERIC.
 */
cc_enclave_result_t cg_key_write_pem(const char *path, EVP_PKEY *key, bool force, char *why, size_t why_len);

/**
 * cg_key_read_pem() - read a PEM private key from @path; it must be EC P-384.
 * Errors: CC_ERROR_INVALID_PATH (unreadable), CC_ERROR_BAD_FORMAT (not a PEM
 * private key), CC_ERROR_BAD_PARAMETERS (not P-384).
 */
cc_enclave_result_t cg_key_read_pem(const char *path, EVP_PKEY **out, char *why, size_t why_len);

/**
 * cg_key_signer_id() - SHA-384 of the DER SubjectPublicKeyInfo of @key
 * (public or private), i.e. the signer id images signed by @key report.
 * Errors: CC_ERROR_GENERIC.
 */
cc_enclave_result_t cg_key_signer_id(EVP_PKEY *key, uint8_t out[CG_IMAGE_HASH_LEN]);


/** cg_image_debug_name() / cg_image_engines_str() - text forms used by the tool and the docs. */
const char *cg_image_debug_name(uint32_t debug);
void cg_image_engines_str(uint32_t engines, char *out, size_t len);

#endif
