"""Build Mbed TLS 4.x with tlsfit's translated config files, as its own CMake build does.

Mbed TLS 4.x generates part of its sources at configure time (PSA driver
wrappers, config checks) with Python scripts, so the check is the library's
own build: CMake with ``MBEDTLS_CONFIG_FILE`` and ``TF_PSA_CRYPTO_CONFIG_FILE``
set to the translated files, then Ninja over every library target. Its config
checks (``mbedtls_check_config.h``, TF-PSA-Crypto's) run in every translation
unit. Compiler warnings are counted, not fatal: they come from Mbed TLS's own
code for that configuration.
"""

from __future__ import annotations

import shutil
import sys
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tlsfit.build.compile_check import ARM_FLAGS, Target
from tlsfit.errors import TlsfitError
from tlsfit.mbedtls.tree import MbedtlsTree


@dataclass(frozen=True)
class Built4:
    objects: int
    warnings: tuple[str, ...]


def _cmake_args(target: Target) -> list[str]:
    if target.compiler == "gcc":
        return []
    return [f"-DCMAKE_C_COMPILER={target.compiler}", "-DCMAKE_SYSTEM_NAME=Generic",
            "-DCMAKE_TRY_COMPILE_TARGET_TYPE=STATIC_LIBRARY",
            f"-DCMAKE_C_FLAGS={' '.join(ARM_FLAGS)}"]


def build_mbedtls4(tls_config: Path, crypto_config: Path, tree: MbedtlsTree,
                   target: Target) -> Built4:
    """Configure and build TREE's libraries with the two config files for TARGET."""
    for tool in ("cmake", "ninja", target.compiler):
        if shutil.which(tool) is None:
            raise TlsfitError(f"{tool} not found: run 'make setup' first")
    with tempfile.TemporaryDirectory(prefix="tlsfit-cc4-") as tmp:
        configure = subprocess.run(
            ["cmake", "-G", "Ninja", "-S", str(tree.path), "-B", tmp,
             "-DENABLE_TESTING=OFF", "-DENABLE_PROGRAMS=OFF",
             "-DMBEDTLS_FATAL_WARNINGS=OFF", "-DTF_PSA_CRYPTO_FATAL_WARNINGS=OFF",
             f"-DMBEDTLS_CONFIG_FILE={tls_config.resolve()}",
             f"-DTF_PSA_CRYPTO_CONFIG_FILE={crypto_config.resolve()}",
             # the generators run with tlsfit's own Python (jinja2, jsonschema from Debian)
             f"-DPython3_EXECUTABLE={sys.executable}",
             *_cmake_args(target)], capture_output=True, text=True)
        if configure.returncode != 0:
            raise TlsfitError(f"{tree.path}: Mbed TLS {tree.version}'s CMake configuration "
                              "failed (its build generates sources with Python: "
                              "python3-jinja2 and python3-jsonschema):\n"
                              + (configure.stderr or configure.stdout).strip()[-2000:])
        build = subprocess.run(["ninja", "-C", tmp], capture_output=True, text=True)
        out = build.stdout + build.stderr
        if build.returncode != 0:
            if "ModuleNotFoundError" in out:
                missing = out.split("ModuleNotFoundError:", 1)[1].splitlines()[0].strip()
                raise TlsfitError(f"Mbed TLS {tree.version}'s build generates sources with "
                                  f"Python and failed: {missing} (install python3-jsonschema "
                                  "and python3-jinja2)")
            errors = [line for line in out.splitlines() if "error" in line.lower()]
            raise TlsfitError(
                f"{tls_config.name} + {crypto_config.name} do not build Mbed TLS "
                f"{tree.version} for {target.name}:\n" + "\n".join(errors[:8])[-3000:])
        objects = sum(1 for p in Path(tmp).rglob("*") if p.suffix in (".o", ".obj"))
        warnings = tuple(line for line in out.splitlines() if "warning:" in line)
    return Built4(objects=objects, warnings=warnings)
