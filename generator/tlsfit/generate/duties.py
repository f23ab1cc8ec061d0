"""What the product's code must do for a generated config to work.

A config alone is not enough: TLS 1.3 needs psa_crypto_init(), a small
receive buffer needs mbedtls_ssl_conf_max_frag_len(), the entropy source is
the product's. The header, the manifest and the harness all read this list.
"""

from __future__ import annotations

from dataclasses import dataclass

from tlsfit.generate.resolve import Resolution

_MFL_CODES = ((4096, "MBEDTLS_SSL_MAX_FRAG_LEN_4096"), (2048, "MBEDTLS_SSL_MAX_FRAG_LEN_2048"),
              (1024, "MBEDTLS_SSL_MAX_FRAG_LEN_1024"), (512, "MBEDTLS_SSL_MAX_FRAG_LEN_512"))


@dataclass(frozen=True)
class Duty:
    key: str
    text: str


def max_fragment_length(resolution: Resolution) -> int | None:
    """The MFL to request: the largest code that fits both buffers (else the call fails)."""
    if not resolution.enabled("MBEDTLS_SSL_MAX_FRAGMENT_LENGTH"):
        return None
    limit = min(int(resolution.option("MBEDTLS_SSL_IN_CONTENT_LEN").value),  # type: ignore[union-attr]
                int(resolution.option("MBEDTLS_SSL_OUT_CONTENT_LEN").value))  # type: ignore[union-attr]
    for length, _ in _MFL_CODES:
        if length <= limit:
            return length
    return None


def product_duties(resolution: Resolution) -> tuple[Duty, ...]:
    duties = []
    if resolution.enabled("MBEDTLS_ENTROPY_HARDWARE_ALT"):
        duties.append(Duty("entropy", "implement mbedtls_hardware_poll() on a real TRNG "
                                      "(MBEDTLS_ENTROPY_HARDWARE_ALT); never a constant or a clock"))
    if resolution.enabled("MBEDTLS_USE_PSA_CRYPTO"):
        duties.append(Duty("psa_init", "call psa_crypto_init() once before the first TLS, X.509, "
                                       "PK or PSA call (they all run on PSA)"))
    elif resolution.enabled("MBEDTLS_PSA_CRYPTO_C"):
        duties.append(Duty("psa_init", "call psa_crypto_init() once before the first TLS 1.3 "
                                       "handshake or PSA call"))
    if resolution.requirement("RNG_PRODUCT") == "y":
        rng = "a real TRNG, or a DRBG seeded from one; never a counter, a clock or a constant"
        if resolution.enabled("MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG"):
            duties.append(Duty("external_rng", "implement mbedtls_psa_external_get_random() "
                                               f"(MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG) on {rng}"))
        if resolution.enabled("MBEDTLS_PSA_CRYPTO_C"):
            duties.append(Duty("f_rng", "pass mbedtls_psa_get_random with "
                                        "MBEDTLS_PSA_RANDOM_STATE as f_rng/p_rng to "
                                        "mbedtls_ssl_conf_rng() and the PK calls"))
        else:
            duties.append(Duty("f_rng", f"pass the product's random function ({rng}) as "
                                        "f_rng to mbedtls_ssl_conf_rng() and the PK calls"))
    mfl = max_fragment_length(resolution)
    if mfl is not None:
        code = dict(_MFL_CODES)[mfl]
        duties.append(Duty("max_frag_len", f"call mbedtls_ssl_conf_max_frag_len(conf, {code}) "
                                           f"and check its return (a failure silently drops the "
                                           f"extension)"))
    if resolution.enabled("MBEDTLS_X509_CRT_PARSE_C") and not resolution.enabled(
            "MBEDTLS_PEM_PARSE_C"):
        duties.append(Duty("der_nocopy", "load DER certificates kept in flash with "
                                         "mbedtls_x509_crt_parse_der_nocopy() (no heap copy)"))
    if resolution.enabled("MBEDTLS_HAVE_TIME_DATE"):
        duties.append(Duty("time", "provide time() with real calendar time for certificate "
                                   "date checks"))
    if resolution.enabled("MBEDTLS_PLATFORM_MS_TIME_ALT"):
        duties.append(Duty("ms_time", "provide mbedtls_ms_time() (milliseconds, monotonic)"))
    if resolution.enabled("MBEDTLS_SSL_SERVER_NAME_INDICATION") and resolution.enabled(
            "MBEDTLS_SSL_CLI_C"):
        duties.append(Duty("hostname", "call mbedtls_ssl_set_hostname() with the server's "
                                       "name: it is both the SNI sent and the name verified"))
    return tuple(duties)
