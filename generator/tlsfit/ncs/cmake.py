"""Run nrf_security's own CMake to generate its config headers from Kconfig values.

An NCS build turns ``CONFIG_*`` into ``nrf-config.h`` and the PSA crypto config file with
``subsys/nrf_security/cmake/*.cmake`` and ``configs/*.template`` (``configure_file``). tlsfit runs
those files as they are with ``cmake -P``: the values Kconfig computed, the values nrf_security's
CMakeLists.txt forces on a build without TF-M, then the same ``include()``s in the same order.
This is how the check sees the headers an NCS build would generate, and how
``scripts/ncs-facts.py`` tests tlsfit's rules against them.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from tlsfit.errors import TlsfitError


def _cmake_value(value: str) -> str:
    if value == "y":
        return "y"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run_cmake(nrf_security: Path, values: dict[str, str], forced: dict[str, str]
              ) -> dict[str, str]:
    """The headers nrf_security's CMake writes for VALUES (symbol -> Kconfig value, 'n' unset):
    file name -> text."""
    if shutil.which("cmake") is None:
        raise TlsfitError("cmake is not installed (make setup installs it)")
    cmake_dir = nrf_security / "cmake"
    for name in ("extensions.cmake", "psa_crypto_want_config.cmake"):
        if not (cmake_dir / name).is_file():
            raise TlsfitError(f"{nrf_security} is not nrf_security: cmake/{name} is missing")
    with tempfile.TemporaryDirectory(prefix="tlsfit-ncs-cmake-") as tmp:
        out = Path(tmp) / "generated"
        lines = [f'set(NRF_SECURITY_ROOT "{nrf_security}")',
                 f'set(NRF_SECURITY_DIR "{nrf_security}")',
                 f'set(generated_include_path "{out}")']
        if (cmake_dir / "nrf_security_debug.cmake").is_file():
            lines.append(f'include("{cmake_dir / "nrf_security_debug.cmake"}")')
        lines.append(f'include("{cmake_dir / "extensions.cmake"}")')
        for sym, value in sorted(values.items()):
            if value not in ("n", ""):
                lines.append(f"set(CONFIG_{sym} {_cmake_value(value)})")
        for sym, value in sorted(forced.items()):
            lines.append(f"set(CONFIG_{sym} {'True' if value == 'y' else 'False'})")
        if (cmake_dir / "legacy_crypto_config.cmake").is_file():     # 2.8 to 3.3
            lines += ["if(CONFIG_MBEDTLS_LEGACY_CRYPTO_C)",
                      f'  include("{cmake_dir / "legacy_crypto_config.cmake"}")', "else()",
                      f'  include("{cmake_dir / "nrf_config.cmake"}")', "endif()"]
        else:                                                         # 3.4: TLS only with MBEDTLS
            lines += ["if(CONFIG_MBEDTLS)",
                      f'  include("{cmake_dir / "nrf_config.cmake"}")', "endif()"]
        lines.append(f'include("{cmake_dir / "psa_crypto_want_config.cmake"}")')
        script = Path(tmp) / "tlsfit-generate.cmake"
        script.write_text("\n".join(lines) + "\n", encoding="utf-8")
        proc = subprocess.run(["cmake", "-P", str(script)], capture_output=True, text=True,
                              cwd=tmp, check=False)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-6:]
            raise TlsfitError("nrf_security's CMake failed: " + " | ".join(tail))
        if not out.is_dir():
            raise TlsfitError("nrf_security's CMake wrote no header")
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())}
