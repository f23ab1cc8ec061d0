"""Read error codes, alert numbers and verify flags from the Mbed TLS tree's own headers.

The names and one-line meanings come from the configured tree (a user's
Mbed TLS 3.6.x may differ from the pinned one), never from a copied table:
``#define MBEDTLS_ERR_* -0x....`` with the ``/** ... */`` comment before it (or
a trailing ``/**< ... */``), ``MBEDTLS_SSL_ALERT_MSG_*`` in ssl.h,
``MBEDTLS_X509_BADCERT_*``/``BADCRL_*`` in x509.h and ``PSA_ERROR_*`` in
psa/crypto_values.h.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tlsfit.errors import TlsfitError
from tlsfit.mbedtls.tree import MbedtlsTree

_ERR_RE = re.compile(r"^\s*#\s*define\s+(MBEDTLS_ERR_\w+)\s+\(?\s*-\s*0x([0-9A-Fa-f]+)\s*\)?")
_PSA_RE = re.compile(r"^\s*#\s*define\s+(PSA_ERROR_\w+)\s+\(\s*\(\s*psa_status_t\s*\)\s*-(\d+)\s*\)")
_ALERT_RE = re.compile(r"^\s*#\s*define\s+(MBEDTLS_SSL_ALERT_MSG_\w+)\s+(\d+)\b")
_FLAG_RE = re.compile(r"^\s*#\s*define\s+(MBEDTLS_X509_BAD(?:CERT|CRL)_\w+)\s+(0x[0-9A-Fa-f]+)\b")
_TRAILING_DOC_RE = re.compile(r"/\*\*<\s*(.*?)\s*\*/")
_TRAILING_PLAIN_RE = re.compile(r"/\*\s*(.*?)\s*\*/")


@dataclass(frozen=True)
class Macro:
    """One ``#define`` read from a header, with its documentation."""

    name: str
    value: int          # error codes negative, alerts and flags as written
    doc: str            # one line, '' when the header has none
    header: str         # path relative to the tree, e.g. include/mbedtls/x509.h


@dataclass(frozen=True)
class TreeDocs:
    """Everything ``explain`` reads from one tree."""

    version: str
    errors: tuple[Macro, ...]
    alerts: tuple[Macro, ...]
    flags: tuple[Macro, ...]

    def errors_for(self, code: int) -> tuple[Macro, ...]:
        """Every macro whose value is CODE (normally one)."""
        return tuple(m for m in self.errors if m.value == code)

    def error_named(self, name: str) -> Macro | None:
        return next((m for m in self.errors if m.name == name), None)

    def alert(self, number: int) -> Macro | None:
        return next((m for m in self.alerts if m.value == number), None)


def _clean_doc(lines: list[str]) -> str:
    """The first paragraph of a doc comment, without comment markup or Doxygen tags."""
    words: list[str] = []
    for raw in lines:
        text = raw.strip()
        text = re.sub(r"^/\*\*<?", "", text)
        text = re.sub(r"\*/$", "", text)
        text = re.sub(r"^\*\s?", "", text.strip()).strip()
        if not text:
            if words:
                break  # end of the first paragraph
            continue
        text = re.sub(r"^\\(brief|note)\s+", "", text)
        if text.startswith("\\") or text.startswith("@"):
            if words:
                break
            continue
        words.append(text)
    return " ".join(" ".join(words).split())


def _scan(path: Path, root: Path, pattern: re.Pattern[str], hex_value: bool,
          negate: bool) -> list[Macro]:
    """Every define matching PATTERN in PATH, with the doc comment that documents it."""
    found: list[Macro] = []
    pending: list[str] | None = None   # the last complete /** ... */ block
    block: list[str] | None = None     # a /** ... */ block being read
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise TlsfitError(f"{path}: cannot read ({exc.strerror})") from None
    for line in text.splitlines():
        stripped = line.strip()
        if block is not None:
            block.append(stripped)
            if "*/" in stripped:
                pending, block = block, None
            continue
        if stripped.startswith("/**") and not stripped.startswith("/**<"):
            if "*/" in stripped:
                pending = [stripped]
            else:
                block = [stripped]
            continue
        match = pattern.match(line)
        if match:
            number = int(match.group(2), 16 if hex_value else 10)
            trailing = _TRAILING_DOC_RE.search(line)
            if trailing:
                doc = _clean_doc([trailing.group(0)])
            elif pending is not None:
                doc = _clean_doc(pending)
            else:
                plain = _TRAILING_PLAIN_RE.search(line)
                doc = plain.group(1) if plain and not re.fullmatch(r"0x[0-9A-Fa-f]+", plain.group(1)) \
                    else ""
            found.append(Macro(name=match.group(1), value=-number if negate else number,
                               doc=doc, header=str(path.relative_to(root))))
            pending = None
            continue
        if stripped and not stripped.startswith(("/*", "//", "#if", "#endif", "#else")):
            pending = None  # the comment documented something else
    return found


@lru_cache(maxsize=8)
def _read(root: Path, version: str) -> TreeDocs:
    include = root / "include"
    headers = sorted((include / "mbedtls").glob("*.h"))
    if not headers:
        raise TlsfitError(f"{include / 'mbedtls'}: no headers found")
    errors: list[Macro] = []
    for header in headers:
        errors.extend(_scan(header, root, _ERR_RE, hex_value=True, negate=True))
    psa_values = include / "psa" / "crypto_values.h"
    if psa_values.is_file():
        errors.extend(_scan(psa_values, root, _PSA_RE, hex_value=False, negate=True))
    alerts = _scan(include / "mbedtls" / "ssl.h", root, _ALERT_RE, hex_value=False, negate=False)
    flags = _scan(include / "mbedtls" / "x509.h", root, _FLAG_RE, hex_value=True, negate=False)
    if not errors or not alerts or not flags:
        raise TlsfitError(f"{root}: no MBEDTLS_ERR_*, alert or verify-flag definitions found "
                          f"in include/mbedtls/*.h; is this an Mbed TLS 3.6 tree?")
    return TreeDocs(version=version, errors=tuple(errors), alerts=tuple(alerts),
                    flags=tuple(sorted(flags, key=lambda m: m.value)))


def read_tree_docs(tree: MbedtlsTree) -> TreeDocs:
    """Parse the tree's headers once per process (they do not change under us)."""
    return _read(tree.path, tree.version)


def error_name(docs: TreeDocs, code: int) -> str:
    """MBEDTLS_ERR_... name of a return code; a summed high-level + low-level code
    gives both names joined with ' + ' ('' when unknown or 0)."""
    if code == 0:
        return ""
    names = {m.value: m.name for m in reversed(docs.errors) if m.name.startswith("MBEDTLS_ERR_")}
    if code in names:
        return names[code]
    high, low = -((-code) & 0xFF80), -((-code) & 0x7F)
    return " + ".join(names[c] for c in (high, low) if c and c in names)


def flag_names(docs: TreeDocs, flags: int) -> tuple[str, ...]:
    """MBEDTLS_X509_BADCERT_... names of the bits of a verify result."""
    if flags in (0, 0xFFFFFFFF):
        return ()
    by_bit = {m.value: m.name for m in reversed(docs.flags)}
    return tuple(by_bit.get(1 << bit, f"bit{bit}") for bit in range(32) if flags & (1 << bit))
