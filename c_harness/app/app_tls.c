/* TLS client and server over UART1, adapting to whatever the config enables. */
#include <string.h>

#include "mbedtls/build_info.h"
#include "mbedtls/ssl.h"
#if defined(MBEDTLS_X509_CRT_PARSE_C)
#include "mbedtls/pk.h"
#include "mbedtls/x509_crt.h"
#endif

#include "app.h"
#include "tlsfit_contract.h"

#if !defined(MBEDTLS_SSL_TLS_C)
/* A config without TLS (e.g. key generation and CSR only): TLS modes are refused. */
void app_tls_run(const struct app_params *params, struct app_transport *transport, struct app_result *result)
{
    (void)params;
    (void)transport;
    result->bad_params = 1;
    result->ret = -1;
    app_result_detail(result, "this config has no MBEDTLS_SSL_TLS_C");
}
#else

#if defined(MBEDTLS_SSL_HANDSHAKE_WITH_PSK_ENABLED)
/* TEST ONLY pre-shared key and identity (tlsfit_contract.h, shared with the Python peers). */
static const char app_tls_psk[] = TLSFIT_TEST_PSK;
static const char app_tls_psk_identity[] = TLSFIT_TEST_PSK_IDENTITY;
#endif

struct app_tls_state {
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
#if defined(MBEDTLS_X509_CRT_PARSE_C)
    mbedtls_x509_crt ca;
    mbedtls_x509_crt own;
    mbedtls_pk_context own_key;
    mbedtls_x509_crt other;
    mbedtls_pk_context other_key;
    int have_other;
#endif
    struct app_result *result;
};

static struct app_tls_state app_tls;

#if defined(MBEDTLS_X509_CRT_PARSE_C)
static int app_tls_parse_key(mbedtls_pk_context *pk, const char *dir, const char *base)
{
    const struct app_pki_blob *blob = app_pki_find(dir, base);
    if (blob == NULL) {
        return MBEDTLS_ERR_PK_FILE_IO_ERROR;
    }
    return mbedtls_pk_parse_key(pk, blob->data, blob->len, NULL, 0u, app_rng, NULL);
}

/* Own certificate: "client-*" IDs are client certificates, the rest server leaves (+ intermediate). */
static int app_tls_load_own(const struct app_params *params, struct app_result *result)
{
    int ret;
    int is_client_cert = strncmp(params->cert, "client-", 7) == 0;
    const char *leaf = is_client_cert ? "client" : "server";
    const char *leaf_key = is_client_cert ? "client.key" : "server.key";
    if ((ret = app_pki_parse_chain(&app_tls.own, params->cert, leaf)) != 0) {
        app_result_detail(result, "own certificate: parse failed or unknown cert=");
        return ret;
    }
    if ((ret = app_tls_parse_key(&app_tls.own_key, params->cert, leaf_key)) != 0) {
        app_result_detail(result, "own key: parse failed");
        return ret;
    }
    if (!is_client_cert && app_pki_find(params->cert, "server-other") != NULL) {
        if ((ret = app_pki_parse_chain(&app_tls.other, params->cert, "server-other")) != 0 ||
            (ret = app_tls_parse_key(&app_tls.other_key, params->cert, "server-other.key")) != 0) {
            app_result_detail(result, "second server certificate: parse failed");
            return ret;
        }
        app_tls.have_other = 1;
    }
    return mbedtls_ssl_conf_own_cert(&app_tls.conf, &app_tls.own, &app_tls.own_key);
}
#endif

#if defined(MBEDTLS_SSL_SRV_C) && defined(MBEDTLS_SSL_SERVER_NAME_INDICATION) && defined(MBEDTLS_X509_CRT_PARSE_C)
/* Multi-domain server: other.test gets the second certificate, any other name the default one. */
static int app_tls_sni(void *ctx, mbedtls_ssl_context *ssl, const unsigned char *name, size_t len)
{
    struct app_tls_state *state = ctx;
    size_t copy = len < sizeof(state->result->sni) - 1u ? len : sizeof(state->result->sni) - 1u;
    memcpy(state->result->sni, name, copy);
    state->result->sni[copy] = '\0';
    if (state->have_other && len == sizeof("other.test") - 1u && memcmp(name, "other.test", len) == 0) {
        return mbedtls_ssl_set_hs_own_cert(ssl, &state->other, &state->other_key);
    }
    return 0;
}
#endif

static int app_tls_configure(const struct app_params *params, struct app_result *result)
{
    int ret;
    int endpoint = params->mode == APP_MODE_SERVER ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT;

#if !defined(MBEDTLS_SSL_CLI_C)
    if (endpoint == MBEDTLS_SSL_IS_CLIENT) {
        result->bad_params = 1;
        app_result_detail(result, "mode=client but the config has no MBEDTLS_SSL_CLI_C");
        return MBEDTLS_ERR_SSL_BAD_CONFIG;
    }
#endif
#if !defined(MBEDTLS_SSL_SRV_C)
    if (endpoint == MBEDTLS_SSL_IS_SERVER) {
        result->bad_params = 1;
        app_result_detail(result, "mode=server but the config has no MBEDTLS_SSL_SRV_C");
        return MBEDTLS_ERR_SSL_BAD_CONFIG;
    }
#endif
    if ((ret = mbedtls_ssl_config_defaults(&app_tls.conf, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM,
                                           MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
        app_result_detail(result, "mbedtls_ssl_config_defaults");
        return ret;
    }
    mbedtls_ssl_conf_rng(&app_tls.conf, app_rng, NULL);

    /* Version pinning. */
    if (params->tls == APP_TLS_12) {
#if defined(MBEDTLS_SSL_PROTO_TLS1_2)
        mbedtls_ssl_conf_min_tls_version(&app_tls.conf, MBEDTLS_SSL_VERSION_TLS1_2);
        mbedtls_ssl_conf_max_tls_version(&app_tls.conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
        result->bad_params = 1;
        app_result_detail(result, "tls=1.2 but the config has no MBEDTLS_SSL_PROTO_TLS1_2");
        return MBEDTLS_ERR_SSL_BAD_CONFIG;
#endif
    } else if (params->tls == APP_TLS_13) {
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
        mbedtls_ssl_conf_min_tls_version(&app_tls.conf, MBEDTLS_SSL_VERSION_TLS1_3);
        mbedtls_ssl_conf_max_tls_version(&app_tls.conf, MBEDTLS_SSL_VERSION_TLS1_3);
#else
        result->bad_params = 1;
        app_result_detail(result, "tls=1.3 but the config has no MBEDTLS_SSL_PROTO_TLS1_3");
        return MBEDTLS_ERR_SSL_BAD_CONFIG;
#endif
    }

#if defined(MBEDTLS_X509_CRT_PARSE_C)
    if (params->ca[0] != '\0') {
        if ((ret = app_pki_parse_crt(&app_tls.ca, params->ca, "ca", 0)) != 0) {
            app_result_detail(result, "ca=: parse failed or unknown ID");
            return ret;
        }
        mbedtls_ssl_conf_ca_chain(&app_tls.conf, &app_tls.ca, NULL);
    }
    if (endpoint == MBEDTLS_SSL_IS_CLIENT) {
        mbedtls_ssl_conf_authmode(&app_tls.conf, params->ca[0] != '\0' ? MBEDTLS_SSL_VERIFY_REQUIRED
                                                                       : MBEDTLS_SSL_VERIFY_NONE);
    } else {
        mbedtls_ssl_conf_authmode(&app_tls.conf, params->client_auth ? MBEDTLS_SSL_VERIFY_REQUIRED
                                                                     : MBEDTLS_SSL_VERIFY_NONE);
    }
    if (params->cert[0] != '\0') {
        if ((ret = app_tls_load_own(params, result)) != 0) {
            return ret;
        }
    }
#if defined(MBEDTLS_SSL_SRV_C) && defined(MBEDTLS_SSL_SERVER_NAME_INDICATION)
    if (endpoint == MBEDTLS_SSL_IS_SERVER) {
        mbedtls_ssl_conf_sni(&app_tls.conf, app_tls_sni, &app_tls);
    }
#endif
#endif
#if !defined(MBEDTLS_PEM_PARSE_C)
    if (params->pem) {
        result->bad_params = 1;
        app_result_detail(result, "pem=1 but the config cannot parse PEM (no MBEDTLS_PEM_PARSE_C)");
        return MBEDTLS_ERR_SSL_BAD_CONFIG;
    }
#endif
#if !defined(MBEDTLS_X509_CRT_PARSE_C)
    if (params->ca[0] != '\0' || params->cert[0] != '\0' || params->client_auth) {
        result->bad_params = 1;
        app_result_detail(result, "ca=/cert= given but the config has no MBEDTLS_X509_CRT_PARSE_C");
        return MBEDTLS_ERR_SSL_BAD_CONFIG;
    }
#endif

    if (params->psk) {
#if defined(MBEDTLS_SSL_HANDSHAKE_WITH_PSK_ENABLED)
        if ((ret = mbedtls_ssl_conf_psk(&app_tls.conf, (const unsigned char *)app_tls_psk,
                                        sizeof(app_tls_psk) - 1u,
                                        (const unsigned char *)app_tls_psk_identity,
                                        sizeof(app_tls_psk_identity) - 1u)) != 0) {
            app_result_detail(result, "mbedtls_ssl_conf_psk");
            return ret;
        }
#else
        result->bad_params = 1;
        app_result_detail(result, "psk=1 but the config has no PSK key exchange");
        return MBEDTLS_ERR_SSL_BAD_CONFIG;
#endif
    }

    if (params->mfl != 0u) {
#if defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH)
        unsigned char code = params->mfl == 512u    ? MBEDTLS_SSL_MAX_FRAG_LEN_512
                             : params->mfl == 1024u ? MBEDTLS_SSL_MAX_FRAG_LEN_1024
                             : params->mfl == 2048u ? MBEDTLS_SSL_MAX_FRAG_LEN_2048
                                                    : MBEDTLS_SSL_MAX_FRAG_LEN_4096;
        /* Must be checked: a refused length silently drops the extension otherwise. */
        if ((ret = mbedtls_ssl_conf_max_frag_len(&app_tls.conf, code)) != 0) {
            result->bad_params = 1;
            app_result_detail(result, "mfl= larger than the record buffers");
            return ret;
        }
#else
        result->bad_params = 1;
        app_result_detail(result, "mfl= but the config has no MBEDTLS_SSL_MAX_FRAGMENT_LENGTH");
        return MBEDTLS_ERR_SSL_BAD_CONFIG;
#endif
    }
    mbedtls_ssl_conf_read_timeout(&app_tls.conf, params->timeout_ms);
    return 0;
}

static int app_tls_write_all(mbedtls_ssl_context *ssl, const char *data, size_t len,
                             struct app_result *result)
{
    size_t done = 0u;
    while (done < len) {
        int ret = mbedtls_ssl_write(ssl, (const unsigned char *)data + done, len - done);
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            continue;
        }
        if (ret < 0) {
            return ret;
        }
        done += (size_t)ret;
        result->app_bytes_tx += (uint32_t)ret;
    }
    return 0;
}

/* Client: HEAD (the request line up to "Host: "), HOST, the blank line; then the reply until
 * close_notify. Its first line goes to STATUS (SIZE bytes) and must be HTTP. */
static int app_tls_http_get(mbedtls_ssl_context *ssl, const char *head, const char *host,
                            char *status, size_t size, struct app_result *result)
{
    unsigned char buf[256];
    size_t line = 0u;
    int line_done = 0;
    int ret;
    if ((ret = app_tls_write_all(ssl, head, strlen(head), result)) != 0 ||
        (ret = app_tls_write_all(ssl, host, strlen(host), result)) != 0 ||
        (ret = app_tls_write_all(ssl, "\r\n\r\n", 4u, result)) != 0) {
        return ret;
    }
    status[0] = '\0';
    for (;;) {
        ret = mbedtls_ssl_read(ssl, buf, sizeof(buf));
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
            || ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
#endif
        ) {
            continue;
        }
        if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == 0) {
            break;
        }
        if (ret < 0) {
            return ret;
        }
        result->app_bytes_rx += (uint32_t)ret;
        for (int i = 0; i < ret && !line_done; i++) {
            if (buf[i] == '\r' || buf[i] == '\n') {
                line_done = 1;
            } else if (line + 1u < size) {
                status[line++] = (char)buf[i];
                status[line] = '\0';
            }
        }
    }
    if (strncmp(status, "HTTP/1.", 7) != 0) {
        app_result_detail(result, "reply is not HTTP");
        return MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE;
    }
    return 0;
}

/* Server: read one request (up to the blank line), answer it; TAIL ends the answer's line. */
static int app_tls_serve(mbedtls_ssl_context *ssl, const struct app_params *params,
                         const char *tail, struct app_result *result)
{
    unsigned char buf[256];
    uint32_t state = 0u; /* bytes of "\r\n\r\n" matched */
    while (state < 4u) {
        int ret = mbedtls_ssl_read(ssl, buf, sizeof(buf));
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            continue;
        }
        if (ret <= 0) {
            return ret == 0 ? MBEDTLS_ERR_SSL_CONN_EOF : ret;
        }
        result->app_bytes_rx += (uint32_t)ret;
        for (int i = 0; i < ret && state < 4u; i++) {
            char want = (state % 2u == 0u) ? '\r' : '\n';
            if ((char)buf[i] == want) {
                state++;
            } else {
                state = ((char)buf[i] == '\r') ? 1u : 0u;
            }
        }
    }
    static const char head[] = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n";
    int ret = app_tls_write_all(ssl, head, sizeof(head) - 1u, result);
    if (ret == 0) {
        ret = app_tls_write_all(ssl, "tlsfit ok: ", 11u, result);
    }
    if (ret == 0) {
        ret = app_tls_write_all(ssl, params->test, strlen(params->test), result);
    }
    if (ret == 0) {
        ret = app_tls_write_all(ssl, tail, strlen(tail), result);
    }
    return ret;
}

/* Empty state for one run: the session, the config, the certificates and keys (undone by
 * app_tls_cleanup). */
static void app_tls_start(struct app_result *result)
{
    memset(&app_tls, 0, sizeof(app_tls));
    app_tls.result = result;
    mbedtls_ssl_init(&app_tls.ssl);
    mbedtls_ssl_config_init(&app_tls.conf);
#if defined(MBEDTLS_X509_CRT_PARSE_C)
    mbedtls_x509_crt_init(&app_tls.ca);
    mbedtls_x509_crt_init(&app_tls.own);
    mbedtls_pk_init(&app_tls.own_key);
    mbedtls_x509_crt_init(&app_tls.other);
    mbedtls_pk_init(&app_tls.other_key);
#endif
}

static void app_tls_cleanup(void)
{
    mbedtls_ssl_free(&app_tls.ssl);
    mbedtls_ssl_config_free(&app_tls.conf);
#if defined(MBEDTLS_X509_CRT_PARSE_C)
    mbedtls_x509_crt_free(&app_tls.ca);
    mbedtls_x509_crt_free(&app_tls.own);
    mbedtls_pk_free(&app_tls.own_key);
    mbedtls_x509_crt_free(&app_tls.other);
    mbedtls_pk_free(&app_tls.other_key);
#endif
}

#if defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH) && defined(MBEDTLS_SSL_CLI_C) && \
    defined(MBEDTLS_SSL_PROTO_TLS1_2)
/* The max_fragment_length a TLS 1.2 ServerHello confirmed (RFC 6066), in bytes, 0 if none. A 3.6
 * client keeps no record of it (it applies its own request either way), so the harness reads the
 * ServerHello while it is still in the input buffer, right after Mbed TLS accepted it. */
static uint32_t app_tls_server_hello_mfl(void)
{
    const unsigned char *msg = app_tls.ssl.MBEDTLS_PRIVATE(in_msg);
    size_t len = app_tls.ssl.MBEDTLS_PRIVATE(in_hslen);
    size_t pos = 4u + 2u + 32u; /* handshake header, legacy_version, random */
    if (msg == NULL || len < pos + 1u || msg[0] != 2u /* server_hello */) {
        return 0u;
    }
    pos += 1u + msg[pos];       /* session id */
    pos += 2u + 1u;             /* cipher suite, compression */
    if (len < pos + 2u) {
        return 0u;
    }
    size_t end = pos + 2u + (((size_t)msg[pos] << 8) | msg[pos + 1u]);
    pos += 2u;
    if (end > len) {
        return 0u;
    }
    while (pos + 4u <= end) {
        unsigned type = ((unsigned)msg[pos] << 8) | msg[pos + 1u];
        size_t ext_len = ((size_t)msg[pos + 2u] << 8) | msg[pos + 3u];
        pos += 4u;
        if (pos + ext_len > end) {
            return 0u;
        }
        if (type == 1u /* max_fragment_length */ && ext_len == 1u && msg[pos] >= 1u && msg[pos] <= 4u) {
            return 256u << msg[pos]; /* 1: 512, 2: 1024, 3: 2048, 4: 4096 */
        }
        pos += ext_len;
    }
    return 0u;
}
#endif

/* mbedtls_ssl_handshake, one step at a time, to note what the ServerHello agreed. */
static int app_tls_handshake(struct app_result *result)
{
    int ret;
    for (;;) {
        int before = app_tls.ssl.MBEDTLS_PRIVATE(state);
        ret = mbedtls_ssl_handshake_step(&app_tls.ssl);
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            continue;
        }
        if (ret != 0) {
            return ret;
        }
#if defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH) && defined(MBEDTLS_SSL_CLI_C) && \
        defined(MBEDTLS_SSL_PROTO_TLS1_2)
        if (mbedtls_ssl_conf_get_endpoint(&app_tls.conf) == MBEDTLS_SSL_IS_CLIENT &&
            before == MBEDTLS_SSL_SERVER_HELLO && app_tls.ssl.MBEDTLS_PRIVATE(state) != MBEDTLS_SSL_SERVER_HELLO) {
            result->negotiated_mfl = app_tls_server_hello_mfl();
        }
#else
        (void)result;
        (void)before;
#endif
        if (mbedtls_ssl_is_handshake_over(&app_tls.ssl)) {
            return 0;
        }
    }
}

void app_tls_run(const struct app_params *params, struct app_transport *transport, struct app_result *result)
{
    int ret;
    app_tls_start(result);

    result->stage = "init";
    if ((ret = app_tls_configure(params, result)) != 0) {
        goto done;
    }
    if ((ret = mbedtls_ssl_setup(&app_tls.ssl, &app_tls.conf)) != 0) {
        app_result_detail(result, "mbedtls_ssl_setup");
        goto done;
    }
#if defined(MBEDTLS_X509_CRT_PARSE_C)
    if (params->mode == APP_MODE_CLIENT && params->host[0] != '\0') {
        /* Name to verify; also sent as SNI when the config has MBEDTLS_SSL_SERVER_NAME_INDICATION. */
        if ((ret = mbedtls_ssl_set_hostname(&app_tls.ssl, params->host)) != 0) {
            app_result_detail(result, "mbedtls_ssl_set_hostname");
            goto done;
        }
    }
#endif
    mbedtls_ssl_set_bio(&app_tls.ssl, transport, app_transport_send, app_transport_recv, NULL);

    result->stage = "handshake";
    uint64_t io_before = transport->io_ticks;
    uint64_t start = inst_icount_ticks();
    ret = app_tls_handshake(result);
    result->hs_ticks = inst_icount_ticks() - start;
    result->hs_io_ticks = transport->io_ticks - io_before;
    result->verify_flags = mbedtls_ssl_get_verify_result(&app_tls.ssl);
    if (ret != 0) {
        goto done;
    }
    result->tls_version = mbedtls_ssl_get_version(&app_tls.ssl);
    result->ciphersuite = mbedtls_ssl_get_ciphersuite(&app_tls.ssl);
    result->max_in_payload = mbedtls_ssl_get_max_in_record_payload(&app_tls.ssl);
    result->max_out_payload = mbedtls_ssl_get_max_out_record_payload(&app_tls.ssl);
#if defined(MBEDTLS_SSL_RECORD_SIZE_LIMIT)
    result->peer_record_size_limit = app_tls.ssl.MBEDTLS_PRIVATE(session)->MBEDTLS_PRIVATE(record_size_limit);
#endif

    if (params->http) {
        result->stage = "data";
        if (params->mode == APP_MODE_CLIENT) {
            static const char get_root[] = "GET / HTTP/1.0\r\nHost: ";
            static const char get_big[] = "GET /big.txt HTTP/1.0\r\nHost: ";
            const char *host = params->host[0] != '\0' ? params->host : TLSFIT_TEST_HOST;
            ret = app_tls_http_get(&app_tls.ssl, params->big ? get_big : get_root, host,
                                   result->http_status, sizeof(result->http_status), result);
        } else {
            ret = app_tls_serve(&app_tls.ssl, params, "\n", result);
        }
        if (ret != 0) {
            goto done;
        }
    }

    result->stage = "close";
    do {
        ret = mbedtls_ssl_close_notify(&app_tls.ssl);
    } while (ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_WANT_READ);
    if (ret != 0) {
        goto done;
    }
    result->stage = "done";
    result->ok = 1;

done:
    result->ret = ret;
    app_tls_cleanup();
}
#endif /* MBEDTLS_SSL_TLS_C */

#if defined(TLSFIT_CONNECTIONS)
/* N sessions at once: only in images built with -DTLSFIT_CONNECTIONS=ON. Included here rather
 * than compiled on its own so that it shares this file's static configuration code and every
 * other image compiles exactly as before. */
#include "app_tls_conns.c"
#endif
