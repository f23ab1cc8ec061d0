/*
 * N TLS sessions at once over UART1 (tlsfit measure/run --connections N). Included at the end of
 * app_tls.c, and only in images built with -DTLSFIT_CONNECTIONS=ON.
 *
 * Every session has its own mbedtls_ssl_context on the one mbedtls_ssl_config (as a server serving
 * several browser tabs, or a client holding several connections, would). Their bytes travel in
 * frames (tlsfit_contract.h): the relay on the host fans them out to N peers, one TCP connection
 * each. The run:
 *   1. configure once (certificates, key, CA): heap_config
 *   2. mbedtls_ssl_setup for every session, in order (a session whose setup fails is refused,
 *      as a server refuses a connection it has no memory for; the others go on): heap_setup
 *   3. the handshakes interleaved: each open session in turn takes one mbedtls_ssl_handshake_step
 *      until every handshake is over, so all N are in flight together: heap_open
 *   4. each session in turn: the request and its answer, close_notify, and the FIN to its peer.
 * A session's receive asks the relay for that connection's bytes and waits for them (up to
 * timeout_ms of guest time). The schedule therefore never depends on which peer the host
 * happened to hear from first, and the heap figures are the same in every run.
 */
#if !defined(MBEDTLS_SSL_TLS_C)
void app_conns_run(const struct app_params *params, struct app_transport *transport,
                   struct app_result *result, struct app_conns_report *report)
{
    (void)params;
    (void)transport;
    report->connections = 0u;
    result->bad_params = 1;
    result->ret = -1;
    app_result_detail(result, "this config has no MBEDTLS_SSL_TLS_C");
}
#else
#include "board.h"
#include "tlsfit_contract.h"

enum app_conn_state { APP_CONN_IDLE, APP_CONN_HANDSHAKE, APP_CONN_OPEN, APP_CONN_DONE, APP_CONN_FAILED };

struct app_conn {
    mbedtls_ssl_context ssl;
    struct app_transport *transport; /* shared byte and I/O-time counters */
    uint8_t id;
    enum app_conn_state state;
};

static struct app_conn app_conns[TLSFIT_MAX_CONNECTIONS];

static void app_conns_header(uint8_t type, uint8_t id, size_t len)
{
    const uint8_t header[TLSFIT_FRAME_HEADER] = { type, id, (uint8_t)(len >> 8), (uint8_t)len };
    board_uart_write(BOARD_UART_TLS, header, sizeof(header));
}

static int app_conns_send(void *ctx, const unsigned char *buf, size_t len)
{
    struct app_conn *conn = ctx;
    uint64_t start = inst_icount_ticks();
    if (len > 0xFFFFu) {
        len = 0xFFFFu;
    }
    app_conns_header(TLSFIT_FRAME_DATA, conn->id, len);
    board_uart_write(BOARD_UART_TLS, buf, len);
    conn->transport->bytes_tx += (uint32_t)len;
    conn->transport->io_ticks += inst_icount_ticks() - start;
    return (int)len;
}

static int app_conns_getc(uint8_t *byte, uint64_t start, uint64_t limit)
{
    while (board_uart_try_getc(BOARD_UART_TLS, byte) == 0) {
        if (inst_icount_ticks() - start > limit) {
            return -1;
        }
    }
    return 0;
}

/* READ(id, len), then the relay's DATA(id, m): m bytes, or m = 0 when the peer has closed. */
static int app_conns_recv(void *ctx, unsigned char *buf, size_t len)
{
    struct app_conn *conn = ctx;
    uint64_t start = inst_icount_ticks();
    uint64_t limit = inst_icount_ms_to_ticks(conn->transport->timeout_ms);
    uint8_t header[TLSFIT_FRAME_HEADER];
    if (len > 0xFFFFu) {
        len = 0xFFFFu;
    }
    app_conns_header(TLSFIT_FRAME_READ, conn->id, len);
    for (size_t i = 0; i < sizeof(header); i++) {
        if (app_conns_getc(&header[i], start, limit) != 0) {
            conn->transport->io_ticks += inst_icount_ticks() - start;
            return MBEDTLS_ERR_SSL_TIMEOUT;
        }
    }
    size_t got = ((size_t)header[2] << 8) | header[3];
    if (header[0] != TLSFIT_FRAME_DATA || header[1] != conn->id || got > len) {
        app_result_detail(app_tls.result, "relay: a frame that does not answer the READ");
        return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    }
    for (size_t i = 0; i < got; i++) {
        if (app_conns_getc(&buf[i], start, limit) != 0) {
            conn->transport->io_ticks += inst_icount_ticks() - start;
            return MBEDTLS_ERR_SSL_TIMEOUT;
        }
    }
    conn->transport->bytes_rx += (uint32_t)got;
    conn->transport->io_ticks += inst_icount_ticks() - start;
    return (int)got; /* 0: end of stream, which Mbed TLS reports as MBEDTLS_ERR_SSL_CONN_EOF */
}

/* Server: one request up to its blank line, then the answer (its line ends with the session's
 * number). Client: GET /, the reply up to the server's close_notify, which must be HTTP; the
 * first session's status line is the result's. */
static int app_conns_exchange(struct app_conn *conn, const struct app_params *params,
                              struct app_result *result)
{
    if (params->mode == APP_MODE_SERVER) {
        const char tail[4] = { ' ', (char)('1' + conn->id), '\n', '\0' };
        return app_tls_serve(&conn->ssl, params, tail, result);
    }
    const char *host = params->host[0] != '\0' ? params->host : TLSFIT_TEST_HOST;
    char status[sizeof(result->http_status)];
    int ret = app_tls_http_get(&conn->ssl, "GET / HTTP/1.0\r\nHost: ", host, status,
                               sizeof(status), result);
    if (ret == 0 && result->http_status[0] == '\0') {
        memcpy(result->http_status, status, sizeof(status));
    }
    return ret;
}

/* A session that failed: note the first failure, free it, and close its peer's connection. */
static void app_conns_fail(struct app_conn *conn, int ret, const char *stage,
                           struct app_result *result, struct app_conns_report *report)
{
    if (report->failed < 0) {
        report->failed = (int)conn->id;
        result->ret = ret;
        result->stage = stage;
        result->verify_flags = mbedtls_ssl_get_verify_result(&conn->ssl);
    }
    conn->state = APP_CONN_FAILED;
    mbedtls_ssl_free(&conn->ssl);
    app_conns_header(TLSFIT_FRAME_DATA, conn->id, 0u);
}

void app_conns_run(const struct app_params *params, struct app_transport *transport,
                   struct app_result *result, struct app_conns_report *report)
{
    uint32_t count = params->connections;
    int ret;
    app_tls_start(result);
    report->connections = count;
    report->failed = -1;
    result->stage = "init";
    if (params->mode != APP_MODE_CLIENT && params->mode != APP_MODE_SERVER) {
        result->bad_params = 1;
        result->ret = MBEDTLS_ERR_SSL_BAD_CONFIG;
        app_result_detail(result, "conns= needs mode=client or mode=server");
        app_tls_cleanup();
        return;
    }
    if ((ret = app_tls_configure(params, result)) != 0) {
        result->ret = ret;
        app_tls_cleanup();
        return;
    }
    struct inst_heap_stats heap = inst_heap_get_stats();
    report->heap_config = (uint32_t)heap.in_use;
    report->heap_config_peak = (uint32_t)heap.peak;

    for (uint32_t i = 0; i < count; i++) {
        struct app_conn *conn = &app_conns[i];
        mbedtls_ssl_init(&conn->ssl);
        conn->id = (uint8_t)i;
        conn->transport = transport;
        conn->state = APP_CONN_HANDSHAKE;
        if ((ret = mbedtls_ssl_setup(&conn->ssl, &app_tls.conf)) != 0) {
            app_conns_fail(conn, ret, "setup", result, report);
            continue;
        }
#if defined(MBEDTLS_X509_CRT_PARSE_C)
        if (params->mode == APP_MODE_CLIENT && params->host[0] != '\0' &&
            (ret = mbedtls_ssl_set_hostname(&conn->ssl, params->host)) != 0) {
            app_conns_fail(conn, ret, "setup", result, report);
            continue;
        }
#endif
        mbedtls_ssl_set_bio(&conn->ssl, conn, app_conns_send, app_conns_recv, NULL);
    }
    report->heap_setup = (uint32_t)inst_heap_get_stats().in_use;

    uint64_t io_before = transport->io_ticks;
    uint64_t start = inst_icount_ticks();
    for (int busy = 1; busy;) {
        busy = 0;
        for (uint32_t i = 0; i < count; i++) {
            struct app_conn *conn = &app_conns[i];
            if (conn->state != APP_CONN_HANDSHAKE) {
                continue;
            }
            ret = mbedtls_ssl_handshake_step(&conn->ssl);
            if (ret != 0 && ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
                app_conns_fail(conn, ret, "handshake", result, report);
            } else if (mbedtls_ssl_is_handshake_over(&conn->ssl)) {
                conn->state = APP_CONN_OPEN;
                if (result->tls_version == NULL || result->tls_version[0] == '\0') {
                    result->tls_version = mbedtls_ssl_get_version(&conn->ssl);
                    result->ciphersuite = mbedtls_ssl_get_ciphersuite(&conn->ssl);
                    result->max_in_payload = mbedtls_ssl_get_max_in_record_payload(&conn->ssl);
                    result->max_out_payload = mbedtls_ssl_get_max_out_record_payload(&conn->ssl);
                }
            } else {
                busy = 1;
            }
        }
    }
    result->hs_ticks = inst_icount_ticks() - start;
    result->hs_io_ticks = transport->io_ticks - io_before;
    report->heap_open = (uint32_t)inst_heap_get_stats().in_use;

    for (uint32_t i = 0; i < count; i++) {
        struct app_conn *conn = &app_conns[i];
        if (conn->state != APP_CONN_OPEN) {
            continue;
        }
        if (params->http && (ret = app_conns_exchange(conn, params, result)) != 0) {
            app_conns_fail(conn, ret, "data", result, report);
            continue;
        }
        do {
            ret = mbedtls_ssl_close_notify(&conn->ssl);
        } while (ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_WANT_READ);
        if (ret != 0) {
            app_conns_fail(conn, ret, "close", result, report);
            continue;
        }
        app_conns_header(TLSFIT_FRAME_DATA, conn->id, 0u);
        conn->state = APP_CONN_DONE;
        report->ok++;
    }
    for (uint32_t i = 0; i < count; i++) {
        if (app_conns[i].state != APP_CONN_FAILED) {
            mbedtls_ssl_free(&app_conns[i].ssl);
        }
    }
    if (report->ok == count) {
        result->ok = 1;
        result->ret = 0;
        result->stage = "done";
    }
    app_tls_cleanup();
}
#endif /* MBEDTLS_SSL_TLS_C */
