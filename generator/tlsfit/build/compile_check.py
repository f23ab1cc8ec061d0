"""Compile every Mbed TLS library source against a generated header.

This is the check Mbed TLS itself makes: check_config.h and
config_adjust_*.h run in every translation unit, so a header that compiles
here is consistent. Host: syntax only (fast, different compiler and word
size); Cortex-M33: full compilation with the harness's flags.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tlsfit.errors import TlsfitError
from tlsfit.mbedtls.tree import MbedtlsTree

ARM_FLAGS = ("-mcpu=cortex-m33", "-mthumb", "-Os", "-ffunction-sections", "-fdata-sections")


@dataclass(frozen=True)
class Target:
    name: str
    compiler: str
    flags: tuple[str, ...]
    syntax_only: bool


TARGETS = {
    "host": Target("host", "gcc", ("-O1", "-Wall"), syntax_only=True),
    "cortex-m33": Target("cortex-m33", "arm-none-eabi-gcc", ARM_FLAGS, syntax_only=False),
}


def compile_library(config_header: Path, tree: MbedtlsTree, target: Target) -> int:
    """Compile all of library/*.c (and p256-m) with CONFIG_HEADER; return the file count."""
    if shutil.which(target.compiler) is None:
        raise TlsfitError(f"{target.compiler} not found: run 'make setup' first")
    # The p256-m driver is part of a PSA-backend build (Mbed TLS's own CMake compiles it too).
    p256m = tree.path / "3rdparty" / "p256-m"
    sources = sorted(tree.library_dir.glob("*.c")) + sorted(
        [p256m / "p256-m_driver_entrypoints.c", p256m / "p256-m" / "p256-m.c"])
    sources = [src for src in sources if src.is_file()]
    # The config directory first on the include path: a PSA-backend header names its
    # tlsfit_crypto_config.h there, as in a product's build.
    base = [target.compiler, *target.flags, f"-I{config_header.resolve().parent}",
            f"-I{tree.include_dir}", f"-I{tree.library_dir}", f"-I{p256m}", f"-I{p256m / 'p256-m'}",
            f'-DMBEDTLS_CONFIG_FILE="{config_header.resolve()}"']
    with tempfile.TemporaryDirectory(prefix="tlsfit-cc-") as tmp:
        def one(src: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
            out = ["-fsyntax-only"] if target.syntax_only else \
                ["-c", "-o", str(Path(tmp) / (src.stem + ".o"))]
            return src, subprocess.run([*base, *out, str(src)], capture_output=True, text=True)

        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            results = list(pool.map(one, sources))
    failures = [(src, r) for src, r in results if r.returncode != 0]
    if failures:
        src, result = failures[0]
        raise TlsfitError(
            f"{config_header} does not compile for {target.name} "
            f"({len(failures)} of {len(sources)} files fail; first: {src.name}):\n"
            + result.stderr.strip()[-3000:])
    return len(sources)


def ciphersuites_missing(config_header: Path, tree: MbedtlsTree) -> list[str]:
    """The suites of the config's MBEDTLS_SSL_CIPHERSUITES that its ssl_ciphersuites.c table
    lacks (a suite there but not in the table is never offered), through the preprocessor."""
    base = ["arm-none-eabi-gcc", "-E", "-P", f"-I{config_header.resolve().parent}",
            f"-I{tree.include_dir}", f"-I{tree.library_dir}",
            f'-DMBEDTLS_CONFIG_FILE="{config_header.resolve()}"']
    probe = ('#include "mbedtls/ssl_ciphersuites.h"\n'
             "#if defined(MBEDTLS_SSL_CIPHERSUITES)\ntlsfit_ids MBEDTLS_SSL_CIPHERSUITES\n#endif\n")
    listed = subprocess.run([*base, "-x", "c", "-"], input=probe, capture_output=True, text=True)
    macros = subprocess.run([*base, "-dM", "-x", "c", "-"], input=probe, capture_output=True,
                            text=True)
    table = subprocess.run([*base, str(tree.library_dir / "ssl_ciphersuites.c")],
                           capture_output=True, text=True)
    for result in (listed, macros, table):
        if result.returncode != 0:
            raise TlsfitError(f"{config_header}: preprocessing failed:\n{result.stderr[-2000:]}")
    ids_line = next((line for line in listed.stdout.splitlines()
                     if line.startswith("tlsfit_ids ")), None)
    names_line = next((line for line in macros.stdout.splitlines()
                       if line.startswith("#define MBEDTLS_SSL_CIPHERSUITES ")), None)
    if names_line is None or ids_line is None:
        return []
    names = [n.strip() for n in names_line.split(" ", 2)[2].split(",")]
    ids = [int(i.strip(), 0) for i in ids_line.split(" ", 1)[1].split(",")]
    body = table.stdout[table.stdout.index("ciphersuite_definitions[]"):]
    in_table = {int(m.group(1), 0) for m in re.finditer(r"\{\s*(0x[0-9A-Fa-f]+|\d+)\s*,\s*\"", body)}
    return [name for name, ident in zip(names, ids) if ident not in in_table]
