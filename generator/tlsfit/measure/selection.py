"""What a gate run measures: the product's profiles and references, and its shard.

Items are named as their results are (a profile's file stem, a reference's
``--as`` name or ``reference-<header stem>``), sorted by that name, and
shard I of N takes every N-th item starting at the I-th. The split depends
only on the names, so every job of a CI matrix computes the same one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tlsfit.errors import TlsfitError


@dataclass(frozen=True)
class Item:
    name: str
    profile: Path | None = None          # a profile to measure
    reference: Path | None = None        # or a header to measure ...
    like: Path | None = None             # ... with this profile's handshakes


def parse_shard(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+)/(\d+)", text.strip())
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise TlsfitError(f"--shard {text}: expected I/N with 1 <= I <= N (e.g. 1/2)")
    return int(m.group(1)), int(m.group(2))


def profiles_in(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise TlsfitError(f"--profiles {directory}: no such directory")
    found = sorted(directory.glob("*.conf"))
    if not found:
        raise TlsfitError(f"--profiles {directory}: no profiles (*.conf) there")
    return found


def items(profiles: list[Path], references: list[tuple[Path, Path, str | None]]) -> list[Item]:
    """Every item, sorted by name; two items with one name are refused."""
    out = [Item(p.stem, profile=p) for p in profiles]
    out += [Item(name or f"reference-{header.stem}", reference=header, like=like)
            for header, like, name in references]
    seen: dict[str, Item] = {}
    for item in out:
        if item.name in seen:
            raise TlsfitError(f"two items are named {item.name!r} (profiles and references are "
                              "named by file stem; rename one or use --as)")
        seen[item.name] = item
    return sorted(out, key=lambda i: i.name)


def shard(all_items: list[Item], index: int, count: int) -> list[Item]:
    """Shard INDEX (1-based) of COUNT."""
    return [item for n, item in enumerate(all_items) if n % count == index - 1]
