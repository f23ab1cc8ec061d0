"""What Mbed TLS 3.0 removed or renamed from 2.x's options, as data (``data/mbedtls2/removed.json``,
written by ``scripts/mbedtls2-facts.py`` from 2.28.10's config.h, 3.6.6's mbedtls_config.h and
3.6.6's 3.0 migration guide): a 2.x header audited against a 3.6 profile is told what became
of each of its old options, not offered the nearest 3.6 name."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from tlsfit.paths import DATA_DIR


@dataclass(frozen=True)
class Removed:
    name: str
    section: str | None         # the migration guide section about it
    replaced_by: str | None

    def note(self) -> str:
        what = "" if not self.replaced_by else \
            f"; {self.replaced_by.removeprefix('nothing: ')}" \
            if self.replaced_by.startswith("nothing") else f"; use {self.replaced_by}"
        where = f" (3.0 migration guide: \"{self.section}\")" if self.section else ""
        return f"removed in Mbed TLS 3.0{what}{where}"


@lru_cache(maxsize=1)
def removed_in_3() -> dict[str, Removed]:
    doc = json.loads((DATA_DIR / "mbedtls2" / "removed.json").read_text(encoding="utf-8"))
    return {n: Removed(n, v.get("section"), v.get("replaced_by"))
            for n, v in doc["removed"].items()}
