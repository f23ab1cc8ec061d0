"""Compare measured profiles, diff two result sets, and gate size regressions.

Input is what ``tlsfit measure`` wrote: ``results/<profile>.json`` files, a
directory of them, or a baseline (``{"profiles": {name: result}}``). The
model is a plain mapping profile -> result; every view (text table,
Markdown, JUnit) is a pure function of it, and a diff is an operation on two
of them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from xml.sax.saxutils import escape, quoteattr

from tlsfit.errors import TlsfitError

ResultSet = dict[str, dict[str, Any]]
#: Files in results/ that are not per-profile results.
SKIPPED_FILES = ("baseline.json", "report.json", "minimality.json", "goals.json")

#: Regions compared per profile: name, how to read it, and whether it is a
#: measured run-time figure (heap/stack: a small tolerance applies).
REGIONS: tuple[tuple[str, Callable[[dict[str, Any]], int], bool], ...] = (
    ("flash", lambda d: d["sizes"]["flash"], False),
    ("flash_mbedtls", lambda d: d["sizes"]["flash_mbedtls"], False),
    ("ram_static", lambda d: d["sizes"]["ram_static"], False),
    ("heap_peak", lambda d: d["ram"]["heap_peak"], True),
    ("stack_peak", lambda d: d["ram"]["stack_peak"], True),
    ("ram_total", lambda d: d["ram"]["total"], True),
)


# --- loading ------------------------------------------------------------

def load_results(paths: list[Path]) -> ResultSet:
    """Results from files, directories or a baseline; a bad file is a TlsfitError naming it."""
    docs: ResultSet = {}
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.glob("*.json") if p.name not in SKIPPED_FILES)
            if not files:
                raise TlsfitError(f"{path}: no results (*.json) here; run 'tlsfit measure'")
            for file in files:
                docs.update(_load_file(file))
        else:
            docs.update(_load_file(path))
    return dict(sorted(docs.items()))


def _load_file(path: Path) -> ResultSet:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TlsfitError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TlsfitError(f"{path}: not a tlsfit result ({exc})") from None
    if isinstance(data, dict) and isinstance(data.get("profiles"), dict):
        profiles = data["profiles"]
    elif isinstance(data, list):
        profiles = {d.get("profile"): d for d in data if isinstance(d, dict)}
    elif isinstance(data, dict) and "profile" in data:
        profiles = {data["profile"]: data}
    else:
        raise TlsfitError(f"{path}: not a tlsfit result (no 'profile' or 'profiles')")
    for name, doc in profiles.items():
        if not isinstance(doc, dict) or doc.get("schema_version") != 1 or "sizes" not in doc:
            raise TlsfitError(f"{path}: result for {name!r} is not schema_version 1")
    return profiles


def baseline_document(docs: ResultSet) -> dict[str, Any]:
    """What the committed baseline keeps: results without wall-clock times."""
    def strip(doc: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in doc.items() if k != "wall_s"}
        out["tests"] = [{k: v for k, v in t.items() if k != "seen"} | {
            "seen": {k: v for k, v in (t.get("seen") or {}).items() if k != "wall_s"} or None}
            for t in doc.get("tests", [])]
        return out
    return {"schema_version": 1, "profiles": {n: strip(d) for n, d in sorted(docs.items())}}


# --- tables -------------------------------------------------------------

@dataclass(frozen=True)
class Table:
    """A view-independent table: header row, body rows, right-aligned columns."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    right: tuple[bool, ...] = ()
    footer: tuple[tuple[str, ...], ...] = ()


def _fmt(n: int | float | None) -> str:
    return "-" if n is None else f"{n:,}"


def compare_table(docs: ResultSet) -> Table:
    header = ("profile", "tests", "flash", "Mbed TLS flash", "static RAM", "heap peak",
              "stack peak", "total RAM", "hs instr.", "bytes tx/rx")
    rows = []
    for name, d in docs.items():
        hs = d.get("handshake") or {}
        rows.append((
            name + (" (reference)" if d.get("kind") == "reference" else "")
            + ("" if d.get("passed", True) else " (FAILED)"),
            f"{d.get('tests_passed', 0)}/{d.get('tests_total', 0)}",
            _fmt(d["sizes"]["flash"]), _fmt(d["sizes"]["flash_mbedtls"]),
            _fmt(d["ram"]["static"]), _fmt(d["ram"]["heap_peak"]), _fmt(d["ram"]["stack_peak"]),
            _fmt(d["ram"]["total"]),
            f"{hs['instructions'] / 1e6:.1f} M" if hs.get("instructions") else "-",
            f"{hs['bytes_tx']:,}/{hs['bytes_rx']:,}" if hs else "-"))
    return Table(header, tuple(rows), (False,) + (True,) * (len(header) - 1))


def rows_sum(name: str, doc: dict[str, Any], key: str = "flash") -> int:
    """The module rows of one result summed; TlsfitError unless they are its total."""
    total = doc["sizes"]["flash"] if key == "flash" else doc["sizes"]["ram_static"]
    summed = sum(row[key] for row in doc["sizes"]["modules"])
    if summed != total:
        raise TlsfitError(f"result {name}: its module rows add up to {summed:,} B of "
                          f"{'flash' if key == 'flash' else 'static RAM'}, but its total is "
                          f"{total:,} B (an edited or damaged result; measure it again)")
    return summed


def _module_key(row: dict[str, Any]) -> str:
    return row["module"] if row["group"] == "mbedtls" else row["group"]


def module_table(docs: ResultSet, region: str = "flash") -> Table:
    """Flash (or static RAM) by Mbed TLS source file, then harness, test PKI, libc.

    Non-Mbed TLS modules are grouped; bytes the link map could not attribute
    are their own "(unattributed)" row (measurement keeps them). Every column
    adds up to the total; a result whose rows do not is refused.
    """
    key = "flash" if region == "flash" else "ram"
    total_of = (lambda d: d["sizes"]["flash"]) if key == "flash" else \
        (lambda d: d["sizes"]["ram_static"])
    per: dict[str, dict[str, int]] = {}
    for name, d in docs.items():
        for row in d["sizes"]["modules"]:
            label = _module_key(row)
            per.setdefault(label, {})
            per[label][name] = per[label].get(name, 0) + row[key]
    mbedtls = sorted((m for m in per if m.endswith(".c")),
                     key=lambda m: (-max(per[m].values()), m))
    groups = [g for g in ("harness", "test-pki", "libc", "libgcc") if g in per]
    extra = [g for g in per if g not in mbedtls and g not in groups]
    body = []
    for label in mbedtls + groups + extra:
        values = [per[label].get(n, 0) for n in docs]
        if any(values):
            body.append((label, *[_fmt(v) for v in values]))
    for n, d in docs.items():
        rows_sum(n, d, key)     # the rows are the total, or the result is refused
    footer = (("total", *[_fmt(total_of(d)) for d in docs.values()]),
              ("Mbed TLS", *[_fmt(sum(r[key] for r in d["sizes"]["modules"]
                                      if r["group"] == "mbedtls")) for d in docs.values()]))
    return Table(("module", *docs), tuple(body), (False,) + (True,) * len(docs), footer)


def symbol_table(docs: ResultSet, top: int = 40, region: str = "flash") -> Table:
    """The largest Mbed TLS functions and objects (clone suffixes folded) per profile."""
    from tlsfit.sizes.mapfile import FLASH_SECTIONS, RAM_SECTIONS
    sections = FLASH_SECTIONS if region == "flash" else RAM_SECTIONS
    per: dict[tuple[str, str], dict[str, int]] = {}
    for name, d in docs.items():
        for row in d["sizes"].get("symbols", []):
            if row["section"] not in sections:
                continue
            k = (row["symbol"], row["module"])
            per.setdefault(k, {})
            per[k][name] = per[k].get(name, 0) + row["bytes"]
    ranked = sorted(per, key=lambda k: (-max(per[k].values()), k))[:top]
    rows = tuple((sym, mod, *[_fmt(per[(sym, mod)].get(n, 0)) for n in docs])
                 for sym, mod in ranked)
    return Table(("symbol", "module", *docs), rows, (False, False) + (True,) * len(docs))


def format_text(table: Table) -> str:
    all_rows = [table.header, *table.rows, *table.footer]
    widths = [max(len(r[i]) for r in all_rows) for i in range(len(table.header))]
    right = table.right or (False,) * len(widths)

    def line(r: tuple[str, ...]) -> str:
        return "  ".join(c.rjust(w) if right[i] else c.ljust(w)
                         for i, (c, w) in enumerate(zip(r, widths))).rstrip()
    out = [line(table.header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in table.rows]
    if table.footer:
        out.append("  ".join("-" * w for w in widths))
        out += [line(r) for r in table.footer]
    return "\n".join(out)


def format_markdown(table: Table) -> str:
    right = table.right or (False,) * len(table.header)
    out = ["| " + " | ".join(table.header) + " |",
           "| " + " | ".join("---:" if r else "---" for r in right) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in table.rows]
    out += ["| " + " | ".join(f"**{c}**" for c in r) + " |" for r in table.footer]
    return "\n".join(out)


# --- diff ---------------------------------------------------------------

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


def _module_values(doc: dict[str, Any], key: str) -> dict[str, int]:
    values: dict[str, int] = {}
    for row in doc["sizes"]["modules"]:
        label = _module_key(row)
        values[label] = values.get(label, 0) + row[key]
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
        rows.append((c.profile, c.region, c.module, _fmt(c.base), _fmt(c.head),
                     f"{c.delta:+,} ({c.percent:+.2f}%)"))
    return Table(("profile", "region", "module", "base", "head", "change"), tuple(rows),
                 (False, False, False, True, True, True))


# --- the gate -----------------------------------------------------------

@dataclass(frozen=True)
class Thresholds:
    """Fail when growth exceeds BOTH the byte and the percent threshold."""

    size_bytes: int = 64
    size_percent: float = 0.25
    runtime_bytes: int = 256        # heap and stack: measured, small run-to-run noise
    runtime_percent: float = 2.0


@dataclass(frozen=True)
class Finding:
    level: str              # "fail", "warn", "info"
    profile: str
    region: str
    message: str
    change: Change | None = None


@dataclass(frozen=True)
class GateResult:
    findings: tuple[Finding, ...]
    diff: Diff = field(repr=False)

    @property
    def failed(self) -> bool:
        return any(f.level == "fail" for f in self.findings)


def check(base: ResultSet, head: ResultSet, limits: Thresholds = Thresholds()) -> GateResult:
    # References (Mbed TLS's own sample configs) are shown, never gated.
    base = {n: d for n, d in base.items() if d.get("kind") != "reference"}
    head = {n: d for n, d in head.items() if d.get("kind") != "reference"}
    d = diff(base, head)
    findings: list[Finding] = []
    for name in d.removed:
        findings.append(Finding("fail", name, "-", "profile disappeared from the results"))
    for name in d.added:
        findings.append(Finding("info", name, "-", "new profile (not in the baseline)"))
    for name, doc in head.items():
        if not doc.get("passed", False):
            bad = [t["name"] for t in doc.get("tests", []) if not t.get("passed")]
            findings.append(Finding("fail", name, "tests",
                                    f"{len(bad)} test(s) failed: {', '.join(bad[:5])}"))
    runtime = {region for region, _, is_runtime in REGIONS if is_runtime}
    for c in d.regions:
        if c.delta == 0:
            continue
        is_runtime = c.region in runtime
        limit_b = limits.runtime_bytes if is_runtime else limits.size_bytes
        limit_p = limits.runtime_percent if is_runtime else limits.size_percent
        top = _top_modules(d, c.profile, "ram" if c.region.startswith(("ram", "heap", "stack"))
                           else "flash") if not is_runtime else ""
        what = f"{c.region} {c.base:,} -> {c.head:,} ({c.delta:+,} B, {c.percent:+.2f}%)"
        if c.delta > 0 and c.delta > limit_b and c.percent > limit_p:
            findings.append(Finding("fail", c.profile, c.region,
                                    f"{what} exceeds {limit_b} B and {limit_p}%{top}", c))
        elif c.delta > 0:
            findings.append(Finding("warn", c.profile, c.region, f"{what}, under the threshold"
                                    f"{top}", c))
        else:
            findings.append(Finding("info", c.profile, c.region, f"{what} (shrank){top}", c))
    order = {"fail": 0, "warn": 1, "info": 2}
    findings.sort(key=lambda f: (order[f.level], f.profile, f.region))
    return GateResult(tuple(findings), d)


def _top_modules(d: Diff, profile: str, key: str, n: int = 3) -> str:
    mods = [c for c in d.modules if c.profile == profile and c.region == f"module {key}"][:n]
    if not mods:
        return ""
    return "; modules: " + ", ".join(f"{c.module} {c.delta:+,} B" for c in mods)


def gate_table(result: GateResult) -> Table:
    rows = tuple((f.level.upper(), f.profile, f.region, f.message) for f in result.findings)
    return Table(("level", "profile", "region", "what"), rows)


def gate_markdown(result: GateResult) -> str:
    verdict = "**size gate: FAILED**" if result.failed else "**size gate: passed**"
    if not result.findings:
        return f"{verdict}\n\nNo change against the baseline.\n"
    return f"{verdict}\n\n{format_markdown(gate_table(result))}\n"


def gate_junit(result: GateResult) -> str:
    """One test case per profile and region (JUnit XML for CI systems)."""
    by_case: dict[tuple[str, str], list[Finding]] = {}
    for f in result.findings:
        by_case.setdefault((f.profile, f.region), []).append(f)
    failures = sum(1 for fs in by_case.values() if any(f.level == "fail" for f in fs))
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuite name="tlsfit size gate" tests="{len(by_case)}" failures="{failures}">']
    for (profile, region), fs in sorted(by_case.items()):
        out.append(f'  <testcase classname={quoteattr(profile)} name={quoteattr(region)}>')
        for f in fs:
            if f.level == "fail":
                out.append(f'    <failure message={quoteattr(f.message)}/>')
            else:
                out.append(f'    <system-out>{escape(f.level + ": " + f.message)}</system-out>')
        out.append("  </testcase>")
    out.append("</testsuite>")
    return "\n".join(out) + "\n"
