/*
 * doctor.c - `cgear doctor`: list every engine, whether it can run enclaves
 * on this machine, and if not, why.
 */
#include <stdio.h>
#include <string.h>

#include "doctor.h"
#include "image_cmds.h"
#include "enclave.h"
#include "pvm_detect.h"

static const enclave_type_t engines[] = {
    KVM_ENCLAVE_TYPE, PROCESS_ENCLAVE_TYPE, SGX_ENCLAVE_TYPE, GP_ENCLAVE_TYPE, PENGLAI_ENCLAVE_TYPE,
    QINGTIAN_ENCLAVE_TYPE,
};
#define NENGINES (sizeof(engines) / sizeof(engines[0]))

/* `--kvm-kind`: one word for scripts (the test summary): pvm, vmx or svm
 * when the kvm engine can run here, none otherwise. */
static int kvm_kind(void)
{
    char why[256];
    enum cg_kvm_kind kind;
    if (!cgear_engine_usable(KVM_ENCLAVE_TYPE, why, sizeof why) || cg_kvm_detect(&kind) != 0) {
        printf("none\n");
        fprintf(stderr, "cgear doctor: kvm engine unusable: %s\n", why);
        return 1;
    }
    printf("%s\n", cg_kvm_kind_id(kind));
    return 0;
}

int cgear_doctor_main(int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--kvm-kind") == 0) {
            return kvm_kind();
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: cgear doctor [--json | --kvm-kind]\n\n"
                   "Lists the engines cgear knows, whether each can run enclaves on this machine,\n"
                   "and for each that cannot, why. Also shows which engine AUTO_ENCLAVE_TYPE picks\n"
                   "(honouring CGEAR_ENGINE). Exit status: 0 if some engine works, 1 if none.\n"
                   "--kvm-kind prints only the KVM the kvm engine would use: pvm, vmx or svm,\n"
                   "or none (exit status 1) if the kvm engine cannot run here.\n");
            return 0;
        } else {
            fprintf(stderr, "cgear doctor: unknown option '%s' (try --help)\n", argv[i]);
            return 2;
        }
    }
    enclave_type_t pick = cgear_engine_auto();
    int any = 0;
    if (json)
        printf("{\"engines\":[");
    else
        printf("%-10s %-5s %s\n", "ENGINE", "OK", "DETAILS");
    for (size_t i = 0; i < NENGINES; i++) {
        char why[256];
        int ok = cgear_engine_usable(engines[i], why, sizeof(why));
        any |= ok;
        const char *name = cgear_engine_name(engines[i]);
        if (json) {
            printf("%s{\"name\":", i ? "," : "");
            cgt_json_str(stdout, name);
            printf(",\"usable\":%s,\"details\":", ok ? "true" : "false");
            cgt_json_str(stdout, why);
            printf("}");
        } else {
            printf("%-10s %-5s %s\n", name, ok ? "yes" : "no", why);
        }
    }
    const char *auto_name = pick == ENCLAVE_TYPE_MAX ? "none" : cgear_engine_name(pick);
    if (json) {
        printf("],\"auto\":");
        cgt_json_str(stdout, auto_name);
        printf("}\n");
    } else {
        printf("\nAUTO_ENCLAVE_TYPE runs enclaves on: %s\n", auto_name);
    }
    return any ? 0 : 1;
}
