"""tlsfit's facts about each Mbed TLS 4.x line, as data (``data/mbedtls4/<line>/facts.json``).

Mbed TLS 4.x is not in Debian, so tlsfit cannot build or run it in its tests:
its 4.x output is a translation of the PSA-backend configuration that is built
and run on Mbed TLS 3.6. The translation rests on these facts, extracted by
``scripts/mbedtls4-facts.py`` from the 4.x trees (every option of Mbed TLS's
``mbedtls_config.h`` and of TF-PSA-Crypto's ``crypto_config.h``) and, for each
Mbed TLS 3.6 option tlsfit emits that 4.x does not have, its fate with the
source it was read from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tlsfit.errors import TlsfitError
from tlsfit.paths import DATA_DIR
from tlsfit.platform.releases import release_lines

MODEL_DIR = DATA_DIR / "mbedtls4"
#: What becomes of a 3.6 option 4.x does not have.
FATES = ("always", "internal", "renamed", "psa", "gone")


@dataclass(frozen=True)
class Fate:
    fate: str                  # always | internal | renamed | psa | gone
    to: tuple[str, ...]        # the 4.x options that stand for it (renamed, psa)
    why: str
    source: str


@dataclass(frozen=True)
class Mbedtls4Facts:
    line: str                  # "4.1"
    mbedtls: str               # "4.1.0"
    tf_psa_crypto: str         # "1.1.0"
    crypto_read_at: str        # whose crypto_config.h the crypto option list is
    config_versions: dict[str, str]
    tls_options: frozenset[str]
    crypto_options: frozenset[str]
    ciphersuites: frozenset[str]     # the suite macros of ssl_ciphersuites.h
    fates: dict[str, Fate]
    #: option -> (the option it cannot stay with in 4.x, why; source): the first is dropped
    conflicts: dict[str, tuple[str, str]]
    #: option -> (what 4.x's config check asks with it that 3.6 did not, why; source)
    requires: dict[str, tuple[tuple[str, ...], str]]
    provenance: dict[str, Any]


def lines() -> tuple[str, ...]:
    return release_lines(MODEL_DIR, "facts.json")



@lru_cache(maxsize=None)
def load_facts(line: str) -> Mbedtls4Facts:
    path = MODEL_DIR / line / "facts.json"
    if not path.is_file():
        raise TlsfitError(f"no Mbed TLS {line} facts; known: {', '.join(lines())}")
    d = json.loads(path.read_text(encoding="utf-8"))
    try:
        fates = {}
        for name, f in d["fates"].items():
            if f["fate"] not in FATES:
                raise TlsfitError(f"{path}: {name}: unknown fate {f['fate']!r}")
            fates[name] = Fate(f["fate"], tuple(f.get("to", ())), f["why"], f["source"])
        return Mbedtls4Facts(
            line=line, mbedtls=d["versions"]["mbedtls"],
            tf_psa_crypto=d["versions"]["tf_psa_crypto"],
            crypto_read_at=d["crypto_options_read_at"],
            config_versions=dict(d["config_versions"]),
            tls_options=frozenset(d["tls_options"]), crypto_options=frozenset(d["crypto_options"]),
            ciphersuites=frozenset(d["ciphersuites"]),
            fates=fates, provenance=d["provenance"],
            conflicts={k: (v["with"], f"{v['why']} ({v['source']})")
                       for k, v in d.get("conflicts", {}).items()},
            requires={k: (tuple(v["add"]), f"{v['why']} ({v['source']})")
                      for k, v in d.get("requires", {}).items()})
    except KeyError as exc:
        raise TlsfitError(f"{path}: malformed Mbed TLS 4.x facts (no {exc})") from None
