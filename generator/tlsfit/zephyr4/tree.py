"""A Zephyr 4.4+ tree to check against: a user's real one, or tlsfit's model of a release."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tlsfit.errors import TlsfitError
from tlsfit.zephyr.tree import ZephyrPaths, read_version
from tlsfit.zephyr4.model import Zephyr4Release, load_release, releases


@dataclass(frozen=True)
class Zephyr4Tree(ZephyrPaths):
    base: Path
    version: str
    release: Zephyr4Release
    is_model: bool

    @property
    def line(self) -> str:
        return self.release.version


def is_4x_line(line: str) -> bool:
    major, minor = (int(x) for x in line.split(".")[:2])
    return (major, minor) >= (4, 4)


def open_tree(base: Path, is_model: bool = False) -> Zephyr4Tree:
    """Check that BASE is a Zephyr 4.4+ tree of a release line tlsfit knows."""
    base = base.resolve()
    version = read_version(base)
    line = ".".join(version.split(".")[:2])
    if line not in releases():
        raise TlsfitError(f"{base} is Zephyr {version}; tlsfit knows Zephyr "
                          f"{', '.join(releases())} on Mbed TLS 4.x")
    for rel in ("Kconfig", "configs/config-mbedtls.h", "configs/config-tf-psa-crypto.h"):
        if not (base / "modules" / "mbedtls" / rel).is_file():
            raise TlsfitError(f"{base} is not a Zephyr {line} tree: modules/mbedtls/{rel} "
                              "is missing")
    return Zephyr4Tree(base=base, version=version, release=load_release(line), is_model=is_model)
