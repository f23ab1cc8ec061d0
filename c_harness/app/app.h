/* TLS test application: run parameters, transport, embedded PKI, client/server/CSR runs. */
#ifndef TLSFIT_APP_H
#define TLSFIT_APP_H

#include <stddef.h>
#include <stdint.h>

#include "inst.h"

enum app_mode { APP_MODE_CLIENT, APP_MODE_SERVER, APP_MODE_CSR, APP_MODE_CALIBRATE, APP_MODE_VERIFY };
enum app_tls_pin { APP_TLS_ANY, APP_TLS_12, APP_TLS_13 };
enum app_crash { APP_CRASH_NONE, APP_CRASH_UDF, APP_CRASH_STACK, APP_CRASH_BUS };

/* Run parameters from `-append "k=v ..."` (semihosting SYS_GET_CMDLINE). */
struct app_params {
    char test[48];
    enum app_mode mode;
    char host[64];
    char ca[24];
    char cert[24];
    enum app_tls_pin tls;
    int psk;
    uint32_t mfl;
    uint32_t heap_limit;
    int http;
    int client_auth;
    int pem; /* pem=1: the test needs PEM credentials (a PEM profile) */
    int big; /* big=1: GET /big.txt, an answer in full-size (16 KB) records */
    enum app_crash crash;
#if defined(TLSFIT_VERIFY_MODE)
    int clock_unset; /* clock=unset: the device's clock reads 0 (1970), as before it is set */
#endif
    uint32_t timeout_ms;
    uint32_t seed;
#if defined(TLSFIT_CONNECTIONS)
    uint32_t connections; /* conns=N: N sessions at once (0: the one-session run) */
#endif
};

/* Parses the command line; on error writes a reason into error and returns -1. */
int app_params_parse(const char *cmdline, struct app_params *params, char *error, size_t error_size);

/* What a run produced; turned into the TLSFIT-RESULT line by app_main.c. */
struct app_result {
    const char *stage;       /* init, handshake, data, close, done */
    int ret;                 /* Mbed TLS return code of the failing call (0 when ok) */
    int ok;
    int bad_params;          /* parameters not usable with this config */
    uint32_t verify_flags;
    const char *tls_version;
    const char *ciphersuite;
    uint64_t hs_ticks;       /* whole handshake, SysTick ticks */
    uint64_t hs_io_ticks;    /* of which waiting in the UART1 callbacks */
    uint32_t app_bytes_rx;
    uint32_t app_bytes_tx;
    int max_in_payload;
    int max_out_payload;
    uint32_t negotiated_mfl;        /* TLS 1.2 client: max fragment length the server's ServerHello
                                     * confirmed, in bytes (0: not confirmed, or not in the config) */
    uint32_t peer_record_size_limit; /* TLS 1.3: record_size_limit the peer sent (0: none) */
    char sni[64];            /* server: SNI name received */
    char http_status[40];    /* client: first line of the HTTP reply */
    char detail[96];
};

void app_result_init(struct app_result *result);
void app_result_detail(struct app_result *result, const char *text);

/* UART1 transport for mbedtls_ssl_set_bio, with byte counters and a receive timeout. */
struct app_transport {
    uint32_t bytes_tx;
    uint32_t bytes_rx;
    uint64_t io_ticks;
    uint32_t timeout_ms;
};
int app_transport_send(void *ctx, const unsigned char *buf, size_t len);
int app_transport_recv(void *ctx, unsigned char *buf, size_t len);

/* Embedded test PKI (generated from c_harness/pki at build time). name: "ec256/ca", ... */
struct app_pki_blob {
    const char *name;
    const unsigned char *data;
    size_t len; /* PEM blobs include their terminating NUL, as mbedtls_x509_crt_parse wants */
};
extern const struct app_pki_blob app_pki_pem_blobs[];
extern const size_t app_pki_pem_count;
extern const struct app_pki_blob app_pki_der_blobs[];
extern const size_t app_pki_der_count;
const struct app_pki_blob *app_pki_find(const char *dir, const char *base);
/* Parse DIR/BASE into CRT (appended to its chain); a missing blob is 0 when OPTIONAL, else
 * MBEDTLS_ERR_X509_FILE_IO_ERROR. Only in configs with MBEDTLS_X509_CRT_PARSE_C. */
struct mbedtls_x509_crt;
int app_pki_parse_crt(struct mbedtls_x509_crt *crt, const char *dir, const char *base, int optional);
/* DIR/LEAF, then the intermediates DIR/int, int2, int3 that are there: a chain as a peer sends it. */
int app_pki_parse_chain(struct mbedtls_x509_crt *crt, const char *dir, const char *leaf);

/* TEST-ONLY deterministic entropy behind mbedtls_hardware_poll. */
void app_entropy_set_seed(uint32_t seed);
/* TEST ONLY (app_entropy.c): the "product's RNG" of configs without a DRBG in Mbed TLS. */
int app_product_random(void *ctx, unsigned char *out, size_t len);

void app_tls_run(const struct app_params *params, struct app_transport *transport, struct app_result *result);
#if defined(TLSFIT_CONNECTIONS)
/* Images built with -DTLSFIT_CONNECTIONS=ON only (app_tls_conns.c): N sessions at once. */
struct app_conns_report {
    uint32_t connections;
    uint32_t ok;               /* sessions that completed handshake, request/answer and close */
    int failed;                /* index of the first session that failed, -1: none */
    uint32_t heap_config;      /* heap in use before any session: config, certificates, keys */
    uint32_t heap_config_peak; /* heap peak before any session (parsing included) */
    uint32_t heap_setup;       /* in use after every session's mbedtls_ssl_setup */
    uint32_t heap_open;        /* in use once every handshake is over: all sessions open */
};
void app_conns_run(const struct app_params *params, struct app_transport *transport,
                   struct app_result *result, struct app_conns_report *report);
#endif
void app_csr_run(const struct app_params *params, struct app_result *result);
#if defined(TLSFIT_VERIFY_MODE)
/* Verify-only: parse cert=ID's leaf + intermediates and ca=ID's CA, verify against host=. */
void app_verify_run(const struct app_params *params, struct app_result *result);
#endif
int app_rng_setup(void);
int app_rng(void *ctx, unsigned char *out, size_t len);
void app_rng_free(void);

#endif
