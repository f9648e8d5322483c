/*
 * The request server's enclave: a table built once (server_init) and a
 * request handler that, like much real code, keeps things around: a copy
 * of each request on the heap and a count of requests served. Reset to its
 * snapshot after every request, it never sees an earlier tenant's text.
 */
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "cgear_enclave_reset.h"
#include "request_server_t.h"
#include "secgear_random.h"

static uint8_t g_salt[32];       /* long-term: made once, kept by the snapshot */
static uint32_t g_table[4096];   /* the expensive part of initialisation */
static char *g_history[64];      /* what a careless handler leaves behind */
static int g_served;

int server_init(void)
{
    if (cc_enclave_generate_random(g_salt, sizeof g_salt) != CC_SUCCESS)
        return -1;
    for (uint32_t i = 0; i < 4096; i++)
        g_table[i] = i * 2654435761u;
    return 0;
}

int server_handle(const char *text, size_t len, uint8_t *digest, int *seen)
{
    *seen = g_served;
    if (g_served < 64) {
        g_history[g_served] = malloc(len + 1); /* never freed: the reset does it */
        if (g_history[g_served] != NULL) {
            memcpy(g_history[g_served], text, len);
            g_history[g_served][len] = '\0';
        }
    }
    g_served++;
    br_hmac_key_context kc;
    br_hmac_context hc;
    br_hmac_key_init(&kc, &br_sha256_vtable, g_salt, sizeof g_salt);
    br_hmac_init(&hc, &kc, 0);
    br_hmac_update(&hc, text, len);
    uint32_t mix = g_table[len % 4096];
    br_hmac_update(&hc, &mix, sizeof mix);
    br_hmac_out(&hc, digest);
    return 0;
}

uint64_t server_resets(void)
{
    return cgear_enclave_resets();
}
