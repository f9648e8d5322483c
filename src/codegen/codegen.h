/*
 * codegen.h - entry point of `cgear codegen`, the EDL compiler.
 */
#ifndef CGEAR_CODEGEN_H
#define CGEAR_CODEGEN_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * cgear_codegen_main() - run the EDL compiler.
 * @argc, @argv: the command line, argv[0] being "codegen":
 *   codegen [--sgx|--trustzone|--penglai|--qingtian] [--trusted | --untrusted]
 *           [--trusted-dir D] [--untrusted-dir D] [--search-path P]...
 *           [--header-only] [--use-prefix] file.edl
 *
 * Writes <stem>_u.h/_u.c and/or <stem>_t.h/_t.c. Diagnostics go to stderr
 * as "file:line:col: error: what; how to fix".
 * Return: 0 on success, 1 on an EDL error or I/O failure, 2 on a usage error.
 */
int cgear_codegen_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
