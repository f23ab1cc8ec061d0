"""tlsfit's facts about each Zephyr release's Mbed TLS integration, as data.

One directory per release line under ``data/zephyr/<line>/``, written by
tlsfit from Zephyr's files (never copied from them; each fact names the
repository, path and commit it was read from, in ``release.json``):

``release.json``
    the Mbed TLS symbols of that release (``kconfig``: type, prompt
    condition, dependencies, defaults, selects and implies of each
    definition, read with Kconfiglib, rendered back to Kconfig by
    ``fixture.py`` so that Kconfiglib evaluates them as it evaluates Zephyr's
    own files); how Zephyr's config header turns symbols into ``MBEDTLS_*`` macros (an
    ordered list of rules: *when* these conditions hold, *define* these),
    where it includes the user config file, which macro each symbol stands
    for, how CMake passes the config file and orders the include paths, and
    the symbols from elsewhere in Zephyr the menus depend on.

The same data serves two readers: the fragment generator evaluates the
rules in Python to write the smallest user header, and ``fixture.py``
renders them as a Zephyr-shaped tree so that ``zephyr-check`` runs its real
path (Kconfiglib, then the C preprocessor) over them. Checking that data
against Zephyr's real files is ``zephyr-check --zephyr-base``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tlsfit.errors import TlsfitError
from tlsfit.paths import DATA_DIR
from tlsfit.platform.releases import release_document, release_lines
from tlsfit.platform.rules import (Cond, External, Rule, apply_rules, holds,  # noqa: F401
                                   parse_rules)

MODEL_DIR = DATA_DIR / "zephyr"

@dataclass(frozen=True)
class SourceGroup:
    """Mbed TLS sources Zephyr's CMake compiles only when a symbol is y (``if(CONFIG_X)``)."""

    when: str                        # "CONFIG_MBEDTLS_PSA_CRYPTO_C"
    guard: str                       # the Mbed TLS macro the files' code is under
    files: tuple[str, ...]           # relative to the Mbed TLS tree

    @property
    def symbol(self) -> str:
        return self.when.removeprefix("CONFIG_")


@dataclass(frozen=True)
class ReleaseModel:
    version: str                     # release line, "4.2"
    tag: str                         # "v4.2.0"
    tag_version: str                 # VERSION file of the tag, "4.2.0"
    mbedtls_version: str             # what that release builds
    config_header: str               # Zephyr's own header, "config-mbedtls.h"
    psa_config_header: str | None    # "config-psa.h"
    psa_rules: tuple[Rule, ...] | None   # its rules, None where tlsfit has no facts
    cfg_file_symbols: tuple[str, str]     # (custom-file bool, file-name string)
    user_config_symbols: tuple[str, str]  # (enable bool, file-name string)
    user_include_when: Cond          # the condition around the user file's #include
    config_file_define: str          # "MBEDTLS_CONFIG_FILE=\"{file}\""
    include_dirs: tuple[str, ...]    # "{zephyr}/...", "{mbedtls}/include", "{app}"
    conditional_sources: tuple[SourceGroup, ...]
    externals: tuple[External, ...]
    kconfig_symbols: tuple[dict[str, Any], ...]   # one entry per definition
    kconfig_choices: tuple[dict[str, Any], ...]
    before_user: tuple[Rule, ...]    # the config header's rules before the user file
    after_user: tuple[Rule, ...]     # ... and after it
    fixed: dict[str, str]            # symbols every Kconfig-mode fragment sets
    why: dict[str, str]              # tlsfit's reasons for those decisions
    provenance: dict[str, Any]

    def symbol_names(self) -> frozenset[str]:
        return frozenset(s["name"] for s in self.kconfig_symbols)


def releases() -> tuple[str, ...]:
    """Release lines tlsfit has facts for, oldest first."""
    return release_lines(MODEL_DIR)


@lru_cache(maxsize=None)
def load_release(version: str) -> ReleaseModel:
    path, d = release_document(MODEL_DIR, version, "Zephyr")
    try:
        psa = d.get("psa_header")
        return ReleaseModel(
            version=version, tag=d["tag"], tag_version=d["tag_version"],
            mbedtls_version=d["mbedtls_version"], config_header=d["config_header"],
            psa_config_header=d.get("psa_config_header"),
            psa_rules=None if psa is None else parse_rules(psa, f"{path}: psa_header"),
            cfg_file_symbols=tuple(d["cfg_file_symbols"]),
            user_config_symbols=tuple(d["user_config_symbols"]),
            user_include_when=d["header"]["user_include_when"],
            config_file_define=d["cmake"]["config_file_define"],
            include_dirs=tuple(d["cmake"]["include_dirs"]),
            conditional_sources=tuple(
                SourceGroup(g["when"], g["guard"], tuple(g["files"]))
                for g in d["cmake"].get("conditional_sources", ())),
            externals=tuple(External(**e) for e in d["externals"]),
            kconfig_symbols=tuple(d["kconfig"]["symbols"]),
            kconfig_choices=tuple(d["kconfig"]["choices"]),
            before_user=parse_rules(d["header"]["before_user"], f"{path}: header.before_user"),
            after_user=parse_rules(d["header"]["after_user"], f"{path}: header.after_user"),
            fixed=dict(d["decisions"]["fixed"]), why=dict(d["decisions"].get("why", {})),
            provenance=d["provenance"])
    except (KeyError, TypeError) as exc:
        raise TlsfitError(f"{path}: malformed Zephyr model ({exc})") from None


__all__ = ["Cond", "External", "ReleaseModel", "Rule", "SourceGroup", "apply_rules",
           "holds", "load_release", "releases"]
