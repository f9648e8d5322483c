/*
 * main.c - the cgear command-line tool: one binary, one subcommand per job.
 */
#include <stdio.h>
#include <string.h>

#include "attest_cmds.h"
#include "codegen.h"
#include "doctor.h"
#include "enclave_cmds.h"
#include "image_cmds.h"
#include "new_cmd.h"

#ifndef CGEAR_VERSION
#define CGEAR_VERSION "0"
#endif

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    {"codegen", cgear_codegen_main, "generate host and enclave glue code from an EDL file"},
    {"doctor", cgear_doctor_main, "tell which engines can run enclaves on this machine, and why not"},
    {"keygen", cgear_keygen_main, "generate an EC P-384 signing key"},
    {"sign", cgear_sign_main, "build a signed enclave image from an enclave ELF and a manifest"},
    {"measure", cgear_measure_main, "print an image's measurement, signer and manifest"},
    {"verify", cgear_verify_main, "check an image's structure, measurement and signature"},
    {"enclave", cgear_enclave_main, "run standalone enclaves: start, list, console, stop"},
    {"platform", cgear_platform_main, "the platform's root secret and attestation key: init, show, export-cert"},
    {"attest", cgear_attest_main, "attestation reports: verify, show, make"},
    {"new", cgear_new_main, "write a new project: EDL, host, enclave, CMakeLists.txt, README"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: cgear <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\nRun `cgear <command> --help` for the options of a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("cgear %s\n", CGEAR_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "cgear: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
