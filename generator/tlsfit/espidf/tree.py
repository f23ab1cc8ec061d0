"""An ESP-IDF tree to check against: a user's real one (``$IDF_PATH``), or tlsfit's model.

What the check needs of a tree is its version (``tools/cmake/version.cmake``),
``components/mbedtls/Kconfig`` and ``port/include/mbedtls/esp_config.h``. The
model tree has the same files, rendered from tlsfit's facts (``fixture.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tlsfit.errors import TlsfitError
from tlsfit.espidf.model import IdfRelease, load_release, releases

_FIELD = re.compile(r"set\(IDF_VERSION_(MAJOR|MINOR|PATCH)\s+(\d+)\)")


@dataclass(frozen=True)
class IdfTree:
    base: Path
    version: str                 # "5.5.5", from version.cmake
    release: IdfRelease          # tlsfit's facts for that line
    is_model: bool

    @property
    def component(self) -> Path:
        return self.base / "components" / "mbedtls"

    @property
    def port_include(self) -> Path:
        return self.component / "port" / "include"

    @property
    def crypto_include(self) -> Path:
        """6.x: TF-PSA-Crypto's include directory in the mbedtls submodule (its default
        psa/crypto_config.h is the baseline esp_config.h applies over)."""
        return self.component / "mbedtls" / "tf-psa-crypto" / "include"

    def describe(self) -> str:
        kind = "tlsfit's model of ESP-IDF" if self.is_model else "ESP-IDF"
        return f"{kind} {self.version} at {self.base}"


def open_tree(base: Path, is_model: bool = False) -> IdfTree:
    """Check that BASE is an ESP-IDF tree of a release line tlsfit knows."""
    base = base.resolve()
    version_file = base / "tools" / "cmake" / "version.cmake"
    if not version_file.is_file():
        raise TlsfitError(f"{base} is not an ESP-IDF tree: tools/cmake/version.cmake is missing "
                          "(pass --idf-path or set IDF_PATH)")
    fields = dict(_FIELD.findall(version_file.read_text(encoding="utf-8", errors="replace")))
    if {"MAJOR", "MINOR"} - fields.keys():
        raise TlsfitError(f"{version_file}: no IDF_VERSION_MAJOR/MINOR")
    version = f"{fields['MAJOR']}.{fields['MINOR']}.{fields.get('PATCH', '0')}"
    line = ".".join(version.split(".")[:2])
    if line not in releases():
        raise TlsfitError(f"{base} is ESP-IDF {version}; tlsfit knows ESP-IDF "
                          f"{', '.join(releases())}")
    for rel in ("Kconfig", "port/include/mbedtls/esp_config.h"):
        if not (base / "components" / "mbedtls" / rel).is_file():
            raise TlsfitError(f"{base} is not an ESP-IDF tree: components/mbedtls/{rel} "
                              "is missing")
    return IdfTree(base=base, version=version, release=load_release(line), is_model=is_model)
