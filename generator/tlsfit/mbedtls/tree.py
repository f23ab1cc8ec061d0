"""Find and check the Mbed TLS source tree that builds and measurements use.

Order: ``--mbedtls-src``, then ``TLSFIT_MBEDTLS_SRC``, then the tree the
Makefile fetched into the cache. The 3.6 line is what tlsfit builds, runs and
measures: the Kconfig model encodes 3.6's check_config.h. A 4.x tree (with its
``tf-psa-crypto``) is accepted only where a command says so: ``compile-check``
builds tlsfit's translated 4.x configs against it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from tlsfit import MBEDTLS_LINE
from tlsfit.errors import TlsfitError
from tlsfit.paths import cache_dir

PINNED_VERSION = "3.6.6"
ENV_VAR = "TLSFIT_MBEDTLS_SRC"
_VERSION_RE = re.compile(r'#define\s+MBEDTLS_VERSION_STRING\s+"([0-9.]+)"')


@dataclass(frozen=True)
class MbedtlsTree:
    """A checked Mbed TLS source tree."""

    path: Path
    version: str

    @property
    def include_dir(self) -> Path:
        return self.path / "include"

    @property
    def library_dir(self) -> Path:
        return self.path / "library"

    @property
    def line(self) -> str:
        """'3.6', '4.0', '4.1'."""
        return ".".join(self.version.split(".")[:2])

    @property
    def is_4x(self) -> bool:
        return self.version.startswith("4.")


def default_tree_path() -> Path:
    return cache_dir() / f"mbedtls-{PINNED_VERSION}"


def locate(explicit: str | os.PathLike[str] | None = None,
           allow_4x: bool = False) -> MbedtlsTree:
    """Return the configured tree, checked, or raise a TlsfitError saying how to get one.
    ALLOW_4X: the caller can use an Mbed TLS 4.x tree."""
    if explicit:
        return check_tree(Path(explicit), origin="--mbedtls-src", allow_4x=allow_4x)
    env = os.environ.get(ENV_VAR)
    if env:
        return check_tree(Path(env), origin=ENV_VAR, allow_4x=allow_4x)
    default = default_tree_path()
    if not default.exists():
        raise TlsfitError(
            f"no Mbed TLS source tree: {default} does not exist; run 'make mbedtls' "
            f"to fetch Mbed TLS {PINNED_VERSION}, or pass --mbedtls-src DIR "
            f"(or set {ENV_VAR}) to an Mbed TLS {MBEDTLS_LINE} tree")
    return check_tree(default, origin="cache")


def check_tree(path: Path, origin: str, allow_4x: bool = False) -> MbedtlsTree:
    """Check that PATH is an Mbed TLS 3.6 source tree (or 4.x, with ALLOW_4X) and read its
    version."""
    header = path / "include" / "mbedtls" / "build_info.h"
    old = path / "include" / "mbedtls" / "version.h"
    if not header.is_file() and old.is_file():
        found = _VERSION_RE.search(old.read_text(encoding="utf-8", errors="replace"))
        if found and found.group(1).startswith("2."):
            raise TlsfitError(
                f"{path} ({origin}) is Mbed TLS {found.group(1)}, the 2.x line: tlsfit builds, "
                f"runs and models Mbed TLS {MBEDTLS_LINE} (tested with {PINNED_VERSION}; "
                "'make mbedtls' fetches it). 'tlsfit audit' reads a 2.x config header and says "
                "what Mbed TLS 3.0 removed or renamed")
    if not header.is_file():
        raise TlsfitError(
            f"{path} ({origin}) is not an Mbed TLS source tree: "
            f"{header.relative_to(path)} is missing")
    match = _VERSION_RE.search(header.read_text(encoding="utf-8", errors="replace"))
    if not match:
        raise TlsfitError(f"{header}: no MBEDTLS_VERSION_STRING found")
    version = match.group(1)
    if version.startswith("4.") and allow_4x:
        crypto = path / "tf-psa-crypto" / "include" / "psa" / "crypto_config.h"
        if not crypto.is_file():
            raise TlsfitError(
                f"{path} ({origin}) is Mbed TLS {version} without its TF-PSA-Crypto: "
                f"{crypto.relative_to(path)} is missing (a git checkout needs "
                "'git submodule update --init'; a release archive has it)")
        if not (path / "library" / "ssl_tls.c").is_file():
            raise TlsfitError(f"{path} ({origin}): library/ssl_tls.c is missing")
        return MbedtlsTree(path=path.resolve(), version=version)
    if version.startswith("4."):
        raise TlsfitError(
            f"{path} ({origin}) is Mbed TLS {version}; this command builds and runs Mbed TLS "
            f"{MBEDTLS_LINE}.x only (tested with {PINNED_VERSION}). For 4.x tlsfit writes "
            "translated configs (generate --target mbedtls-4.0 or mbedtls-4.1), and "
            "compile-check builds them against a 4.x tree")
    if version.startswith(("2.", "3.")) and not version.startswith(MBEDTLS_LINE + "."):
        raise TlsfitError(
            f"{path} ({origin}) is Mbed TLS {version}; tlsfit's model is for "
            f"Mbed TLS {MBEDTLS_LINE}.x (tested with {PINNED_VERSION})")
    if not version.startswith(MBEDTLS_LINE + "."):
        raise TlsfitError(
            f"{path} ({origin}) is Mbed TLS {version}; tlsfit's model is for "
            f"Mbed TLS {MBEDTLS_LINE}.x (tested with {PINNED_VERSION})")
    if not (path / "library" / "ssl_tls.c").is_file():
        raise TlsfitError(f"{path} ({origin}): library/ssl_tls.c is missing")
    return MbedtlsTree(path=path.resolve(), version=version)
