"""Find and check the Mbed TLS source tree that builds and measurements use.

Order: ``--mbedtls-src``, then ``TLSFIT_MBEDTLS_SRC``, then the tree the
Makefile fetched into the cache. Only the 3.6 line is accepted: the Kconfig
model encodes 3.6's check_config.h, and other lines differ.
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


def default_tree_path() -> Path:
    return cache_dir() / f"mbedtls-{PINNED_VERSION}"


def locate(explicit: str | os.PathLike[str] | None = None) -> MbedtlsTree:
    """Return the configured tree, checked, or raise a TlsfitError saying how to get one."""
    if explicit:
        return check_tree(Path(explicit), origin="--mbedtls-src")
    env = os.environ.get(ENV_VAR)
    if env:
        return check_tree(Path(env), origin=ENV_VAR)
    default = default_tree_path()
    if not default.exists():
        raise TlsfitError(
            f"no Mbed TLS source tree: {default} does not exist; run 'make mbedtls' "
            f"to fetch Mbed TLS {PINNED_VERSION}, or pass --mbedtls-src DIR "
            f"(or set {ENV_VAR}) to an Mbed TLS {MBEDTLS_LINE} tree")
    return check_tree(default, origin="cache")


def check_tree(path: Path, origin: str) -> MbedtlsTree:
    """Check that PATH is an Mbed TLS 3.6 source tree and read its version."""
    header = path / "include" / "mbedtls" / "build_info.h"
    if not header.is_file():
        raise TlsfitError(
            f"{path} ({origin}) is not an Mbed TLS source tree: "
            f"{header.relative_to(path)} is missing")
    match = _VERSION_RE.search(header.read_text(encoding="utf-8", errors="replace"))
    if not match:
        raise TlsfitError(f"{header}: no MBEDTLS_VERSION_STRING found")
    version = match.group(1)
    if not version.startswith(MBEDTLS_LINE + "."):
        raise TlsfitError(
            f"{path} ({origin}) is Mbed TLS {version}; tlsfit's model is for "
            f"Mbed TLS {MBEDTLS_LINE}.x (tested with {PINNED_VERSION})")
    if not (path / "library" / "ssl_tls.c").is_file():
        raise TlsfitError(f"{path} ({origin}): library/ssl_tls.c is missing")
    return MbedtlsTree(path=path.resolve(), version=version)
