"""The device's own certificate (from-cert --own): which OWN_CERT_* and which role it means.

A certificate the device presents is not one it verifies: it gives no PEER_* or SIG_*
requirement but the own-key requirement of its key type, and a role from its extended key
usage (serverAuth: the device is a server; clientAuth: a client doing mutual TLS; neither or
both: the base profile's role, else a client). With --key the private key must be the
certificate's, and of a type the device can use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID

from tlsfit.diagnose.certs import Lint, read_certificates
from tlsfit.errors import TlsfitError
from tlsfit.user_files import read_user_bytes

_OWN = {("ec", "secp256r1"): "OWN_CERT_ECDSA_P256", ("ec", "secp384r1"): "OWN_CERT_ECDSA_P384",
        ("rsa", 2048): "OWN_CERT_RSA_2048"}


@dataclass(frozen=True)
class OwnCert:
    requirements: tuple[str, ...]      # OWN_CERT_*, ROLE_*, MUTUAL_TLS
    role: str                          # ROLE_SERVER or ROLE_CLIENT
    why_role: str
    lints: tuple[Lint, ...]


def _own_requirement(key: object, where: str) -> str:
    if isinstance(key, ec.EllipticCurvePublicKey):
        found = _OWN.get(("ec", key.curve.name))
        what = f"an EC key on {key.curve.name}"
    elif isinstance(key, rsa.RSAPublicKey):
        found = _OWN.get(("rsa", key.key_size))
        what = f"an RSA-{key.key_size} key"
    else:
        found, what = None, f"a {type(key).__name__} key"
    if found is None:
        raise TlsfitError(f"{where}: {what}: tlsfit's own-key requirements are "
                          "OWN_CERT_ECDSA_P256, OWN_CERT_ECDSA_P384 and OWN_CERT_RSA_2048")
    return found


def _base_role(base_text: str | None) -> str | None:
    if base_text is None:
        return None
    server = re.search(r"^\s*CONFIG_ROLE_SERVER\s*=\s*y\s*$", base_text, re.M)
    client = re.search(r"^\s*CONFIG_ROLE_CLIENT\s*=\s*y\s*$", base_text, re.M)
    return "ROLE_SERVER" if server and not client else "ROLE_CLIENT" if client else None


def own_cert(cert_path: Path, key_path: Path | None, base_text: str | None) -> OwnCert:
    certs = read_certificates(cert_path)
    cert = certs[0]
    label = f"{cert_path.name}[0]"
    req = _own_requirement(cert.public_key(), label)
    lints: list[Lint] = []
    try:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        server = ExtendedKeyUsageOID.SERVER_AUTH in eku
        client = ExtendedKeyUsageOID.CLIENT_AUTH in eku
    except x509.ExtensionNotFound:
        server = client = False
    base = _base_role(base_text)
    if server and not client:
        role, why = "ROLE_SERVER", "its extendedKeyUsage is serverAuth"
    elif client and not server:
        role, why = "ROLE_CLIENT", "its extendedKeyUsage is clientAuth"
    elif base:
        role, why = base, "the base profile's role (the certificate allows either)"
    else:
        role, why = "ROLE_CLIENT", "a device certificate without a server usage: a client"
    if base and base != role:
        raise TlsfitError(f"{label}: the certificate is for {role.split('_')[1].lower()}s "
                          f"({why}), the base profile sets CONFIG_{base}=y")
    try:
        basic = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        is_ca = basic.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if is_ca and cert.issuer == cert.subject:
        lints.append(Lint(label, "self-signed with CA:TRUE, what 'openssl req -x509' makes by "
                          "default: as the device's own certificate, browsers refuse a CA "
                          "certificate used as an end entity (Firefox: "
                          "MOZILLA_PKIX_ERROR_CA_CERT_USED_AS_END_ENTITY) and Mbed TLS peers "
                          "accept it only as their own trust anchor; issue the device's "
                          "certificate from a CA instead"))
    if key_path is not None:
        _check_key(cert, key_path, lints)
    requirements = (req, role) + (("MUTUAL_TLS",) if role == "ROLE_CLIENT" else ())
    return OwnCert(requirements, role, why, tuple(lints))


def _check_key(cert: x509.Certificate, key_path: Path, lints: list[Lint]) -> None:
    data = read_user_bytes(key_path, "--key")
    try:
        key = serialization.load_pem_private_key(data, None) if b"-----BEGIN" in data \
            else serialization.load_der_private_key(data, None)
    except TypeError:
        raise TlsfitError(f"{key_path}: an encrypted private key: tlsfit's configs parse "
                          "unencrypted keys (store it in protected flash instead)") from None
    except ValueError:
        raise TlsfitError(f"{key_path}: not a private key (PEM or DER)") from None
    mine = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    theirs = cert.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    if mine != theirs:
        lints.append(Lint(key_path.name, "this key does not belong to the certificate: the "
                          "peer rejects the handshake's signature (alert 51 decrypt_error; "
                          "mbedtls_pk_check_pair() reports it before)"))
