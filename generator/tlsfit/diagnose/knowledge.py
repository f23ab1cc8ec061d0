"""Curated field knowledge: what usually causes an error, an alert or a verify flag, and what fixes it.

This is data, kept small and checked by tests: every requirement named here
exists in generator/kconfig/requirements.kconfig, every macro in the
pinned Mbed TLS tree's headers. Names and meanings of the codes themselves
are read from the tree (headers.py); this table only adds experience.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Advice:
    """Likely causes and fixes for one error macro, alert or verify flag."""

    causes: tuple[str, ...]
    requirements: tuple[str, ...] = ()   # profile requirements that fix it
    options: tuple[str, ...] = ()        # the Mbed TLS options involved
    follow_up: str = ""                  # what to look at next


PEER_RSA = ("PEER_RSA_2048", "PEER_RSA_3072", "PEER_RSA_4096")
SIG_HASHES = ("SIG_SHA256", "SIG_SHA384", "SIG_SHA512")

#: Advice for an error when the failing function is known (explain --in, or a function named in a
#: pasted line): (macro, function name prefix) -> advice that replaces the general one.
IN_FUNCTION: dict[tuple[str, str], Advice] = {
    ("MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE", "mbedtls_pk_write"): Advice(
        causes=(
            "in Mbed TLS 3.6 pkwrite.c returns it when the key is neither an RSA key the config "
            "has (MBEDTLS_RSA_C) nor an EC key it has (the key's curve): the key's type is "
            "compiled out, or the context holds no key yet",
        ),
        requirements=("KEYGEN_ECDSA_P256", "OWN_CERT_ECDSA_P256", "OWN_CERT_ECDSA_P384",
                      "OWN_CERT_RSA_2048"),
        options=("MBEDTLS_PK_WRITE_C", "MBEDTLS_RSA_C", "MBEDTLS_ECP_DP_SECP256R1_ENABLED"),
        follow_up="check the key's type (mbedtls_pk_get_type()) against the profile's own-key "
                  "requirements",
    ),
    ("MBEDTLS_ERR_PK_UNKNOWN_PK_ALG", "mbedtls_pk_parse_key"): Advice(
        causes=(
            "the device's own private key is of a type the config does not compile in: an EC "
            "key needs OWN_CERT_ECDSA_P256 (or _P384), an RSA key OWN_CERT_RSA_2048",
            "or a PKCS#8 key of a type Mbed TLS 3.6 cannot use at all (Ed25519, Ed448)",
        ),
        requirements=("OWN_CERT_ECDSA_P256", "OWN_CERT_ECDSA_P384", "OWN_CERT_RSA_2048"),
        options=("MBEDTLS_PK_PARSE_C", "MBEDTLS_ECP_C", "MBEDTLS_RSA_C"),
        follow_up="'openssl pkey -in KEY -noout -text' names the key's type and curve",
    ),
}

# Error macros (the names are the tree's; see headers.py).
ERRORS: dict[str, Advice] = {
    "MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG": Advice(
        causes=(
            "a certificate in the chain (or in the CA list) is signed with an algorithm the "
            "config does not compile in: Mbed TLS's OID table only lists a signature algorithm "
            "when both its key type and its hash are enabled",
            "most often an RSA-signed chain (sha256WithRSAEncryption) with MBEDTLS_RSA_C / "
            "MBEDTLS_PKCS1_V15 left out: RSA is missing",
            "or the hash is missing: ecdsa-with-SHA384 / sha384WithRSAEncryption need "
            "SIG_SHA384 (MBEDTLS_SHA384_C), sha512 needs SIG_SHA512, old roots self-signed "
            "with SHA-1 need LEGACY_SIG_SHA1",
        ),
        requirements=PEER_RSA + SIG_HASHES + ("PEER_ECDSA_P256", "PEER_ECDSA_P384",
                                               "LEGACY_SIG_SHA1"),
        options=("MBEDTLS_RSA_C", "MBEDTLS_PKCS1_V15", "MBEDTLS_SHA256_C", "MBEDTLS_SHA384_C",
                 "MBEDTLS_SHA512_C", "MBEDTLS_ECDSA_C"),
        follow_up="run 'tlsfit from-cert CHAIN.pem' on the server's chain (and your CA file) "
                  "to get the exact PEER_* and SIG_* requirements",
    ),
    "MBEDTLS_ERR_OID_NOT_FOUND": Advice(
        causes=("the object identifier is not in the compiled-in OID tables: the algorithm it "
                "names (signature, key type, curve or hash) is disabled in the config",),
    ),
    "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED": Advice(
        causes=(
            "the peer's chain did not verify; the reason is in the verify flags",
            "wrong or missing CA (the server's chain ends at a root not in your CA list)",
            "host name mismatch: the name set with mbedtls_ssl_set_hostname() is not in the "
            "certificate; a multi-domain server sent its default certificate because the "
            "client did not send SNI",
            "expired or not-yet-valid certificate (with time checks on), or a clock that is "
            "not set",
            "a key too large for MBEDTLS_MPI_MAX_SIZE or a signature hash/key type outside "
            "the X.509 profile (BAD_MD / BAD_PK / BAD_KEY flags)",
        ),
        # CERT_TIME_CHECK is not a fix: it makes the date checks that can fail this way.
        requirements=("SNI",) + PEER_RSA + SIG_HASHES,
        options=("MBEDTLS_SSL_SERVER_NAME_INDICATION", "MBEDTLS_HAVE_TIME_DATE",
                 "MBEDTLS_MPI_MAX_SIZE"),
        follow_up="read the flags with mbedtls_ssl_get_verify_result(&ssl) after the failed "
                  "handshake and run 'tlsfit explain --flags 0x<flags>'",
    ),
    "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE": Advice(
        causes=("the peer rejected the handshake and sent a fatal TLS alert; the alert number "
                "says why (SEND_ALL_ALERTS only makes the device send precise alerts of its own: "
                "it does not fix this)",),
        follow_up="find the alert number (Mbed TLS debug level 2 prints 'got an alert message, "
                  "type: [2:NN]'; or the peer's log, e.g. openssl s_server -msg) and run "
                  "'tlsfit explain --alert NN'",
    ),
    "MBEDTLS_ERR_SSL_BAD_INPUT_DATA": Advice(
        causes=(
            "in Mbed TLS 3.6 -0x7100 is BAD_INPUT_DATA (not INVALID_RECORD, which is -0x7200): "
            "during a handshake or read it most often means the peer sent a record larger than "
            "the receive buffer ('requesting more data than fits' in mbedtls_ssl_fetch_input)",
            "the receive buffer (MBEDTLS_SSL_IN_CONTENT_LEN, requirement IN_BUFFER_SIZE) is "
            "below 16384 and the peer did not agree to send smaller records: max fragment "
            "length was not requested (mbedtls_ssl_conf_max_frag_len()) or the server ignores "
            "it, or record size limit is off",
            "or an API call with bad arguments, e.g. mbedtls_ssl_conf_max_frag_len() with a "
            "length larger than a buffer, or no bio set",
        ),
        requirements=("IN_BUFFER_SIZE", "MAX_FRAGMENT_LENGTH", "RECORD_SIZE_LIMIT"),
        options=("MBEDTLS_SSL_IN_CONTENT_LEN", "MBEDTLS_SSL_MAX_FRAGMENT_LENGTH",
                 "MBEDTLS_SSL_RECORD_SIZE_LIMIT"),
        follow_up="raise IN_BUFFER_SIZE to 16384, or keep it small and call "
                  "mbedtls_ssl_conf_max_frag_len() with the length tlsfit's manifest names "
                  "(and check its return value)",
    ),
    "MBEDTLS_ERR_SSL_INVALID_RECORD": Advice(
        causes=("a record that does not parse: wrong protocol on the port (e.g. plain HTTP), "
                "a record longer than the buffer in DTLS, or corruption on the link",),
        requirements=("IN_BUFFER_SIZE", "MAX_FRAGMENT_LENGTH"),
    ),
    "MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL": Advice(
        causes=("a handshake message the device sends (usually its own certificate chain) "
                "does not fit the send buffer",),
        requirements=("OUT_BUFFER_SIZE",),
        options=("MBEDTLS_SSL_OUT_CONTENT_LEN",),
    ),
    "MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE": Advice(
        causes=(
            "the key operation is compiled out: typically an RSA-PSS signature (TLS 1.3 "
            "CertificateVerify of an RSA server, or an RSASSA-PSS-signed certificate) without "
            "MBEDTLS_PKCS1_V21, or an RSA key with RSA disabled",
            "or an encrypted private key (PKCS#8/PEM with a password) without PKCS#5/PKCS#12 "
            "support: store the device key unencrypted in protected flash instead",
        ),
        requirements=PEER_RSA + ("TLS_1_3", "OWN_CERT_RSA_2048"),
        options=("MBEDTLS_PKCS1_V21", "MBEDTLS_X509_RSASSA_PSS_SUPPORT", "MBEDTLS_RSA_C"),
    ),
    "MBEDTLS_ERR_PK_UNKNOWN_PK_ALG": Advice(
        causes=(
            "a certificate's or key's public-key algorithm is not compiled in: an RSA key "
            "without MBEDTLS_RSA_C, an EC key without ECP/ECDSA",
            "or a key type Mbed TLS 3.6 X.509 cannot use at all (Ed25519, Ed448, DSA)",
        ),
        requirements=PEER_RSA + ("PEER_ECDSA_P256", "PEER_ECDSA_P384"),
        options=("MBEDTLS_RSA_C", "MBEDTLS_ECP_C", "MBEDTLS_ECDSA_C", "MBEDTLS_PK_PARSE_C"),
        follow_up="run 'tlsfit from-cert' on the certificate or chain to see its key types",
    ),
    "MBEDTLS_ERR_PK_UNKNOWN_NAMED_CURVE": Advice(
        causes=("an EC key on a curve the config lacks (P-384 without "
                "MBEDTLS_ECP_DP_SECP384R1_ENABLED, or P-521/brainpool, which tlsfit does not "
                "model)",),
        requirements=("PEER_ECDSA_P256", "PEER_ECDSA_P384"),
        options=("MBEDTLS_ECP_DP_SECP256R1_ENABLED", "MBEDTLS_ECP_DP_SECP384R1_ENABLED"),
    ),
    "MBEDTLS_ERR_PK_INVALID_PUBKEY": Advice(
        causes=("the public key does not parse; as plain -0x3b00 at certificate parse the "
                "usual cause is an RSA key larger than MBEDTLS_MPI_MAX_SIZE * 8 bits (an "
                "RSA-4096 root in a config sized for RSA-2048): the RSA import fails and "
                "pkparse.c reports only PK_INVALID_PUBKEY",),
        requirements=PEER_RSA,
        options=("MBEDTLS_MPI_MAX_SIZE",),
    ),
    "MBEDTLS_ERR_MPI_ALLOC_FAILED": Advice(
        causes=("a number larger than MBEDTLS_MPI_MAX_SIZE (an RSA-4096 key in a config sized "
                "for RSA-2048), or the heap is exhausted",),
        requirements=("PEER_RSA_3072", "PEER_RSA_4096"),
        options=("MBEDTLS_MPI_MAX_SIZE",),
    ),
    "MBEDTLS_ERR_SSL_ALLOC_FAILED": Advice(
        causes=(
            "the heap is too small: a TLS context needs the receive and send buffers "
            "(IN_BUFFER_SIZE + OUT_BUFFER_SIZE plus about 30 % overhead) and the handshake "
            "needs the peer's chain and bignum scratch on top",
            "or the heap is fragmented by earlier connections",
        ),
        requirements=("IN_BUFFER_SIZE", "OUT_BUFFER_SIZE", "MAX_FRAGMENT_LENGTH",
                      "OPTIMIZE_RAM"),
        options=("MBEDTLS_SSL_IN_CONTENT_LEN", "MBEDTLS_SSL_OUT_CONTENT_LEN"),
        follow_up="enlarge the heap or shrink the buffers (IN_BUFFER_SIZE below 16384 needs max "
                  "fragment length); 'tlsfit measure' reports the heap peak of a profile",
    ),
    "MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE": Advice(
        causes=("no common ciphersuite, group or signature algorithm with the peer, or the "
                "peer's certificate key cannot be used with the negotiated suite",),
        requirements=("CIPHER_AES_128_GCM", "CIPHER_AES_256_GCM", "CIPHER_CHACHA20_POLY1305",
                      "GROUP_X25519", "GROUP_P256", "GROUP_P384", "TLS_1_2", "TLS_1_3"),
    ),
    "MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION": Advice(
        causes=("the peer does not speak any TLS version the config enables (a TLS 1.3-only "
                "server and a TLS 1.2-only client, or the reverse)",),
        requirements=("TLS_1_2", "TLS_1_3"),
        options=("MBEDTLS_SSL_PROTO_TLS1_2", "MBEDTLS_SSL_PROTO_TLS1_3"),
    ),
    "MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE": Advice(
        causes=("the server demands mutual TLS and the device did not present a certificate",),
        requirements=("MUTUAL_TLS", "OWN_CERT_ECDSA_P256", "OWN_CERT_ECDSA_P384",
                      "OWN_CERT_RSA_2048"),
    ),
    "MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED": Advice(
        causes=("verification is required but no CA list was set (mbedtls_ssl_conf_ca_chain)",),
    ),
    "MBEDTLS_ERR_X509_INVALID_FORMAT": Advice(
        causes=("the certificate is not DER: a PEM certificate in a config without PEM "
                "parsing, a truncated file, or not a certificate at all",),
        requirements=("PEM",),
        options=("MBEDTLS_PEM_PARSE_C", "MBEDTLS_BASE64_C"),
    ),
    "MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE": Advice(
        causes=("a certificate uses a feature the config lacks, e.g. RSASSA-PSS signature "
                "parameters without MBEDTLS_X509_RSASSA_PSS_SUPPORT",),
        requirements=PEER_RSA + ("TLS_1_3",),
        options=("MBEDTLS_X509_RSASSA_PSS_SUPPORT",),
    ),
    "MBEDTLS_ERR_SSL_UNRECOGNIZED_NAME": Advice(
        causes=("the server has no certificate for the host name the client sent in SNI",),
        requirements=("SNI",),
    ),
    "MBEDTLS_ERR_SSL_CONN_EOF": Advice(
        causes=("the peer closed the TCP connection: often a server that rejects the "
                "ClientHello without an alert (no common version/suite) or a proxy",),
        requirements=("TLS_1_2", "TLS_1_3", "SNI"),
    ),
    "MBEDTLS_ERR_ERROR_CORRUPTION_DETECTED": Advice(
        causes=("an internal consistency check failed, or a function returned its default "
                "error because a code path is compiled out (e.g. PSA not initialised: TLS 1.3 "
                "in 3.6 needs psa_crypto_init() before the handshake)",),
        requirements=("TLS_1_3",),
    ),
    "PSA_ERROR_BAD_STATE": Advice(
        causes=("psa_crypto_init() was not called: TLS 1.3 in Mbed TLS 3.6 uses PSA crypto",),
        requirements=("TLS_1_3",),
        options=("MBEDTLS_PSA_CRYPTO_C",),
    ),
    "PSA_ERROR_NOT_SUPPORTED": Advice(
        causes=("a PSA algorithm or key type is not compiled in (a TLS 1.3 group, hash or "
                "signature algorithm the peer chose)",),
        requirements=("GROUP_X25519", "GROUP_P256", "GROUP_P384") + SIG_HASHES,
    ),
    "PSA_ERROR_INSUFFICIENT_MEMORY": Advice(
        causes=("the heap is exhausted during a PSA operation",),
        requirements=("OPTIMIZE_RAM",),
    ),
}

# A high-level and a low-level code that together mean something specific.
COMBINED: dict[tuple[str, str], str] = {
    ("MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG", "MBEDTLS_ERR_OID_NOT_FOUND"):
        "the signature algorithm OID of a certificate is not compiled in: the certificate "
        "names a signature algorithm (e.g. sha256WithRSAEncryption) whose key type or hash "
        "the config lacks; for RSA-signed chains enable PEER_RSA_2048/3072/4096 "
        "(MBEDTLS_RSA_C + MBEDTLS_PKCS1_V15) and the SIG_SHA* of the signature hash",
}


@dataclass(frozen=True)
class AlertInfo:
    """An alert's RFC name and what it usually means."""

    rfc_name: str
    meaning: str
    causes: tuple[str, ...] = ()
    causes_tls13: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()


# RFC 8446 section 6 and RFC 5246 section 7.2 names; numbers are matched with the tree's
# MBEDTLS_SSL_ALERT_MSG_* defines.
ALERTS: dict[int, AlertInfo] = {
    0: AlertInfo("close_notify", "the sender is closing the connection (not an error)"),
    10: AlertInfo("unexpected_message", "a message arrived out of order",
                  ("protocol mismatch or a bug; TLS 1.2-only middleboxes on TLS 1.3",)),
    20: AlertInfo("bad_record_mac", "a record failed authentication",
                  ("corruption on the link, or keys derived differently (e.g. a broken "
                   "extended master secret or hardware AES driver)",)),
    21: AlertInfo("decryption_failed_RESERVED", "SSL 3.0/TLS 1.0 only; never sent by TLS 1.2+"),
    30: AlertInfo("decompression_failure_RESERVED", "compression is gone since TLS 1.3"),
    41: AlertInfo("no_certificate_RESERVED", "SSL 3.0 only"),
    60: AlertInfo("export_restriction_RESERVED", "export ciphers; never sent by TLS 1.2+"),
    22: AlertInfo("record_overflow", "a record was longer than allowed",
                  ("the peer's record exceeded the negotiated max fragment length / record "
                   "size limit",), requirements=("MAX_FRAGMENT_LENGTH", "RECORD_SIZE_LIMIT")),
    40: AlertInfo(
        "handshake_failure", "the sender could not agree on security parameters",
        causes=("TLS 1.2: no common ciphersuite (key exchange x cipher); e.g. an ECDHE-RSA "
                "server and a client that only offers ECDHE-ECDSA, or no common cipher",
                "TLS 1.2: no common elliptic-curve group",),
        causes_tls13=("TLS 1.3: no common key-exchange group (supported_groups: X25519, "
                      "P-256, P-384)",
                      "TLS 1.3: no common cipher suite (AES-128-GCM, AES-256-GCM, "
                      "ChaCha20-Poly1305)",
                      "TLS 1.3: no common signature algorithm for the server's certificate "
                      "(an RSA server certificate needs RSA-PSS: rsa_pss_rsae_*, i.e. "
                      "PEER_RSA_* with TLS_1_3; an ECDSA P-384 certificate needs "
                      "PEER_ECDSA_P384 and SIG_SHA384)",),
        requirements=("GROUP_X25519", "GROUP_P256", "GROUP_P384", "CIPHER_AES_128_GCM",
                      "CIPHER_AES_256_GCM", "CIPHER_CHACHA20_POLY1305", "PEER_RSA_2048",
                      "PEER_ECDSA_P256", "PEER_ECDSA_P384", "SIG_SHA384")),
    42: AlertInfo("bad_certificate", "a certificate was corrupt or failed verification",
                  ("the receiver could not verify the sender's certificate (signature, "
                   "format)",)),
    43: AlertInfo("unsupported_certificate", "a certificate of an unsupported type",
                  ("key type or key usage the receiver does not accept",)),
    44: AlertInfo("certificate_revoked", "the certificate was revoked by its signer"),
    45: AlertInfo("certificate_expired", "a certificate has expired or is not yet valid",
                  ("the certificate's validity, or a receiver whose clock is wrong (a device "
                   "without a real-time clock sends this for every certificate if time "
                   "checks are on and the clock is at 1970)",),
                  requirements=("CERT_TIME_CHECK",)),
    46: AlertInfo(
        "certificate_unknown", "the receiver did not accept the certificate for another reason",
        causes=("sent by a browser or client that does not trust the device's server "
                "certificate: a self-signed leaf (without CA basic constraints) or a private CA "
                "that is not in the browser's trust store",
                "a certificate whose names do not include the host name the browser used",
                "'tlsfit from-cert' lints the certificate (self-signed leaf, key usage, "
                "expiry)",),
        requirements=("OWN_CERT_ECDSA_P256", "OWN_CERT_RSA_2048")),
    47: AlertInfo("illegal_parameter", "a field in the handshake was out of range or "
                  "inconsistent", ("e.g. a group or signature algorithm the sender did not "
                                   "offer",)),
    48: AlertInfo("unknown_ca", "the chain does not lead to a trusted CA",
                  ("the receiver does not have the root (or an intermediate is missing from "
                   "the chain the sender sent)",)),
    49: AlertInfo("access_denied", "valid certificate, but access was refused"),
    50: AlertInfo("decode_error", "a message could not be decoded",
                  ("a length field out of range; also sent when a record is larger than the "
                   "receiver's buffer allows",)),
    51: AlertInfo("decrypt_error", "a handshake cryptographic operation failed",
                  ("signature verification of CertificateVerify / ServerKeyExchange failed, "
                   "or the Finished MAC did not match (wrong PSK)",)),
    70: AlertInfo("protocol_version", "the peer does not support the offered version",
                  ("a TLS 1.3-only peer and a client without TLS 1.3 (or TLS 1.2-only and "
                   "the reverse)",), requirements=("TLS_1_2", "TLS_1_3")),
    71: AlertInfo("insufficient_security", "the sender requires stronger parameters",
                  ("the server wants ciphers or groups stronger than offered",)),
    80: AlertInfo("internal_error", "an error unrelated to the peer", ("out of memory, "
                  "a bug or misconfiguration at the sender",)),
    86: AlertInfo("inappropriate_fallback", "a version fallback was detected"),
    90: AlertInfo("user_canceled", "the handshake was cancelled"),
    100: AlertInfo("no_renegotiation", "renegotiation refused (TLS 1.2)",
                   requirements=("LEGACY_RENEGOTIATION",)),
    109: AlertInfo("missing_extension", "a mandatory TLS 1.3 extension was missing"),
    110: AlertInfo("unsupported_extension", "an extension the sender did not offer"),
    112: AlertInfo("unrecognized_name", "the server has no certificate for the SNI name",
                   ("the host name sent in SNI is not one the server serves",),
                   requirements=("SNI",)),
    113: AlertInfo("bad_certificate_status_response", "an invalid OCSP response"),
    115: AlertInfo("unknown_psk_identity", "the PSK identity is not known to the server",
                   ("the identity (or the key for it) is not provisioned on the server",),
                   requirements=("KEX_PSK", "KEX_ECDHE_PSK")),
    116: AlertInfo("certificate_required", "the server requires a client certificate",
                   ("mutual TLS: the device did not send a certificate",),
                   requirements=("MUTUAL_TLS",)),
    120: AlertInfo("no_application_protocol", "no ALPN protocol in common",
                   requirements=("ALPN",)),
}

# Verify-flag advice (names and meanings come from x509.h).
FLAGS: dict[str, Advice] = {
    "MBEDTLS_X509_BADCERT_EXPIRED": Advice(
        ("the certificate expired, or the device's clock is wrong (time checks use "
         "mbedtls_time())",), ("CERT_TIME_CHECK",)),
    "MBEDTLS_X509_BADCERT_FUTURE": Advice(
        ("the certificate is not valid yet: usually a device clock that was never set "
         "(1970)",), ("CERT_TIME_CHECK",)),
    "MBEDTLS_X509_BADCERT_CN_MISMATCH": Advice(
        ("the host name given to mbedtls_ssl_set_hostname() is not in the certificate's "
         "subjectAltName/CN",
         "a multi-domain server sent its default certificate because the client did not send "
         "SNI: enable SNI"), ("SNI",), ("MBEDTLS_SSL_SERVER_NAME_INDICATION",)),
    "MBEDTLS_X509_BADCERT_NOT_TRUSTED": Advice(
        ("the chain does not end at a CA in the device's CA list (wrong or missing root, or a "
         "missing intermediate)",
         "a multi-domain server sent another site's certificate (no SNI)",
         "or a signature in the chain could not be verified because its algorithm is compiled "
         "out (e.g. RSA without MBEDTLS_PKCS1_V15)"),
        ("SNI",) + PEER_RSA + SIG_HASHES),
    "MBEDTLS_X509_BADCERT_MISSING": Advice(("the peer sent no certificate",)),
    "MBEDTLS_X509_BADCERT_SKIP_VERIFY": Advice(
        ("verification was skipped (MBEDTLS_SSL_VERIFY_NONE): never in production",)),
    "MBEDTLS_X509_BADCERT_KEY_USAGE": Advice(
        ("the certificate's keyUsage does not allow the use (e.g. no digitalSignature on a "
         "TLS server certificate)",)),
    "MBEDTLS_X509_BADCERT_EXT_KEY_USAGE": Advice(
        ("the certificate's extendedKeyUsage lacks serverAuth (or clientAuth for client "
         "certificates)",)),
    "MBEDTLS_X509_BADCERT_BAD_MD": Advice(
        ("a certificate is signed with a hash the X.509 profile rejects (SHA-1 under the "
         "default profile)",), ("LEGACY_SIG_SHA1",)),
    "MBEDTLS_X509_BADCERT_BAD_PK": Advice(
        ("a certificate's key type is not allowed by the X.509 profile",)),
    "MBEDTLS_X509_BADCERT_BAD_KEY": Advice(
        ("a key is too small for the X.509 profile (RSA below 2048 bits) or on a curve the "
         "profile does not allow",), PEER_RSA + ("PEER_ECDSA_P384",)),
    "MBEDTLS_X509_BADCERT_REVOKED": Advice(("the certificate is on a CRL",)),
}
