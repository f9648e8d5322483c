/*
 * The example's server: a TCP server on 127.0.0.1 that hosts the enclave.
 * It relays the secure channel's handshake (cc_sec_chl_svr_callback) and
 * passes the client's records to the enclave, which answers through the
 * channel: this program never sees the secret or the answer in clear.
 *
 * usage: sc_server ENCLAVE PORT_FILE [CLIENTS]
 *   listens on an ephemeral port, writes it to PORT_FILE, serves each
 *   connection in its own thread; with CLIENTS, exits after that many
 *   connections have ended.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../demo_wire.h"
#include "enclave.h"
#include "sc_demo_u.h"
#include "secure_channel_host.h"

static cc_enclave_t g_enclave;
static cc_sec_chl_svr_ctx_t g_svr;

/* The channel's send function: a DEMO_CHANNEL message to this client. */
static int send_channel(void *conn, void *buf, size_t count)
{
    return demo_send(*(int *)conn, DEMO_CHANNEL, buf, count) == 0 ? (int)count : -1;
}

static void answer_data(int fd, const uint8_t *msg, size_t len)
{
    static const size_t cap = 2048;
    uint8_t *out = malloc(8 + cap);
    size_t out_len = 0;
    int ret = -1;
    if (out == NULL || len < 8)
        goto done;
    uint64_t session = demo_get64(msg);
    cc_enclave_result_t rc =
        sc_demo_answer(&g_enclave, &ret, (size_t)session, (uint8_t *)msg + 8, len - 8, out + 8, cap, &out_len);
    if (rc != CC_SUCCESS || ret != 0) {
        fprintf(stderr, "sc_server: the enclave refused a record: %s\n",
                cc_enclave_res2_str(rc != CC_SUCCESS ? rc : (cc_enclave_result_t)ret));
        goto done;
    }
    demo_put64(out, session);
    if (demo_send(fd, DEMO_DATA, out, 8 + out_len) != 0)
        fprintf(stderr, "sc_server: could not answer a client\n");
done:
    free(out);
}

static void *serve(void *arg)
{
    int fd = (int)(intptr_t)arg;
    cc_sec_chl_conn_ctx_t conn = {&g_svr, {send_channel, &fd}};
    uint8_t type, *msg;
    size_t len;
    while (demo_recv(fd, &type, &msg, &len) == 0) {
        if (type == DEMO_CHANNEL) {
            cc_enclave_result_t rc = cc_sec_chl_svr_callback(&conn, msg, len);
            if (rc != CC_SUCCESS)
                fprintf(stderr, "sc_server: secure channel message refused: %s\n", cc_enclave_res2_str(rc));
        } else if (type == DEMO_DATA) {
            answer_data(fd, msg, len);
        }
        free(msg);
    }
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s ENCLAVE PORT_FILE [CLIENTS]\n", argv[0]);
        return 2;
    }
    long clients = argc == 4 ? strtol(argv[3], NULL, 10) : -1;
    cc_enclave_result_t rc = cc_enclave_create(argv[1], AUTO_ENCLAVE_TYPE, 0, 0, NULL, 0, &g_enclave);
    if (rc != CC_SUCCESS) {
        fprintf(stderr, "sc_server: cannot create the enclave: %s\n", cc_enclave_res2_str(rc));
        return rc == CC_ERROR_ENGINE_UNAVAILABLE ? 77 : 1; /* 77: this engine cannot run here */
    }
    g_svr.enclave_ctx = &g_enclave;
    rc = cc_sec_chl_svr_init(&g_svr);
    if (rc != CC_SUCCESS) {
        fprintf(stderr, "sc_server: cannot start the secure channel: %s\n", cc_enclave_res2_str(rc));
        cc_enclave_destroy(&g_enclave);
        return 1;
    }
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 128) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &alen) != 0) {
        perror("sc_server: listen");
        return 1;
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", argv[2]);
    FILE *f = fopen(tmp, "w");
    if (f == NULL || fprintf(f, "%u\n", ntohs(a.sin_port)) < 0 || fclose(f) != 0 || rename(tmp, argv[2]) != 0) {
        perror("sc_server: port file");
        return 1;
    }
    printf("sc_server: listening on 127.0.0.1:%u\n", ntohs(a.sin_port));
    fflush(stdout);
    pthread_t *threads = calloc(clients > 0 ? (size_t)clients : 1, sizeof *threads);
    for (long served = 0; clients < 0 || served < clients; served++) {
        int fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            perror("sc_server: accept");
            break;
        }
        pthread_t t;
        if (pthread_create(&t, NULL, serve, (void *)(intptr_t)fd) != 0) {
            close(fd);
            continue;
        }
        if (clients > 0)
            threads[served] = t;
        else
            pthread_detach(t);
    }
    for (long i = 0; i < clients; i++)
        if (threads[i])
            pthread_join(threads[i], NULL);
    free(threads);
    close(ls);
    size_t left = 0;
    cgear_sec_chl_svr_sessions(&g_svr, &left);
    printf("sc_server: done, %zu session(s) left before stopping\n", left);
    cc_sec_chl_svr_fini(&g_svr);
    cc_enclave_destroy(&g_enclave);
    return 0;
}
