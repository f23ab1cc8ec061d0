"""The PSA_WANT_* macros Mbed TLS 3.6.6 turns on by itself, given the ones a config sets.

tlsfit writes only the PSA_WANT_* that Mbed TLS does not imply (1-minimality);
whoever compares two PSA configurations by what they *set* (Zephyr's
CONFIG_PSA_WANT_* against tlsfit_crypto_config.h) compares what they *mean*
through this closure. Rules read from Mbed TLS 3.6.6 (Mbed-TLS/mbedtls,
tag v3.6.6): include/psa/crypto_adjust_config_synonyms.h,
crypto_adjust_config_dependencies.h, crypto_adjust_config_key_pair_types.h
and crypto_adjust_auto_enabled.h (no accelerator of HKDF, the TLS 1.2 PRF or
PBKDF2 assumed). tests/compile checks the closure against the preprocessor
for every shipped profile on the PSA backend.
"""

from __future__ import annotations

_SYNONYMS = (("PSA_WANT_ALG_ECDSA", "PSA_WANT_ALG_ECDSA_ANY"),
             ("PSA_WANT_ALG_RSA_PKCS1V15_SIGN", "PSA_WANT_ALG_RSA_PKCS1V15_SIGN_RAW"),
             ("PSA_WANT_ALG_RSA_PSS", "PSA_WANT_ALG_RSA_PSS_ANY_SALT"))
_HMAC_USERS = ("PSA_WANT_ALG_TLS12_PRF", "PSA_WANT_ALG_TLS12_PSK_TO_MS", "PSA_WANT_ALG_HKDF",
               "PSA_WANT_ALG_HKDF_EXTRACT", "PSA_WANT_ALG_HKDF_EXPAND",
               "PSA_WANT_ALG_PBKDF2_HMAC")
_ALWAYS = ("PSA_WANT_KEY_TYPE_DERIVE", "PSA_WANT_KEY_TYPE_PASSWORD",
           "PSA_WANT_KEY_TYPE_PASSWORD_HASH", "PSA_WANT_KEY_TYPE_RAW_DATA")


def implied_closure(wants: set[str] | frozenset[str]) -> frozenset[str]:
    """WANTS and every PSA_WANT_* Mbed TLS 3.6.6 defines because of them."""
    out = set(wants) | set(_ALWAYS)
    for a, b in _SYNONYMS:
        if a in out or b in out:
            out |= {a, b}
    if out & set(_HMAC_USERS):
        out |= {"PSA_WANT_ALG_HMAC", "PSA_WANT_KEY_TYPE_HMAC"}
    for kind in ("ECC", "RSA", "DH"):
        pair = f"PSA_WANT_KEY_TYPE_{kind}_KEY_PAIR_"
        if any(pair + op in out for op in ("IMPORT", "EXPORT", "GENERATE", "DERIVE")):
            out.add(pair + "BASIC")
        if pair + "BASIC" in out:
            out |= {f"PSA_WANT_KEY_TYPE_{kind}_PUBLIC_KEY", pair + "IMPORT", pair + "EXPORT"}
    return frozenset(out)
