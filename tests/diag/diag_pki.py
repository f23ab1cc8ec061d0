"""Real test certificates made with python3-cryptography, written into tmp dirs by the tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
_KEYS: dict[str, object] = {}


def key(kind: str):
    """A private key per kind ('rsa2048', 'rsa4096', 'p256', 'p384', 'p521', 'ed25519', ...).

    Cached per test session: RSA-4096 generation is slow and the tests only need distinct
    keys per kind.
    """
    if kind not in _KEYS:
        if kind.startswith("rsa"):
            _KEYS[kind] = rsa.generate_private_key(public_exponent=65537,
                                                   key_size=int(kind[3:].split("-")[0]))
        elif kind.startswith("p"):
            curve = {"p256": ec.SECP256R1(), "p384": ec.SECP384R1(),
                     "p521": ec.SECP521R1()}[kind.split("-")[0]]
            _KEYS[kind] = ec.generate_private_key(curve)
        elif kind.startswith("ed25519"):
            _KEYS[kind] = ed25519.Ed25519PrivateKey.generate()
        else:
            raise ValueError(kind)
    return _KEYS[kind]


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key: object


def make_cert(cn: str, key_kind: str, issuer: Issued | None = None, *, ca: bool | None = False,
              path_length: int | None = None, hash_alg: hashes.HashAlgorithm | None = None,
              not_before: dt.datetime | None = None, not_after: dt.datetime | None = None,
              key_usage: str | None = None, eku: tuple | None = None,
              san: str | None = None) -> Issued:
    """One certificate; self-signed when ISSUER is None. ca=None leaves basicConstraints out."""
    subject_key = key(key_kind)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    signer = issuer.key if issuer else subject_key
    builder = (x509.CertificateBuilder()
               .subject_name(name)
               .issuer_name(issuer.cert.subject if issuer else name)
               .public_key(subject_key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(not_before or NOW - dt.timedelta(days=1))
               .not_valid_after(not_after or NOW + dt.timedelta(days=365)))
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=path_length),
                                        critical=True)
    if key_usage == "ca":
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    elif key_usage == "encipher-only":
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=True,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
    if eku is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(san)]),
                                        critical=False)
    algorithm = None if isinstance(signer, ed25519.Ed25519PrivateKey) else \
        (hash_alg or hashes.SHA256())
    cert = builder.sign(signer, algorithm)
    return Issued(cert, subject_key)


def pem(*certs: Issued) -> bytes:
    return b"".join(c.cert.public_bytes(serialization.Encoding.PEM) for c in certs)


def der(cert: Issued) -> bytes:
    return cert.cert.public_bytes(serialization.Encoding.DER)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


SERVER_AUTH = (ExtendedKeyUsageOID.SERVER_AUTH,)
CLIENT_AUTH_ONLY = (ExtendedKeyUsageOID.CLIENT_AUTH,)
