/*
 * image_cmds.h - the image subcommands of the cgear tool (keygen, sign,
 * measure, verify) and the helpers they share. Each command takes the
 * argument vector starting at its own name and returns the exit status:
 * 0 success, 1 the operation failed (reason on stderr), 2 usage error.
 */
#ifndef CGEAR_TOOL_IMAGE_CMDS_H
#define CGEAR_TOOL_IMAGE_CMDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "image.h"
#include "text.h"

int cgear_keygen_main(int argc, char **argv);
int cgear_sign_main(int argc, char **argv);
int cgear_measure_main(int argc, char **argv);
int cgear_verify_main(int argc, char **argv);

/* Read a whole regular file (at most CG_IMAGE_ELF_MAX + 64 KiB) into a
 * malloc()ed buffer; on failure print why to stderr and return NULL. */
uint8_t *cgt_read_file(const char *path, size_t *len);
/* Write @len bytes to @path through a temporary file in the same folder
 * and rename(), so readers never see a half-written image and in-place
 * re-signing is safe. Prints why to stderr on failure; returns 0 or -1. */
int cgt_write_file(const char *path, const uint8_t *p, size_t len, unsigned mode);
/* Print @s as a JSON string literal (with quotes) to @f. */
void cgt_json_str(FILE *f, const char *s);
/* Print the manifest as indented text or as a JSON object. */
void cgt_print_manifest(FILE *f, const struct cg_image_manifest *m);
void cgt_json_manifest(FILE *f, const struct cg_image_manifest *m);
/* Describe a parsed image (measurement, signer, manifest, sizes), as text
 * or as the members of a JSON object (without the braces). */
void cgt_describe(FILE *f, const char *path, const struct cg_image *img, bool json);
/* Does @a equal the hex string @hex (case-insensitive) of @n bytes? */
bool cgt_hex_equal(const uint8_t *a, size_t n, const char *hex);

#endif
