"""A user's own PKI for tests, made here with python3-cryptography (never the shipped test PKI):
root -> intermediate -> server leaf, and a device certificate from its own CA."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _key(kind: str):
    if kind.startswith("rsa"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
    return ec.generate_private_key({"ec256": ec.SECP256R1(), "ec384": ec.SECP384R1()}[kind])


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Product"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject_key, cn: str, issuer_key, issuer: x509.Name | None, *, ca: bool,
          dns: str | None = None, client: bool = False, days: int = 3650) -> x509.Certificate:
    now = dt.datetime.utcnow() - dt.timedelta(days=1)
    builder = (x509.CertificateBuilder().subject_name(_name(cn))
               .issuer_name(issuer or _name(cn)).public_key(subject_key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now).not_valid_after(now + dt.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns)]),
                                        critical=False)
    if client:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                                        critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def make_chain(out: Path, *, kind: str = "rsa4096", host: str = "api.example-product.test",
               device: str | None = None, intermediates: int = 1) -> dict[str, Path]:
    """Writes ca.pem, server-chain.pem (leaf + INTERMEDIATES, each issued by the next),
    server.key.pem and, with DEVICE (a key kind), client.pem/client.key.pem issued by a separate
    device CA (device-ca.pem)."""
    out.mkdir(parents=True, exist_ok=True)
    root_key, leaf_key = _key(kind), _key(kind)
    root = _cert(root_key, "Example Root CA", root_key, None, ca=True)
    issuer, issuer_key, chain = root, root_key, []
    for i in range(intermediates):
        int_key = _key(kind)
        inter = _cert(int_key, f"Example Issuing CA {i + 1}", issuer_key, issuer.subject, ca=True)
        chain.insert(0, inter)
        issuer, issuer_key = inter, int_key
    leaf = _cert(leaf_key, host, issuer_key, issuer.subject, ca=False, dns=host)
    files = {"ca": out / "ca.pem", "server_chain": out / "server-chain.pem",
             "server_key": out / "server.key.pem", "leaf": out / "leaf.pem",
             "root_key": out / "ca.key.pem"}
    files["ca"].write_bytes(pem(root))
    files["server_chain"].write_bytes(pem(leaf) + b"".join(pem(c) for c in chain))
    files["server_key"].write_bytes(key_pem(leaf_key))
    files["leaf"].write_bytes(pem(leaf))
    files["root_key"].write_bytes(key_pem(root_key))
    if device:
        dca_key, dev_key = _key(device), _key(device)
        dca = _cert(dca_key, "Example Device CA", dca_key, None, ca=True)
        dev = _cert(dev_key, "device-0001", dca_key, dca.subject, ca=False, client=True)
        files.update(device_ca=out / "device-ca.pem", client_cert=out / "client.pem",
                     client_key=out / "client.key.pem")
        files["device_ca"].write_bytes(pem(dca))
        files["client_cert"].write_bytes(pem(dev))
        files["client_key"].write_bytes(key_pem(dev_key))
    return files
