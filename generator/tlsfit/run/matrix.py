"""The handshake matrix of a profile: what must pass, and twins that must fail.

Derived from the resolved requirements: every TLS version x every peer key
type the profile accepts x the role, with host name checking, SNI dispatch,
client certificates and max fragment length as the profile asks; after the
handshake an HTTP request and answer, then close_notify. Each positive case
has negative twins, each pinned to the specific Mbed TLS error (and verify
flags) a user would see:

  wrong CA            -0x2700 with MBEDTLS_X509_BADCERT_NOT_TRUSTED
  wrong host name     -0x2700 with MBEDTLS_X509_BADCERT_CN_MISMATCH
  key type left out   -0x262e (X.509 unknown signature algorithm) or
                      -0x3b00 (RSA key larger than MBEDTLS_MPI_MAX_SIZE)
  no SNI              a firmware built without SNI, against a server that
                      dispatches by SNI: -0x2700 with CN_MISMATCH
  wrong PSK / client  -0x7780 (fatal alert from the peer)
  expired leaf        -0x2700 with MBEDTLS_X509_BADCERT_EXPIRED    (CERT_TIME_CHECK,
  clock never set     -0x2700 with MBEDTLS_X509_BADCERT_FUTURE      verify-only cases)

A client with a receive buffer below 16 KB also meets GnuTLS (gnutls-serv), a second,
independent server: a short answer (and its wrong-CA twin); under TLS 1.2 a large answer
that must fail with -0x7100, because GnuTLS 3.7.9 confirms max fragment length and still
sends 16 KB records; under TLS 1.3 a large answer that must pass, because GnuTLS honours
record_size_limit.

With the user's own certificates (:mod:`tlsfit.run.own_pki`) the certificate cases are the
user's: for a client, handshakes against an OpenSSL server with the user's chain and key when
the key is given, a verify-only case on the target otherwise; for a server, the device serves
the user's chain with its key to an s_client that trusts only the user's CA. Each has its
wrong-CA and wrong-host twins.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from tlsfit.generate.duties import max_fragment_length
from tlsfit.run.runner import Case
from tlsfit.errors import TlsfitError
from tlsfit.run.own_pki import EXPIRED_ID, OWN_CLIENT_ID, OWN_ID, OwnPki, own_peer_dir, test_ca_for
from tlsfit.run.peer import (ClientPeer, client_peer, gnutls_server_peer, own_server_peer,
                             server_peer)
from tlsfit.run.peer import TEST_HOST
from tlsfit.generate.resolve import Resolution

ERR_CERT_VERIFY_FAILED = -0x2700
ERR_UNKNOWN_SIG_ALG = -0x262E          # MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG + OID_NOT_FOUND
ERR_PK_INVALID_PUBKEY = -0x3B00
ERR_FATAL_ALERT = -0x7780
ERR_INVALID_MAC = -0x7180
ERR_HANDSHAKE_FAILURE = -0x6E00
ERR_BAD_INPUT_DATA = -0x7100   # a record larger than the receive buffer
BADCERT_EXPIRED = 0x01
BADCERT_CN_MISMATCH = 0x04
BADCERT_NOT_TRUSTED = 0x08
BADCERT_FUTURE = 0x0200
WRONG_HOST = "wrong-host.invalid"
WRONG_PSK = "00112233445566778899aabbccddeeff"  # TEST ONLY

#: Peer key-type requirements -> test PKI id of a chain with that key.
PEER_PKI = (("PEER_RSA_2048", "rsa2048"), ("PEER_RSA_3072", "rsa3072"),
            ("PEER_RSA_4096", "rsa4096"), ("PEER_ECDSA_P256", "ec256"),
            ("PEER_ECDSA_P384", "ec384"))
OWN_PKI = (("OWN_CERT_ECDSA_P256", "ec256"), ("OWN_CERT_RSA_2048", "rsa2048"))
CLIENT_CERT_PKI = (("OWN_CERT_ECDSA_P256", "client-ec256"), ("OWN_CERT_RSA_2048", "client-rsa2048"))
#: For a "wrong CA" twin: an unrelated root the profile can still parse.
WRONG_CA = {"rsa2048": "rsa2048-alt", "ec256": "ec256-alt", "rsa3072": "rsa2048-alt",
            "rsa4096": "rsa2048-alt", "ec384": "ec256-alt", "chain-rsa4096": "rsa4096"}
#: Cipher requirement -> TLS 1.3 suite, TLS 1.2 ECDHE-ECDSA and ECDHE-RSA suites (OpenSSL names).
CIPHER_NAMES = (
    ("CIPHER_AES_128_GCM", "TLS_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256",
     "ECDHE-RSA-AES128-GCM-SHA256"),
    ("CIPHER_AES_256_GCM", "TLS_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384",
     "ECDHE-RSA-AES256-GCM-SHA384"),
    ("CIPHER_CHACHA20_POLY1305", "TLS_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305",
     "ECDHE-RSA-CHACHA20-POLY1305"),
    ("CIPHER_AES_128_CCM", "TLS_AES_128_CCM_SHA256", "ECDHE-ECDSA-AES128-CCM", None),
    ("CIPHER_AES_128_CCM_8", "TLS_AES_128_CCM_8_SHA256", "ECDHE-ECDSA-AES128-CCM8", None),
)
GROUP_NAMES = (("GROUP_X25519", "X25519"), ("GROUP_P256", "P-256"), ("GROUP_P384", "P-384"))
#: A group no profile can enable (the model has no P-521): the "left out" twin.
LEFT_OUT_GROUP = "P-521"
PSK_CIPHERS = (("CIPHER_AES_128_CCM", "PSK-AES128-CCM"), ("CIPHER_AES_128_CCM_8", "PSK-AES128-CCM8"),
               ("CIPHER_AES_128_GCM", "PSK-AES128-GCM-SHA256"),
               ("CIPHER_AES_256_GCM", "PSK-AES256-GCM-SHA384"),
               ("CIPHER_CHACHA20_POLY1305", "PSK-CHACHA20-POLY1305"))


@dataclass(frozen=True)
class Expectation:
    """What a case must produce: success, or this error (and these verify flags)."""

    ok: bool
    ret: int = 0
    any_ret: tuple[int, ...] = ()     # accepted alternatives (peer timing, see notes)
    flags: int = 0                    # verify flag bits that must be set
    note: str = ""

    def describe(self) -> str:
        if self.ok:
            return "pass"
        if not self.ret:
            return "fail"
        codes = " or ".join(f"-0x{-c:04x}" for c in (self.ret, *self.any_ret))
        flags = f" flags {self.flags:#x}" if self.flags else ""
        return f"fail {codes}{flags}"


@dataclass(frozen=True)
class MatrixCase:
    """One row of the matrix: a harness case, what it must give, its twin group."""

    case: Case
    expect: Expectation
    variant: str = ""       # "" = the profile's image; "no-sni" = built without SNI
    twin_of: str = ""       # name of the positive case this negative belongs to

    @property
    def name(self) -> str:
        return self.case.name

    @property
    def positive(self) -> bool:
        return self.expect.ok


def _y(resolution: Resolution, name: str) -> bool:
    return resolution.requirement(name) == "y"


def _versions(r: Resolution) -> list[str]:
    return [v for req, v in (("TLS_1_3", "1.3"), ("TLS_1_2", "1.2")) if _y(r, req)]


def _peer_ids(r: Resolution) -> list[str]:
    ids = [pki for req, pki in PEER_PKI if _y(r, req)]
    if "ec384" in ids and not _y(r, "SIG_SHA384"):
        ids.remove("ec384")  # the P-384 test root signs with SHA-384
    if _y(r, "PEER_RSA_4096") and _y(r, "PEER_RSA_2048"):
        ids.append("chain-rsa4096")   # root -> intermediate -> leaf, like a public CA
    return ids


def _left_out(r: Resolution) -> tuple[str, int, str] | None:
    """A chain the profile does not accept, with the error it must cause.

    The config can parse a key type when any certificate requirement (the peer's
    or the device's own) brings it in; only a type it cannot parse fails at
    certificate parsing, the trap users meet as -0x262e.
    """
    rsa = any(_y(r, q) for q in ("PEER_RSA_2048", "PEER_RSA_3072", "PEER_RSA_4096",
                                  "OWN_CERT_RSA_2048"))
    ecdsa = any(_y(r, q) for q in ("PEER_ECDSA_P256", "PEER_ECDSA_P384",
                                    "OWN_CERT_ECDSA_P256", "OWN_CERT_ECDSA_P384"))
    if _y(r, "PEER_RSA_2048") and not _y(r, "PEER_RSA_4096") and not _y(r, "PEER_RSA_3072"):
        return "rsa4096", ERR_PK_INVALID_PUBKEY, "RSA-4096 chain, profile stops at RSA-2048"
    if not ecdsa:
        return "ec256", ERR_UNKNOWN_SIG_ALG, "ECDSA chain, profile has no ECDSA"
    if not rsa:
        return "rsa2048", ERR_UNKNOWN_SIG_ALG, "RSA chain, profile has no RSA"
    return None


def _pins(r: Resolution, version: str, pki: str) -> list[tuple[str, dict[str, str], dict[str, str]]]:
    """Cases that pin one cipher or group each, when the profile offers several, so
    every cipher and group requirement is proven by a handshake that uses it.
    Returns (label, peer options for the pinned one, peer options for a left-out one)."""
    rsa = pki.startswith(("rsa", "chain"))
    pins = []

    def cipher_opts(row: tuple[str, str, str, str | None]) -> dict[str, str] | None:
        if version == "1.3":
            return {"ciphersuites": row[1]}
        name = row[3] if rsa else row[2]
        return {"cipher": name} if name else None

    ciphers = [c for c in CIPHER_NAMES if _y(r, c[0])]
    left = next((o for c in CIPHER_NAMES if not _y(r, c[0])
                 for o in [cipher_opts(c)] if o), None)
    if len(ciphers) > 1 and left:
        for c in ciphers:
            opts = cipher_opts(c)
            if opts:
                pins.append((c[0].removeprefix("CIPHER_").lower(), opts, left))
    groups = [g for g in GROUP_NAMES if _y(r, g[0])]
    # TLS 1.2 with an ECDSA certificate: supported_groups also names the curves the
    # client accepts for the certificate (RFC 8422), so a peer pinned to X25519 alone
    # cannot use it. Groups are pinned under TLS 1.3, or TLS 1.2 with RSA.
    if len(groups) > 1 and (version == "1.3" or rsa):
        for req, name in groups:
            pins.append((req.removeprefix("GROUP_").lower(), {"groups": name},
                         {"groups": LEFT_OUT_GROUP}))
    return pins


def client_matrix(r: Resolution) -> list[MatrixCase]:
    mfl = max_fragment_length(r)
    in_size = int(r.requirement("IN_BUFFER_SIZE") or 16384)
    small = in_size < 16384
    sni = _y(r, "SNI")
    pem = _y(r, "PEM")
    mutual = _y(r, "MUTUAL_TLS")
    client_cert = next((pki for req, pki in CLIENT_CERT_PKI if _y(r, req)), None) if mutual else None
    verify_ca = client_cert.removeprefix("client-") if client_cert else None
    rows: list[MatrixCase] = []
    ids = _peer_ids(r)
    for version in _versions(r):
        for index, pki in enumerate(ids):
            name = f"tls{version}-{pki}"

            def case(suffix: str, *, ca: str = pki, host: str = TEST_HOST, peer_pki: str = pki,
                     peer_verify: str | None = verify_ca, **pin: str) -> Case:
                peer_opts: dict[str, object] = dict(pin)
                if "serve_files" in peer_opts:
                    peer_opts["serve_files"] = True
                if "max_send_frag" in peer_opts:
                    peer_opts["max_send_frag"] = int(str(peer_opts["max_send_frag"]))
                return Case(f"{name}{suffix}", ca=ca, host=host, cert=client_cert, tls=version,
                            mfl=mfl if version == "1.2" else None, http=True, pem=pem,
                            peer=replace(server_peer(peer_pki, sni=sni, tls=version,
                                                     verify_client_ca=peer_verify), **peer_opts))

            rows.append(MatrixCase(case(""), Expectation(True)))
            rows.append(MatrixCase(case("-wrong-ca", ca=WRONG_CA[pki]),
                                   Expectation(False, ERR_CERT_VERIFY_FAILED,
                                               flags=BADCERT_NOT_TRUSTED), twin_of=name))
            if index == 0:
                rows.append(MatrixCase(case("-wrong-host", host="wrong.test"),
                                       Expectation(False, ERR_CERT_VERIFY_FAILED,
                                                   flags=BADCERT_CN_MISMATCH), twin_of=name))
                if sni:
                    rows.append(MatrixCase(case("-no-sni"), Expectation(
                        False, ERR_CERT_VERIFY_FAILED, flags=BADCERT_CN_MISMATCH,
                        note="same profile built without SNI: the server answers with its "
                             "default certificate"), variant="no-sni", twin_of=name))
                if mutual and verify_ca:
                    rows.append(MatrixCase(case("-client-untrusted", peer_verify=WRONG_CA[verify_ca]),
                                           Expectation(False, ERR_FATAL_ALERT,
                                                       note="the server rejects the device's "
                                                            "certificate"), twin_of=name))
                left = _left_out(r)
                if left:
                    pki_out, err, why = left
                    rows.append(MatrixCase(case(f"-left-out-{pki_out}", ca=pki_out, peer_pki=pki_out),
                                           Expectation(False, err, note=why), twin_of=name))
                if small and version == "1.3":
                    # record_size_limit: the peer must honour it; OpenSSL 3.0 does not
                    # implement RFC 8449, so it limits its records as asked (-max_send_frag).
                    big = f"{name}-large-records"
                    rows.append(MatrixCase(replace(
                        case("-large-records", serve_files="1", max_send_frag=str(in_size)),
                        big=True, mfl=None), Expectation(True)))
                    rows.append(MatrixCase(
                        replace(case("-large-records-peer-ignores-limit", serve_files="1"),
                                big=True, mfl=None),
                        Expectation(False, ERR_BAD_INPUT_DATA,
                                    note="a server that ignores record_size_limit sends 16 KB "
                                         "records into the smaller receive buffer"),
                        twin_of=big))
                if mfl is not None and version == "1.2":
                    big = f"{name}-large-records"
                    rows.append(MatrixCase(replace(case("-large-records", serve_files="1"),
                                                   big=True), Expectation(True)))
                    rows.append(MatrixCase(
                        replace(case("-large-records-no-mfl", serve_files="1"), big=True,
                                mfl=None),
                        Expectation(False, ERR_BAD_INPUT_DATA,
                                    note="without max fragment length the server sends 16 KB "
                                         "records into a smaller receive buffer"),
                        twin_of=big))
                if small and not mutual:
                    rows += _gnutls_rows(r, name, version, pki, mfl, pem)
                for label, pinned, left_out in _pins(r, version, pki):
                    rows.append(MatrixCase(case(f"-{label}", **pinned), Expectation(True)))
                    rows.append(MatrixCase(
                        case(f"-{label}-left-out", **left_out),
                        Expectation(False, ERR_FATAL_ALERT, note="the server offers only "
                                    f"{next(iter(left_out.values()))}, which the profile left out"),
                        twin_of=f"{name}-{label}"))
    if _y(r, "CERT_TIME_CHECK") and ids:
        rows += time_cases(ids[0], ids[0], TEST_HOST)
    return rows


def expired_spec(r: Resolution, own: OwnPki | None) -> tuple[str, str] | None:
    """(test CA id, host name) of the expired leaf the date cases need, or None."""
    if not _y(r, "CERT_TIME_CHECK") or not _y(r, "ROLE_CLIENT"):
        return None
    if own is not None:
        return test_ca_for(own.ca_kind), own.host
    ids = _peer_ids(r)
    return (ids[0], TEST_HOST) if ids else None


def time_cases(chain: str, ca: str, host: str, prefix: str | None = None) -> list[MatrixCase]:
    """Verify-only cases of a profile that checks certificate dates: the chain verifies with
    the host's clock; an expired leaf, and the same chain on a device whose clock was never
    set (1970: every certificate is not yet valid), must fail with their flags."""
    name = prefix or f"verify-{chain}"
    verify = Case(name, mode="verify", cert=chain, ca=ca, host=host)
    return [
        MatrixCase(verify, Expectation(True)),
        MatrixCase(Case(f"{name}-expired", mode="verify", cert=EXPIRED_ID, ca=EXPIRED_ID, host=host),
                   Expectation(False, ERR_CERT_VERIFY_FAILED, flags=BADCERT_EXPIRED,
                               note="a leaf that expired in 2001 (generated, TEST ONLY)"),
                   twin_of=name),
        MatrixCase(replace(verify, name=f"{name}-clock-unset", clock="unset"),
                   Expectation(False, ERR_CERT_VERIFY_FAILED, flags=BADCERT_FUTURE,
                               note="the device's clock was never set (1970): every "
                                    "certificate is not yet valid"),
                   twin_of=name),
    ]


def _certificate_client(r: Resolution) -> bool:
    return _y(r, "ROLE_CLIENT") and any(_y(r, q) for q, _ in PEER_PKI)


def _serves_own_chain(r: Resolution) -> bool:
    """Your certificates make this profile the server of your chain: a server with its own
    certificate, and no client that verifies a server (that role takes precedence)."""
    return (not _certificate_client(r) and _y(r, "ROLE_SERVER")
            and any(_y(r, q) for q, _ in OWN_PKI))


def device_serves(r: Resolution, own: OwnPki | None) -> bool:
    """The device serves the user's chain with the user's key: its image embeds the key."""
    return own is not None and own.with_server_key and _serves_own_chain(r)


def own_matrix(r: Resolution, own: OwnPki, pki_dir: Path) -> list[MatrixCase]:
    """The user's own chain: handshakes with it (when the server key is given) or its
    verification on the target, each with wrong-CA and wrong-host twins."""
    if _serves_own_chain(r):
        return own_server_rows(r, own, pki_dir)
    if not _certificate_client(r):
        raise TlsfitError(f"{r.profile.name}: your own certificates are checked by a TLS client "
                          "that verifies its server (ROLE_CLIENT with a PEER_* requirement) or "
                          "served by a TLS server with its own certificate (ROLE_SERVER with an "
                          "OWN_CERT_* requirement); this profile has neither")
    wrong_ca = test_ca_for(own.ca_kind)
    mutual = _y(r, "MUTUAL_TLS")
    if own.with_client_cert and not mutual:
        raise TlsfitError(f"{r.profile.name}: --client-cert given, but the profile has no "
                          "MUTUAL_TLS (the device would never send it)")
    peer_dir = own_peer_dir(pki_dir)
    rows: list[MatrixCase] = []
    verify = f"{OWN_ID}-verify"
    if own.with_server_key:
        mfl = max_fragment_length(r)
        if own.with_client_cert:
            client_cert: str | None = OWN_CLIENT_ID
            trust, partial, untrusted = peer_dir / "client.pem", True, wrong_ca
        elif mutual:
            client_cert = next((pki for req, pki in CLIENT_CERT_PKI if _y(r, req)), None)
            test_ca = client_cert.removeprefix("client-") if client_cert else None
            trust, partial = (peer_dir.parent / test_ca / "ca.pem" if test_ca else None), False
            untrusted = WRONG_CA[test_ca] if test_ca else None
        else:
            client_cert, trust, partial, untrusted = None, None, False, None
        for index, version in enumerate(_versions(r)):
            name = f"{OWN_ID}-tls{version}"

            def case(suffix: str, *, ca: str = OWN_ID, host: str = own.host,
                     peer_trust: Path | None = trust, peer_partial: bool = partial) -> Case:
                return Case(f"{name}{suffix}", ca=ca, host=host, cert=client_cert, tls=version,
                            mfl=mfl if version == "1.2" else None, http=True,
                            peer=own_server_peer(peer_dir, tls=version,
                                                 verify_client_ca=peer_trust,
                                                 partial_chain=peer_partial))

            rows.append(MatrixCase(case(""), Expectation(True)))
            rows.append(MatrixCase(case("-wrong-ca", ca=wrong_ca), Expectation(
                False, ERR_CERT_VERIFY_FAILED, flags=BADCERT_NOT_TRUSTED,
                note=f"the device trusts another CA (test PKI {wrong_ca})"), twin_of=name))
            if index == 0:
                rows.append(MatrixCase(case("-wrong-host", host=WRONG_HOST), Expectation(
                    False, ERR_CERT_VERIFY_FAILED, flags=BADCERT_CN_MISMATCH,
                    note=f"the device connects to {WRONG_HOST}"), twin_of=name))
                if client_cert and untrusted:
                    rows.append(MatrixCase(
                        case("-client-untrusted", peer_trust=peer_dir.parent / untrusted / "ca.pem",
                             peer_partial=False),
                        Expectation(False, ERR_FATAL_ALERT,
                                    note="the server rejects the device's certificate"),
                        twin_of=name))
    rows.append(MatrixCase(Case(verify, mode="verify", cert=OWN_ID, ca=OWN_ID, host=own.host),
                           Expectation(True)))
    if not own.with_server_key:
        rows.append(MatrixCase(
            Case(f"{verify}-wrong-host", mode="verify", cert=OWN_ID, ca=OWN_ID, host=WRONG_HOST),
            Expectation(False, ERR_CERT_VERIFY_FAILED, flags=BADCERT_CN_MISMATCH,
                        note=f"verified for {WRONG_HOST}"), twin_of=verify))
        rows.append(MatrixCase(
            Case(f"{verify}-wrong-ca", mode="verify", cert=OWN_ID, ca=wrong_ca, host=own.host),
            Expectation(False, ERR_CERT_VERIFY_FAILED, flags=BADCERT_NOT_TRUSTED,
                        note=f"verified against another CA (test PKI {wrong_ca})"), twin_of=verify))
    if _y(r, "CERT_TIME_CHECK"):
        rows += [row for row in time_cases(OWN_ID, OWN_ID, own.host, prefix=verify)
                 if not row.positive]
    return rows


def own_server_rows(r: Resolution, own: OwnPki, pki_dir: Path) -> list[MatrixCase]:
    """The device serves the user's chain with the user's key; openssl s_client trusts the
    user's CA and checks the host name. Twins: a client that trusts another CA, and one that
    expects another name, each abort the handshake with an alert."""
    if not own.with_server_key:
        raise TlsfitError(f"{r.profile.name}: the device is the server of your chain, so it "
                          "needs the leaf's private key: give --server-key")
    if _y(r, "MUTUAL_TLS"):
        raise TlsfitError(f"{r.profile.name}: a device server that asks for client "
                          "certificates is not measured with your own certificates (tlsfit's "
                          "own matrix has no such case either)")
    if own.with_client_cert:
        raise TlsfitError(f"{r.profile.name}: --client-cert is for a device that is a TLS "
                          "client; this profile is a server")
    peer_dir = own_peer_dir(pki_dir)
    wrong_ca = test_ca_for(own.ca_kind)
    pem = _y(r, "PEM")
    rows: list[MatrixCase] = []
    for index, version in enumerate(_versions(r)):
        name = f"{OWN_ID}-server-tls{version}"
        peer = ClientPeer(ca=peer_dir / "ca.pem", host=own.host, tls=version)
        case = Case(name, mode="server", cert=OWN_ID, tls=version, http=True, pem=pem, peer=peer)
        # Under TLS 1.3 OpenSSL sends its alert before switching keys: -0x7180 (server_matrix).
        alert = {"any_ret": (ERR_INVALID_MAC,) if version == "1.3" else ()}
        rows.append(MatrixCase(case, Expectation(True)))
        rows.append(MatrixCase(
            replace(case, name=f"{name}-untrusted",
                    peer=replace(peer, ca=peer_dir.parent / wrong_ca / "ca.pem")),
            Expectation(False, ERR_FATAL_ALERT, note=f"the client trusts another CA (test PKI "
                        f"{wrong_ca}) and rejects the device's certificate", **alert),
            twin_of=name))
        if index == 0:
            rows.append(MatrixCase(
                replace(case, name=f"{name}-wrong-host", peer=replace(peer, host=WRONG_HOST)),
                Expectation(False, ERR_FATAL_ALERT, note=f"the client connects to {WRONG_HOST}, "
                            "a name the device's certificate does not carry", **alert),
                twin_of=name))
    return rows


def _gnutls_rows(r: Resolution, name: str, version: str, pki: str, mfl: int | None,
                 pem: bool) -> list[MatrixCase]:
    """GnuTLS as the server of a client whose receive buffer is below 16 KB (where peers differ:
    which of max fragment length and record_size_limit they honour). No client certificate:
    only profiles without mutual TLS get these cases."""
    rsl = version == "1.3" and r.enabled("MBEDTLS_SSL_RECORD_SIZE_LIMIT")
    tls12_mfl = mfl if version == "1.2" else None

    def case(suffix: str, *, ca: str = pki, big: bool = False) -> Case:
        return Case(f"{name}-gnutls{suffix}", ca=ca, tls=version, mfl=tls12_mfl, http=True,
                    pem=pem, big=big, peer=gnutls_server_peer(pki, tls=version, big=big))

    rows: list[MatrixCase] = []
    if rsl:
        # The positive is the large answer itself: GnuTLS keeps to the limit the device sent.
        positive = f"{name}-gnutls-large-answer-rsl"
        rows.append(MatrixCase(case("-large-answer-rsl", big=True), Expectation(
            True, note="GnuTLS honours the record_size_limit the device sent (RFC 8449)")))
        rows.append(MatrixCase(case("-large-answer-rsl-wrong-ca", ca=WRONG_CA[pki], big=True),
                               Expectation(False, ERR_CERT_VERIFY_FAILED,
                                           flags=BADCERT_NOT_TRUSTED), twin_of=positive))
        return rows
    positive = f"{name}-gnutls"
    rows.append(MatrixCase(case(""), Expectation(True, note="a short answer from GnuTLS")))
    rows.append(MatrixCase(case("-wrong-ca", ca=WRONG_CA[pki]),
                           Expectation(False, ERR_CERT_VERIFY_FAILED, flags=BADCERT_NOT_TRUSTED),
                           twin_of=positive))
    if tls12_mfl is not None:
        rows.append(MatrixCase(case("-large-answer-mfl", big=True), Expectation(
            False, ERR_BAD_INPUT_DATA,
            note=f"GnuTLS 3.7.9 confirms max fragment length {tls12_mfl} and still sends 16 KB "
                 "records into the smaller receive buffer (OpenSSL honours it: "
                 f"{name}-large-records)"), twin_of=f"{name}-large-records"))
    return rows


def psk_matrix(r: Resolution) -> list[MatrixCase]:
    mfl = max_fragment_length(r)
    ciphers = ":".join(c for req, c in PSK_CIPHERS if _y(r, req))
    rows = []
    for version in _versions(r):
        if version == "1.3":
            cipher = None  # TLS 1.3 suites are shared with certificate mode
        else:
            cipher = ciphers
        name = f"tls{version}-psk"
        for suffix, key, expect in (
                ("", None, Expectation(True)),
                ("-wrong-psk", WRONG_PSK, Expectation(False, ERR_FATAL_ALERT,
                                                      any_ret=(ERR_INVALID_MAC,),
                                                      note="the peer holds another key"))):
            peer = server_peer(None, psk=True, tls=version, cipher=cipher,
                               **({"psk_key": key} if key else {}))
            rows.append(MatrixCase(Case(f"{name}{suffix}", psk=True, host=None, tls=version,
                                        mfl=mfl, http=True, peer=peer), expect,
                                   twin_of=name if suffix else ""))
        if mfl is not None:
            peer = replace(server_peer(None, psk=True, tls=version, cipher=cipher), serve_files=True)
            big = f"{name}-large-records"
            rows.append(MatrixCase(Case(big, psk=True, host=None, tls=version, mfl=mfl, http=True,
                                        big=True, peer=peer), Expectation(True)))
            rows.append(MatrixCase(Case(f"{big}-no-mfl", psk=True, host=None, tls=version,
                                        mfl=None, http=True, big=True, peer=peer),
                                   Expectation(False, ERR_BAD_INPUT_DATA,
                                               note="without max fragment length the server "
                                                    "sends records larger than the buffer"),
                                   twin_of=big))
    return rows


def server_matrix(r: Resolution) -> list[MatrixCase]:
    own = next((pki for req, pki in OWN_PKI if _y(r, req)), None)
    rows: list[MatrixCase] = []
    if own is None:
        return rows
    for version in _versions(r):
        name = f"server-tls{version}-{own}"
        pem = _y(r, "PEM")
        rows.append(MatrixCase(Case(name, mode="server", cert=own, tls=version, http=True, pem=pem,
                                    peer=client_peer(ca=own, tls=version)), Expectation(True)))
        for label, pinned, left_out in _pins(r, version, own):
            rows.append(MatrixCase(Case(f"{name}-{label}", mode="server", cert=own, tls=version,
                                        http=True, pem=pem,
                                        peer=replace(client_peer(ca=own, tls=version), **pinned)),
                                   Expectation(True)))
            rows.append(MatrixCase(
                Case(f"{name}-{label}-left-out", mode="server", cert=own, tls=version, http=True,
                     pem=pem, peer=replace(client_peer(ca=own, tls=version), **left_out)),
                Expectation(False, ERR_HANDSHAKE_FAILURE, note="the client offers only "
                            f"{next(iter(left_out.values()))}, which the profile left out"),
                twin_of=f"{name}-{label}"))
        # The client does not trust the device's CA and aborts. Under TLS 1.3 OpenSSL
        # sends its alert before switching keys, which Mbed TLS reads as -0x7180.
        rows.append(MatrixCase(
            Case(f"{name}-untrusted", mode="server", cert=own, tls=version, http=True,
                 peer=client_peer(ca=WRONG_CA[own], tls=version)),
            Expectation(False, ERR_FATAL_ALERT, any_ret=(ERR_INVALID_MAC,) if version == "1.3" else (),
                        note="the client rejects the device's certificate"), twin_of=name))
    return rows


def csr_matrix(r: Resolution) -> list[MatrixCase]:
    if not _y(r, "WRITE_CSR"):
        return []
    # The host verifies the CSR with `openssl req -verify` (runner); its twin, a
    # tampered CSR that openssl must reject, runs on the host in measure.py.
    return [MatrixCase(Case("csr-p256", mode="csr", host=None), Expectation(True))]


def build_matrix(r: Resolution, own: OwnPki | None = None,
                 pki_dir: Path | None = None) -> list[MatrixCase]:
    """Every case for the profile, positives first within each group; with OWN (and the
    PKI_DIR composed for it), the cases of the user's own certificates instead."""
    if own is not None:
        if pki_dir is None:
            raise TlsfitError("build_matrix: own certificates need the composed PKI directory")
        return own_matrix(r, own, pki_dir)
    rows: list[MatrixCase] = []
    if _y(r, "ROLE_CLIENT"):
        if any(_y(r, q) for q, _ in PEER_PKI):
            rows += client_matrix(r)
        if _y(r, "KEX_PSK"):
            rows += psk_matrix(r)
    if _y(r, "ROLE_SERVER"):
        rows += server_matrix(r)
    rows += csr_matrix(r)
    return rows
