"""tlsfit's facts about each nRF Connect SDK release's nrf_security, as data.

One directory per release line under ``data/ncs/<line>/``: ``release.json``, written by
``scripts/ncs-facts.py`` from sdk-nrf's files at the release commit (never copied from them; it
names the repository, commit, and each file's blob): nrf_security's Kconfig symbols, the rules by
which its CMake turns them into the headers it generates, and the values its CMakeLists.txt forces.
Next to it tlsfit's two harness files (``externals.kconfig``, ``zephyr-mbedtls.kconfig``).

nrf_security generates ``nrf-config.h`` (the Mbed TLS config file, ``MBEDTLS_CONFIG_FILE``) from
``nrf-config.h.template``, or, with ``CONFIG_MBEDTLS_LEGACY_CRYPTO_C``, from
``legacy_crypto_config.h.template``; and the PSA crypto config file (``PSA_WANT_*``) from
``psa_crypto_want_config.h.template``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from tlsfit.errors import TlsfitError
from tlsfit.paths import DATA_DIR
from tlsfit.platform.kconfig_text import render_symbols
from tlsfit.platform.releases import release_document, release_lines
from tlsfit.platform.rules import Rule, apply_rules, parse_rules

MODEL_DIR = DATA_DIR / "ncs"
LEGACY_SWITCH = "MBEDTLS_LEGACY_CRYPTO_C"


@dataclass(frozen=True)
class NcsRelease:
    version: str                     # release line, "2.8"
    tag: str                         # "v2.8.0"
    mbedtls_version: str             # what it ships, "3.6.2"
    kconfig_symbols: tuple[dict[str, Any], ...]
    kconfig_choices: tuple[dict[str, Any], ...]
    nrf_config: tuple[Rule, ...]     # nrf-config.h, PSA path
    legacy: tuple[Rule, ...]         # nrf-config.h with CONFIG_MBEDTLS_LEGACY_CRYPTO_C
    psa_want: tuple[Rule, ...]       # the PSA crypto config file
    forced: dict[str, str]           # CONFIG_* nrf_security's CMakeLists.txt forces
    provenance: dict[str, Any]
    #: the Mbed TLS 4.x line of a 3.4+ release (its fragment stands for the 4.x translation)
    mbedtls4_line: str | None = None

    @property
    def is_4x(self) -> bool:
        return self.mbedtls4_line is not None

    @property
    def harness(self) -> Path:
        return MODEL_DIR / self.version

    @property
    def tag_version(self) -> str:
        return self.tag.removeprefix("v")

    def symbol_names(self) -> frozenset[str]:
        return frozenset(s["name"] for s in self.kconfig_symbols)

    def prompted(self) -> frozenset[str]:
        return frozenset(s["name"] for s in self.kconfig_symbols if s.get("prompt"))

    def config_rules(self, values: dict[str, str]) -> tuple[Rule, ...]:
        """The rules of the nrf-config.h these values generate (PSA or legacy path)."""
        return self.legacy if values.get(LEGACY_SWITCH) == "y" else self.nrf_config

    def macros(self, values: dict[str, str]) -> dict[str, str]:
        """nrf-config.h's macros and the PSA config file's, for these symbol values."""
        config = {**values, **self.forced}
        return {**apply_rules(self.config_rules(values), config, {}),
                **apply_rules(self.psa_want, config, {})}

    def model_text(self) -> str:
        return render_symbols(self.kconfig_symbols, self.kconfig_choices, [
            f"tlsfit-ncs-model: tlsfit's model of nRF Connect SDK {self.tag} nrf_security and "
            "Zephyr's mbedtls PSA Kconfig,",
            f"rendered from generator/tlsfit/data/ncs/{self.version}/release.json."])


#: What Mbed TLS derives from the key-pair PSA_WANTs: any of IMPORT, EXPORT, GENERATE, DERIVE
#: gives BASIC; BASIC gives PUBLIC_KEY, IMPORT and EXPORT (Mbed TLS 3.6.6 and TF-PSA-Crypto
#: 1.0.0 include/psa/crypto_adjust_config_key_pair_types.h). nrf_security's PSA config file
#: defines that header's guard (PSA_CRYPTO_ADJUST_KEYPAIR_TYPES_H), so Mbed TLS does not
#: derive them in an NCS build: Kconfig must say them.
KEYPAIR_KINDS = ("ECC", "RSA", "DH")
_KEYPAIR_OPS = ("IMPORT", "EXPORT", "GENERATE", "DERIVE")


def keypair_closure(wanted: dict[str, str]) -> dict[str, str]:
    out = dict(wanted)
    for kind in KEYPAIR_KINDS:
        pair = f"PSA_WANT_KEY_TYPE_{kind}_KEY_PAIR_"
        if any(f"{pair}{op}" in out for op in _KEYPAIR_OPS):
            out[f"{pair}BASIC"] = "1"
        if f"{pair}BASIC" in out:
            for name in (f"PSA_WANT_KEY_TYPE_{kind}_PUBLIC_KEY", f"{pair}IMPORT", f"{pair}EXPORT"):
                out[name] = "1"
    return out


def keypair_closure_c() -> str:
    """The same derivation as C, for comparing a config file with nrf_security's."""
    out = []
    for kind in KEYPAIR_KINDS:
        pair = f"PSA_WANT_KEY_TYPE_{kind}_KEY_PAIR_"
        out.append("#if " + " || ".join(f"defined({pair}{op})" for op in _KEYPAIR_OPS))
        out += [f"#define {pair}BASIC 1", "#endif", f"#if defined({pair}BASIC)",
                f"#define PSA_WANT_KEY_TYPE_{kind}_PUBLIC_KEY 1", f"#define {pair}IMPORT 1",
                f"#define {pair}EXPORT 1", "#endif"]
    return "\n".join(out) + "\n"


def releases() -> tuple[str, ...]:
    """Release lines tlsfit has facts for, oldest first."""
    return release_lines(MODEL_DIR)


@lru_cache(maxsize=None)
def load_release(version: str) -> NcsRelease:
    path, d = release_document(MODEL_DIR, version, "nRF Connect SDK")
    try:
        h = d["headers"]
        return NcsRelease(
            version=version, tag=d["tag"], mbedtls_version=d["mbedtls_version"],
            kconfig_symbols=tuple(d["kconfig"]["symbols"]),
            kconfig_choices=tuple(d["kconfig"]["choices"]),
            nrf_config=parse_rules(h["nrf_config"], f"{path}: headers.nrf_config"),
            legacy=parse_rules(h["legacy"], f"{path}: headers.legacy"),
            psa_want=parse_rules(h["psa_want"], f"{path}: headers.psa_want"),
            forced=dict(d["cmake_forced"]), provenance=d["provenance"],
            mbedtls4_line=d.get("mbedtls4_line"))
    except (KeyError, TypeError) as exc:
        raise TlsfitError(f"{path}: malformed nRF Connect SDK model ({exc})") from None
