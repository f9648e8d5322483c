/*
 * registry.c - the engines cgear knows, and how one is chosen.
 *
 * AUTO_ENCLAVE_TYPE picks the usable engine with the highest strength
 * among those the image's manifest allows. CGEAR_ENGINE=<name> demands one
 * engine: if it cannot run, creation fails instead of falling back to a
 * weaker one.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "image.h"
#include "lifecycle.h"
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

static const struct cg_engine engine_sgx = {"sgx", SGX_ENCLAVE_TYPE, 0, 0, probe_sgx, NULL, NULL};
static const struct cg_engine engine_gp = {"itrustee", GP_ENCLAVE_TYPE, 0, 0, probe_gp, NULL, NULL};
static const struct cg_engine engine_penglai = {"penglai", PENGLAI_ENCLAVE_TYPE, 0, 0, probe_penglai, NULL, NULL};
static const struct cg_engine engine_qingtian = {"qingtian", QINGTIAN_ENCLAVE_TYPE, 0, 0, probe_qingtian, NULL, NULL};

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

/* Every engine that runs starts the embedded cgear-monitor: without it,
 * none is usable. */
static bool usable(const struct cg_engine *g, char *why, size_t why_len)
{
    if (!g->probe(why, why_len))
        return false;
    char tmp[200];
    if (g->strength > 0 && cg_monitor_exe_fd(tmp, sizeof tmp) < 0) {
        snprintf(why, why_len, "%s", tmp);
        return false;
    }
    return true;
}

#define SAY(...)                                                                                             \
    do {                                                                                                     \
        if (!quiet)                                                                                          \
            cg_log_error(__VA_ARGS__);                                                                       \
    } while (0)

static cc_enclave_result_t not_allowed(const struct cg_engine *g, uint32_t allowed, const char *name, bool quiet)
{
    char list[32];
    cg_image_engines_str(allowed, list, sizeof(list));
    SAY("enclave '%s' may run only on the %s engine(s) (its manifest's `engines`), not on %s", name, list,
        g->name);
    return CC_ERROR_ENGINE_UNAVAILABLE;
}

cc_enclave_result_t cg_engine_select(enclave_type_t type, uint32_t allowed, const char *name, bool quiet,
                                     const struct cg_engine **out)
{
    char why[256];
    const char *forced = getenv("CGEAR_ENGINE");
    const struct cg_engine *want = NULL;
    if (name == NULL)
        name = "enclave";

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
        if (!usable(want, why, sizeof(why))) {
            SAY("the %s engine cannot run here: %s", want->name, why);
            return want->strength == 0 ? CC_ERROR_NO_DEVICE : CC_ERROR_ENGINE_UNAVAILABLE;
        }
        if (!(want->image_bit & allowed))
            return not_allowed(want, allowed, name, quiet);
        *out = want;
        return CC_SUCCESS;
    }

    /* AUTO: the strongest usable engine the manifest allows. */
    const struct cg_engine *best = NULL, *best_any = NULL;
    for (size_t i = 0; i < cg_engine_count(); i++) {
        const struct cg_engine *g = engines[i];
        if (g->strength <= 0 || !usable(g, why, sizeof(why)))
            continue;
        if (best_any == NULL || g->strength > best_any->strength)
            best_any = g;
        if ((g->image_bit & allowed) && (best == NULL || g->strength > best->strength))
            best = g;
    }
    if (best == NULL) {
        if (best_any != NULL)
            return not_allowed(best_any, allowed, name, quiet);
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
    return usable(e, why, why_len);
}

enclave_type_t cgear_engine_auto(void)
{
    const struct cg_engine *e;
    /* Selection logs its own reasons; doctor-style callers want silence. */
    if (cg_engine_select(AUTO_ENCLAVE_TYPE, CG_IMAGE_ENGINE_ALL, NULL, true, &e) != CC_SUCCESS)
        return ENCLAVE_TYPE_MAX;
    return e->type;
}
