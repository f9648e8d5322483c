/*
 * launcher_abi.h - the contract between the host runtime and cgear-launcher,
 * the privileged helper of a system-wide install.
 *
 * On a system install the platform (root secret, attestation key) lives in
 * a root-only folder, CG_SYSTEM_PLATFORM_DIR, and only cgear-launcher, a
 * small set-user-ID-root program, reads it. The host runtime never holds a
 * platform secret: it hands the launcher the enclave image and gets back
 * either a running enclave or a signed report. The launcher trusts nothing
 * from the host: it verifies the image itself, and it drops root for good
 * before it parses anything the host gave it.
 *
 *   cgear-launcher launch <engine> <data-limit> <debug 0|1> <threads> <heap> <stack> <name>
 *       Descriptors as for cgear-monitor (monitor_abi.h) plus the image on
 *       CG_LAUNCHER_IMAGE_FD. Verifies the image, writes its ELF to
 *       descriptor 4 and the enclave's key block to 8, drops root, and
 *       exec's the cgear-monitor it carries (execute-only, so the monitor
 *       starts non-dumpable) with the same arguments. On refusal it writes
 *       one line to the note pipe and exits CG_MON_EXIT_LAUNCH.
 *
 *   cgear-launcher report <engine> <debug 0|1>
 *       The image on CG_LAUNCHER_IMAGE_FD, a report request on stdin
 *       (struct cg_sys_report_req and its bytes, src/abi/sys_ocall.h); the
 *       signed report on stdout, exit 0. On refusal one line on stderr and
 *       exit 1 (2: usage).
 *
 *   cgear-launcher check
 *       Exit 0 if the system platform can be opened, else 1 and why.
 */
#ifndef CGEAR_LAUNCHER_ABI_H
#define CGEAR_LAUNCHER_ABI_H

#include "monitor_abi.h" /* CG_LAUNCHER_IMAGE_FD, CG_MON_EXIT_LAUNCH */

/* Where a system install keeps the platform (root-only, 0700). */
#ifndef CG_SYSTEM_PLATFORM_DIR
#define CG_SYSTEM_PLATFORM_DIR "/var/lib/cgear/platform"
#endif

/* Largest image the launcher reads (as the host: CG_MAX_ENCLAVE_FILE). */
#define CG_LAUNCHER_IMAGE_MAX ((unsigned long long)1 << 31)

#endif
