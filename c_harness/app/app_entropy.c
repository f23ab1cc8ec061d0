/*
 * !!! TEST ONLY !!!  Deterministic "hardware" entropy for the emulated board, which has no TRNG.
 * Generated product configs set MBEDTLS_ENTROPY_HARDWARE_ALT: the product must supply a real
 * mbedtls_hardware_poll() backed by its TRNG. Configs with the product's own RNG (RNG_PRODUCT)
 * take random bytes from app_product_random() and, on PSA, mbedtls_psa_external_get_random():
 * the product must back both with a real TRNG or a DRBG seeded from one. Never ship these.
 */
#include "mbedtls/build_info.h"

#include "app.h"

#if defined(MBEDTLS_ENTROPY_HARDWARE_ALT)
#include "mbedtls/entropy.h"
#endif

static uint64_t app_entropy_state = 0x7115F17ull;

void app_entropy_set_seed(uint32_t seed)
{
    app_entropy_state = 0x7115F1700000000ull ^ seed;
}

/* splitmix64: reproducible runs for a given seed= parameter. NOT RANDOM: TEST ONLY. */
static uint64_t app_entropy_next(void)
{
    uint64_t z = (app_entropy_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void app_entropy_fill(unsigned char *output, size_t len)
{
    for (size_t i = 0; i < len; i += 8u) {
        uint64_t word = app_entropy_next();
        for (size_t j = 0; j < 8u && i + j < len; j++) {
            output[i + j] = (unsigned char)(word >> (8u * j));
        }
    }
}

int app_product_random(void *ctx, unsigned char *out, size_t len)
{
    (void)ctx;
    app_entropy_fill(out, len);
    return 0;
}

#if defined(MBEDTLS_ENTROPY_HARDWARE_ALT)
int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen)
{
    (void)data;
    app_entropy_fill(output, len);
    *olen = len;
    return 0;
}
#endif

#if defined(MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG)
#include "psa/crypto.h"
psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
                                             uint8_t *output, size_t output_size, size_t *output_length)
{
    (void)context;
    app_entropy_fill(output, output_size);
    *output_length = output_size;
    return PSA_SUCCESS;
}
#endif

#if defined(MBEDTLS_PLATFORM_MS_TIME_ALT)
#include "mbedtls/platform_time.h"
/* Harness-supplied millisecond clock (guest time from SysTick) for configs with MS_TIME_ALT. */
mbedtls_ms_time_t mbedtls_ms_time(void)
{
    return (mbedtls_ms_time_t)(inst_icount_ticks() / (INST_ICOUNT_CLOCK_HZ / 1000u));
}
#endif
