"""The MBEDTLS_* (and PSA_WANT_*) macros a configuration defines, as the preprocessor sees them.

Used wherever tlsfit reads a header it did not write (``audit``, Mbed TLS's
reference configs): the compiler's preprocessor reads it, not a regex over
the text, so ``#if`` blocks and includes count.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tlsfit.errors import TlsfitError
from tlsfit.mbedtls.tree import MbedtlsTree

_DEFINE_RE = re.compile(r"^#define\s+(\w+)(?:\s+(.*))?$")


@dataclass(frozen=True)
class HeaderConfig:
    """The MBEDTLS_* macros a header defines, and the PSA_WANT_* macros of the PSA crypto
    config file it names (MBEDTLS_PSA_CRYPTO_CONFIG), as the preprocessor sees them."""

    path: Path
    macros: tuple[tuple[str, str], ...]   # name, value ('' for flag macros)

    def as_dict(self) -> dict[str, str]:
        return dict(self.macros)


def _preprocess(path: Path, tree: MbedtlsTree, cc: str, prefix: str) -> list[tuple[str, str]]:
    # A 2.x header ends with #include "mbedtls/check_config.h": the options it sets are what is
    # read here, not whether 3.6's checks accept them, so the checks' guard is set.
    argv = [cc, "-E", "-dM", "-x", "c", "-DMBEDTLS_CHECK_CONFIG_H", "-I",
            str(path.resolve().parent), "-I", str(tree.include_dir), "-imacros",
            str(path.resolve()), os.devnull]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TlsfitError(f"{path}: the preprocessor failed to run ({exc})") from None
    if proc.returncode != 0:
        detail = "\n".join(proc.stderr.strip().splitlines()[:6])
        raise TlsfitError(f"{path}: does not preprocess ({cc} exit {proc.returncode}):\n"
                          f"{detail}")
    macros = []
    for line in proc.stdout.splitlines():
        match = _DEFINE_RE.match(line)
        if match and match.group(1).startswith(prefix) and "(" not in match.group(1) \
                and match.group(1) != "MBEDTLS_CHECK_CONFIG_H":
            macros.append((match.group(1), (match.group(2) or "").strip()))
    return macros


def crypto_config_path(header: Path, macros: dict[str, str], tree: MbedtlsTree) -> Path | None:
    """The PSA crypto config file a header uses: the one MBEDTLS_PSA_CRYPTO_CONFIG_FILE names
    (next to the header, else in the tree's include/), or Mbed TLS's psa/crypto_config.h;
    None when the header does not set MBEDTLS_PSA_CRYPTO_CONFIG."""
    if "MBEDTLS_PSA_CRYPTO_CONFIG" not in macros:
        return None
    named = macros.get("MBEDTLS_PSA_CRYPTO_CONFIG_FILE", "").strip()
    if not named:
        return tree.include_dir / "psa" / "crypto_config.h"
    name = named.strip('"<>')
    for base in (header.resolve().parent, tree.include_dir):
        if (base / name).is_file():
            return base / name
    raise TlsfitError(f"{header}: MBEDTLS_PSA_CRYPTO_CONFIG_FILE names {named}, which is "
                      f"neither next to the header nor in {tree.include_dir}")


def read_header(path: Path, tree: MbedtlsTree, compiler: str | None = None) -> HeaderConfig:
    """Run the preprocessor over PATH alone (and over the PSA crypto config file it names)."""
    if not path.is_file():
        raise TlsfitError(f"{path}: no such header")
    cc = compiler or os.environ.get("CC") or "gcc"
    if shutil.which(cc) is None:
        raise TlsfitError(f"audit needs a C preprocessor: '{cc}' was not found (install gcc "
                          f"or set CC)")
    macros = _preprocess(path, tree, cc, "MBEDTLS_")
    crypto = crypto_config_path(path, dict(macros), tree)
    if crypto is not None:
        macros += _preprocess(crypto, tree, cc, "PSA_WANT_")
    return HeaderConfig(path=path, macros=tuple(sorted(macros)))
