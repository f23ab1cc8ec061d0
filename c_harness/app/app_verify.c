/* Verify-only (images built with TLSFIT_VERIFY_MODE): a certificate chain checked on the target as a TLS client would check it,
 * without a peer. Parses cert=ID's leaf ("server") and intermediates ("int", "int2", "int3")
 * and ca=ID's "ca" from the embedded PKI, then mbedtls_x509_crt_verify() with host=;
 * reports the return code and verify flags. hs_instructions counts parse + verify. */
#include <string.h>

#include "mbedtls/build_info.h"
#if defined(MBEDTLS_X509_CRT_PARSE_C)
#include "mbedtls/x509_crt.h"
#endif

#include "app.h"

#if !defined(TLSFIT_VERIFY_MODE)
/* Not built into this image (CMake option TLSFIT_VERIFY_MODE): mode=verify is refused. */
typedef int app_verify_not_built;
#elif !defined(MBEDTLS_X509_CRT_PARSE_C)
void app_verify_run(const struct app_params *params, struct app_result *result)
{
    (void)params;
    result->stage = "init";
    result->bad_params = 1;
    result->ret = -1;
    app_result_detail(result, "mode=verify but the config has no MBEDTLS_X509_CRT_PARSE_C");
}
#else

void app_verify_run(const struct app_params *params, struct app_result *result)
{
    mbedtls_x509_crt chain;
    mbedtls_x509_crt ca;
    uint32_t flags = 0u;
    int ret = 0;

    result->stage = "init";
    if (params->cert[0] == '\0' || params->ca[0] == '\0') {
        result->bad_params = 1;
        result->ret = -1;
        app_result_detail(result, "mode=verify needs cert= (the chain) and ca=");
        return;
    }
    mbedtls_x509_crt_init(&chain);
    mbedtls_x509_crt_init(&ca);
    uint64_t start = inst_icount_ticks();

    result->stage = "parse";
    if ((ret = app_pki_parse_chain(&chain, params->cert, "server")) != 0) {
        app_result_detail(result, "chain: the leaf or an intermediate certificate did not parse");
        goto done;
    }
    if ((ret = app_pki_parse_crt(&ca, params->ca, "ca", 0)) != 0) {
        app_result_detail(result, "ca: the CA certificate did not parse");
        goto done;
    }

    result->stage = "verify";
    ret = mbedtls_x509_crt_verify(&chain, &ca, NULL, params->host[0] != '\0' ? params->host : NULL,
                                  &flags, NULL, NULL);
    result->verify_flags = flags;
    if (ret == 0) {
        result->stage = "done";
        result->ok = 1;
    }

done:
    result->hs_ticks = inst_icount_ticks() - start;
    result->ret = ret;
    mbedtls_x509_crt_free(&chain);
    mbedtls_x509_crt_free(&ca);
}
#endif
