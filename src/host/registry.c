/*
 * registry.c - the engines cgear knows, and how one is chosen.
 *
 * AUTO_ENCLAVE_TYPE picks the usable engine with the highest strength.
 * CGEAR_ENGINE=<name> demands one engine: if it cannot run, creation fails
 * instead of falling back to a weaker one.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "log.h"

/* Hardware TEEs: cgear recognises them so that secGear code asking for them
 * gets a clear answer, but runs enclaves only on its own engines. */
static bool probe_device(const char *dev, const char *what, char *why, size_t why_len)
{
    if (access(dev, F_OK) != 0)
        snprintf(why, why_len, "%s not found: this machine has no %s", dev, what);
    else
        snprintf(why, why_len, "%s is present, but this cgear build has no %s engine; use kvm or process", dev,
                 what);
    return false;
}

static bool probe_sgx(char *why, size_t n) { return probe_device("/dev/sgx_enclave", "Intel SGX", why, n); }
static bool probe_gp(char *why, size_t n) { return probe_device("/dev/teelog", "iTrustee (Arm TrustZone)", why, n); }
static bool probe_penglai(char *why, size_t n) { return probe_device("/dev/penglai_enclave_dev", "RISC-V Penglai", why, n); }
static bool probe_qingtian(char *why, size_t n) { return probe_device("/dev/qtbox_service0", "QingTian Enclave", why, n); }

static cc_enclave_result_t spawn_unsupported(struct cg_enclave *e)
{
    (void)e;
    return CC_ERROR_ENGINE_UNAVAILABLE;
}

static const struct cg_engine engine_sgx = {"sgx", SGX_ENCLAVE_TYPE, 0, probe_sgx, spawn_unsupported};
static const struct cg_engine engine_gp = {"itrustee", GP_ENCLAVE_TYPE, 0, probe_gp, spawn_unsupported};
static const struct cg_engine engine_penglai = {"penglai", PENGLAI_ENCLAVE_TYPE, 0, probe_penglai, spawn_unsupported};
static const struct cg_engine engine_qingtian = {"qingtian", QINGTIAN_ENCLAVE_TYPE, 0, probe_qingtian,
                                                 spawn_unsupported};

static const struct cg_engine *const engines[] = {
    &cg_engine_kvm, &cg_engine_process, &engine_sgx, &engine_gp, &engine_penglai, &engine_qingtian,
};

size_t cg_engine_count(void)
{
    return sizeof(engines) / sizeof(engines[0]);
}

const struct cg_engine *cg_engine_at(size_t i)
{
    return i < cg_engine_count() ? engines[i] : NULL;
}

const struct cg_engine *cg_engine_by_type(enclave_type_t type)
{
    for (size_t i = 0; i < cg_engine_count(); i++)
        if (engines[i]->type == type)
            return engines[i];
    return NULL;
}

const struct cg_engine *cg_engine_by_name(const char *name)
{
    for (size_t i = 0; i < cg_engine_count(); i++)
        if (strcmp(engines[i]->name, name) == 0)
            return engines[i];
    return NULL;
}

const char *cgear_engine_name(enclave_type_t type)
{
    if (type == AUTO_ENCLAVE_TYPE)
        return "auto";
    const struct cg_engine *e = cg_engine_by_type(type);
    return e ? e->name : "unknown";
}

static cc_enclave_result_t select_engine(enclave_type_t type, const struct cg_engine **out, bool quiet);

cc_enclave_result_t cg_engine_select(enclave_type_t type, const struct cg_engine **out)
{
    return select_engine(type, out, false);
}

cc_enclave_result_t cg_engine_select_quiet(enclave_type_t type, const struct cg_engine **out)
{
    return select_engine(type, out, true);
}

#define SAY(...)                                                                                             \
    do {                                                                                                     \
        if (!quiet)                                                                                          \
            cg_log_error(__VA_ARGS__);                                                                       \
    } while (0)

static cc_enclave_result_t select_engine(enclave_type_t type, const struct cg_engine **out, bool quiet)
{
    char why[256];
    const char *forced = getenv("CGEAR_ENGINE");
    const struct cg_engine *want = NULL;

    if (forced != NULL && *forced != '\0' && strcmp(forced, "auto") != 0) {
        want = cg_engine_by_name(forced);
        if (want == NULL) {
            SAY("CGEAR_ENGINE=%s names no engine; use kvm, process or auto", forced);
            return CC_ERROR_INVALID_TYPE;
        }
        if (type != AUTO_ENCLAVE_TYPE && type != want->type) {
            SAY("CGEAR_ENGINE=%s conflicts with the %s engine the program asked for", forced,
                         cgear_engine_name(type));
            return CC_ERROR_INVALID_TYPE;
        }
    } else if (type != AUTO_ENCLAVE_TYPE) {
        want = cg_engine_by_type(type);
        if (want == NULL) {
            SAY("enclave type %d is not known to cgear", (int)type);
            return CC_ERROR_INVALID_TYPE;
        }
    }

    if (want != NULL) {
        if (!want->probe(why, sizeof(why))) {
            SAY("the %s engine cannot run here: %s", want->name, why);
            return want->strength == 0 ? CC_ERROR_NO_DEVICE : CC_ERROR_ENGINE_UNAVAILABLE;
        }
        *out = want;
        return CC_SUCCESS;
    }

    const struct cg_engine *best = NULL;
    for (size_t i = 0; i < cg_engine_count(); i++) {
        const struct cg_engine *e = engines[i];
        if (e->strength > 0 && (best == NULL || e->strength > best->strength) && e->probe(why, sizeof(why)))
            best = e;
    }
    if (best == NULL) {
        SAY("no engine can run enclaves here; run `cgear doctor` to see why");
        return CC_ERROR_ENGINE_UNAVAILABLE;
    }
    *out = best;
    return CC_SUCCESS;
}

bool cgear_engine_usable(enclave_type_t type, char *why, size_t why_len)
{
    char tmp[256];
    const struct cg_engine *e = cg_engine_by_type(type);
    if (why == NULL || why_len == 0) {
        why = tmp;
        why_len = sizeof(tmp);
    }
    if (e == NULL) {
        snprintf(why, why_len, "unknown engine type %d", (int)type);
        return false;
    }
    why[0] = '\0';
    return e->probe(why, why_len);
}

enclave_type_t cgear_engine_auto(void)
{
    const struct cg_engine *e;
    /* Selection logs its own reasons; doctor-style callers want silence. */
    if (cg_engine_select_quiet(AUTO_ENCLAVE_TYPE, &e) != CC_SUCCESS)
        return ENCLAVE_TYPE_MAX;
    return e->type;
}
