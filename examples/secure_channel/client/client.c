/*
 * The example's client: the data owner. It connects to the server, sets
 * up a secure channel with the enclave (checking the enclave's report
 * against POLICY before it trusts it), sends its secret through the
 * channel and prints the enclave's answer. It needs no enclave and no
 * cgear runtime: only cgear::secure_channel_client (OpenSSL).
 *
 * usage: sc_client PORT POLICY SECRET
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../demo_wire.h"
#include "secure_channel_client.h"

static cc_sec_chl_ctx_t g_ctx;
static int g_fd = -1;

/* The data answer, handed from the receiving thread to main(). */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static uint8_t *g_answer;
static size_t g_answer_len;
static int g_closed;

static int send_channel(void *conn, void *buf, size_t count)
{
    return demo_send(*(int *)conn, DEMO_CHANNEL, buf, count) == 0 ? (int)count : -1;
}

/* Reads the connection: channel messages go to the channel's callback
 * (cc_sec_chl_client_init() waits for them), data to main(). */
static void *receiver(void *arg)
{
    (void)arg;
    uint8_t type, *msg;
    size_t len;
    while (demo_recv(g_fd, &type, &msg, &len) == 0) {
        if (type == DEMO_CHANNEL) {
            cc_sec_chl_client_callback(&g_ctx, msg, len);
            free(msg);
        } else {
            pthread_mutex_lock(&g_lock);
            free(g_answer);
            g_answer = msg;
            g_answer_len = len;
            pthread_cond_signal(&g_cond);
            pthread_mutex_unlock(&g_lock);
        }
    }
    pthread_mutex_lock(&g_lock);
    g_closed = 1;
    pthread_cond_signal(&g_cond);
    pthread_mutex_unlock(&g_lock);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s PORT POLICY SECRET\n", argv[0]);
        return 2;
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    g_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (g_fd < 0 || connect(g_fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("sc_client: connect");
        return 1;
    }
    pthread_t rt;
    pthread_create(&rt, NULL, receiver, NULL);

    /* step 1: the channel, on our connection, trusting only what POLICY names */
    g_ctx.conn_kit.send = send_channel;
    g_ctx.conn_kit.conn = &g_fd;
    g_ctx.basevalue = argv[2];
    cc_enclave_result_t rc = cc_sec_chl_client_init(CC_SEC_CHL_ALGO_RSA_ECDH_AES_GCM, &g_ctx);
    if (rc != CC_SUCCESS) {
        fprintf(stderr, "sc_client: no secure channel: %s\n", cc_enclave_res2_str(rc));
        shutdown(g_fd, SHUT_RDWR);
        pthread_join(rt, NULL);
        close(g_fd);
        return 1;
    }
    printf("sc_client: secure channel up, session %zx\n", g_ctx.session_id);

    /* step 2: the secret, as a record only the enclave can open */
    size_t n = strlen(argv[3]), rlen = 0;
    cc_sec_chl_client_encrypt(&g_ctx, argv[3], n, NULL, &rlen); /* the size needed */
    uint8_t *msg = malloc(8 + rlen);
    int ok = msg != NULL && cc_sec_chl_client_encrypt(&g_ctx, argv[3], n, msg + 8, &rlen) == CC_SUCCESS;
    if (ok) {
        demo_put64(msg, g_ctx.session_id);
        ok = demo_send(g_fd, DEMO_DATA, msg, 8 + rlen) == 0;
    }
    free(msg);

    /* step 3: the enclave's answer, opened here */
    pthread_mutex_lock(&g_lock);
    while (ok && g_answer == NULL && !g_closed)
        pthread_cond_wait(&g_cond, &g_lock);
    uint8_t *ans = g_answer;
    size_t ans_len = g_answer_len;
    g_answer = NULL;
    pthread_mutex_unlock(&g_lock);
    char plain[2048];
    size_t plen = sizeof(plain) - 1;
    if (ok && ans != NULL && ans_len > 8 &&
        (rc = cc_sec_chl_client_decrypt(&g_ctx, ans + 8, ans_len - 8, plain, &plen)) == CC_SUCCESS) {
        plain[plen] = '\0';
        printf("sc_client: %s\n", plain);
    } else {
        fprintf(stderr, "sc_client: no answer from the enclave\n");
        ok = 0;
    }
    free(ans);

    /* step 4: close the session (the enclave forgets its keys) */
    cc_sec_chl_client_fini(&g_ctx);
    shutdown(g_fd, SHUT_RDWR);
    pthread_join(rt, NULL);
    close(g_fd);
    return ok ? 0 : 1;
}
