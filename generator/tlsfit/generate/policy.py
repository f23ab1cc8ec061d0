"""What a generated product config may never contain, as data.

Checked after resolution, independently of the model: if a model change
ever pulls in one of these, generation fails instead of shipping it.
"""

from __future__ import annotations

#: Prefixes of options that exist for Mbed TLS's own tests or debugging.
FORBIDDEN_PREFIXES: frozenset[str] = frozenset({
    "MBEDTLS_TEST_",          # test hooks, null entropy, constant-flow checks
})

#: Options that weaken security, each with the only requirement allowed to
#: pull it in. Anything else pulling them in is a model bug.
WEAK_OPTIONS: dict[str, str] = {
    "MBEDTLS_SHA1_C": "LEGACY_SIG_SHA1",
    "MBEDTLS_MD5_C": "(none)",
    "MBEDTLS_DES_C": "(none)",
    "MBEDTLS_CIPHER_MODE_CBC": "LEGACY_CBC",
    "MBEDTLS_SSL_RENEGOTIATION": "LEGACY_RENEGOTIATION",
    "MBEDTLS_KEY_EXCHANGE_RSA_ENABLED": "(none)",
    "MBEDTLS_DEBUG_C": "(none)",
    "MBEDTLS_NO_DEFAULT_ENTROPY_SOURCES": "(none)",
    "MBEDTLS_SSL_DTLS_ANTI_REPLAY_OFF": "(none)",
}


#: Weak primitives another part of the image may need (KEEP_OPTIONS): a Wi-Fi supplicant's
#: HMAC-SHA1 and MD5, DES-encrypted PKCS#8 keys, CBC for storage. Kept, they do not reach TLS:
#: Mbed TLS 3.6's default signature algorithms and X.509 profile start at SHA-256, and the
#: ciphersuites are the list the requirements name. The rest of WEAK_OPTIONS change what TLS
#: does and cannot be kept.
KEEPABLE_WEAK: frozenset[str] = frozenset({
    "MBEDTLS_SHA1_C", "MBEDTLS_MD5_C", "MBEDTLS_DES_C", "MBEDTLS_CIPHER_MODE_CBC",
})


def violations(enabled: dict[str, list[str]], kept_prefix: str = "KEPT_") -> list[str]:
    """Messages for every forbidden option; ENABLED maps option -> root requirements."""
    problems = []
    for name, roots in sorted(enabled.items()):
        if any(name.startswith(prefix) for prefix in FORBIDDEN_PREFIXES):
            problems.append(f"{name} is test-only and never goes into a product config")
        allowed = WEAK_OPTIONS.get(name)
        if allowed is not None and name in KEEPABLE_WEAK and kept_prefix + name in roots:
            roots = [r for r in roots if r != kept_prefix + name]
            if not roots:
                continue
        if allowed is not None and (allowed not in roots or len(roots) != 1):
            problems.append(
                f"{name} weakens security and may only come from {allowed}, "
                f"but is pulled in by {', '.join(roots) or 'nothing'}")
    return problems
