/* CSR mode: generate a P-256 key on the device, print a CSR and the key in PEM on UART0. */
#include <string.h>

#include "mbedtls/build_info.h"

#include "app.h"
#include "board.h"

#if defined(MBEDTLS_PK_C)
#include "mbedtls/pk.h" /* defines MBEDTLS_PK_USE_PSA_EC_DATA when PK keeps EC keys for PSA */
#endif

#if defined(MBEDTLS_X509_CSR_WRITE_C) && defined(MBEDTLS_PK_WRITE_C) && defined(MBEDTLS_PEM_WRITE_C) && \
    (defined(MBEDTLS_ECP_DP_SECP256R1_ENABLED) || defined(PSA_WANT_ECC_SECP_R1_256)) && \
    (defined(MBEDTLS_ECP_C) || defined(MBEDTLS_PK_USE_PSA_EC_DATA))
#define APP_CSR_SUPPORTED
#include "mbedtls/pk.h"
#include "mbedtls/x509_csr.h"
#if defined(MBEDTLS_PK_USE_PSA_EC_DATA)
#include "psa/crypto.h"
#else
#include "mbedtls/ecp.h"
#endif
#endif

#if defined(APP_CSR_SUPPORTED)
static unsigned char app_csr_pem[1024];
static unsigned char app_csr_key_pem[512];

#if defined(MBEDTLS_PK_USE_PSA_EC_DATA)
/* The key stays a PSA key, as on a TF-M device: PK refers to it by id (an opaque key), the CSR
 * is signed by psa_sign_hash(). EXPORT only so that the harness can print it (TEST ONLY). */
static mbedtls_svc_key_id_t app_csr_key_id = MBEDTLS_SVC_KEY_ID_INIT;
#endif

static int app_csr_genkey(mbedtls_pk_context *key)
{
#if defined(MBEDTLS_PK_USE_PSA_EC_DATA)
    psa_key_attributes_t attributes = PSA_KEY_ATTRIBUTES_INIT;
    psa_set_key_type(&attributes, PSA_KEY_TYPE_ECC_KEY_PAIR(PSA_ECC_FAMILY_SECP_R1));
    psa_set_key_bits(&attributes, 256u);
    psa_set_key_usage_flags(&attributes, PSA_KEY_USAGE_SIGN_HASH | PSA_KEY_USAGE_EXPORT);
    psa_set_key_algorithm(&attributes, PSA_ALG_ECDSA(PSA_ALG_SHA_256));
    if (psa_generate_key(&attributes, &app_csr_key_id) != PSA_SUCCESS) {
        return MBEDTLS_ERR_PK_BAD_INPUT_DATA;
    }
    return mbedtls_pk_setup_opaque(key, app_csr_key_id);
#else
    int ret = mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    if (ret != 0) {
        return ret;
    }
    return mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key), app_rng, NULL);
#endif
}
#endif

void app_csr_run(const struct app_params *params, struct app_result *result)
{
#if defined(APP_CSR_SUPPORTED)
    int ret;
    mbedtls_pk_context key;
    mbedtls_x509write_csr csr;
    mbedtls_pk_init(&key);
    mbedtls_x509write_csr_init(&csr);
    (void)params;

    result->stage = "keygen";
    if ((ret = app_csr_genkey(&key)) != 0) {
        goto done;
    }
    result->stage = "csr";
    mbedtls_x509write_csr_set_md_alg(&csr, MBEDTLS_MD_SHA256);
    mbedtls_x509write_csr_set_key(&csr, &key);
    if ((ret = mbedtls_x509write_csr_set_subject_name(&csr, "CN=device.test,O=tlsfit TEST ONLY")) != 0 ||
        (ret = mbedtls_x509write_csr_pem(&csr, app_csr_pem, sizeof(app_csr_pem), app_rng, NULL)) != 0 ||
        (ret = mbedtls_pk_write_key_pem(&key, app_csr_key_pem, sizeof(app_csr_key_pem))) != 0) {
        goto done;
    }
    board_uart_puts(BOARD_UART_LOG, "\r\n");
    board_uart_puts(BOARD_UART_LOG, (const char *)app_csr_pem);
    board_uart_puts(BOARD_UART_LOG, (const char *)app_csr_key_pem);
    result->stage = "done";
    result->ok = 1;
done:
    result->ret = ret;
    mbedtls_x509write_csr_free(&csr);
    mbedtls_pk_free(&key);
#if defined(MBEDTLS_PK_USE_PSA_EC_DATA)
    (void)psa_destroy_key(app_csr_key_id);
#endif
#else
    (void)params;
    result->bad_params = 1;
    result->ret = -1;
    app_result_detail(result, "mode=csr needs X509_CSR_WRITE_C, PK_WRITE_C, PEM_WRITE_C and P-256 keygen");
#endif
}
