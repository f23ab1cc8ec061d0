"""The user's own certificates for ``measure`` and ``run``: read, checked, embedded.

API::

    OwnPkiFiles(ca, server_chain, server_key=None, client_cert=None, client_key=None,
                host=None)                      # what the user gave (paths)
    files_from_dir(directory, **explicit) -> OwnPkiFiles   # --pki DIR, conventional names
    load_own_pki(files) -> OwnPki               # read and check; TlsfitError naming the file
    compose_pki_dir(root, own, expired_kind) -> Path   # the directory the image embeds

The firmware embeds its certificates at build time (c_harness/cmake/embed_pki.cmake), so
the user's files change the image: :func:`compose_pki_dir` writes the committed test PKI
(still needed for the "wrong CA" twins) plus the user's certificates under ``own/`` (CA,
leaf, intermediates as ``int``, ``int2``, ``int3``, PEM and DER) and ``client-own/`` (the
device's certificate and key for mutual TLS) into a directory named by a hash of all of it
(``pki-<sha12>``), and the build directory takes the same name, so that no image with the
user's PKI is mixed up with the test-PKI image. The server's private key, when given, is
only for the OpenSSL peer (``own-peer/``): it is never embedded.

With a profile that checks certificate dates (``CERT_TIME_CHECK``), ``expired/`` holds a
leaf that expired in 2001, issued by the test PKI's CA of the given kind (generated here,
not committed; TEST ONLY).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from tlsfit.errors import TlsfitError
from tlsfit.user_files import read_user_bytes
from tlsfit.build.firmware import harness_dir

#: The blob IDs the firmware finds the user's certificates under (embed_pki.cmake).
OWN_ID = "own"
OWN_CLIENT_ID = "client-own"
EXPIRED_ID = "expired"
MAX_INTERMEDIATES = 3
_INT_BASES = ("int", "int2", "int3")

#: --pki DIR: the conventional names, first found wins.
PKI_DIR_NAMES = {
    "ca": ("ca.pem", "ca.crt", "ca.der"),
    "server_chain": ("server-chain.pem", "server-chain.crt", "server.pem", "server.crt"),
    "server_key": ("server.key.pem", "server.key"),
    "client_cert": ("client.pem", "client.crt"),
    "client_key": ("client.key.pem", "client.key"),
}
_OPTION = {"ca": "--ca", "server_chain": "--server-chain", "server_key": "--server-key",
           "client_cert": "--client-cert", "client_key": "--client-key"}
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----.+?-----END \1-----", re.S)


@dataclass(frozen=True)
class OwnPkiFiles:
    """The user's files, as given on the command line."""

    ca: Path
    server_chain: Path
    server_key: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    host: str | None = None


@dataclass(frozen=True)
class OwnPki:
    """The user's certificates, read and checked."""

    files: OwnPkiFiles
    ca_der: bytes
    chain_der: tuple[bytes, ...]        # leaf first, then intermediates as the server sends them
    server_key_pem: bytes | None        # for the OpenSSL peer only
    client_der: bytes | None
    client_key_der: bytes | None
    host: str
    ca_kind: str                        # rsa2048 ... ec384: picks the test CA of the wrong-CA twin
    leaf_kind: str
    sha256: str                         # of everything that goes into the image and the peer

    @property
    def with_server_key(self) -> bool:
        return self.server_key_pem is not None

    @property
    def with_client_cert(self) -> bool:
        return self.client_der is not None

    def describe(self) -> dict[str, object]:
        """What a result records about the PKI it was measured with (no paths, no keys)."""
        return {"kind": "own", "sha256": self.sha256, "host": self.host,
                "ca": self.files.ca.name, "server_chain": self.files.server_chain.name,
                "chain_length": len(self.chain_der), "ca_key": self.ca_kind,
                "leaf_key": self.leaf_kind, "server_key": self.with_server_key,
                "client_cert": self.with_client_cert}


def files_from_dir(directory: Path | None, *, ca: Path | None = None,
                   server_chain: Path | None = None, server_key: Path | None = None,
                   client_cert: Path | None = None, client_key: Path | None = None,
                   host: str | None = None) -> OwnPkiFiles | None:
    """The files of --pki DIR (conventional names) overridden by explicit options; None when
    nothing was given."""
    given = {"ca": ca, "server_chain": server_chain, "server_key": server_key,
             "client_cert": client_cert, "client_key": client_key}
    if directory is not None:
        directory = Path(directory)
        if not directory.is_dir():
            raise TlsfitError(f"{directory}: no such directory (--pki)")
        for role, names in PKI_DIR_NAMES.items():
            if given[role] is None:
                given[role] = next((directory / n for n in names if (directory / n).is_file()), None)
        for role in ("ca", "server_chain"):
            if given[role] is None:
                raise TlsfitError(f"{directory}: no {' or '.join(PKI_DIR_NAMES[role])} (--pki: "
                                  f"or give {_OPTION[role]} FILE)")
    if all(v is None for v in given.values()):
        if host is not None:
            raise TlsfitError("--host names the server of your own chain: give --ca and "
                              "--server-chain (or --pki DIR) with it")
        return None
    for role in ("ca", "server_chain"):
        if given[role] is None:
            raise TlsfitError(f"your own certificates need {_OPTION[role]} FILE too (or --pki DIR)")
    if (given["client_cert"] is None) != (given["client_key"] is None):
        raise TlsfitError("--client-cert and --client-key go together (the device's certificate "
                          "and its private key)")
    return OwnPkiFiles(ca=Path(given["ca"]), server_chain=Path(given["server_chain"]),  # type: ignore[arg-type]
                       server_key=given["server_key"], client_cert=given["client_cert"],
                       client_key=given["client_key"], host=host)


def _read(path: Path, option: str) -> bytes:
    data = read_user_bytes(path, option)
    if not data.strip():
        raise TlsfitError(f"{path}: empty file ({option})")
    return data


def _certificates(path: Path, option: str) -> list[x509.Certificate]:
    data = _read(path, option)
    if b"-----BEGIN" in data:
        blocks = list(_PEM_BLOCK.finditer(data))
        certs = []
        for number, block in enumerate(blocks):
            if block.group(1) != b"CERTIFICATE":
                continue
            try:
                certs.append(x509.load_pem_x509_certificate(block.group(0)))
            except ValueError as exc:
                raise TlsfitError(f"{path}: PEM block {number} is not a valid certificate "
                                  f"({exc}) ({option})") from None
        if not certs:
            labels = ", ".join(sorted({b.group(1).decode() for b in blocks})) or "no complete block"
            if "PRIVATE KEY" in labels:
                raise TlsfitError(f"{path}: a private key, not a certificate ({option})")
            raise TlsfitError(f"{path}: no certificate in the PEM data (found: {labels}) ({option})")
        return certs
    try:
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise TlsfitError(f"{path}: not a certificate: neither PEM nor DER X.509 ({option})") \
            from None


def _private_key(path: Path, option: str) -> object:
    data = _read(path, option)
    try:
        if b"-----BEGIN" in data:
            return serialization.load_pem_private_key(data, password=None)
        return serialization.load_der_private_key(data, password=None)
    except TypeError:
        raise TlsfitError(f"{path}: an encrypted private key; give it unencrypted "
                          f"(openssl pkey -in {path.name} -out plain.key) ({option})") from None
    except (ValueError, UnsupportedAlgorithm):
        raise TlsfitError(f"{path}: not a private key in PEM or DER ({option})") from None


def _kind(cert: x509.Certificate) -> str:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return f"rsa{key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return {"secp256r1": "ec256", "secp384r1": "ec384"}.get(key.curve.name, key.curve.name)
    return type(key).__name__.removeprefix("_").lower()


def _public_der(key: object) -> bytes:
    return key.public_key().public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _cert_public_der(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)


def _signed_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    key = parent.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(child.signature, child.tbs_certificate_bytes, padding.PKCS1v15(),
                       child.signature_hash_algorithm)  # type: ignore[arg-type]
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(child.signature, child.tbs_certificate_bytes,
                       ec.ECDSA(child.signature_hash_algorithm))  # type: ignore[arg-type]
        else:
            return child.issuer == parent.subject
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return child.issuer == parent.subject   # e.g. RSA-PSS: leave it to the target
    return True


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _first_dns_name(cert: x509.Certificate) -> str | None:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return None
    names = san.get_values_for_type(x509.DNSName)
    return names[0] if names else None


def load_own_pki(files: OwnPkiFiles) -> OwnPki:
    """Read and check the user's files; every problem is one TlsfitError naming the file."""
    cas = _certificates(files.ca, "--ca")
    if len(cas) != 1:
        raise TlsfitError(f"{files.ca}: {len(cas)} certificates; give the one root (or "
                          f"intermediate) the device trusts (--ca)")
    ca = cas[0]
    try:
        basic = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
        is_ca = basic.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca:
        raise TlsfitError(f"{files.ca}: not a CA certificate (no basicConstraints CA:TRUE): "
                          f"the device can only trust a CA; give the root that issued the "
                          f"server's chain (--ca)")
    chain = _certificates(files.server_chain, "--server-chain")
    # A bundle that ends with the root itself: the root is the device's trust anchor, not sent.
    if len(chain) > 1 and _der(chain[-1]) == _der(ca):
        chain = chain[:-1]
    if len(chain) - 1 > MAX_INTERMEDIATES:
        raise TlsfitError(f"{files.server_chain}: {len(chain) - 1} intermediates; the harness "
                          f"embeds at most {MAX_INTERMEDIATES} (--server-chain)")
    leaf = chain[0]
    try:
        if leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            raise TlsfitError(f"{files.server_chain}: its first certificate is a CA, not the "
                              f"server's leaf; put the leaf first (--server-chain)")
    except x509.ExtensionNotFound:
        pass
    for child, parent in zip(chain, chain[1:]):
        if not _signed_by(child, parent):
            raise TlsfitError(f"{files.server_chain}: certificate "
                              f"{child.subject.rfc4514_string()} is not issued by the next one, "
                              f"{parent.subject.rfc4514_string()}: order the chain leaf first, "
                              f"each followed by its issuer (--server-chain)")
    host = files.host or _first_dns_name(leaf)
    if not host:
        raise TlsfitError(f"{files.server_chain}: the leaf has no DNS name in subjectAltName; "
                          f"give the name the device connects to with --host NAME")
    server_key_pem = None
    if files.server_key is not None:
        key = _private_key(files.server_key, "--server-key")
        if _public_der(key) != _cert_public_der(leaf):
            raise TlsfitError(f"{files.server_key}: this key does not belong to the leaf "
                              f"certificate of {files.server_chain.name} "
                              f"({leaf.subject.rfc4514_string()}) (--server-key)")
        server_key_pem = key.private_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
    client_der = client_key_der = None
    if files.client_cert is not None and files.client_key is not None:
        clients = _certificates(files.client_cert, "--client-cert")
        client = clients[0]
        ckey = _private_key(files.client_key, "--client-key")
        if _public_der(ckey) != _cert_public_der(client):
            raise TlsfitError(f"{files.client_key}: this key does not belong to the device "
                              f"certificate {files.client_cert.name} (--client-key)")
        client_der = _der(client)
        client_key_der = ckey.private_bytes(  # type: ignore[attr-defined]
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
    digest = hashlib.sha256()
    for part in (_der(ca), *(_der(c) for c in chain), server_key_pem or b"", client_der or b"",
                 client_key_der or b"", host.encode()):
        digest.update(len(part).to_bytes(4, "big") + part)
    return OwnPki(files=files, ca_der=_der(ca), chain_der=tuple(_der(c) for c in chain),
                  server_key_pem=server_key_pem, client_der=client_der,
                  client_key_der=client_key_der, host=host, ca_kind=_kind(ca),
                  leaf_kind=_kind(leaf), sha256=digest.hexdigest())


#: A test-PKI CA of each key kind, unrelated to any user's CA: the wrong-CA twin, and the
#: issuer of the expired leaf (its key is in the test PKI).
TEST_CA_OF_KIND = {"rsa2048": "rsa2048", "rsa3072": "rsa3072", "rsa4096": "rsa4096",
                   "ec256": "ec256", "ec384": "ec384"}


def test_ca_for(kind: str) -> str:
    """The test PKI's CA of this key kind (RSA-2048 for kinds the test PKI does not have)."""
    return TEST_CA_OF_KIND.get(kind, "rsa2048")


def _pem(der: bytes, label: str = "CERTIFICATE") -> bytes:
    import base64
    body = base64.encodebytes(der).replace(b"\n", b"")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return b"-----BEGIN %s-----\n" % label.encode() + b"\n".join(lines) + \
        b"\n-----END %s-----\n" % label.encode()


def _expired_leaf(test_ca_id: str, host: str) -> tuple[bytes, bytes]:
    """(CA DER, leaf DER): a leaf for HOST valid 2000-2001 only, issued by the test CA."""
    pki = harness_dir() / "pki" / test_ca_id
    ca = x509.load_pem_x509_certificate((pki / "ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key((pki / "ca.key.pem").read_bytes(), password=None)
    leaf_key = serialization.load_pem_private_key((pki / "server.key.pem").read_bytes(),
                                                  password=None)
    algorithm = hashes.SHA384() if test_ca_id == "ec384" else hashes.SHA256()
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
            .issuer_name(ca.subject)
            .public_key(leaf_key.public_key())  # type: ignore[union-attr]
            .serial_number(0x2001)
            .not_valid_before(_dt.datetime(2000, 1, 1))
            .not_valid_after(_dt.datetime(2001, 1, 1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, algorithm))  # type: ignore[arg-type]
    return _der(ca), _der(cert)


def _write_cert(directory: Path, base: str, der: bytes) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{base}.der").write_bytes(der)
    (directory / f"{base}.pem").write_bytes(_pem(der))


def pki_key(own: OwnPki | None, expired: tuple[str, str] | None, serves: bool = False) -> str:
    """The content key of a composed PKI directory: the test PKI, the user's files, the
    expired set's issuer and host, and whether the device serves the chain (then its key is
    embedded too)."""
    digest = hashlib.sha256()
    test = harness_dir() / "pki"
    for path in sorted(p for p in test.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(test)).encode() + b"\0" + path.read_bytes())
    digest.update(b"own:" + (own.sha256.encode() if own else b"-"))
    digest.update(b"expired:" + ("/".join(expired).encode() if expired else b"-"))
    if serves:
        digest.update(b"serves")
    return digest.hexdigest()


def compose_pki_dir(root: Path, own: OwnPki | None, expired: tuple[str, str] | None,
                    serves: bool = False) -> Path:
    """The directory to embed (test PKI + own/ + client-own/ + expired/), under ROOT and named
    by its content; reused when it exists. EXPIRED is (test CA id, host name) or None. SERVES:
    the device is the server of the user's chain, so the image embeds the leaf's key as well
    (a client's image never holds the server's key)."""
    if serves and (own is None or own.server_key_pem is None):
        raise TlsfitError("a device that serves your chain needs its key: give --server-key")
    key = pki_key(own, expired, serves)
    target = Path(root) / f"pki-{key[:12]}"
    if (target / ".complete").is_file():
        return target
    tmp = Path(root) / f"pki-{key[:12]}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    shutil.copytree(harness_dir() / "pki", tmp,
                    ignore=shutil.ignore_patterns("*.sh", "*.md"))
    if own is not None:
        _write_cert(tmp / OWN_ID, "ca", own.ca_der)
        _write_cert(tmp / OWN_ID, "server", own.chain_der[0])
        for base, der in zip(_INT_BASES, own.chain_der[1:]):
            _write_cert(tmp / OWN_ID, base, der)
        peer = tmp / "own-peer"          # never embedded: embed_pki.cmake knows no such names
        peer.mkdir()
        (peer / "leaf.pem").write_bytes(_pem(own.chain_der[0]))
        (peer / "ca.pem").write_bytes(_pem(own.ca_der))
        if len(own.chain_der) > 1:
            (peer / "intermediates.pem").write_bytes(b"".join(_pem(d) for d in own.chain_der[1:]))
        if own.server_key_pem is not None:
            (peer / "leaf.key.pem").write_bytes(own.server_key_pem)
            (peer / "leaf.key.pem").chmod(0o600)
        if serves and own.server_key_pem is not None:
            device_key = serialization.load_pem_private_key(own.server_key_pem, password=None)
            for suffix, data in ((".pem", own.server_key_pem),
                                 (".der", device_key.private_bytes(
                                     serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))):
                (tmp / OWN_ID / f"server.key{suffix}").write_bytes(data)
                (tmp / OWN_ID / f"server.key{suffix}").chmod(0o600)
        if own.client_der is not None and own.client_key_der is not None:
            _write_cert(tmp / OWN_CLIENT_ID, "client", own.client_der)
            (tmp / OWN_CLIENT_ID / "client.key.der").write_bytes(own.client_key_der)
            (tmp / OWN_CLIENT_ID / "client.key.pem").write_bytes(
                _pem(own.client_key_der, "PRIVATE KEY"))
            (peer / "client.pem").write_bytes(_pem(own.client_der))
    if expired is not None:
        ca_der, leaf_der = _expired_leaf(*expired)
        _write_cert(tmp / EXPIRED_ID, "ca", ca_der)
        _write_cert(tmp / EXPIRED_ID, "server", leaf_der)
    (tmp / ".complete").write_text(key + "\n")
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    return target


def own_peer_dir(pki_dir: Path) -> Path:
    """Where compose_pki_dir put the peer's files (leaf, intermediates, key)."""
    return Path(pki_dir) / "own-peer"
