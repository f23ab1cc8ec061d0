"""tlsfit's facts about each ESP-IDF release's Mbed TLS integration, as data.

One directory per release line under ``data/esp-idf/<line>/``, written by
``scripts/espidf-facts.py`` from ESP-IDF's files at the release tag (never
copied from them; ``release.json`` names the repository, path and commit of
each): the symbols of ``components/mbedtls/Kconfig``; the rules of
``port/include/mbedtls/esp_config.h`` (the config file every ESP-IDF build of
Mbed TLS uses: on 5.x it starts from Mbed TLS 3.6's default ``mbedtls_config.h``,
on 6.x it is TF-PSA-Crypto's user config over its default ``crypto_config.h``:
the ``baseline``; then it defines and undefines by ``CONFIG_*``); and the symbols
from elsewhere in ESP-IDF the menus refer to, with an ESP32's values.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tlsfit.errors import TlsfitError
from tlsfit.paths import DATA_DIR
from tlsfit.platform.releases import release_document, release_lines
from tlsfit.platform.rules import Cond, External, Rule, parse_rules

MODEL_DIR = DATA_DIR / "esp-idf"
CONFIG_HEADER = "mbedtls/esp_config.h"


@dataclass(frozen=True)
class IdfRelease:
    version: str                     # release line, "5.5"
    tag: str                         # the tag the facts were read at, "v5.5.5"
    mbedtls_version: str             # what that tag builds, "3.6.6"
    chip: str                        # whose SoC capabilities the externals carry
    kconfig_symbols: tuple[dict[str, Any], ...]
    kconfig_choices: tuple[dict[str, Any], ...]
    before_user: tuple[Rule, ...]
    user_include_when: Cond
    after_user: tuple[Rule, ...]
    baseline: dict[str, str]         # Mbed TLS's default config file's macros
    externals: tuple[External, ...]
    keep: dict[str, str]             # macros the fragment keeps for ESP-IDF's own modules -> why
    provenance: dict[str, Any]
    #: the Mbed TLS 4.x line of a 6.x release (its esp_config.h applies over TF-PSA-Crypto's
    #: default crypto_config.h, the baseline); None for 5.x (over Mbed TLS 3.6's mbedtls_config.h)
    mbedtls4_line: str | None = None
    tf_psa_crypto_version: str | None = None

    @property
    def is_4x(self) -> bool:
        return self.mbedtls4_line is not None

    @property
    def tag_version(self) -> str:
        """'5.5.5'; a tag without a patch level (v6.0) is its .0."""
        parts = self.tag.removeprefix("v").split(".")
        return ".".join(parts + ["0"] * (3 - len(parts)))

    def symbol_names(self) -> frozenset[str]:
        return frozenset(s["name"] for s in self.kconfig_symbols)

    def prompted(self) -> frozenset[str]:
        return frozenset(s["name"] for s in self.kconfig_symbols if s.get("prompt"))


def releases() -> tuple[str, ...]:
    """Release lines tlsfit has facts for, oldest first."""
    return release_lines(MODEL_DIR)


@lru_cache(maxsize=None)
def load_release(version: str) -> IdfRelease:
    path, d = release_document(MODEL_DIR, version, "ESP-IDF")
    try:
        return IdfRelease(
            version=version, tag=d["tag"], mbedtls_version=d["mbedtls_version"],
            chip=d["chip"], kconfig_symbols=tuple(d["kconfig"]["symbols"]),
            kconfig_choices=tuple(d["kconfig"]["choices"]),
            before_user=parse_rules(d["header"]["before_user"], f"{path}: header.before_user"),
            user_include_when=d["header"]["user_include_when"],
            after_user=parse_rules(d["header"]["after_user"], f"{path}: header.after_user"),
            baseline=dict(d["baseline"]),
            externals=tuple(External(**e) for e in d["externals"]),
            keep=dict(d["decisions"].get("keep", {})), provenance=d["provenance"],
            mbedtls4_line=d.get("mbedtls4_line"),
            tf_psa_crypto_version=d.get("tf_psa_crypto_version"))
    except (KeyError, TypeError) as exc:
        raise TlsfitError(f"{path}: malformed ESP-IDF model ({exc})") from None
