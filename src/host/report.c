/*
 * report.c - attestation reports for this process's enclaves
 * (cc_prepare_ra_env, cc_get_ra_report, cgear_get_ra_report, and the
 * enclave's own request, src/host/sys_ocall.c).
 *
 * The report carries what the host runtime verified when it loaded the
 * image (measurement, signer, security version), the SHA-384 of the ELF
 * that actually runs, the engine and the debug flag, and is signed with the
 * platform's attestation key (src/platform, src/attest). On the development
 * platform that key sits in the user's own folder, which is why the host
 * runtime may sign here; docs/attestation.md says what a system install
 * changes.
 */
#define _GNU_SOURCE
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "attest.h"
#include "engine.h"
#include "host.h"
#include "launcher_client.h"
#include "report.h"
#include "log.h"
#include "platform.h"
#include "sg_ra_report.h"
#include "sys_ocall.h"

#define CC_API __attribute__((visibility("default")))

/* The enclaves of this process, for cc_get_ra_report()'s taid lookup. */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cg_enclave *g_list[256];

void cg_report_register(struct cg_enclave *e, bool add)
{
    pthread_mutex_lock(&g_lock);
    for (size_t i = 0; i < sizeof g_list / sizeof g_list[0]; i++) {
        if (add && g_list[i] == NULL) {
            g_list[i] = e;
            break;
        }
        if (!add && g_list[i] == e) {
            g_list[i] = NULL;
            break;
        }
    }
    pthread_mutex_unlock(&g_lock);
}

static int elf_hash(const struct cg_enclave *e, uint8_t out[48])
{
    if (e->mon.elf_fd < 0 || e->mon.elf_size == 0)
        return -1;
    void *p = mmap(NULL, e->mon.elf_size, PROT_READ, MAP_PRIVATE, e->mon.elf_fd, 0);
    if (p == MAP_FAILED)
        return -1;
    unsigned int n = 0;
    int ok = EVP_Digest(p, e->mon.elf_size, out, &n, EVP_sha384(), NULL) == 1 && n == 48;
    munmap(p, e->mon.elf_size);
    return ok ? 0 : -1;
}

cc_enclave_result_t cg_report_make_req(struct cg_enclave *e, const uint8_t *req, size_t len, bool from_enclave,
                                       uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (atomic_load(&e->fate.lost))
        return CC_ERROR_ENCLAVE_LOST;
    if (e->attach != NULL) {
        cg_log_error_limited(&e->refusals, "cannot attest enclave '%s': it is a standalone enclave; its holder has the image "
                     "(docs/cli.md)", e->ident.manifest.name);
        return CC_ERROR_NOT_SUPPORTED;
    }
    /* System install: the launcher verifies the image and the request, and
     * signs. */
    if (cg_launcher() != NULL)
        return cg_launcher_report(e, req, len, out, out_len);

    char why[256] = "";
    struct cg_platform *p = NULL;
    cc_enclave_result_t rc = cg_platform_open(NULL, true, &p, NULL, why, sizeof why);
    if (rc != CC_SUCCESS) {
        cg_log_error_limited(&e->refusals, "cannot attest enclave '%s': no platform: %s", e->ident.manifest.name, why);
        return rc;
    }
    bool mac_ok = false;
    rc = cg_report_request_check(p, e->ident.measurement, (e->flags & SECGEAR_DEBUG_FLAG) != 0, req, len, &mac_ok, why,
                                 sizeof why);
    if (rc == CC_SUCCESS && from_enclave && !mac_ok) {
        rc = CC_ERROR_ACCESS_DENIED;
        snprintf(why, sizeof why, "the enclave's report request carries no MAC");
    }
    if (rc != CC_SUCCESS) {
        cg_platform_close(p);
        cg_log_error_limited(&e->refusals, "refused a report request for enclave '%s': %s", e->ident.manifest.name, why);
        return rc == CC_ERROR_BAD_PARAMETERS ? CC_ERROR_RA_GET_REPORT_INPUT : rc;
    }
    struct cg_report f;
    memset(&f, 0, sizeof f);
    snprintf(f.module_id, sizeof f.module_id, "%s", e->ident.manifest.name);
    snprintf(f.engine, sizeof f.engine, "%s", e->engine->name);
    f.timestamp_ms = cg_now_ms();
    memcpy(f.measurement, e->ident.measurement, sizeof f.measurement);
    if (e->ident.is_signed)
        memcpy(f.signer, e->ident.signer, sizeof f.signer);
    f.debug = (e->flags & SECGEAR_DEBUG_FLAG) != 0 || !e->ident.is_signed;
    f.security_version = e->ident.security_version;
    cg_report_set_request(&f, req);
    if (elf_hash(e, f.elf_hash) != 0) {
        cg_platform_close(p);
        return CC_ERROR_GENERIC;
    }
    rc = cg_report_build_platform(&f, p, out, out_len, why, sizeof why);
    cg_platform_close(p);
    if (rc != CC_SUCCESS)
        cg_log_error_limited(&e->refusals, "cannot build the report of enclave '%s': %s", e->ident.manifest.name, why);
    return rc;
}

cc_enclave_result_t cg_report_make(struct cg_enclave *e, const uint8_t *nonce, uint32_t nonce_len,
                                   const uint8_t *user_data, uint32_t user_data_len, const uint8_t *pubkey,
                                   uint32_t pubkey_len, uint8_t **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (nonce_len > MAX_NONCE_BUF_LEN || (nonce == NULL && nonce_len) || user_data_len > CG_REPORT_USER_DATA_MAX ||
        (user_data == NULL && user_data_len) || pubkey_len > CG_REPORT_PUBKEY_MAX || (pubkey == NULL && pubkey_len))
        return CC_ERROR_RA_GET_REPORT_INPUT;
    /* The host's own request: no instance, no MAC (sys_ocall.h). */
    struct cg_sys_report_req r;
    memset(&r, 0, sizeof r);
    r.version = CG_SYS_REPORT_VERSION;
    r.nonce_len = nonce_len;
    r.user_data_len = user_data_len;
    r.public_key_len = pubkey_len;
    size_t len = sizeof r + nonce_len + user_data_len + pubkey_len;
    uint8_t *req = malloc(len);
    if (req == NULL)
        return CC_ERROR_OUT_OF_MEMORY;
    memcpy(req, &r, sizeof r);
    if (nonce_len)
        memcpy(req + sizeof r, nonce, nonce_len);
    if (user_data_len)
        memcpy(req + sizeof r + nonce_len, user_data, user_data_len);
    if (pubkey_len)
        memcpy(req + sizeof r + nonce_len + user_data_len, pubkey, pubkey_len);
    cc_enclave_result_t rc = cg_report_make_req(e, req, len, false, out, out_len);
    free(req);
    return rc;
}

/* cg_report_make() into the caller's cc_ra_buf_t. */
static cc_enclave_result_t make_report(struct cg_enclave *e, const uint8_t *nonce, uint32_t nonce_len,
                                       const uint8_t *user_data, uint32_t user_data_len, const uint8_t *pubkey,
                                       uint32_t pubkey_len, cc_ra_buf_t *report)
{
    if (report == NULL || (report->buf == NULL && report->len != 0))
        return CC_ERROR_RA_GET_REPORT_INPUT;
    uint8_t *out = NULL;
    size_t out_len = 0;
    cc_enclave_result_t rc =
        cg_report_make(e, nonce, nonce_len, user_data, user_data_len, pubkey, pubkey_len, &out, &out_len);
    if (rc != CC_SUCCESS)
        return rc;
    if (out_len > UINT32_MAX || report->len < out_len) {
        report->len = out_len > UINT32_MAX ? UINT32_MAX : (uint32_t)out_len;
        free(out);
        return CC_ERROR_SHORT_BUFFER;
    }
    memcpy(report->buf, out, out_len);
    report->len = (uint32_t)out_len;
    free(out);
    return CC_SUCCESS;
}

CC_API cc_enclave_result_t cc_prepare_ra_env(cc_ra_scenario_t scenario)
{
    if (scenario != CC_RA_SCENARIO_NO_AS)
        return CC_ERROR_RA_PRE_ENV_INPUT;
    if (cg_launcher() != NULL)
        return cg_launcher_check();
    char why[256] = "";
    struct cg_platform *p = NULL;
    cc_enclave_result_t rc = cg_platform_open(NULL, true, &p, NULL, why, sizeof why);
    if (rc != CC_SUCCESS)
        cg_log_error("cc_prepare_ra_env: %s", why);
    cg_platform_close(p);
    return rc;
}

CC_API cc_enclave_result_t cc_get_ra_report(cc_get_ra_report_input_t *in, cc_ra_buf_t *report)
{
    if (in == NULL || in->nonce_len > MAX_NONCE_BUF_LEN)
        return CC_ERROR_RA_GET_REPORT_INPUT;
    struct cg_enclave *e = NULL;
    int matches = 0;
    pthread_mutex_lock(&g_lock);
    for (size_t i = 0; i < sizeof g_list / sizeof g_list[0]; i++) {
        if (g_list[i] == NULL)
            continue;
        if (in->taid == NULL || strncmp((const char *)in->taid, g_list[i]->ident.manifest.name,
                                        sizeof g_list[i]->ident.manifest.name) == 0) {
            e = g_list[i];
            matches++;
        }
    }
    /* The report is built under the lock, so @e cannot be destroyed meanwhile. */
    cc_enclave_result_t rc = CC_ERROR_RA_GET_REPORT_INPUT;
    if (matches == 1)
        rc = make_report(e, in->nonce, in->nonce_len, NULL, 0, NULL, 0, report);
    pthread_mutex_unlock(&g_lock);
    if (matches != 1)
        cg_log_error("cc_get_ra_report: %s enclave %s%s%s in this process", matches ? "more than one" : "no",
                     in->taid ? "named '" : "", in->taid ? (const char *)in->taid : "", in->taid ? "'" : "");
    return rc;
}

CC_API cc_enclave_result_t cgear_get_ra_report(cc_enclave_t *enclave, const uint8_t *nonce, uint32_t nonce_len,
                                               const uint8_t *user_data, uint32_t user_data_len,
                                               const uint8_t *public_key, uint32_t public_key_len,
                                               cc_ra_buf_t *report)
{
    if (enclave == NULL || !enclave->used_flag || enclave->private_data == NULL)
        return CC_ERROR_BAD_PARAMETERS;
    return make_report(enclave->private_data, nonce, nonce_len, user_data, user_data_len, public_key,
                       public_key_len, report);
}
