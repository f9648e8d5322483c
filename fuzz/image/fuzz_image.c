/*
 * fuzz_image.c - libFuzzer harness for the image parsers (src/image): the
 * image/ELF parser with signature check, the binary manifest decoder and
 * the manifest file parsers (text and Enclave.config.xml). Every input goes
 * to all of them; the corpus holds a small signed and unsigned image, the
 * tiny ELF inside them and both manifest file formats.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[256];
    struct cg_image img;
    if (cg_image_parse(data, size, &img, why, sizeof(why)) == CC_SUCCESS) {
        /* A parsed image's pointers and lengths stay inside the input. */
        if (img.elf < data || img.elf + img.elf_len > data + size)
            __builtin_trap();
        if (img.is_signed)
            (void)cg_image_verify(&img, why, sizeof(why));
        /* What parses must re-encode to the same manifest bytes. */
        if (img.is_image) {
            uint8_t buf[CG_IMAGE_MANIFEST_MAX];
            size_t n;
            if (cg_manifest_encode(&img.manifest, buf, sizeof(buf), &n, NULL, 0) != CC_SUCCESS ||
                n != img.manifest_len || memcmp(buf, img.manifest_bytes, n) != 0)
                __builtin_trap();
        }
    }
    struct cg_image_manifest m;
    if (cg_manifest_decode(data, size, &m, why, sizeof(why)) == CC_SUCCESS) {
        uint8_t buf[CG_IMAGE_MANIFEST_MAX];
        size_t n;
        if (cg_manifest_encode(&m, buf, sizeof(buf), &n, NULL, 0) != CC_SUCCESS || n != size ||
            memcmp(buf, data, n) != 0)
            __builtin_trap();
    }
    cg_manifest_defaults(&m);
    (void)cg_manifest_parse_config((const char *)data, size, &m, why, sizeof(why));
    return 0;
}
