/*
 * elf_manifest.h - check that a buffer is a cgear enclave ELF (64-bit
 * x86-64, static, every header in bounds, exactly one .cgear_manifest
 * section with sane values) and read its manifest. The buffer is hostile
 * input. Used by the image code (src/image/image.c) when it builds,
 * parses and verifies images.
 */
#ifndef CGEAR_ELF_MANIFEST_H
#define CGEAR_ELF_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "cgear_manifest.h"
#include "status.h"

/* Validate @buf as a cgear enclave ELF and extract its
 * manifest. On failure writes a reason into @why. */
cc_enclave_result_t cg_elf_read_manifest(const uint8_t *buf, size_t len, struct cg_manifest *m, char *why,
                                         size_t why_len);
/* The same, also giving the file offset of the manifest section in @offset
 * (cgear sign rewrites it so that the enclave runtime agrees with the image
 * manifest). */
cc_enclave_result_t cg_elf_find_manifest(const uint8_t *buf, size_t len, struct cg_manifest *m, uint64_t *offset,
                                         char *why, size_t why_len);

#endif
