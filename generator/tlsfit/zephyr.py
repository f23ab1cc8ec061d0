"""Zephyr prj.conf fragments, from the symbol mapping kept as data.

Symbol names differ between Zephyr versions (data/zephyr_symbols.json, read
from Zephyr's modules/mbedtls). Two modes:
  kconfig      CONFIG_MBEDTLS_* symbols, plus a user config header for what
               Zephyr has no symbol for (and #undefs for what Zephyr's
               grouped symbols turn on that the profile does not need);
  custom-file  CONFIG_CUSTOM_MBEDTLS_CFG_FILE with tlsfit's own header
               (Zephyr then ignores every fine-grained CONFIG_MBEDTLS_*).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .errors import TlsfitError
from .paths import DATA_DIR
from .resolve import Resolution

DEFAULT_VERSION = "4.2"
USER_CONFIG_NAME = "tlsfit_user_config.h"


@lru_cache(maxsize=1)
def _mapping() -> dict[str, Any]:
    with open(DATA_DIR / "zephyr_symbols.json", encoding="utf-8") as f:
        return json.load(f)


def versions() -> tuple[str, ...]:
    return tuple(sorted(_mapping()["versions"]))


@dataclass(frozen=True)
class ZephyrOutput:
    """Lines for prj.conf (Kconfig mode), the user header, and notes."""

    version: str
    symbols: tuple[tuple[str, str, str], ...]   # (CONFIG_X, value, reason)
    user_defines: tuple[tuple[str, str], ...]   # (MBEDTLS_X, value) Zephyr has no symbol for
    user_undefs: tuple[tuple[str, str], ...]    # (MBEDTLS_X, Zephyr symbol that forced it)
    notes: tuple[str, ...]
    custom_file: dict[str, str]


def zephyr_output(resolution: Resolution, version: str = DEFAULT_VERSION) -> ZephyrOutput:
    data = _mapping()["versions"].get(version)
    if data is None:
        raise TlsfitError(f"unknown Zephyr version {version}; known: {', '.join(versions())}")
    bool_map: dict[str, str] = data["bool"]
    int_map: dict[str, str] = data["int"]
    symbols: dict[str, tuple[str, str]] = {}
    user_defines: list[tuple[str, str]] = []
    notes: list[str] = []
    for opt in resolution.options:
        if opt.is_bool and opt.name in bool_map:
            symbols.setdefault(bool_map[opt.name], ("y", opt.name))
        elif not opt.is_bool and opt.name in int_map:
            sym = int_map[opt.name]
            old = symbols.get(sym)
            # One Zephyr symbol for both buffer sizes: the larger one wins.
            if old is None or int(opt.value) > int(old[0]):
                symbols[sym] = (opt.value, opt.name)
        else:
            user_defines.append((opt.name, "" if opt.is_bool else opt.value))
    for macro, note in sorted(data.get("notes", {}).items()):
        if resolution.enabled(macro):
            notes.append(f"{macro}: {note}")
    enabled = {o.name for o in resolution.options}
    emitted = set(symbols)
    undefs = sorted((macro, sym) for macro, sym in bool_map.items()
                    if sym in emitted and macro not in enabled)
    return ZephyrOutput(
        version=version,
        symbols=tuple((s, v, why) for s, (v, why) in symbols.items()),
        user_defines=tuple(user_defines),
        user_undefs=tuple(undefs),
        notes=tuple(notes),
        custom_file=dict(data["custom_file"]),
    )
