/* The TLS/PK f_rng: Mbed TLS's DRBG seeded from the entropy module (whose hardware source is the
 * TEST-ONLY poll), PSA's generator, or (RNG_PRODUCT, no DRBG in Mbed TLS) the product's RNG. */
#include "mbedtls/build_info.h"

#include "app.h"

#if defined(MBEDTLS_CTR_DRBG_C) || defined(MBEDTLS_HMAC_DRBG_C)
#if !defined(MBEDTLS_ENTROPY_C)
#error "tlsfit harness: a DRBG needs MBEDTLS_ENTROPY_C to be seeded"
#endif
#include "mbedtls/entropy.h"
static mbedtls_entropy_context app_rng_entropy;
#endif

#if defined(MBEDTLS_CTR_DRBG_C)
#include "mbedtls/ctr_drbg.h"
static mbedtls_ctr_drbg_context app_rng_drbg;
#elif defined(MBEDTLS_HMAC_DRBG_C)
#include "mbedtls/hmac_drbg.h"
#include "mbedtls/md.h"
static mbedtls_hmac_drbg_context app_rng_drbg;
#elif defined(MBEDTLS_PSA_CRYPTO_C)
#include "mbedtls/psa_util.h"
#elif defined(MBEDTLS_ENTROPY_C)
/* The product's RNG stands in only where the config asks for it (no entropy module at all). */
#error "tlsfit harness: the entropy module feeds no DRBG (MBEDTLS_CTR_DRBG_C or MBEDTLS_HMAC_DRBG_C)"
#endif

#if defined(MBEDTLS_CTR_DRBG_C) || defined(MBEDTLS_HMAC_DRBG_C)
static const unsigned char app_rng_personal[] = "tlsfit harness";
#endif

int app_rng_setup(void)
{
#if defined(MBEDTLS_CTR_DRBG_C)
    mbedtls_entropy_init(&app_rng_entropy);
    mbedtls_ctr_drbg_init(&app_rng_drbg);
    return mbedtls_ctr_drbg_seed(&app_rng_drbg, mbedtls_entropy_func, &app_rng_entropy, app_rng_personal,
                                 sizeof(app_rng_personal) - 1u);
#elif defined(MBEDTLS_HMAC_DRBG_C)
    mbedtls_entropy_init(&app_rng_entropy);
    mbedtls_hmac_drbg_init(&app_rng_drbg);
#if defined(MBEDTLS_MD_CAN_SHA256)
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
#elif defined(MBEDTLS_MD_CAN_SHA384)
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA384);
#else
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA512);
#endif
    return mbedtls_hmac_drbg_seed(&app_rng_drbg, md, mbedtls_entropy_func, &app_rng_entropy, app_rng_personal,
                                  sizeof(app_rng_personal) - 1u);
#else
    return 0; /* PSA's own generator (seeded by psa_crypto_init()) or the product's RNG */
#endif
}

int app_rng(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
#if defined(MBEDTLS_CTR_DRBG_C)
    return mbedtls_ctr_drbg_random(&app_rng_drbg, out, len);
#elif defined(MBEDTLS_HMAC_DRBG_C)
    return mbedtls_hmac_drbg_random(&app_rng_drbg, out, len);
#elif defined(MBEDTLS_PSA_CRYPTO_C)
    return mbedtls_psa_get_random(MBEDTLS_PSA_RANDOM_STATE, out, len);
#else
    return app_product_random(ctx, out, len);
#endif
}

void app_rng_free(void)
{
#if defined(MBEDTLS_CTR_DRBG_C)
    mbedtls_ctr_drbg_free(&app_rng_drbg);
    mbedtls_entropy_free(&app_rng_entropy);
#elif defined(MBEDTLS_HMAC_DRBG_C)
    mbedtls_hmac_drbg_free(&app_rng_drbg);
    mbedtls_entropy_free(&app_rng_entropy);
#endif
}
