"""tlsfit's facts about Zephyr on Mbed TLS 4.x (4.4 and later), as data.

One directory per release line under ``data/zephyr4/<line>/`` (written by
``scripts/zephyr4-facts.py``; each file's repository, commit and confidence in
``release.json``): the symbols of ``modules/mbedtls``; the rules of Zephyr's two
config headers, ``config-mbedtls.h`` (Mbed TLS's config file: TLS and X.509) and
``config-tf-psa-crypto.h`` with ``config-psa.h`` (TF-PSA-Crypto's: crypto,
``PSA_WANT_*``); the user files Kconfig names and the libraries include last;
the symbols from elsewhere in Zephyr the menus refer to.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tlsfit.errors import TlsfitError
from tlsfit.paths import DATA_DIR
from tlsfit.platform.releases import release_document, release_lines
from tlsfit.platform.rules import External, Rule, parse_rules

MODEL_DIR = DATA_DIR / "zephyr4"


@dataclass(frozen=True)
class Zephyr4Release:
    version: str                     # "4.4"
    tag: str                         # "v4.4.0"
    tag_version: str
    released: bool                   # False: main of the release cycle (no tag found)
    mbedtls4_line: str               # the Mbed TLS 4.x line it builds, "4.1"
    kconfig_symbols: tuple[dict[str, Any], ...]
    kconfig_choices: tuple[dict[str, Any], ...]
    tls_rules: tuple[Rule, ...]      # config-mbedtls.h
    crypto_rules: tuple[Rule, ...]   # config-psa.h, then config-tf-psa-crypto.h
    file_symbols: dict[str, str]     # tls, tls_user, crypto, crypto_user -> symbol
    config_headers: dict[str, str]   # tls, crypto -> Zephyr's header names
    externals: tuple[External, ...]
    fixed: dict[str, str]
    fixed_choices: dict[str, str]    # choices left as they are -> why
    why: dict[str, str]
    provenance: dict[str, Any]

    def symbol_names(self) -> frozenset[str]:
        return frozenset(s["name"] for s in self.kconfig_symbols)


def releases() -> tuple[str, ...]:
    return release_lines(MODEL_DIR)


@lru_cache(maxsize=None)
def load_release(version: str) -> Zephyr4Release:
    path, d = release_document(MODEL_DIR, version, "Zephyr")
    try:
        return Zephyr4Release(
            version=version, tag=d["tag"], tag_version=d["tag_version"], released=d["released"],
            mbedtls4_line=d["mbedtls4_line"], kconfig_symbols=tuple(d["kconfig"]["symbols"]),
            kconfig_choices=tuple(d["kconfig"]["choices"]),
            tls_rules=parse_rules(d["tls_rules"], f"{path}: tls_rules"),
            crypto_rules=parse_rules(d["crypto_rules"], f"{path}: crypto_rules"),
            file_symbols=dict(d["file_symbols"]), config_headers=dict(d["config_headers"]),
            externals=tuple(External(**e) for e in d["externals"]),
            fixed=dict(d["decisions"]["fixed"]), why=dict(d["decisions"].get("why", {})),
            fixed_choices=dict(d["decisions"].get("fixed_choices", {})),
            provenance=d["provenance"])
    except (KeyError, TypeError) as exc:
        raise TlsfitError(f"{path}: malformed Zephyr 4.x model ({exc})") from None
