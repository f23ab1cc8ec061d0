"""Profile-level rules Kconfig cannot express ("at least one of", "needs").

Each rule is data: when ``applies`` holds for the resolved requirement
values, the profile is rejected (or warned about) with ``message``;
``symbols`` are named with the file and line where the profile sets them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

#: Requirement values after resolution, plus "assigned:NAME" for the values
#: the profile itself wrote (to tell "turned off" from "left at default").
Values = Mapping[str, str]


def _y(values: Values, *names: str) -> bool:
    return any(values.get(n) == "y" for n in names)


PEERS = ("PEER_RSA_2048", "PEER_RSA_3072", "PEER_RSA_4096", "PEER_ECDSA_P256", "PEER_ECDSA_P384")
OWN = ("OWN_CERT_ECDSA_P256", "OWN_CERT_ECDSA_P384", "OWN_CERT_RSA_2048")
GROUPS = ("GROUP_X25519", "GROUP_P256", "GROUP_P384")
CIPHERS = ("CIPHER_AES_128_GCM", "CIPHER_AES_256_GCM", "CIPHER_CHACHA20_POLY1305",
           "CIPHER_AES_128_CCM", "CIPHER_AES_128_CCM_8", "LEGACY_CBC")
SIGS = ("SIG_SHA256", "SIG_SHA384", "SIG_SHA512", "LEGACY_SIG_SHA1")
ROLES = ("ROLE_CLIENT", "ROLE_SERVER")
VERSIONS = ("TLS_1_2", "TLS_1_3")


@dataclass(frozen=True)
class Rule:
    """One check over requirement values."""

    applies: Callable[[Values], bool]
    message: str
    symbols: tuple[str, ...]
    severity: str = "error"


def _tls(v: Values) -> bool:
    return _y(v, *ROLES)


def _cert_auth(v: Values) -> bool:
    return _tls(v) and _y(v, *PEERS, *OWN)


RULES: tuple[Rule, ...] = (
    Rule(lambda v: not _tls(v) and not _y(v, "KEYGEN_ECDSA_P256", "WRITE_CSR"),
         "the profile asks for nothing usable: set ROLE_CLIENT or ROLE_SERVER, "
         "or a device crypto requirement (KEYGEN_ECDSA_P256, WRITE_CSR)", ROLES),
    Rule(lambda v: _tls(v) and not _y(v, *VERSIONS),
         "a TLS role needs a protocol version: set TLS_1_2 and/or TLS_1_3", ROLES + VERSIONS),
    Rule(lambda v: _y(v, *VERSIONS) and not _tls(v),
         "a TLS version without a role: set ROLE_CLIENT and/or ROLE_SERVER", VERSIONS),
    Rule(lambda v: _tls(v) and not _y(v, *CIPHERS),
         "TLS needs at least one cipher (CIPHER_* requirement)", ROLES),
    Rule(lambda v: _tls(v) and not _y(v, *PEERS, *OWN, "KEX_PSK", "KEX_ECDHE_PSK"),
         "TLS needs a way to authenticate: certificates (PEER_*, OWN_CERT_*) or a PSK "
         "(KEX_PSK, KEX_ECDHE_PSK)", ROLES),
    Rule(lambda v: _y(v, "ROLE_CLIENT") and not _y(v, *PEERS, "KEX_PSK", "KEX_ECDHE_PSK"),
         "a client with certificates must verify the server: set the key types of the "
         "server's chain (PEER_*), or use a PSK", ("ROLE_CLIENT",) + OWN),
    Rule(lambda v: _y(v, "ROLE_SERVER") and not _y(v, *OWN, "KEX_PSK", "KEX_ECDHE_PSK"),
         "a server needs its own certificate (OWN_CERT_*) or a PSK", ("ROLE_SERVER",) + PEERS),
    Rule(lambda v: _cert_auth(v) and not _y(v, *GROUPS),
         "certificate handshakes use ECDHE: set at least one GROUP_* requirement",
         PEERS + OWN),
    Rule(lambda v: _y(v, "KEX_ECDHE_PSK") and not _y(v, *GROUPS),
         "KEX_ECDHE_PSK needs at least one GROUP_* requirement", ("KEX_ECDHE_PSK",)),
    Rule(lambda v: _y(v, *PEERS) and not _y(v, *SIGS),
         "verifying certificates needs their signature hash: set SIG_SHA256 (and/or "
         "SIG_SHA384, SIG_SHA512)", PEERS),
    Rule(lambda v: _y(v, "MUTUAL_TLS") and _y(v, "ROLE_CLIENT") and not _y(v, *OWN),
         "MUTUAL_TLS on a client needs the device's own certificate (OWN_CERT_*)",
         ("MUTUAL_TLS", "ROLE_CLIENT")),
    Rule(lambda v: _y(v, "MUTUAL_TLS") and _y(v, "ROLE_SERVER") and not _y(v, *PEERS),
         "MUTUAL_TLS on a server needs the key types of the client chains (PEER_*)",
         ("MUTUAL_TLS", "ROLE_SERVER")),
    Rule(lambda v: _y(v, "MUTUAL_TLS") and not _tls(v),
         "MUTUAL_TLS needs a TLS role", ("MUTUAL_TLS",)),
    Rule(lambda v: _y(v, "WRITE_CSR") and not _y(v, "KEYGEN_ECDSA_P256", *OWN),
         "WRITE_CSR needs a key to sign with (KEYGEN_ECDSA_P256 or OWN_CERT_*)", ("WRITE_CSR",)),
    Rule(lambda v: _y(v, "WRITE_PEM") and not _y(v, "WRITE_CSR", "KEYGEN_ECDSA_P256"),
         "WRITE_PEM needs something to write (WRITE_CSR or KEYGEN_ECDSA_P256)", ("WRITE_PEM",)),
    Rule(lambda v: _y(v, "SNI", "ALPN", "SESSION_RESUMPTION", "MAX_FRAGMENT_LENGTH") and not _tls(v),
         "TLS extensions need a TLS role", ("SNI", "ALPN", "SESSION_RESUMPTION", "MAX_FRAGMENT_LENGTH")),
    Rule(lambda v: _y(v, "SNI") and _tls(v) and not _cert_auth(v),
         "SNI selects certificates: it needs certificate requirements (PEER_*, OWN_CERT_*)",
         ("SNI",)),
    Rule(lambda v: _tls(v) and int(v.get("IN_BUFFER_SIZE") or 16384) < 16384
         and v.get("assigned:MAX_FRAGMENT_LENGTH") == "n"
         and not _y(v, "RECORD_SIZE_LIMIT"),
         "IN_BUFFER_SIZE below 16384 needs MAX_FRAGMENT_LENGTH or RECORD_SIZE_LIMIT "
         "agreed with the peer (else the first full-size record fails with -0x7100)",
         ("IN_BUFFER_SIZE", "MAX_FRAGMENT_LENGTH")),
    Rule(lambda v: _y(v, "ROLE_SERVER") and not _y(v, "ROLE_CLIENT")
         and int(v.get("IN_BUFFER_SIZE") or 16384) < 16384 and not _y(v, "RECORD_SIZE_LIMIT"),
         "a server with IN_BUFFER_SIZE below 16384 depends on every client asking for "
         "max fragment length; clients that do not will fail with -0x7100",
         ("IN_BUFFER_SIZE",), severity="warning"),
    Rule(lambda v: _y(v, "ROLE_CLIENT") and _y(v, "TLS_1_2")
         and int(v.get("IN_BUFFER_SIZE") or 16384) < 16384,
         "this TLS 1.2 client's receive buffer is below 16384, so it depends on the server "
         "honouring max fragment length: OpenSSL does; GnuTLS 3.7.9 confirms it and still "
         "sends 16 KB records (openssl s_client -maxfraglen 2048 against gnutls-serv: 'data "
         "length too long'; the device fails with -0x7100 on an answer over the buffer). "
         "Fallback: IN_BUFFER_SIZE=16384, or TLS 1.3 with RECORD_SIZE_LIMIT",
         ("IN_BUFFER_SIZE",), severity="warning"),
    Rule(lambda v: _y(v, "ROLE_CLIENT") and _y(v, "TLS_1_3")
         and int(v.get("IN_BUFFER_SIZE") or 16384) < 16384,
         "under TLS 1.3 a receive buffer below 16384 relies on record_size_limit (RFC 8449): "
         "servers that ignore it (OpenSSL 3.0) must limit their records themselves, or the "
         "first full record fails with -0x7100", ("IN_BUFFER_SIZE", "TLS_1_3"),
         severity="warning"),
    Rule(lambda v: _tls(v) and int(v.get("OUT_BUFFER_SIZE") or 4096) < 2048 and _y(v, *OWN),
         "OUT_BUFFER_SIZE below 2048 is smaller than most certificate chains the device "
         "would send", ("OUT_BUFFER_SIZE",), severity="warning"),
    Rule(lambda v: v.get("assigned:MAX_FRAGMENT_LENGTH") == "y" and _y(v, "TLS_1_3")
         and not _y(v, "TLS_1_2"),
         "MAX_FRAGMENT_LENGTH is a TLS 1.2 mechanism (Mbed TLS 3.6 sends it in TLS 1.2 only): "
         "a TLS 1.3-only profile agrees on smaller records with RECORD_SIZE_LIMIT",
         ("MAX_FRAGMENT_LENGTH",)),
    Rule(lambda v: _y(v, "ENTROPY_OS"),
         "ENTROPY_OS uses the operating system's entropy (getrandom, /dev/urandom), which "
         "Mbed TLS has only on Unix and Windows: a bare-metal or RTOS device (and tlsfit's "
         "Cortex-M33 harness, which refuses to build it) needs ENTROPY_HARDWARE_POLL or "
         "RNG_PRODUCT", ("ENTROPY_OS",), severity="warning"),
    Rule(lambda v: _y(v, "LEGACY_SIG_SHA1"),
         "LEGACY_SIG_SHA1 enables SHA-1 signature checks, which are broken; use it only for "
         "a closed legacy PKI", ("LEGACY_SIG_SHA1",), severity="warning"),
    Rule(lambda v: _y(v, "LEGACY_CBC"),
         "LEGACY_CBC enables CBC suites (padding-oracle history); AEAD ciphers are safer",
         ("LEGACY_CBC",), severity="warning"),
    Rule(lambda v: _y(v, "LEGACY_RENEGOTIATION"),
         "LEGACY_RENEGOTIATION enables TLS 1.2 renegotiation; leave it off unless a server "
         "needs it", ("LEGACY_RENEGOTIATION",), severity="warning"),
)
