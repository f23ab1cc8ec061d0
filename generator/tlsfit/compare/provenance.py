"""Which figures no longer describe their profile: the config hash has moved on.

A result, a goals row or a minimality row records the sha256 of the config
it measured. When the shipped profile of that name now resolves to another config
(the profile or tlsfit's model changed since), the figure is stale:
compare and report mark it rather than present it as current.
"""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from tlsfit.errors import TlsfitError
from tlsfit.generate.render import config_sha256, render_config
from tlsfit.generate.variants import read_variant
from tlsfit.generate.resolve import resolve
from tlsfit.paths import shipped_profiles
from tlsfit.results.load import ResultSet


@lru_cache(maxsize=None)
def current_config_sha256(profile: str, goal: str | None = None,
                          backend: str | None = None) -> str | None:
    """The hash of the config the shipped profile PROFILE (under GOAL's and BACKEND's
    overlay, as ``tlsfit goals`` measures it) resolves to now; None when there is no
    such profile."""
    path = next((p for p in shipped_profiles() if p.stem == profile), None)
    if path is None:
        return None
    with tempfile.TemporaryDirectory(prefix="tlsfit-prov-") as tmp:
        try:
            files = render_config(resolve(read_variant([path], Path(tmp), goal, backend)))
        except TlsfitError:
            return None
    return config_sha256(files)


def stale_results(docs: ResultSet) -> frozenset[str]:
    """Names of profile results whose config differs from what their profile gives now."""
    out = set()
    for name, result in docs.items():
        if result.kind != "profile":
            continue
        now = current_config_sha256(name)
        if now is not None and now != result.config_sha256:
            out.add(name)
    return frozenset(out)


def row_state(profile: str, row: dict[str, Any], goal: str | None = None,
              backend: str | None = None) -> str:
    """'current', 'stale' or 'unknown' (a row written before rows carried their hash)."""
    recorded = row.get("config_sha256")
    if recorded is None:
        return "unknown"
    now = current_config_sha256(profile, goal, backend)
    return "current" if now is None or now == recorded else "stale"
