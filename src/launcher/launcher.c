/*
 * launcher.c - cgear-launcher, the set-user-ID-root helper of a system
 * install (the contract is launcher.h; docs/attestation.md, "System
 * platform", says how it is installed).
 *
 * Order matters: as root it only opens the platform folder (fixed at build
 * time, never from the environment) and prepares the monitor executable;
 * then it drops root for good and only then reads the image and the
 * request the host gave it. Dropping changes the effective ids, which
 * leaves the process non-dumpable, so the host (the same user) cannot
 * ptrace it or read its descriptors while it holds the secrets.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "attest.h"
#include "enclave.h"
#include "enclave_keys.h"
#include "fd_util.h"
#include "image.h"
#include "launcher_abi.h"
#include "monitor_abi.h"
#include "platform.h"
#include "sys_ocall.h"

extern const unsigned char cg_monitor_image[];
extern const unsigned char cg_monitor_image_end[];

static const char *g_mode = "launcher";

/* Say why on the note pipe (launch) or stderr (report, check) and stop. */
static _Noreturn void refuse(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static _Noreturn void refuse(int status, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof line)
        n = (int)sizeof line - 1;
    int fd = strcmp(g_mode, "launch") == 0 ? CG_MON_NOTE_FD : STDERR_FILENO;
    dprintf(fd, "cgear-launcher: %.*s\n", n, line);
    _exit(status);
}

/* Move a new descriptor above the fixed numbers (3..9) of the monitor's
 * contract, so that placing one never clobbers another. */
static int high_fd(int fd)
{
    if (fd < 0 || fd >= 10)
        return fd;
    int h = fcntl(fd, F_DUPFD_CLOEXEC, 10);
    close(fd);
    return h;
}

/* Give up root (and every group) for good, and check it stuck. */
static void drop_root(int status)
{
    uid_t ruid = getuid();
    gid_t rgid = getgid();
    if (geteuid() == 0 && setgroups(0, NULL) != 0)
        refuse(status, "setgroups failed: %s", strerror(errno));
    if (setresgid(rgid, rgid, rgid) != 0 || setresuid(ruid, ruid, ruid) != 0)
        refuse(status, "cannot drop privileges: %s", strerror(errno));
    uid_t r, e, s;
    if (getresuid(&r, &e, &s) != 0 || r != ruid || e != ruid || s != ruid || (ruid != 0 && setuid(0) == 0))
        refuse(status, "privileges are not dropped");
    /* The id change already made us non-dumpable; say it anyway. */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* The monitor as a root-owned, execute-only sealed memfd: exec'ing a file
 * the caller cannot read starts it non-dumpable, so the key block it
 * inherits is never exposed through /proc or ptrace. */
static int monitor_fd(void)
{
    size_t len = (size_t)(cg_monitor_image_end - cg_monitor_image);
    int fd = high_fd(cg_sealed_memfd("cgear-monitor", cg_monitor_image, len));
    if (fd < 0 || fchmod(fd, 0111) != 0)
        refuse(CG_MON_EXIT_LAUNCH, "cannot make the monitor's memfd: %s", strerror(errno));
    return fd;
}

/* Read all of descriptor @fd (at most @max bytes) into a private buffer:
 * whatever the host does to its copy afterwards changes nothing here. */
static uint8_t *read_all(int fd, size_t max, size_t *len, int status)
{
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        refuse(status, "out of memory");
    if (lseek(fd, 0, SEEK_SET) < 0 && errno != ESPIPE)
        refuse(status, "cannot read descriptor %d: %s", fd, strerror(errno));
    for (;;) {
        if (n == cap) {
            if (cap >= max)
                refuse(status, "input on descriptor %d is larger than %zu bytes", fd, max);
            cap = cap * 2 > max ? max : cap * 2;
            uint8_t *nb = realloc(buf, cap);
            if (nb == NULL)
                refuse(status, "out of memory");
            buf = nb;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            refuse(status, "cannot read descriptor %d: %s", fd, strerror(errno));
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *len = n;
    return buf;
}

/* Parse and verify the image on CG_LAUNCHER_IMAGE_FD, with the rules the
 * host runtime applies (an unsigned image runs only as debug, a manifest
 * may forbid or require debug): here they decide which keys it gets. */
static uint8_t *load_image(struct cg_image *img, bool debug, int status)
{
    size_t len;
    uint8_t *buf = read_all(CG_LAUNCHER_IMAGE_FD, (size_t)CG_LAUNCHER_IMAGE_MAX, &len, status);
    close(CG_LAUNCHER_IMAGE_FD);
    char why[256];
    if (cg_image_parse(buf, len, img, why, sizeof why) != CC_SUCCESS)
        refuse(status, "not a valid enclave image: %s", why);
    if (img->is_signed) {
        if (cg_image_verify(img, why, sizeof why) != CC_SUCCESS)
            refuse(status, "signature check failed: %s", why);
    } else if (!debug) {
        refuse(status, "an unsigned enclave runs only as a debug enclave");
    }
    if (img->manifest.debug == CG_IMAGE_DEBUG_DISABLED && debug)
        refuse(status, "enclave '%s' is signed with debug disabled", img->manifest.name);
    if (img->manifest.debug == CG_IMAGE_DEBUG_ONLY && !debug)
        refuse(status, "enclave '%s' is debug-only", img->manifest.name);
    return buf;
}

static bool parse_flag(const char *s, bool *out)
{
    if (strcmp(s, "0") == 0 || strcmp(s, "1") == 0) {
        *out = s[0] == '1';
        return true;
    }
    return false;
}

static bool known_engine(const char *s)
{
    return strcmp(s, "process") == 0 || strcmp(s, "kvm") == 0;
}

/* launch: see launcher.h. argv[2..8] are the monitor's arguments. */
static int launch(int argc, char **argv)
{
    bool debug;
    if (argc != 9 || !known_engine(argv[2]) || !parse_flag(argv[4], &debug))
        refuse(CG_MON_EXIT_USAGE, "usage: cgear-launcher launch ENGINE DATA DEBUG THREADS HEAP STACK NAME");
    char why[256] = "";
    struct cg_platform *p = NULL;
    cc_enclave_result_t prc = cg_platform_open(CG_SYSTEM_PLATFORM_DIR, false, &p, NULL, why, sizeof why);
    int exe = monitor_fd();
    /* The ELF's memfd, too, is made root-owned and execute-only now and
     * filled after the drop: the enclave process then starts
     * non-dumpable, with its key block already open. */
    int elf = high_fd(memfd_create("cgear-enclave-elf", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (elf < 0 || fchmod(elf, 0111) != 0)
        refuse(CG_MON_EXIT_LAUNCH, "cannot make the ELF memfd: %s", strerror(errno));
    drop_root(CG_MON_EXIT_LAUNCH);

    struct cg_image img;
    uint8_t *buf = load_image(&img, debug, CG_MON_EXIT_LAUNCH);
    /* The enclave's shape comes from the manifest verified here, not from
     * the host's command line: a host must not be able to give the
     * enclave smaller stacks or heap than it was signed with. */
    const struct cg_image_manifest *m = &img.manifest;
    char num[4][24], name[sizeof m->name];
    snprintf(num[0], sizeof num[0], "%llu",
             (unsigned long long)(m->heap_size + (uint64_t)m->threads * m->stack_size + CG_MON_DATA_SLACK));
    snprintf(num[1], sizeof num[1], "%u", (unsigned)m->threads);
    snprintf(num[2], sizeof num[2], "%llu", (unsigned long long)m->heap_size);
    snprintf(num[3], sizeof num[3], "%llu", (unsigned long long)m->stack_size);
    snprintf(name, sizeof name, "%s", m->name);
    if (cg_memfd_fill_seal(elf, img.elf, img.elf_len) != 0)
        refuse(CG_MON_EXIT_LAUNCH, "cannot copy the enclave ELF: %s", strerror(errno));

    /* Without a platform the enclave runs, and sealing says it has no keys
     * (as on a development machine without one). */
    struct cg_enclave_keys k;
    cg_platform_key_block(prc == CC_SUCCESS ? p : NULL, img.measurement, img.is_signed ? img.signer : NULL,
                          img.manifest.security_version, debug, &k);
    cg_platform_close(p);
    int kfd = high_fd(cg_sealed_memfd("cgear-keys", &k, sizeof k));
    explicit_bzero(&k, sizeof k);
    if (kfd < 0)
        refuse(CG_MON_EXIT_LAUNCH, "cannot make the key block: %s", strerror(errno));
    /* The host's ELF copy is replaced by the one verified here (dup2
     * leaves both open across the exec, as the monitor expects). */
    if (dup2(elf, CG_ELF_FD) < 0 || dup2(kfd, CG_KEYS_FD) < 0)
        refuse(CG_MON_EXIT_LAUNCH, "cannot place descriptors: %s", strerror(errno));
    close(elf);
    close(kfd);
    free(buf);

    char *margv[9];
    margv[0] = (char *)"cgear-monitor";
    margv[1] = argv[2];          /* engine */
    margv[2] = num[0];           /* data limit */
    margv[3] = argv[4];          /* debug: checked against the image by load_image() */
    margv[4] = num[1];
    margv[5] = num[2];
    margv[6] = num[3];
    margv[7] = name;
    margv[8] = NULL;
    char *const envp[] = {NULL};
    syscall(SYS_execveat, exe, "", margv, envp, AT_EMPTY_PATH);
    refuse(CG_MON_EXIT_LAUNCH, "cannot exec the monitor: %s", strerror(errno));
}

static uint8_t *sha384(const uint8_t *p, size_t n, uint8_t out[48])
{
    unsigned int len = 0;
    return EVP_Digest(p, n, out, &len, EVP_sha384(), NULL) == 1 && len == 48 ? out : NULL;
}

/* report: see launcher.h. */
static int report(int argc, char **argv)
{
    bool debug;
    if (argc != 4 || !known_engine(argv[2]) || !parse_flag(argv[3], &debug))
        refuse(2, "usage: cgear-launcher report ENGINE DEBUG < request > report");
    char why[256] = "";
    struct cg_platform *p = NULL;
    if (cg_platform_open(CG_SYSTEM_PLATFORM_DIR, false, &p, NULL, why, sizeof why) != CC_SUCCESS)
        refuse(1, "no system platform in %s: %s", CG_SYSTEM_PLATFORM_DIR, why);
    drop_root(1);

    struct cg_image img;
    uint8_t *buf = load_image(&img, debug, 1);
    size_t rlen;
    uint8_t *req = read_all(STDIN_FILENO, sizeof(struct cg_sys_report_req) + MAX_NONCE_BUF_LEN +
                                               CG_REPORT_USER_DATA_MAX + CG_REPORT_PUBKEY_MAX + 1,
                            &rlen, 1);
    /* The enclave's requests carry a MAC under its report key, which only
     * an enclave this launcher started with this image holds; the host's
     * own requests carry none and may only bind a nonce. */
    bool from_enclave = false;
    if (cg_report_request_check(p, img.measurement, debug, req, rlen, &from_enclave, why, sizeof why) != CC_SUCCESS)
        refuse(1, "refused the report request: %s", why);
    struct cg_sys_report_req r;
    memcpy(&r, req, sizeof r);
    if (!from_enclave && (r.user_data_len || r.public_key_len))
        refuse(1, "on a system platform only the enclave itself can bind user data or a public key "
                  "(cgear_enclave_get_report)");

    struct cg_report f;
    memset(&f, 0, sizeof f);
    snprintf(f.module_id, sizeof f.module_id, "%s", img.manifest.name);
    snprintf(f.engine, sizeof f.engine, "%s", argv[2]);
    f.timestamp_ms = cg_now_ms();
    memcpy(f.measurement, img.measurement, sizeof f.measurement);
    if (img.is_signed)
        memcpy(f.signer, img.signer, sizeof f.signer);
    if (sha384(img.elf, img.elf_len, f.elf_hash) == NULL)
        refuse(1, "SHA-384 failed");
    f.debug = debug || !img.is_signed;
    f.security_version = img.manifest.security_version;
    cg_report_set_request(&f, req);
    uint8_t *out = NULL;
    size_t out_len = 0;
    if (cg_report_build_platform(&f, p, &out, &out_len, why, sizeof why) != CC_SUCCESS)
        refuse(1, "cannot build the report: %s", why);
    cg_platform_close(p);
    for (size_t off = 0; off < out_len;) {
        ssize_t n = write(STDOUT_FILENO, out + off, out_len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            refuse(1, "cannot write the report: %s", strerror(errno));
        off += (size_t)n;
    }
    free(out);
    free(req);
    free(buf);
    return 0;
}

static int check(void)
{
    char why[256] = "";
    struct cg_platform *p = NULL;
    if (cg_platform_open(CG_SYSTEM_PLATFORM_DIR, false, &p, NULL, why, sizeof why) != CC_SUCCESS)
        refuse(1, "no usable system platform in %s: %s", CG_SYSTEM_PLATFORM_DIR, why);
    cg_platform_close(p);
    drop_root(1);
    return 0;
}

int main(int argc, char **argv)
{
    umask(077);
    if (argc >= 2)
        g_mode = argv[1];
    if (argc >= 2 && strcmp(argv[1], "launch") == 0)
        return launch(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "report") == 0)
        return report(argc, argv);
    if (argc == 2 && strcmp(argv[1], "check") == 0)
        return check();
    g_mode = "usage";
    refuse(2, "usage: cgear-launcher launch|report|check ... (run by the cgear runtime, see launcher.h)");
}
