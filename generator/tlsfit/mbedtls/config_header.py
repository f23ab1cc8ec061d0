"""The MBEDTLS_* macros a configuration header defines, as the preprocessor sees them.

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
    """The MBEDTLS_* macros a header defines, as the preprocessor sees them."""

    path: Path
    macros: tuple[tuple[str, str], ...]   # name, value ('' for flag macros)

    def as_dict(self) -> dict[str, str]:
        return dict(self.macros)


def read_header(path: Path, tree: MbedtlsTree, compiler: str | None = None) -> HeaderConfig:
    """Run the preprocessor over PATH alone and collect the MBEDTLS_* macros it defines."""
    if not path.is_file():
        raise TlsfitError(f"{path}: no such header")
    cc = compiler or os.environ.get("CC") or "gcc"
    if shutil.which(cc) is None:
        raise TlsfitError(f"audit needs a C preprocessor: '{cc}' was not found (install gcc "
                          f"or set CC)")
    argv = [cc, "-E", "-dM", "-x", "c", "-I", str(tree.include_dir), "-imacros",
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
        if match and match.group(1).startswith("MBEDTLS_") and "(" not in match.group(1):
            macros.append((match.group(1), (match.group(2) or "").strip()))
    return HeaderConfig(path=path, macros=tuple(sorted(macros)))
