"""``tlsfit audit``: compare an existing mbedtls_config.h with what a profile needs.

The header is read by the real C preprocessor (``gcc -E -dM -imacros``), so
comments, ``#if``/``#undef`` and line continuations mean what they mean to
the compiler. The catalogue of Mbed TLS options (which names are options,
which take values, their defaults) is the tree's own
include/mbedtls/mbedtls_config.h. What is missing is compared with the
profile's resolution (tlsfit.generate.resolve); what each missing option breaks at
run time and which options cost no code are the curated tables below.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass

from tlsfit.diagnose.mbedtls2 import removed_in_3
from tlsfit.errors import TlsfitError
from tlsfit.mbedtls.config_header import HeaderConfig, read_header  # noqa: F401 (re-used names)
from tlsfit.mbedtls.tree import MbedtlsTree
from tlsfit.generate.resolve import Resolution

SCHEMA_VERSION = 1
_CATALOGUE_RE = re.compile(r"^\s*(?://\s*)?#define\s+((?:MBEDTLS|PSA_WANT)_\w+)(?:\s+([^/\s][^/]*?))?\s*(?://.*|/\*.*)?$")


@dataclass(frozen=True)
class Effect:
    """What a missing option breaks, for one requirement (or any)."""

    when: tuple[str, ...]   # requirements that make it matter; () = always
    effect: str
    error: str = ""         # the code or alert the device sees


# What goes wrong at run time (or at build time) without an option the profile needs.
MISSING_EFFECTS: dict[str, tuple[Effect, ...]] = {
    "MBEDTLS_RSA_C": (Effect(("PEER_RSA_2048", "PEER_RSA_3072", "PEER_RSA_4096"),
                             "RSA-signed certificates fail to parse: the RSA signature "
                             "algorithms are not in the OID table", "-0x262e"),),
    "MBEDTLS_PKCS1_V15": (Effect(("PEER_RSA_2048", "PEER_RSA_3072", "PEER_RSA_4096"),
                                 "RSA PKCS#1 v1.5 signatures in the chain cannot be verified",
                                 "-0x2700 (NOT_TRUSTED)"),),
    "MBEDTLS_PKCS1_V21": (Effect(("TLS_1_3",), "RSA-PSS (TLS 1.3 CertificateVerify of RSA "
                                 "servers) is unavailable", "-0x3980 or alert 40 / -0x7780"),),
    "MBEDTLS_X509_RSASSA_PSS_SUPPORT": (Effect((), "RSA-PSS signatures are not offered or "
                                               "parsed; TLS 1.3 RSA servers fail",
                                               "alert 40 / -0x7780"),),
    "MBEDTLS_SHA256_C": (Effect(("SIG_SHA256",), "sha256 signatures are not in the OID table",
                                "-0x262e"),),
    "MBEDTLS_SHA384_C": (Effect(("SIG_SHA384",), "sha384 signatures are not in the OID table",
                                "-0x262e"),
                         Effect(("CIPHER_AES_256_GCM",), "AES-256-GCM suites (SHA-384 PRF) "
                                "are not offered", "alert 40 / -0x7780")),
    "MBEDTLS_SHA512_C": (Effect(("SIG_SHA512",), "sha512 signatures are not in the OID table",
                                "-0x262e"),),
    "MBEDTLS_SHA1_C": (Effect(("LEGACY_SIG_SHA1",), "SHA-1-signed certificates fail to parse",
                              "-0x262e"),),
    "MBEDTLS_ECDSA_C": (Effect((), "ECDSA signatures cannot be verified or made",
                               "-0x262e / alert 40"),),
    "MBEDTLS_ECP_DP_SECP256R1_ENABLED": (Effect((), "P-256 keys and ECDHE on P-256 are "
                                                "unavailable", "-0x3a00 / alert 40"),),
    "MBEDTLS_ECP_DP_SECP384R1_ENABLED": (Effect((), "P-384 keys and ECDHE on P-384 are "
                                                "unavailable", "-0x3a00 / alert 40"),),
    "MBEDTLS_ECP_DP_CURVE25519_ENABLED": (Effect((), "no X25519 key exchange",
                                                 "alert 40 / -0x7780 against X25519-only "
                                                 "peers"),),
    "MBEDTLS_SSL_SERVER_NAME_INDICATION": (Effect(("SNI",), "no SNI: multi-domain servers "
                                                  "send their default certificate",
                                                  "-0x2700 (CN_MISMATCH / NOT_TRUSTED)"),),
    "MBEDTLS_SSL_PROTO_TLS1_3": (Effect(("TLS_1_3",), "TLS 1.3-only peers refuse the "
                                        "handshake", "alert 70 or 40 / -0x7780"),),
    "MBEDTLS_SSL_PROTO_TLS1_2": (Effect(("TLS_1_2",), "TLS 1.2-only peers refuse the "
                                        "handshake", "alert 70 / -0x7780"),),
    "MBEDTLS_SSL_CLI_C": (Effect((), "no TLS client: mbedtls_ssl_handshake() cannot run as a "
                                 "client", "build error or -0x7080"),),
    "MBEDTLS_SSL_SRV_C": (Effect((), "no TLS server", "build error or -0x7080"),),
    "MBEDTLS_GCM_C": (Effect((), "no AES-GCM suites in common", "alert 40 / -0x7780"),),
    "MBEDTLS_CCM_C": (Effect((), "no AES-CCM suites in common", "alert 40 / -0x7780"),),
    "MBEDTLS_CHACHAPOLY_C": (Effect((), "no ChaCha20-Poly1305 suites", "alert 40 / -0x7780"),),
    "MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED": (Effect((), "no ECDHE-ECDSA suites (TLS 1.2)",
                                                        "alert 40 / -0x7780"),),
    "MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED": (Effect((), "no ECDHE-RSA suites (TLS 1.2)",
                                                      "alert 40 / -0x7780"),),
    "MBEDTLS_KEY_EXCHANGE_PSK_ENABLED": (Effect((), "no PSK suites (TLS 1.2)",
                                                "alert 40 / -0x7780"),),
    "MBEDTLS_KEY_EXCHANGE_ECDHE_PSK_ENABLED": (Effect((), "no ECDHE-PSK suites (TLS 1.2)",
                                                      "alert 40 / -0x7780"),),
    "MBEDTLS_PEM_PARSE_C": (Effect(("PEM",), "PEM certificates and keys do not parse",
                                   "-0x2180 family (X509_INVALID_FORMAT)"),),
    "MBEDTLS_BASE64_C": (Effect(("PEM",), "PEM decoding is unavailable", "build error"),),
    "MBEDTLS_SSL_MAX_FRAGMENT_LENGTH": (Effect((), "a receive buffer below 16384 cannot ask "
                                               "the server for smaller records",
                                               "-0x7100 on the first large record"),),
    "MBEDTLS_SSL_RECORD_SIZE_LIMIT": (Effect((), "TLS 1.3 record size limit not sent",
                                             "-0x7100 on the first large record"),),
    "MBEDTLS_SSL_KEEP_PEER_CERTIFICATE": (Effect(("TLS_1_3",), "TLS 1.3 in 3.6 needs it",
                                                 "build error (check_config.h)"),),
    "MBEDTLS_PSA_CRYPTO_C": (Effect(("TLS_1_3",), "TLS 1.3 in 3.6 needs PSA crypto",
                                    "build error (check_config.h)"),),
    "MBEDTLS_HKDF_C": (Effect(("TLS_1_3",), "TLS 1.3 key schedule needs HKDF",
                              "build error (check_config.h)"),),
    "MBEDTLS_HAVE_TIME_DATE": (Effect(("CERT_TIME_CHECK",), "certificate dates are not "
                                      "checked: expired certificates are accepted silently",
                                      "none (silent)"),),
    "MBEDTLS_SSL_ALPN": (Effect(("ALPN",), "ALPN unavailable", "build error "
                                "(mbedtls_ssl_conf_alpn_protocols) or alert 120"),),
    "MBEDTLS_SSL_SESSION_TICKETS": (Effect(("SESSION_RESUMPTION",), "every connection does a "
                                           "full handshake", "none (slower)"),),
    "MBEDTLS_SSL_EXTENDED_MASTER_SECRET": (Effect((), "no RFC 7627 protection; some servers "
                                                  "require it", "alert 40 from strict "
                                                  "servers"),),
    "MBEDTLS_X509_CRT_PARSE_C": (Effect((), "no certificate support at all", "build error"),),
    "MBEDTLS_ERROR_C": (Effect(("ERROR_STRINGS",), "mbedtls_strerror() prints only the code "
                               "(use 'tlsfit explain')", "none"),),
    "MBEDTLS_X509_CSR_WRITE_C": (Effect(("WRITE_CSR",), "no CSR writer", "build error"),),
}

# Value options: what a value below the profile's means.
VALUE_EFFECTS: dict[str, str] = {
    "MBEDTLS_MPI_MAX_SIZE": "RSA keys larger than {have} bytes fail to parse (-0x3b00 "
                            "PK_INVALID_PUBKEY at certificate parse)",
    "MBEDTLS_SSL_IN_CONTENT_LEN": "records larger than {have} bytes fail with -0x7100 "
                                  "unless max fragment length is agreed",
    "MBEDTLS_SSL_OUT_CONTENT_LEN": "handshake messages larger than {have} bytes (the "
                                   "device's certificate chain) fail with -0x6a00",
}

# Options that change speed, size or RAM layout but add no feature.
TUNING = frozenset({
    "MBEDTLS_AES_ROM_TABLES", "MBEDTLS_AES_FEWER_TABLES", "MBEDTLS_BLOCK_CIPHER_NO_DECRYPT",
    "MBEDTLS_X509_REMOVE_INFO",
    "MBEDTLS_SHA256_SMALLER", "MBEDTLS_SHA512_SMALLER", "MBEDTLS_ECP_NIST_OPTIM",
    "MBEDTLS_ECP_WINDOW_SIZE", "MBEDTLS_ECP_FIXED_POINT_OPTIM", "MBEDTLS_MPI_WINDOW_SIZE",
    "MBEDTLS_AES_USE_HARDWARE_ONLY", "MBEDTLS_CCM_GCM_CAN_AES", "MBEDTLS_GCM_LARGE_TABLE",
    "MBEDTLS_AES_ONLY_128_BIT_KEY_LENGTH", "MBEDTLS_PSA_P256M_DRIVER_ENABLED",
    "MBEDTLS_SSL_CIPHERSUITES",
})
# Options that integrate with the platform; they cost (almost) no code of their own.
PLATFORM_PREFIXES = ("MBEDTLS_PLATFORM_", "MBEDTLS_NO_", "MBEDTLS_CHECK_RETURN",
                     "MBEDTLS_DEPRECATED_", "MBEDTLS_TEST_", "MBEDTLS_HAVE_")
PLATFORM_NAMES = frozenset({"MBEDTLS_ENTROPY_HARDWARE_ALT", "MBEDTLS_ENTROPY_FORCE_SHA256",
                            "MBEDTLS_PSA_CRYPTO_CONFIG", "MBEDTLS_USER_CONFIG_FILE",
                            "MBEDTLS_CONFIG_FILE", "MBEDTLS_PSA_CRYPTO_CONFIG_FILE",
                            "MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG"})


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    default: str | None     # value in the tree's config comments, None for booleans


@dataclass(frozen=True)
class Finding:
    option: str
    header_value: str | None     # None: not defined
    profile_value: str | None
    requirements: tuple[str, ...]
    note: str
    error: str = ""


@dataclass(frozen=True)
class Audit:
    header: str
    profile: str
    missing: tuple[Finding, ...]
    unnecessary: tuple[Finding, ...]
    values: tuple[Finding, ...]
    tuning: tuple[Finding, ...]
    unknown: tuple[Finding, ...]


def read_catalogue(tree: MbedtlsTree) -> dict[str, CatalogueEntry]:
    """Every option of the tree's default mbedtls_config.h and psa/crypto_config.h (defined
    or commented out). A PSA_WANT_* macro is a flag (its "1" is not a default value)."""
    entries: dict[str, CatalogueEntry] = {}
    path = tree.include_dir / "mbedtls" / "mbedtls_config.h"
    for source in (path, tree.include_dir / "psa" / "crypto_config.h"):
        try:
            text = source.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise TlsfitError(f"{source}: cannot read ({exc.strerror})") from None
        for line in text.splitlines():
            match = _CATALOGUE_RE.match(line)
            if match and not match.group(1).endswith("_H"):
                value = (match.group(2) or "").strip() or None
                if match.group(1).startswith("PSA_WANT_"):
                    value = None
                entries.setdefault(match.group(1), CatalogueEntry(match.group(1), value))
    if len(entries) < 100:
        raise TlsfitError(f"{path}: found only {len(entries)} options; not an Mbed TLS 3.6 "
                          f"config")
    return entries


def is_platform(name: str) -> bool:
    return name in PLATFORM_NAMES or name.endswith("_ALT") or name.startswith(PLATFORM_PREFIXES)


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip().strip("()").rstrip("uUlL")
    try:
        return int(text, 0)
    except ValueError:
        return None


def _effect(option: str, roots: tuple[str, ...], assigned: set[str]) -> tuple[str, str]:
    for effect in MISSING_EFFECTS.get(option, ()):
        if not effect.when or set(effect.when) & (set(roots) | assigned):
            return effect.effect, effect.error
    return (f"the profile's {', '.join(roots) or 'requirements'} need it "
            f"('tlsfit show' names the chain)", "")


def audit(header: HeaderConfig, resolution: Resolution,
          catalogue: dict[str, CatalogueEntry]) -> Audit:
    """Missing, unnecessary, value and tuning differences between HEADER and RESOLUTION."""
    have = header.as_dict()
    assigned = {name for name, value in resolution.requirements if value not in ("", "n")}
    needed = {o.name: o for o in resolution.options}
    missing, unnecessary, values, tuning, unknown = [], [], [], [], []

    for opt in resolution.options:
        if not opt.is_bool:
            continue
        if opt.name in have:
            continue
        if opt.name in TUNING or is_platform(opt.name):
            tuning.append(Finding(opt.name, None, "y", opt.roots,
                                  "the profile sets it (size/speed/platform), the header does "
                                  "not"))
            continue
        effect, error = _effect(opt.name, opt.roots, assigned)
        missing.append(Finding(opt.name, None, "y", opt.roots, effect, error))

    for opt in resolution.options:
        if opt.is_bool:
            continue
        entry = catalogue.get(opt.name)
        header_value = have.get(opt.name)
        effective = header_value if header_value is not None else \
            (entry.default if entry else None)
        want, got = _int(opt.value), _int(effective)
        if got is None or want is None or got == want:
            continue
        source = "" if header_value is not None else " (Mbed TLS default)"
        if opt.name in TUNING:
            tuning.append(Finding(opt.name, f"{effective}{source}", opt.value, opt.roots,
                                  "a different speed/size trade-off"))
        elif got < want:
            note = VALUE_EFFECTS.get(opt.name, "smaller than the profile needs").format(have=got)
            missing.append(Finding(opt.name, f"{effective}{source}", opt.value, opt.roots,
                                   f"too small: {note}"))
        else:
            values.append(Finding(opt.name, f"{effective}{source}", opt.value, opt.roots,
                                  f"larger than needed: {got - want} bytes more RAM/stack"))

    for name, value in header.macros:
        if name in needed:
            continue
        entry = catalogue.get(name)
        if entry is None:
            if name.endswith(("_H", "_H_")) or is_platform(name):
                continue
            old = removed_in_3().get(name)
            if old is not None:
                unknown.append(Finding(name, value, None, (), old.note()))
                continue
            close = difflib.get_close_matches(name, list(catalogue), n=1)
            unknown.append(Finding(name, value, None, (), "not an Mbed TLS 3.6 option"
                                   + (f" (did you mean {close[0]}?)" if close else "")))
            continue
        if entry.default is not None or value not in ("", "1"):
            continue  # a value macro the profile does not set: not a code cost
        if name in TUNING or is_platform(name):
            tuning.append(Finding(name, value or "y", None, (),
                                  "the header sets it, the profile does not"))
            continue
        unnecessary.append(Finding(name, value or "y", None, (),
                                   "defined but not needed by the profile: costs code"))
    return Audit(str(header.path), resolution.profile.name, tuple(missing), tuple(unnecessary),
                 tuple(values), tuple(tuning), tuple(unknown))
