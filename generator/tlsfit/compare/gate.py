"""The size gate: fresh results against a baseline, with thresholds, and its reports.

Growth past both the byte and the percent threshold fails; a failed test or a
profile that disappeared fails; references are shown, never gated. The
verdict's views (text table, Markdown for the job summary and the pull
request, JUnit, JSON) are pure functions of it.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from tlsfit.compare.diff import REGIONS, Change, Diff, diff
from tlsfit.compare.tables import Table, format_markdown
from tlsfit.results.load import ResultSet


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
    base = {n: r for n, r in base.items() if r.kind != "reference"}
    head = {n: r for n, r in head.items() if r.kind != "reference"}
    d = diff(base, head)
    findings: list[Finding] = []
    for name in d.removed:
        findings.append(Finding("fail", name, "-", "profile disappeared from the results"))
    for name in d.added:
        findings.append(Finding("info", name, "-", "new profile (not in the baseline)"))
    for name, result in head.items():
        if not result.passed:
            bad = [t.name for t in result.tests if not t.passed]
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


def gate_json(result: GateResult, limits: Thresholds) -> str:
    """Every finding and change, for tools."""
    return json.dumps({
        "failed": result.failed, "thresholds": dataclasses.asdict(limits),
        "findings": [{"level": f.level, "profile": f.profile, "region": f.region,
                      "message": f.message} for f in result.findings],
        "changes": [dataclasses.asdict(c) | {"delta": c.delta}
                    for c in (*result.diff.regions, *result.diff.modules) if c.delta],
        "added": list(result.diff.added), "removed": list(result.diff.removed),
    }, indent=2, sort_keys=True) + "\n"
