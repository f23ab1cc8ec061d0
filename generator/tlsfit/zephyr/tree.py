"""A Zephyr tree to check against: a user's real one, or tlsfit's model of a release.

What zephyr-check needs of a tree is its version (the ``VERSION`` file),
its ``modules/mbedtls`` Kconfig and config headers, and how its CMake
compiles Mbed TLS (the ``MBEDTLS_CONFIG_FILE`` definition and the include
path order). The last is not in a form Kconfig or the preprocessor can read,
so it comes from tlsfit's per-release facts (``model.py``), as do the few
symbols defined elsewhere in Zephyr that the Mbed TLS menus depend on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tlsfit.errors import TlsfitError
from tlsfit.zephyr.model import External, ReleaseModel, load_release, releases

_VERSION_FIELD = re.compile(r"^\s*(VERSION_MAJOR|VERSION_MINOR|PATCHLEVEL)\s*=\s*(\d+)", re.M)


class ZephyrPaths:
    """Where a Zephyr tree keeps its Mbed TLS integration, and how to name the tree."""

    base: Path
    version: str
    is_model: bool

    @property
    def kconfig_entry(self) -> Path:
        return self.base / "modules" / "mbedtls" / "Kconfig"

    @property
    def configs_dir(self) -> Path:
        return self.base / "modules" / "mbedtls" / "configs"

    def describe(self) -> str:
        kind = "tlsfit's model of Zephyr" if self.is_model else "Zephyr"
        return f"{kind} {self.version} at {self.base}"


@dataclass(frozen=True)
class ZephyrTree(ZephyrPaths):
    base: Path
    version: str                 # "4.2.0" as the tree's VERSION file says
    release: ReleaseModel        # tlsfit's facts for that release line
    is_model: bool               # True: tlsfit's own model tree, not Zephyr's files

    @property
    def line(self) -> str:
        return self.release.version

    @property
    def externals(self) -> tuple[External, ...]:
        return self.release.externals


def read_version(base: Path) -> str:
    path = base / "VERSION"
    if not path.is_file():
        raise TlsfitError(f"{base} is not a Zephyr tree: it has no VERSION file "
                          "(pass --zephyr-base or set ZEPHYR_BASE to the zephyr directory "
                          "of your west workspace)")
    fields = dict(_VERSION_FIELD.findall(path.read_text(encoding="utf-8", errors="replace")))
    if {"VERSION_MAJOR", "VERSION_MINOR"} - fields.keys():
        raise TlsfitError(f"{path}: not a Zephyr VERSION file (no VERSION_MAJOR/VERSION_MINOR)")
    return f"{fields['VERSION_MAJOR']}.{fields['VERSION_MINOR']}.{fields.get('PATCHLEVEL', '0')}"


def open_tree(base: Path, is_model: bool = False) -> ZephyrTree:
    """Check that BASE is a Zephyr tree of a release tlsfit knows, and describe it."""
    base = base.resolve()
    if not base.is_dir():
        raise TlsfitError(f"{base}: no such directory (the Zephyr tree)")
    version = read_version(base)
    line = ".".join(version.split(".")[:2])
    if line not in releases():
        raise TlsfitError(
            f"{base} is Zephyr {version}; tlsfit's Mbed TLS 3.6 models are of Zephyr "
            f"{', '.join(releases())}")
    kconfig = base / "modules" / "mbedtls" / "Kconfig"
    if not kconfig.is_file():
        raise TlsfitError(f"{base} is not a Zephyr tree: modules/mbedtls/Kconfig is missing")
    return ZephyrTree(base=base, version=version, release=load_release(line), is_model=is_model)
