"""``tlsfit from-cert``: the requirements a device needs to verify given certificates, and lints.

Certificates are read with python3-cryptography (PEM, DER, PEM bundles,
PKCS#7 bundles as browsers export them). Every certificate, roots included,
counts: Mbed TLS parses the signature algorithm of each certificate it loads
(an unknown one fails with -0x262e even on a trusted root whose signature is
never checked), and every key in the chain is used to verify the one below.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, SignatureAlgorithmOID

from tlsfit.errors import TlsfitError
from tlsfit.user_files import read_user_bytes

_PEM_BLOCK_RE = re.compile(rb"-----BEGIN ([A-Z0-9 #]+)-----(.*?)-----END \1-----", re.S)
_RSA_SIZES = (2048, 3072, 4096)
_CURVES = {"secp256r1": ("PEER_ECDSA_P256", 32), "secp384r1": ("PEER_ECDSA_P384", 48)}
_HASHES = {"sha256": "SIG_SHA256", "sha384": "SIG_SHA384", "sha512": "SIG_SHA512",
           "sha1": "LEGACY_SIG_SHA1"}


@dataclass(frozen=True)
class CertInfo:
    """One certificate, with what verification needs from the config."""

    source: str                 # file name
    index: int                  # position in that file, from 0
    subject: str                # CN, else the whole subject
    issuer: str
    key: str                    # 'RSA-2048', 'ECDSA P-256', ...
    key_bytes: int              # bignum size the key needs (MBEDTLS_MPI_MAX_SIZE)
    key_requirement: str        # PEER_* requirement
    signature: str              # e.g. 'sha256WithRSAEncryption'
    sig_hash: str               # 'sha256', ...
    rsa_pss: bool
    is_ca: bool | None          # None: no basicConstraints
    path_length: int | None
    self_signed: bool
    not_before: _dt.datetime
    not_after: _dt.datetime
    key_usage_ok: bool | None   # digitalSignature allowed (None: no keyUsage)
    server_auth_ok: bool | None  # serverAuth allowed (None: no extendedKeyUsage)
    san_dns: tuple[str, ...] = ()  # subjectAltName dNSName entries
    san_ip: tuple[str, ...] = ()   # subjectAltName iPAddress entries

    @property
    def label(self) -> str:
        """How messages name the certificate: file, index and subject."""
        return f"{self.source}[{self.index}] {self.subject}"


@dataclass(frozen=True)
class Lint:
    cert: str       # CertInfo.label
    message: str


@dataclass(frozen=True)
class Derivation:
    """What the certificates need, derived from every one of them."""

    certs: tuple[CertInfo, ...]
    requirements: tuple[str, ...]
    mpi_max_size: int
    warnings: tuple[str, ...]
    lints: tuple[Lint, ...]


def _name(name: x509.Name) -> str:
    cns = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    if cns:
        return f"CN={cns[0].value}"
    return name.rfc4514_string() or "(empty subject)"


def read_certificates(path: Path) -> list[x509.Certificate]:
    """Every certificate in PATH (PEM, PEM bundle, DER, PKCS#7), or a TlsfitError naming it."""
    data = read_user_bytes(path)
    if not data.strip():
        raise TlsfitError(f"{path}: empty file, not a certificate")
    embedded = _from_c_source(data)
    if embedded is not None:
        certs = []
        for blob in embedded:
            certs += _read_pem(path, blob) if b"-----BEGIN" in blob else \
                _read_der(path, blob)
        return certs
    if b"-----BEGIN" in data:
        return _read_pem(path, data)
    try:
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        pass
    try:
        certs = pkcs7.load_der_pkcs7_certificates(data)
    except (ValueError, UnsupportedAlgorithm):
        certs = []
    if certs:
        return list(certs)
    raise TlsfitError(f"{path}: not a certificate (neither PEM nor DER X.509 nor a PKCS#7 "
                      f"bundle)")


_C_STRING = re.compile(rb'"((?:[^"\\\n]|\\.)*)"')
_C_ARRAY = re.compile(rb"\{([\s,0-9a-fA-Fx]+)\}")


def _from_c_source(data: bytes) -> list[bytes] | None:
    """Certificates as firmware sources hold them: C string literals of PEM
    ("-----BEGIN CERTIFICATE-----\\n" ...) or byte arrays (xxd -i); None for anything else."""
    if re.search(rb'"\s*-----BEGIN', data):
        joined = b"".join(m.group(1) for m in _C_STRING.finditer(data))
        text = joined.replace(b"\\r", b"").replace(b"\\n", b"\n").replace(b'\\"', b'"')
        return [text]
    arrays = [m.group(1) for m in _C_ARRAY.finditer(data) if b"0x" in m.group(1)]
    if arrays and re.search(rb"\[\s*\]\s*=|\[\s*\w*\s*\]\s*=", data):
        out = []
        for body in arrays:
            values = [int(v, 16) for v in re.findall(rb"0x([0-9a-fA-F]{1,2})\b", body)]
            if len(values) > 16:
                out.append(bytes(values))
        return out or None
    return None


def _read_der(path: Path, data: bytes) -> list[x509.Certificate]:
    """A byte array as DER; an array that also holds its C terminator ends with one 0x00
    too many (a certificate's own last byte may be 0x00: tried as it is first)."""
    for candidate in (data, data[:-1] if data.endswith(b"\0") else None):
        if candidate is None:
            continue
        try:
            return [x509.load_der_x509_certificate(candidate)]
        except ValueError:
            continue
    raise TlsfitError(f"{path}: a byte array that is not a DER certificate")


def _read_pem(path: Path, data: bytes) -> list[x509.Certificate]:
    certs: list[x509.Certificate] = []
    blocks = list(_PEM_BLOCK_RE.finditer(data))
    begins = data.count(b"-----BEGIN")
    if len(blocks) < begins:
        raise TlsfitError(f"{path}: truncated PEM: {begins} BEGIN line(s) but only "
                          f"{len(blocks)} complete block(s) (a missing END line?)")
    for number, block in enumerate(blocks):
        label = block.group(1).decode()
        try:
            if label in ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"):
                certs.append(x509.load_pem_x509_certificate(block.group(0).replace(
                    b"TRUSTED CERTIFICATE", b"CERTIFICATE")))
            elif label == "PKCS7":
                certs.extend(pkcs7.load_pem_pkcs7_certificates(block.group(0)))
        except ValueError as exc:
            raise TlsfitError(f"{path}: PEM block {number} ({label}) is not a valid "
                              f"certificate ({exc})") from None
    if not certs:
        labels = ", ".join(sorted({b.group(1).decode() for b in blocks}))
        if "PRIVATE KEY" in labels:
            raise TlsfitError(f"{path}: a private key, not a certificate: give it as --key "
                              "with the device's certificate as --own CERT")
        raise TlsfitError(f"{path}: no certificate in the PEM data (found: {labels})")
    return certs


def _key(cert: x509.Certificate, label: str) -> tuple[str, int, str]:
    """(description, bignum bytes, requirement) for the certificate's public key."""
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        bits = key.key_size
        if bits < 2048:
            raise TlsfitError(f"{label}: RSA-{bits} key: too weak; tlsfit's model verifies "
                              f"RSA 2048, 3072 and 4096 only (replace the certificate)")
        if bits > 4096:
            raise TlsfitError(f"{label}: RSA-{bits} key: larger than 4096 bits, which "
                              f"tlsfit's model does not support (MBEDTLS_MPI_MAX_SIZE 512)")
        size = next(s for s in _RSA_SIZES if s >= bits)
        return f"RSA-{bits}", size // 8, f"PEER_RSA_{size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        curve = key.curve.name
        if curve not in _CURVES:
            raise TlsfitError(f"{label}: ECDSA key on {curve}: tlsfit's model verifies P-256 "
                              f"and P-384 only")
        req, size = _CURVES[curve]
        return f"ECDSA {'P-256' if size == 32 else 'P-384'}", size, req
    if isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        kind = "Ed25519" if isinstance(key, ed25519.Ed25519PublicKey) else "Ed448"
        raise TlsfitError(f"{label}: {kind} key: Mbed TLS 3.6 cannot verify EdDSA "
                          f"certificates")
    raise TlsfitError(f"{label}: unsupported key type {type(key).__name__}")


def _signature(cert: x509.Certificate, label: str) -> tuple[str, str, bool]:
    oid = cert.signature_algorithm_oid
    name = getattr(oid, "_name", oid.dotted_string)
    if oid in (SignatureAlgorithmOID.ED25519, SignatureAlgorithmOID.ED448):
        raise TlsfitError(f"{label}: signed with {name}: Mbed TLS 3.6 cannot verify EdDSA "
                          f"signatures")
    try:
        algo = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        algo = None
    if algo is None or algo.name not in _HASHES:
        raise TlsfitError(f"{label}: signature {name} uses a hash tlsfit's model does not "
                          f"cover (SHA-256/384/512, legacy SHA-1)")
    return name, algo.name, oid == SignatureAlgorithmOID.RSASSA_PSS


def _ext(cert: x509.Certificate, kind: type) -> object | None:
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _signed_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    """Whether PARENT's key verifies CHILD's signature (names alone can lie)."""
    if child.issuer != parent.subject:
        return False
    key = parent.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            pad = padding.PSS(padding.MGF1(child.signature_hash_algorithm),  # type: ignore[arg-type]
                              padding.PSS.AUTO) \
                if child.signature_algorithm_oid == SignatureAlgorithmOID.RSASSA_PSS \
                else padding.PKCS1v15()
            key.verify(child.signature, child.tbs_certificate_bytes, pad,
                       child.signature_hash_algorithm)  # type: ignore[arg-type]
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(child.signature, child.tbs_certificate_bytes,
                       ec.ECDSA(child.signature_hash_algorithm))  # type: ignore[arg-type]
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def _info(cert: x509.Certificate, source: str, index: int) -> CertInfo:
    label = f"{source}[{index}] {_name(cert.subject)}"
    key, key_bytes, key_req = _key(cert, label)
    signature, sig_hash, pss = _signature(cert, label)
    basic = _ext(cert, x509.BasicConstraints)
    usage = _ext(cert, x509.KeyUsage)
    eku = _ext(cert, x509.ExtendedKeyUsage)
    san = _ext(cert, x509.SubjectAlternativeName)
    return CertInfo(
        source=source, index=index, subject=_name(cert.subject), issuer=_name(cert.issuer),
        key=key, key_bytes=key_bytes, key_requirement=key_req, signature=signature,
        sig_hash=sig_hash, rsa_pss=pss,
        is_ca=basic.ca if isinstance(basic, x509.BasicConstraints) else None,
        path_length=basic.path_length if isinstance(basic, x509.BasicConstraints) else None,
        self_signed=_signed_by(cert, cert),
        not_before=cert.not_valid_before.replace(tzinfo=_dt.timezone.utc),
        not_after=cert.not_valid_after.replace(tzinfo=_dt.timezone.utc),
        key_usage_ok=usage.digital_signature if isinstance(usage, x509.KeyUsage) else None,
        server_auth_ok=(ExtendedKeyUsageOID.SERVER_AUTH in eku
                        or ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in eku)
        if isinstance(eku, x509.ExtendedKeyUsage) else None,
        san_dns=tuple(san.get_values_for_type(x509.DNSName))
        if isinstance(san, x509.SubjectAlternativeName) else (),
        san_ip=tuple(str(a) for a in san.get_values_for_type(x509.IPAddress))
        if isinstance(san, x509.SubjectAlternativeName) else (),
    )


def _chain_lints(certs: list[x509.Certificate], infos: list[CertInfo]) -> list[Lint]:
    """Path-length and CA-flag problems, found by walking each leaf up to its root."""
    lints: list[Lint] = []
    parents: dict[int, int] = {}
    for i, child in enumerate(certs):
        if infos[i].self_signed:
            continue
        for j, parent in enumerate(certs):
            if i != j and _signed_by(child, parent):
                parents[i] = j
                break
    for j in sorted(set(parents.values())):
        if infos[j].is_ca is not True:
            lints.append(Lint(infos[j].label, "issues certificates (it signed "
                              + ", ".join(infos[i].label for i, p in parents.items() if p == j)
                              + ") but has no CA basic constraint: Mbed TLS rejects it as an "
                              "issuer (NOT_TRUSTED)"))
    roots = [i for i, info in enumerate(infos) if info.self_signed]
    if roots:
        for i, info in enumerate(infos):
            if not info.self_signed and i not in parents:
                lints.append(Lint(info.label, f"issued by {info.issuer}, which is not among the "
                                  "given certificates: the chain does not lead to the given root"
                                  f"{'s' if len(roots) > 1 else ''} ("
                                  + ", ".join(infos[r].subject for r in roots)
                                  + "), so a device trusting only those fails to verify it "
                                  "(MBEDTLS_X509_BADCERT_NOT_TRUSTED, -0x2700)"))
    reported: set[int] = set()
    leaves = [i for i in range(len(certs)) if i not in parents.values()]
    for leaf in leaves:
        path = [leaf]
        while path[-1] in parents and parents[path[-1]] not in path:
            path.append(parents[path[-1]])
        for k, node in enumerate(path):
            limit = infos[node].path_length
            below = sum(1 for n in path[1:k] if infos[n].is_ca and not infos[n].self_signed)
            if limit is not None and below > limit and node not in reported:
                reported.add(node)
                lints.append(Lint(infos[node].label,
                                  f"path length constraint {limit} is broken: "
                                  f"{below} intermediate CA(s) below it on the way to "
                                  f"{infos[leaf].label} (verification fails with NOT_TRUSTED)"))
    return lints


def _lints(info: CertInfo, is_leaf: bool, now: _dt.datetime) -> list[Lint]:
    found: list[str] = []
    if info.self_signed and is_leaf and info.is_ca is not True:
        found.append("self-signed leaf without CA basic constraints: browsers and most clients "
                     "reject it (alert 46 certificate_unknown); Mbed TLS accepts it only when "
                     "this exact certificate is in its CA list")
    if now > info.not_after:
        found.append(f"expired on {info.not_after:%Y-%m-%d} (MBEDTLS_X509_BADCERT_EXPIRED with "
                     f"CERT_TIME_CHECK)")
    if now < info.not_before:
        found.append(f"not valid before {info.not_before:%Y-%m-%d} "
                     f"(MBEDTLS_X509_BADCERT_FUTURE with CERT_TIME_CHECK)")
    if info.sig_hash == "sha1":
        found.append(f"SHA-1 signature ({info.signature}): broken hash; needs "
                     f"LEGACY_SIG_SHA1 and an X.509 profile that allows SHA-1")
    if info.rsa_pss:
        found.append("RSASSA-PSS signature: needs MBEDTLS_X509_RSASSA_PSS_SUPPORT and "
                     "MBEDTLS_PKCS1_V21, which tlsfit selects with PEER_RSA_* and TLS_1_3")
    if is_leaf and info.is_ca is not True and not info.self_signed:
        cn = info.subject.removeprefix("CN=")
        if not info.san_dns and not info.san_ip:
            ip = re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+:[0-9a-fA-F:]*", cn)
            found.append(("an IP address only in the CN" if ip else "no subjectAltName")
                         + ": browsers reject it as a server certificate "
                         "(ERR_CERT_COMMON_NAME_INVALID); Mbed TLS 3.6 falls back to matching "
                         "the CN text only because there is no subjectAltName. Put the name "
                         "(or the IP address) in a subjectAltName")
    if is_leaf and info.is_ca is not True:
        if info.key_usage_ok is False:
            found.append("keyUsage lacks digitalSignature: not usable as a TLS server "
                         "certificate with ECDHE (MBEDTLS_X509_BADCERT_KEY_USAGE)")
        if info.server_auth_ok is False:
            found.append("extendedKeyUsage lacks serverAuth: not usable as a TLS server "
                         "certificate (MBEDTLS_X509_BADCERT_EXT_KEY_USAGE)")
    return [Lint(info.label, message) for message in found]


def derive(paths: list[Path], now: _dt.datetime | None = None) -> Derivation:
    """Read every certificate in PATHS and derive requirements, MPI size and lints."""
    now = now or _dt.datetime.now(_dt.timezone.utc)
    certs: list[x509.Certificate] = []
    infos: list[CertInfo] = []
    for path in paths:
        for index, cert in enumerate(read_certificates(path)):
            certs.append(cert)
            infos.append(_info(cert, path.name, index))
    issuers = {j for i, c in enumerate(certs) for j, p in enumerate(certs)
               if i != j and not infos[i].self_signed and _signed_by(c, p)}
    lints: list[Lint] = []
    for i, info in enumerate(infos):
        lints += _lints(info, is_leaf=i not in issuers and info.is_ca is not True, now=now)
    lints += _chain_lints(certs, infos)

    wanted = {info.key_requirement for info in infos} | {_HASHES[i.sig_hash] for i in infos}
    order = ("PEER_RSA_2048", "PEER_RSA_3072", "PEER_RSA_4096", "PEER_ECDSA_P256",
             "PEER_ECDSA_P384", "SIG_SHA256", "SIG_SHA384", "SIG_SHA512", "LEGACY_SIG_SHA1")
    requirements = tuple(r for r in order if r in wanted)
    warnings = []
    sha1 = [i.label for i in infos if i.sig_hash == "sha1"]
    if sha1:
        warnings.append("WARNING: LEGACY_SIG_SHA1 is needed because "
                        + ", ".join(sha1) + " is signed with SHA-1, a broken hash (chosen-prefix "
                        "collisions). Mbed TLS must parse it even on a trusted root whose "
                        "signature is never checked; replace these certificates if you can")
    return Derivation(certs=tuple(infos), requirements=requirements,
                      mpi_max_size=max(i.key_bytes for i in infos),
                      warnings=tuple(warnings), lints=tuple(lints))


def with_own(derivation: Derivation, requirements: tuple[str, ...], lints: tuple[Lint, ...],
             why: str) -> Derivation:
    """DERIVATION plus the device's own certificate's requirements (own key, role)."""
    merged = derivation.requirements + tuple(r for r in requirements
                                             if r not in derivation.requirements)
    return Derivation(certs=derivation.certs, requirements=merged,
                      mpi_max_size=derivation.mpi_max_size,
                      warnings=derivation.warnings + (f"the own certificate: {', '.join(requirements)} "
                                                      f"({why})",),
                      lints=derivation.lints + lints)


def fragment(derivation: Derivation, base_text: str | None, base_name: str | None,
             mpi_max_size: int) -> tuple[str, tuple[str, ...]]:
    """The profile text (base lines first, then the derived ones) and notes about overrides.

    A base line that sets a derived requirement to the same value is kept and not repeated
    (one file may set a symbol only once); a base line that turns it off is replaced by a
    comment saying so.
    """
    notes: list[str] = []
    out: list[str] = []
    already: set[str] = set()
    if base_text is not None:
        for line in base_text.splitlines():
            on = re.match(r"^\s*CONFIG_(\w+)\s*=\s*y\s*$", line)
            off = re.match(r"^\s*CONFIG_(\w+)\s*=\s*n\s*$", line) or \
                re.match(r"^\s*#\s*CONFIG_(\w+) is not set\s*$", line)
            if on and on.group(1) in derivation.requirements:
                already.add(on.group(1))
            if off and off.group(1) in derivation.requirements:
                notes.append(f"{base_name}: '{line.strip()}' overridden: the certificates "
                             f"need CONFIG_{off.group(1)}")
                out.append(f"# tlsfit from-cert: the base turned {off.group(1)} off here; "
                           f"the certificates need it (below)")
                continue
            out.append(line)
        out.append("")
    out.append("# tlsfit from-cert: what these certificates need")
    for info in derivation.certs:
        out.append(f"#   {info.label}: {info.key}, {info.signature}")
    if derivation.certs:
        out.append(f"# resulting MBEDTLS_MPI_MAX_SIZE = {mpi_max_size} bytes")
    for req in derivation.requirements:
        if req in already:
            out.append(f"# {req}: already set above")
        else:
            out.append(f"CONFIG_{req}=y")
    return "\n".join(out) + "\n", tuple(notes)
