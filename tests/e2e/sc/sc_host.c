/*
 * sc_host.c - end-to-end suite of the secure channel on one engine
 * (CGEAR_ENGINE): a real enclave serving the channel (sc.edl,
 * sc_enclave.c with cgear::secure_channel_enclave), the server host
 * library and the client library in one process, joined by an in-memory
 * connection whose two send functions deliver each message straight to
 * the peer's callback. The test plays the man in the middle on the host:
 * it changes, replays, reorders, drops, truncates and injects handshake
 * messages and records, and checks each is refused with its code.
 *
 * usage: sc_host IMAGE
 */
#define _GNU_SOURCE
#include "../host/e2e_util.h"

#include <pthread.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "sc_u.h"
#include "secure_channel_client.h"
#include "secure_channel_host.h"
#include "sg_ra_report.h"

static cc_enclave_t g_enclave;
static cc_sec_chl_svr_ctx_t g_svr;
static char g_dir[64];
static char g_policy[128];       /* the right measurement */
static char g_wrong_policy[128]; /* another measurement */
static char g_secgear_policy[128]; /* secGear's base-value line format */

/* What the man in the middle does to handshake messages. */
enum mitm {
    MITM_NONE,
    MITM_HELLO_NONCE,  /* flip a bit of the client's nonce */
    MITM_HELLO_KEY,    /* flip a bit of the client's key */
    MITM_RSP_KEY,      /* flip a bit of the enclave's key */
    MITM_RSP_REPORT,   /* flip a bit inside the report */
    MITM_RSP_SESSION,  /* change the session id */
    MITM_RSP_SWAP,     /* answer with another handshake's answer */
    MITM_DROP_RSP,     /* the client vanishes: its answer goes nowhere */
};

/* One client's connection to the server, both ends in this process. */
struct link {
    cc_sec_chl_ctx_t cli;
    cc_sec_chl_conn_ctx_t srv;
    enum mitm mitm;
    uint8_t *saved; /* MITM_RSP_SWAP: the answer to use instead */
    size_t saved_len;
    cc_enclave_result_t srv_rc; /* the server callback's last result */
};

static int to_server(void *conn, void *buf, size_t n)
{
    struct link *l = conn;
    uint8_t *b = malloc(n); /* what travels: the sender keeps its own */
    assert_non_null(b);
    memcpy(b, buf, n);
    if (l->mitm == MITM_HELLO_NONCE && n > 30)
        b[24 + 5] ^= 0x10;
    if (l->mitm == MITM_HELLO_KEY && n > 60)
        b[24 + 32 + 7] ^= 0x01;
    l->srv_rc = cc_sec_chl_svr_callback(&l->srv, b, n);
    free(b);
    return (int)n;
}

static int to_client(void *conn, void *buf, size_t n)
{
    struct link *l = conn;
    uint8_t *b = buf;
    switch (l->mitm) {
    case MITM_DROP_RSP:
        return (int)n;
    case MITM_RSP_KEY:
        b[24 + 3] ^= 0x80;
        break;
    case MITM_RSP_REPORT:
        b[n - 200] ^= 0x04;
        break;
    case MITM_RSP_SESSION:
        b[19] ^= 0x01;
        break;
    case MITM_RSP_SWAP:
        if (l->saved != NULL)
            return cc_sec_chl_client_callback(&l->cli, l->saved, l->saved_len) == CC_SUCCESS ? (int)n : -1;
        break;
    default:
        break;
    }
    (void)cc_sec_chl_client_callback(&l->cli, buf, n);
    return (int)n;
}

static void link_init(struct link *l, const char *policy, enum mitm m)
{
    memset(l, 0, sizeof *l);
    l->cli.conn_kit.send = to_server;
    l->cli.conn_kit.conn = l;
    l->cli.basevalue = (char *)policy;
    l->srv.svr_ctx = &g_svr;
    l->srv.conn_kit.send = to_client;
    l->srv.conn_kit.conn = l;
    l->mitm = m;
}

static size_t sessions(void)
{
    size_t n = 99999;
    assert_int_equal(cgear_sec_chl_svr_sessions(&g_svr, &n), CC_SUCCESS);
    return n;
}

/* A record of @len bytes of @fill from the client. */
static uint8_t *client_rec(struct link *l, const void *plain, size_t len, size_t *rlen)
{
    *rlen = 0;
    assert_int_equal(cc_sec_chl_client_encrypt(&l->cli, (void *)plain, len, NULL, rlen),
                     CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH);
    assert_int_equal(*rlen, len + CC_SEC_CHL_RECORD_OVERHEAD);
    uint8_t *r = malloc(*rlen);
    assert_non_null(r);
    assert_int_equal(cc_sec_chl_client_encrypt(&l->cli, (void *)plain, len, r, rlen), CC_SUCCESS);
    return r;
}

/* The enclave opens @rec of session @session; its result. */
static uint32_t enclave_recv(size_t session, uint8_t *rec, size_t len, uint8_t *plain, size_t cap, size_t *plen)
{
    int ret = -1;
    size_t dummy = 0;
    assert_int_equal(sc_test_recv(&g_enclave, &ret, session, rec, len, plain, cap, plen ? plen : &dummy),
                     CC_SUCCESS);
    return (uint32_t)ret;
}

/* A record from the enclave for @session. */
static uint8_t *enclave_rec(size_t session, const void *plain, size_t len, size_t *rlen)
{
    int ret = -1;
    size_t cap = len + CC_SEC_CHL_RECORD_OVERHEAD;
    uint8_t *r = malloc(cap);
    assert_non_null(r);
    assert_int_equal(sc_test_send(&g_enclave, &ret, session, (uint8_t *)plain, len, r, cap, rlen), CC_SUCCESS);
    assert_int_equal(ret, CC_SUCCESS);
    assert_int_equal(*rlen, cap);
    return r;
}

static void connect_ok(struct link *l)
{
    link_init(l, g_policy, MITM_NONE);
    assert_int_equal(cc_sec_chl_client_init(CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM, &l->cli), CC_SUCCESS);
    assert_non_null(l->cli.handle);
    assert_true(l->cli.session_id != 0);
}

/* Handshake, then data both ways, of several sizes, then close. */
static void test_handshake_and_data(void **state)
{
    (void)state;
    struct link l;
    size_t before = sessions();
    connect_ok(&l);
    assert_int_equal(sessions(), before + 1);
    static const size_t sizes[] = {0, 1, 25, 4096, 1u << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i], rlen, olen = 0, plen;
        uint8_t *plain = malloc(n + 1), *out = malloc(n + 100), *back = malloc(n + 100);
        assert_true(plain && out && back);
        for (size_t j = 0; j < n; j++)
            plain[j] = (uint8_t)(j * 7 + i);
        uint8_t *rec = client_rec(&l, plain, n, &rlen);
        int ret = -1;
        assert_int_equal(sc_test_echo(&g_enclave, &ret, l.cli.session_id, rec, rlen, out, n + 100, &olen),
                         CC_SUCCESS);
        assert_int_equal(ret, CC_SUCCESS);
        /* the host sees no plaintext: not the data, not the answer */
        if (n >= 25)
            assert_null(memmem(rec, rlen, plain, 16));
        assert_null(memmem(out, olen, "enclave saw", 11));
        plen = n + 100;
        assert_int_equal(cc_sec_chl_client_decrypt(&l.cli, out, olen, back, &plen), CC_SUCCESS);
        assert_int_equal(plen, 13 + n);
        assert_memory_equal(back, "enclave saw: ", 13);
        if (n > 0)
            assert_memory_equal(back + 13, plain, n);
        free(rec);
        free(plain);
        free(out);
        free(back);
    }
    size_t id = l.cli.session_id, rl;
    uint8_t *late = client_rec(&l, "after the close", 15, &rl), x[64];
    cc_sec_chl_client_fini(&l.cli);
    assert_null(l.cli.handle);
    /* the authenticated close reached the enclave: the session is gone */
    assert_int_equal(sessions(), before);
    assert_int_equal(enclave_recv(id, late, rl, x, sizeof x, NULL), CC_ERROR_SEC_CHL_INVALID_SESSION);
    free(late);
    cc_sec_chl_client_fini(&l.cli); /* twice: a no-op */
}

/* Which code a flipped bit at byte @i of a client record must give. */
static uint32_t expected_for_byte(size_t i)
{
    if (i == 0 || i == 1 || i == 2 || i == 3 || (i >= 20 && i < 24))
        return CC_ERROR_SEC_CHL_MALFORMED; /* version, type, direction, reserved, length */
    if (i >= 4 && i < 12)
        return CC_ERROR_SEC_CHL_INVALID_SESSION; /* names another session */
    return CC_ERROR_SEC_CHL_DECRYPT;             /* sequence, data, tag: authentication fails */
}

/* The host between client and enclave attacks client records. */
static void test_mitm_client_records(void **state)
{
    (void)state;
    struct link l, other;
    connect_ok(&l);
    connect_ok(&other);
    size_t id = l.cli.session_id, len[6];
    uint8_t *r[6], plain[64];
    size_t plen;
    const char *msgs[6] = {"zero", "one", "two", "three", "four", "five"};
    for (int i = 0; i < 6; i++)
        r[i] = client_rec(&l, msgs[i], strlen(msgs[i]), &len[i]);

    /* every single-bit flip of record 0, each with its code */
    for (size_t i = 0; i < len[0]; i++)
        for (int b = 0; b < 8; b++) {
            r[0][i] ^= (uint8_t)(1u << b);
            uint32_t got = enclave_recv(id, r[0], len[0], plain, sizeof plain, NULL);
            if (got != expected_for_byte(i))
                fail_msg("bit %d of byte %zu: got 0x%x, expected 0x%x", b, i, got, expected_for_byte(i));
            r[0][i] ^= (uint8_t)(1u << b);
        }
    /* truncated, one byte and down to nothing */
    for (size_t cut = 1; cut <= len[0]; cut += 7)
        assert_int_equal(enclave_recv(id, r[0], len[0] - cut, plain, sizeof plain, NULL), CC_ERROR_SEC_CHL_MALFORMED);
    /* none of it moved the session on: record 0 is still the one expected */
    plen = 0;
    assert_int_equal(enclave_recv(id, r[0], len[0], plain, sizeof plain, &plen), CC_SUCCESS);
    assert_int_equal(plen, 4);
    assert_memory_equal(plain, "zero", 4);
    /* replayed */
    assert_int_equal(enclave_recv(id, r[0], len[0], plain, sizeof plain, NULL), CC_ERROR_SEC_CHL_REPLAY);
    /* reordered: 2 before 1 */
    assert_int_equal(enclave_recv(id, r[2], len[2], plain, sizeof plain, NULL), CC_ERROR_SEC_CHL_SEQUENCE);
    assert_int_equal(enclave_recv(id, r[1], len[1], plain, sizeof plain, NULL), CC_SUCCESS);
    assert_int_equal(enclave_recv(id, r[2], len[2], plain, sizeof plain, NULL), CC_SUCCESS);
    /* dropped: 3 never arrives, 4 is refused */
    assert_int_equal(enclave_recv(id, r[4], len[4], plain, sizeof plain, NULL), CC_ERROR_SEC_CHL_SEQUENCE);
    /* injected: a record the host made up for this session */
    uint8_t forged[CC_SEC_CHL_RECORD_OVERHEAD + 5];
    memcpy(forged, r[3], 24);
    forged[23] = 5;
    assert_int_equal(getrandom(forged + 24, sizeof forged - 24, 0), (ssize_t)(sizeof forged - 24));
    assert_int_equal(enclave_recv(id, forged, sizeof forged, plain, sizeof plain, NULL), CC_ERROR_SEC_CHL_DECRYPT);
    /* injected: another session's genuine record */
    size_t olen;
    uint8_t *o = client_rec(&other, "other", 5, &olen);
    assert_int_equal(enclave_recv(id, o, olen, plain, sizeof plain, NULL), CC_ERROR_SEC_CHL_INVALID_SESSION);
    /* ... and presented as its own session's, the enclave opens it with the
     * other session's keys: genuine there, so accepted there only */
    assert_int_equal(enclave_recv(other.cli.session_id, o, olen, plain, sizeof plain, NULL), CC_SUCCESS);
    /* a record the enclave made, sent back to it (reflection) */
    size_t elen;
    uint8_t *e = enclave_rec(id, "mirror", 6, &elen);
    assert_int_equal(enclave_recv(id, e, elen, plain, sizeof plain, NULL), CC_ERROR_SEC_CHL_MALFORMED);
    /* a too-small buffer: the size comes back, nothing is consumed */
    plen = 0;
    assert_int_equal(enclave_recv(id, r[3], len[3], plain, 2, &plen), CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH);
    assert_int_equal(plen, 5);
    /* the session still works after all that */
    assert_int_equal(enclave_recv(id, r[3], len[3], plain, sizeof plain, NULL), CC_SUCCESS);
    assert_int_equal(enclave_recv(id, r[4], len[4], plain, sizeof plain, NULL), CC_SUCCESS);
    assert_int_equal(enclave_recv(id, r[5], len[5], plain, sizeof plain, NULL), CC_SUCCESS);
    for (int i = 0; i < 6; i++)
        free(r[i]);
    free(o);
    free(e);
    cc_sec_chl_client_fini(&l.cli);
    cc_sec_chl_client_fini(&other.cli);
}

/* The host attacks the enclave's records on their way to the client. */
static void test_mitm_enclave_records(void **state)
{
    (void)state;
    struct link l, other;
    connect_ok(&l);
    connect_ok(&other);
    size_t id = l.cli.session_id, len[5], plen;
    uint8_t *r[5], plain[64];
    for (int i = 0; i < 5; i++)
        r[i] = enclave_rec(id, "abcdefgh", 8, &len[i]);
    for (size_t i = 0; i < len[0]; i++)
        for (int b = 0; b < 8; b++) {
            r[0][i] ^= (uint8_t)(1u << b);
            plen = sizeof plain;
            cc_enclave_result_t got = cc_sec_chl_client_decrypt(&l.cli, r[0], len[0], plain, &plen);
            if ((uint32_t)got != expected_for_byte(i))
                fail_msg("bit %d of byte %zu: got 0x%x, expected 0x%x", b, i, got, expected_for_byte(i));
            r[0][i] ^= (uint8_t)(1u << b);
        }
    plen = sizeof plain;
    assert_int_equal(cc_sec_chl_client_decrypt(&l.cli, r[0], len[0] - 1, plain, &plen), CC_ERROR_SEC_CHL_MALFORMED);
    plen = sizeof plain;
    assert_int_equal(cc_sec_chl_client_decrypt(&l.cli, r[0], len[0], plain, &plen), CC_SUCCESS);
    assert_int_equal(plen, 8);
    assert_memory_equal(plain, "abcdefgh", 8);
    plen = sizeof plain;
    assert_int_equal(cc_sec_chl_client_decrypt(&l.cli, r[0], len[0], plain, &plen), CC_ERROR_SEC_CHL_REPLAY);
    plen = sizeof plain;
    assert_int_equal(cc_sec_chl_client_decrypt(&l.cli, r[2], len[2], plain, &plen), CC_ERROR_SEC_CHL_SEQUENCE);
    plen = sizeof plain;
    assert_int_equal(cc_sec_chl_client_decrypt(&l.cli, r[1], len[1], plain, &plen), CC_SUCCESS);
    plen = sizeof plain;
    assert_int_equal(cc_sec_chl_client_decrypt(&l.cli, r[2], len[2], plain, &plen), CC_SUCCESS);
    /* dropped: 3 */
    plen = sizeof plain;
    assert_int_equal(cc_sec_chl_client_decrypt(&l.cli, r[4], len[4], plain, &plen), CC_ERROR_SEC_CHL_SEQUENCE);
    /* injected */
    uint8_t forged[CC_SEC_CHL_RECORD_OVERHEAD + 8];
    memcpy(forged, r[3], 24);
    assert_int_equal(getrandom(forged + 24, sizeof forged - 24, 0), (ssize_t)(sizeof forged - 24));
    plen = sizeof plain;
    assert_int_equal(cc_sec_chl_client_decrypt(&l.cli, forged, sizeof forged, plain, &plen), CC_ERROR_SEC_CHL_DECRYPT);
    size_t olen;
    uint8_t *o = enclave_rec(other.cli.session_id, "x", 1, &olen);
    plen = sizeof plain;
    assert_int_equal(cc_sec_chl_client_decrypt(&l.cli, o, olen, plain, &plen), CC_ERROR_SEC_CHL_INVALID_SESSION);
    /* the client's own record reflected back */
    size_t clen;
    uint8_t *c = client_rec(&l, "mine", 4, &clen);
    plen = sizeof plain;
    assert_int_equal(cc_sec_chl_client_decrypt(&l.cli, c, clen, plain, &plen), CC_ERROR_SEC_CHL_MALFORMED);
    plen = 1;
    assert_int_equal(cc_sec_chl_client_decrypt(&l.cli, r[3], len[3], plain, &plen), CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH);
    assert_int_equal(plen, 8);
    for (int i = 3; i < 5; i++) {
        plen = sizeof plain;
        assert_int_equal(cc_sec_chl_client_decrypt(&l.cli, r[i], len[i], plain, &plen), CC_SUCCESS);
    }
    for (int i = 0; i < 5; i++)
        free(r[i]);
    free(o);
    free(c);
    cc_sec_chl_client_fini(&l.cli);
    cc_sec_chl_client_fini(&other.cli);
}

/* An answer captured by the man in the middle. */
struct capture {
    uint8_t buf[70000];
    size_t len;
};

static int keep(void *conn, void *buf, size_t n)
{
    struct capture *cap = conn;
    if (n > sizeof cap->buf)
        return -1;
    memcpy(cap->buf, buf, n);
    cap->len = n;
    return (int)n;
}

/* The host tampers with the handshake: the client refuses every time,
 * before it has sent anything of its own. */
static void test_mitm_handshake(void **state)
{
    (void)state;
    static const enum mitm modes[] = {MITM_HELLO_NONCE, MITM_HELLO_KEY, MITM_RSP_KEY, MITM_RSP_REPORT,
                                      MITM_RSP_SESSION};
    size_t before = sessions();
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        struct link l;
        link_init(&l, g_policy, modes[i]);
        cc_enclave_result_t rc = cc_sec_chl_client_init(CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM, &l.cli);
        if (rc != CC_ERROR_SEC_CHL_VERIFY_RA_REPORT)
            fail_msg("tampering %zu: got 0x%x, expected CC_ERROR_SEC_CHL_VERIFY_RA_REPORT", i, rc);
        assert_null(l.cli.handle);
        assert_int_equal(l.cli.session_id, 0);
    }
    /* a replayed answer: the enclave's genuine answer to another hello */
    uint8_t hello[24 + 64] = {'C', 'G', 'S', 'C', 1, 1};
    hello[23] = 64;
    assert_int_equal(getrandom(hello + 24, 64, 0), 64);
    struct capture *cap = calloc(1, sizeof *cap);
    assert_non_null(cap);
    cc_sec_chl_conn_ctx_t srv = {&g_svr, {keep, cap}};
    assert_int_equal(cc_sec_chl_svr_callback(&srv, hello, sizeof hello), CC_SUCCESS);
    assert_true(cap->len > 24);
    struct link l;
    link_init(&l, g_policy, MITM_RSP_SWAP);
    l.saved = cap->buf;
    l.saved_len = cap->len;
    assert_int_equal(cc_sec_chl_client_init(CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM, &l.cli),
                     CC_ERROR_SEC_CHL_VERIFY_RA_REPORT);
    free(cap);
    /* the enclave made a session for each hello it answered, which no
     * client will use: they are freed when the service stops (below) or
     * when they expire (test_expiry) */
    assert_true(sessions() >= before + 6);
}

/* A client whose policy names another measurement refuses to connect;
 * so does one with no usable policy; secGear's base-value format works. */
static void test_wrong_measurement(void **state)
{
    (void)state;
    struct link l;
    link_init(&l, g_wrong_policy, MITM_NONE);
    assert_int_equal(cc_sec_chl_client_init(CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM, &l.cli),
                     CC_ERROR_SEC_CHL_VERIFY_RA_REPORT);
    assert_null(l.cli.handle);
    /* secGear's base-value lines name this enclave: accepted */
    link_init(&l, g_secgear_policy, MITM_NONE);
    assert_int_equal(cc_sec_chl_client_init(CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM, &l.cli), CC_SUCCESS);
    cc_sec_chl_client_fini(&l.cli);
    link_init(&l, "/nonexistent/policy", MITM_NONE);
    assert_int_equal(cc_sec_chl_client_init(CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM, &l.cli),
                     CC_ERROR_SEC_CHL_VERIFY_RA_REPORT);
}

/* 100 clients at once, each its own session and keys. */
#define NCLIENTS 100
static void *one_client(void *arg)
{
    struct link *l = arg;
    char msg[64], out[128], back[128];
    size_t rlen = 0, olen = 0, blen = sizeof back;
    int ret = -1;
    if (cc_sec_chl_client_init(CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM, &l->cli) != CC_SUCCESS)
        return (void *)1;
    snprintf(msg, sizeof msg, "client %zu", l->cli.session_id);
    uint8_t rec[128];
    rlen = sizeof rec;
    if (cc_sec_chl_client_encrypt(&l->cli, msg, strlen(msg), rec, &rlen) != CC_SUCCESS ||
        sc_test_echo(&g_enclave, &ret, l->cli.session_id, rec, rlen, (uint8_t *)out, sizeof out, &olen) !=
            CC_SUCCESS ||
        ret != CC_SUCCESS || cc_sec_chl_client_decrypt(&l->cli, out, olen, back, &blen) != CC_SUCCESS ||
        blen != 13 + strlen(msg) || memcmp(back + 13, msg, strlen(msg)) != 0)
        return (void *)2;
    return NULL;
}

static void test_many_clients(void **state)
{
    (void)state;
    struct link *l = calloc(NCLIENTS, sizeof *l);
    pthread_t t[NCLIENTS];
    assert_non_null(l);
    size_t before = sessions();
    for (int i = 0; i < NCLIENTS; i++) {
        link_init(&l[i], g_policy, MITM_NONE);
        assert_int_equal(pthread_create(&t[i], NULL, one_client, &l[i]), 0);
    }
    int failed = 0;
    for (int i = 0; i < NCLIENTS; i++) {
        void *r = NULL;
        pthread_join(t[i], &r);
        failed += r != NULL;
    }
    assert_int_equal(failed, 0);
    assert_int_equal(sessions(), before + NCLIENTS);
    for (int i = 0; i < NCLIENTS; i++)
        for (int j = 0; j < i; j++)
            assert_true(l[i].cli.session_id != l[j].cli.session_id);
    for (int i = 0; i < NCLIENTS; i++)
        cc_sec_chl_client_fini(&l[i].cli);
    assert_int_equal(sessions(), before);
    free(l);
}

/* The enclave ends a session: the client's decrypt says so. */
static void test_enclave_closes(void **state)
{
    (void)state;
    struct link l;
    connect_ok(&l);
    uint8_t rec[CC_SEC_CHL_RECORD_OVERHEAD], plain[8];
    size_t rlen = 0, plen = sizeof plain;
    int ret = -1;
    size_t before = sessions();
    assert_int_equal(sc_test_close(&g_enclave, &ret, l.cli.session_id, rec, sizeof rec, &rlen), CC_SUCCESS);
    assert_int_equal(ret, CC_SUCCESS);
    assert_int_equal(sessions(), before - 1);
    assert_int_equal(cc_sec_chl_client_decrypt(&l.cli, rec, rlen, plain, &plen), CC_ERROR_SEC_CHL_CLOSED);
    rlen = sizeof rec;
    assert_int_equal(cc_sec_chl_client_encrypt(&l.cli, "x", 1, rec, &rlen), CC_ERROR_SEC_CHL_CLOSED);
    cc_sec_chl_client_fini(&l.cli);
}

/* A client that disappears mid-handshake (its answer is lost) leaves a
 * session in the enclave only until it expires; nothing on the host. */
static void test_vanished_client_and_expiry(void **state)
{
    (void)state;
    size_t before = sessions();
    for (int i = 0; i < 5; i++) {
        struct link l;
        uint8_t hello[24 + 64] = {'C', 'G', 'S', 'C', 1, 1};
        hello[23] = 64;
        assert_int_equal(getrandom(hello + 24, 64, 0), 64);
        link_init(&l, g_policy, MITM_DROP_RSP);
        assert_int_equal(cc_sec_chl_svr_callback(&l.srv, hello, sizeof hello), CC_SUCCESS);
    }
    assert_int_equal(sessions(), before + 5);
    /* and a live session */
    struct link l;
    connect_ok(&l);
    size_t rlen;
    uint8_t *rec = client_rec(&l, "late", 4, &rlen), plain[8];
    /* a one-second lifetime, then more than a second: every session made
     * so far is over (a condition on the enclave's clock, not on how fast
     * anything runs) */
    assert_int_equal(cgear_sec_chl_svr_set_lifetime(&g_svr, 1), CC_SUCCESS);
    e2e_sleep_ms(1500);
    assert_int_equal(enclave_recv(l.cli.session_id, rec, rlen, plain, sizeof plain, NULL), CC_ERROR_SEC_CHL_EXPIRED);
    /* the half-open sessions (here and in earlier tests) and the live one are gone */
    assert_int_equal(sessions(), 0);
    free(rec);
    cc_sec_chl_client_fini(&l.cli);
    assert_int_equal(cgear_sec_chl_svr_set_lifetime(&g_svr, 3600), CC_SUCCESS);
}

/* The enclave holds at most 1024 sessions: the next hello is refused and
 * the client told why; stopping the service frees them all. (Not under
 * valgrind, where 1024 reports take too long: CGEAR_SC_NO_FILL=1 makes
 * this test report itself skipped.) */
static void test_max_sessions(void **state)
{
    (void)state;
    if (getenv("CGEAR_SC_NO_FILL") != NULL) {
        skip();
        return;
    }
    size_t n = sessions();
    while (n < 1024) {
        struct link l;
        uint8_t hello[24 + 64] = {'C', 'G', 'S', 'C', 1, 1};
        hello[23] = 64;
        assert_int_equal(getrandom(hello + 24, 64, 0), 64);
        link_init(&l, g_policy, MITM_DROP_RSP);
        assert_int_equal(cc_sec_chl_svr_callback(&l.srv, hello, sizeof hello), CC_SUCCESS);
        n++;
    }
    assert_int_equal(sessions(), 1024);
    struct link l;
    link_init(&l, g_policy, MITM_NONE);
    assert_int_equal(cc_sec_chl_client_init(CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM, &l.cli), CC_ERROR_SEC_CHL_MAX_SESSIONS);
    assert_int_equal(l.srv_rc, CC_ERROR_SEC_CHL_MAX_SESSIONS);
    assert_int_equal(cc_sec_chl_svr_fini(&g_svr), CC_SUCCESS);
    assert_int_equal(cc_sec_chl_svr_init(&g_svr), CC_SUCCESS);
    assert_int_equal(sessions(), 0);
    connect_ok(&l);
    cc_sec_chl_client_fini(&l.cli);
}

/* Bad arguments: errors, never crashes. */
static void test_api_errors(void **state)
{
    (void)state;
    cc_sec_chl_ctx_t c = {0};
    uint8_t b[64];
    size_t n = sizeof b;
    assert_int_equal(cc_sec_chl_client_init(CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM, NULL), CC_ERROR_BAD_PARAMETERS);
    c.basevalue = g_policy;
    assert_int_equal(cc_sec_chl_client_init(CC_SEC_CHL_ALGO_MAX, &c), CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(cc_sec_chl_client_init(CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM, &c), CC_ERROR_SEC_CHL_INVALID_CONN);
    assert_int_equal(cc_sec_chl_client_encrypt(&c, "x", 1, b, &n), CC_ERROR_SEC_CHL_NOTREADY);
    assert_int_equal(cc_sec_chl_client_decrypt(&c, b, sizeof b, b, &n), CC_ERROR_SEC_CHL_NOTREADY);
    assert_int_equal(cc_sec_chl_client_callback(&c, b, 3), CC_ERROR_SEC_CHL_MALFORMED);
    assert_int_equal(cc_sec_chl_client_callback(NULL, b, 3), CC_ERROR_BAD_PARAMETERS);
    cc_sec_chl_client_fini(NULL);
    cc_sec_chl_client_fini(&c);
    struct link l;
    link_init(&l, g_policy, MITM_NONE);
    assert_int_equal(cc_sec_chl_svr_callback(NULL, b, 3), CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(cc_sec_chl_svr_callback(&l.srv, b, 3), CC_ERROR_SEC_CHL_MALFORMED);
    memset(b, 0, sizeof b);
    memcpy(b, "CGSC\1\2", 6); /* an answer sent to the server */
    assert_int_equal(cc_sec_chl_svr_callback(&l.srv, b, 24), CC_ERROR_SEC_CHL_MALFORMED);
    l.srv.conn_kit.send = NULL;
    assert_int_equal(cc_sec_chl_svr_callback(&l.srv, b, 24), CC_ERROR_SEC_CHL_INVALID_CONN);
    assert_int_equal(cc_sec_chl_svr_init(NULL), CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(cc_sec_chl_svr_init(&g_svr), CC_ERROR_BAD_PARAMETERS); /* already started */
    assert_int_equal(cgear_sec_chl_svr_set_lifetime(&g_svr, 0), CC_ERROR_BAD_PARAMETERS);
    int ret = 0;
    assert_int_equal(sc_test_send(&g_enclave, &ret, 12345, (uint8_t *)"x", 1, b, sizeof b, &n), CC_SUCCESS);
    assert_int_equal(ret, CC_ERROR_SEC_CHL_INVALID_SESSION);

    /* a host calling the channel's ECALLs itself, with garbage: refused,
     * and the enclave makes no session */
    size_t before = sessions(), rsp_len = 0;
    uint8_t hello[24 + 64] = {'C', 'G', 'S', 'C', 1, 1}, rsp[64];
    hello[23] = 64;
    assert_int_equal(cc_sec_chl_ecall_hello(&g_enclave, &ret, b, sizeof b, rsp, sizeof rsp, &rsp_len), CC_SUCCESS);
    assert_int_equal((uint32_t)ret, CC_ERROR_SEC_CHL_MALFORMED);
    assert_int_equal(cc_sec_chl_ecall_hello(&g_enclave, &ret, hello, sizeof hello - 1, rsp, sizeof rsp, &rsp_len),
                     CC_SUCCESS);
    assert_int_equal((uint32_t)ret, CC_ERROR_SEC_CHL_MALFORMED);
    /* an all-zero client key (small order): no shared secret, refused */
    assert_int_equal(cc_sec_chl_ecall_hello(&g_enclave, &ret, hello, sizeof hello, rsp, sizeof rsp, &rsp_len),
                     CC_SUCCESS);
    assert_int_equal((uint32_t)ret, CC_ERROR_SEC_CHL_SESSION_KEY);
    /* an answer buffer too small for the report: refused, nothing kept */
    assert_int_equal(getrandom(hello + 24, 64, 0), 64);
    assert_int_equal(cc_sec_chl_ecall_hello(&g_enclave, &ret, hello, sizeof hello, rsp, sizeof rsp, &rsp_len),
                     CC_SUCCESS);
    assert_int_equal((uint32_t)ret, CC_ERROR_SEC_CHL_LEN_NOT_ENOUGH);
    assert_int_equal(cc_sec_chl_ecall_close(&g_enclave, &ret, b, sizeof b), CC_SUCCESS);
    assert_int_equal((uint32_t)ret, CC_ERROR_SEC_CHL_MALFORMED);
    assert_int_equal(cc_sec_chl_ecall_set_lifetime(&g_enclave, &ret, 86401), CC_SUCCESS);
    assert_int_equal((uint32_t)ret, CC_ERROR_BAD_PARAMETERS);
    assert_int_equal(sessions(), before);
}

static void write_policy(const char *path, const uint8_t m[CGEAR_MEASUREMENT_SIZE])
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "# written by sc_host\nmeasurement = ");
    for (unsigned i = 0; i < CGEAR_MEASUREMENT_SIZE; i++)
        fprintf(f, "%02x", m[i]);
    fprintf(f, "\n");
    fclose(f);
}

static int group_setup(void **state)
{
    (void)state;
    uint8_t m[CGEAR_MEASUREMENT_SIZE];
    snprintf(g_dir, sizeof g_dir, "/tmp/cgear-sc-XXXXXX");
    if (mkdtemp(g_dir) == NULL)
        return -1;
    char plat[128];
    snprintf(plat, sizeof plat, "%s/platform", g_dir);
    setenv("CGEAR_PLATFORM_DIR", plat, 1);
    if (cc_prepare_ra_env(CC_RA_SCENARIO_NO_AS) != CC_SUCCESS)
        return -1;
    memset(&g_enclave, 0, sizeof g_enclave);
    if (cc_enclave_create(e2e_image, AUTO_ENCLAVE_TYPE, 0, 0, NULL, 0, &g_enclave) != CC_SUCCESS)
        return -1;
    if (cgear_enclave_measurement(&g_enclave, m, sizeof m) != CC_SUCCESS)
        return -1;
    snprintf(g_policy, sizeof g_policy, "%s/policy", g_dir);
    snprintf(g_wrong_policy, sizeof g_wrong_policy, "%s/wrong-policy", g_dir);
    write_policy(g_policy, m);
    /* secGear's format: taid img_hash mem_hash (mem_hash unused: LOOSE) */
    snprintf(g_secgear_policy, sizeof g_secgear_policy, "%s/basevalue.txt", g_dir);
    FILE *f = fopen(g_secgear_policy, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "sc_enclave ");
    for (unsigned i = 0; i < sizeof m; i++)
        fprintf(f, "%02x", m[i]);
    fprintf(f, " %096d\n", 0);
    fclose(f);
    m[0] ^= 1;
    write_policy(g_wrong_policy, m);
    g_svr.enclave_ctx = &g_enclave;
    return cc_sec_chl_svr_init(&g_svr) == CC_SUCCESS ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    char cmd[160];
    size_t n = 1;
    int rc = cc_sec_chl_svr_fini(&g_svr) == CC_SUCCESS ? 0 : -1;
    /* stopping the service freed every session, answered or not */
    if (cgear_sec_chl_svr_sessions(&g_svr, &n) != CC_SUCCESS || n != 0)
        rc = -1;
    if (cc_enclave_destroy(&g_enclave) != CC_SUCCESS)
        rc = -1;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (system(cmd) != 0)
        rc = -1;
    return rc;
}

int main(int argc, char **argv)
{
    int r = e2e_begin(argc, argv, 2, "IMAGE");
    if (r >= 0)
        return r;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_errors),
        cmocka_unit_test(test_handshake_and_data),
        cmocka_unit_test(test_mitm_client_records),
        cmocka_unit_test(test_mitm_enclave_records),
        cmocka_unit_test(test_mitm_handshake),
        cmocka_unit_test(test_wrong_measurement),
        cmocka_unit_test(test_enclave_closes),
        cmocka_unit_test(test_many_clients),
        cmocka_unit_test(test_vanished_client_and_expiry),
        cmocka_unit_test(test_max_sessions),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
