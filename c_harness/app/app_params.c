/* Run parameters: whitespace-separated k=v tokens; tokens without '=' (the kernel path) are skipped. */
#include <string.h>

#include "app.h"
#if defined(TLSFIT_CONNECTIONS)
#include "tlsfit_contract.h"
#endif

static int app_params_copy(char *dst, size_t size, const char *value, size_t len)
{
    if (len >= size) {
        return -1;
    }
    memcpy(dst, value, len);
    dst[len] = '\0';
    return 0;
}

static int app_params_uint(const char *value, size_t len, uint32_t *out)
{
    uint64_t acc = 0u;
    if (len == 0u) {
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if (value[i] < '0' || value[i] > '9') {
            return -1;
        }
        acc = acc * 10u + (uint64_t)(value[i] - '0');
        if (acc > 0xFFFFFFFFu) {
            return -1;
        }
    }
    *out = (uint32_t)acc;
    return 0;
}

static int app_params_is(const char *value, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(value, word, len) == 0;
}

static void app_params_error(char *error, size_t size, const char *what, const char *token, size_t len)
{
    size_t pos = 0u;
    for (; *what != '\0' && pos + 1u < size; what++) {
        error[pos++] = *what;
    }
    for (size_t i = 0; i < len && pos + 1u < size; i++) {
        error[pos++] = token[i];
    }
    error[pos] = '\0';
}

int app_params_parse(const char *cmdline, struct app_params *params, char *error, size_t error_size)
{
    memset(params, 0, sizeof(*params));
    params->mode = APP_MODE_CLIENT;
    params->tls = APP_TLS_ANY;
    params->timeout_ms = 5000u;
    params->seed = 1u;
    memcpy(params->test, "unnamed", sizeof("unnamed"));

    const char *pos = cmdline;
    while (*pos != '\0') {
        while (*pos == ' ' || *pos == '\t') {
            pos++;
        }
        const char *token = pos;
        while (*pos != '\0' && *pos != ' ' && *pos != '\t') {
            pos++;
        }
        size_t token_len = (size_t)(pos - token);
        const char *eq = memchr(token, '=', token_len);
        if (token_len == 0u || eq == NULL) {
            continue;
        }
        size_t key_len = (size_t)(eq - token);
        const char *value = eq + 1;
        size_t len = token_len - key_len - 1u;
        int bad = 0;
        uint32_t number = 0u;

        if (app_params_is(token, key_len, "test")) {
            bad = app_params_copy(params->test, sizeof(params->test), value, len);
        } else if (app_params_is(token, key_len, "mode")) {
            if (app_params_is(value, len, "client")) {
                params->mode = APP_MODE_CLIENT;
            } else if (app_params_is(value, len, "server")) {
                params->mode = APP_MODE_SERVER;
            } else if (app_params_is(value, len, "csr")) {
                params->mode = APP_MODE_CSR;
            } else if (app_params_is(value, len, "calibrate")) {
                params->mode = APP_MODE_CALIBRATE;
#if defined(TLSFIT_VERIFY_MODE)
            } else if (app_params_is(value, len, "verify")) {
                params->mode = APP_MODE_VERIFY;
#endif
            } else {
                bad = 1;
            }
        } else if (app_params_is(token, key_len, "host")) {
            bad = app_params_copy(params->host, sizeof(params->host), value, len);
        } else if (app_params_is(token, key_len, "ca")) {
            bad = app_params_copy(params->ca, sizeof(params->ca), value, len);
        } else if (app_params_is(token, key_len, "cert")) {
            bad = app_params_copy(params->cert, sizeof(params->cert), value, len);
        } else if (app_params_is(token, key_len, "tls")) {
            if (app_params_is(value, len, "1.2")) {
                params->tls = APP_TLS_12;
            } else if (app_params_is(value, len, "1.3")) {
                params->tls = APP_TLS_13;
            } else if (app_params_is(value, len, "any")) {
                params->tls = APP_TLS_ANY;
            } else {
                bad = 1;
            }
        } else if (app_params_is(token, key_len, "psk")) {
            bad = app_params_uint(value, len, &number);
            params->psk = number != 0u;
        } else if (app_params_is(token, key_len, "mfl")) {
            bad = app_params_uint(value, len, &params->mfl);
            if (!bad && params->mfl != 0u && params->mfl != 512u && params->mfl != 1024u &&
                params->mfl != 2048u && params->mfl != 4096u) {
                bad = 1;
            }
        } else if (app_params_is(token, key_len, "heap_limit")) {
            bad = app_params_uint(value, len, &params->heap_limit);
        } else if (app_params_is(token, key_len, "http")) {
            bad = app_params_uint(value, len, &number);
            params->http = number != 0u;
        } else if (app_params_is(token, key_len, "big")) {
            bad = app_params_uint(value, len, &number);
            params->big = number != 0u;
        } else if (app_params_is(token, key_len, "pem")) {
            bad = app_params_uint(value, len, &number);
            params->pem = number != 0u;
        } else if (app_params_is(token, key_len, "client_auth")) {
            bad = app_params_uint(value, len, &number);
            params->client_auth = number != 0u;
#if defined(TLSFIT_VERIFY_MODE)
        } else if (app_params_is(token, key_len, "clock")) {
            if (app_params_is(value, len, "unset")) {
                params->clock_unset = 1;
            } else if (app_params_is(value, len, "host")) {
                params->clock_unset = 0;
            } else {
                bad = 1;
            }
#endif
        } else if (app_params_is(token, key_len, "timeout_ms")) {
            bad = app_params_uint(value, len, &params->timeout_ms);
        } else if (app_params_is(token, key_len, "seed")) {
            bad = app_params_uint(value, len, &params->seed);
#if defined(TLSFIT_CONNECTIONS)
        } else if (app_params_is(token, key_len, "conns")) {
            bad = app_params_uint(value, len, &params->connections);
            if (!bad && (params->connections < 1u || params->connections > TLSFIT_MAX_CONNECTIONS)) {
                bad = 1;
            }
#endif
        } else if (app_params_is(token, key_len, "crash")) {
            if (app_params_is(value, len, "0")) {
                params->crash = APP_CRASH_NONE;
            } else if (app_params_is(value, len, "1") || app_params_is(value, len, "udf")) {
                params->crash = APP_CRASH_UDF;
            } else if (app_params_is(value, len, "stack")) {
                params->crash = APP_CRASH_STACK;
            } else if (app_params_is(value, len, "bus")) {
                params->crash = APP_CRASH_BUS;
            } else {
                bad = 1;
            }
        } else {
            app_params_error(error, error_size, "unknown parameter: ", token, token_len);
            return -1;
        }
        if (bad) {
            app_params_error(error, error_size, "bad value: ", token, token_len);
            return -1;
        }
    }
    return 0;
}
