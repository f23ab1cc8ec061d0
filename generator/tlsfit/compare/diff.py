"""What changed between two result sets, per profile, region and module."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from tlsfit.compare.tables import Table, fmt_number, module_label
from tlsfit.results.load import ResultSet
from tlsfit.results.model import Result

#: Regions compared per profile: name, how to read it, and whether it is a
#: measured run-time figure (heap/stack: a small tolerance applies).
REGIONS: tuple[tuple[str, Callable[[Result], int], bool], ...] = (
    ("flash", lambda r: r.sizes.flash, False),
    ("flash_mbedtls", lambda r: r.sizes.flash_mbedtls, False),
    ("ram_static", lambda r: r.sizes.ram_static, False),
    ("heap_peak", lambda r: r.ram.heap_peak, True),
    ("stack_peak", lambda r: r.ram.stack_peak, True),
    ("ram_total", lambda r: r.ram.total, True),
)


@dataclass(frozen=True)
class Change:
    profile: str
    region: str            # flash, flash_mbedtls, ..., or "module"
    module: str            # "" for a region total
    base: int
    head: int

    @property
    def delta(self) -> int:
        return self.head - self.base

    @property
    def percent(self) -> float:
        return 100.0 * self.delta / self.base if self.base else float("inf") if self.delta else 0.0


@dataclass(frozen=True)
class Diff:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    regions: tuple[Change, ...]     # every profile x region present in both
    modules: tuple[Change, ...]     # module flash/RAM changes, non-zero only


def diff(base: ResultSet, head: ResultSet) -> Diff:
    common = [n for n in head if n in base]
    regions = tuple(Change(n, region, "", read(base[n]), read(head[n]))
                    for n in common for region, read, _ in REGIONS)
    modules = []
    for n in common:
        for key in ("flash", "ram"):
            b = _module_values(base[n], key)
            h = _module_values(head[n], key)
            for module in sorted(set(b) | set(h)):
                if b.get(module, 0) != h.get(module, 0):
                    modules.append(Change(n, f"module {key}", module, b.get(module, 0),
                                          h.get(module, 0)))
    modules.sort(key=lambda c: (-abs(c.delta), c.profile, c.module))
    return Diff(added=tuple(n for n in head if n not in base),
                removed=tuple(n for n in base if n not in head),
                regions=tuple(sorted(regions, key=lambda c: (-abs(c.delta), c.profile, c.region))),
                modules=tuple(modules))


def _module_values(result: Result, key: str) -> dict[str, int]:
    values: dict[str, int] = {}
    for row in result.sizes.modules:
        label = module_label(row)
        values[label] = values.get(label, 0) + getattr(row, key)
    return values


def diff_table(d: Diff, limit: int = 30) -> Table:
    rows: list[tuple[str, ...]] = []
    for name in d.added:
        rows.append((name, "(added)", "", "", "", ""))
    for name in d.removed:
        rows.append((name, "(removed)", "", "", "", ""))
    changes = [c for c in (*d.regions, *d.modules) if c.delta]
    changes.sort(key=lambda c: (-abs(c.delta), c.profile, c.region, c.module))
    for c in changes[:limit]:
        rows.append((c.profile, c.region, c.module, fmt_number(c.base), fmt_number(c.head),
                     f"{c.delta:+,} ({c.percent:+.2f}%)"))
    return Table(("profile", "region", "module", "base", "head", "change"), tuple(rows),
                 (False, False, False, True, True, True))
