"""README.md's figure tables, rendered from results/ so that they never go stale.

The README quotes measured figures in four places (current figures,
references, optimisation goals, size targets). Each sits between marker
comments ``<!-- tlsfit:NAME -->`` and ``<!-- /tlsfit:NAME -->``;
``tlsfit report --readme README.md`` rewrites them from the results, and a
test fails when the committed README differs from what the committed
results give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from tlsfit.errors import TlsfitError
from tlsfit.results.load import ResultSet
from tlsfit.results.model import Result
from tlsfit.compare.tables import Table, format_markdown
from tlsfit.generate.variants import BACKENDS
from tlsfit.measure.goals import KIND_LABEL, backend_choice, profile_kind

GoalSet = dict[str, dict[str, dict[str, dict[str, Any]]]]   # profile -> goal -> backend -> row
KB = 1024


@dataclass(frozen=True)
class SizeTarget:
    """A flash target for one profile's Mbed TLS share (issue 5)."""

    profile: str
    limit: int
    strict: bool
    label: str

    def met(self, value: int) -> bool:
        return value < self.limit if self.strict else value <= self.limit


SIZE_TARGETS = (
    SizeTarget("psk-ccm-minimal", 20 * KB, False,
               "`psk-ccm-minimal` at most 20 KB (hand-tuned 3.6.6: 20.4 KB)"),
    SizeTarget("tls12-ecdsa-p256-minimal", 45 * KB, False,
               "`tls12-ecdsa-p256-minimal` at most 45 KB (hand-tuned: 48.0 KB)"),
    SizeTarget("tls13-ecdsa-p256-minimal", 61 * KB, True,
               "`tls13-ecdsa-p256-minimal` under 61 KB (wolfSSL tinytls13: 61.3 KB)"),
)
RAM_GOAL_PROFILE = "tls12-ecdsa-p256-minimal"
RAM_GOAL_HEAP_LIMIT = 10 * KB


@dataclass(frozen=True)
class GoalTarget:
    """A target of the PSA-first issue (11) on one profile under one goal, on the backend the
    goal picks: Mbed TLS flash and/or handshake instructions and/or heap peak at most."""

    profile: str
    goal: str
    label: str
    flash: int | None = None
    instructions: int | None = None
    heap: int | None = None


@dataclass(frozen=True)
class BetterTarget:
    """Under the size goal: at least 10 % less Mbed TLS flash, or at least 5 times fewer
    handshake instructions at no more than 5 % more flash, than before the PSA backend
    (the figures of results/ at commit 2f99c2e, which the issue quotes)."""

    profile: str
    flash_before: int
    instructions_before: int

    @property
    def label(self) -> str:
        return (f"`{self.profile}` (size goal) 10 % smaller, or 5x faster at <= 5 % more "
                f"flash, than before ({_n(self.flash_before)} B, "
                f"{_m(self.instructions_before)})")

    def met(self, flash: int, instructions: int) -> bool:
        return flash <= 0.9 * self.flash_before or (
            instructions * 5 <= self.instructions_before and flash <= 1.05 * self.flash_before)


PSA_TARGETS = (
    GoalTarget("tls13-ecdsa-p256-minimal", "size", "`tls13-ecdsa-p256-minimal` (size goal) "
               "at most 47 KB and 65 M instructions", flash=47 * KB, instructions=65_000_000),
    GoalTarget("tls12-ecdsa-p256-minimal", "size", "`tls12-ecdsa-p256-minimal` (size goal) "
               "at most 40 KB", flash=40 * KB),
    GoalTarget("tls12-ecdsa-p256-minimal", "speed", "`tls12-ecdsa-p256-minimal` (speed goal) "
               "at most 44 KB at 70 M instructions", flash=44 * KB, instructions=70_000_000),
    GoalTarget("tls12-ecdsa-p256-minimal", "ram", "`tls12-ecdsa-p256-minimal` (RAM goal) "
               "heap peak at most 6 KB", heap=6 * KB),
    GoalTarget("psk-ccm-minimal", "size", "`psk-ccm-minimal` (size goal, the product's RNG) "
               "at most 14 KB", flash=14 * KB),
)
BETTER_TARGETS = (
    BetterTarget("mqtt-mutual-tls13-ecc", 63_251, 421_600_000),
    BetterTarget("https-server-ecdsa", 72_859, 103_400_000),
)


def _n(value: int) -> str:
    return f"{value:,}"


def _m(instructions: int | None) -> str:
    return f"{instructions / 1e6:.1f} M" if instructions else "-"


def _instructions(result: Result) -> int | None:
    return result.handshake.instructions if result.handshake else None


def _profiles(docs: ResultSet) -> ResultSet:
    return {n: d for n, d in docs.items() if d.kind != "reference"}


def _references(docs: ResultSet) -> list[Result]:
    return [d for d in docs.values() if d.reference is not None]


def _like(ref: Result) -> str:
    assert ref.reference is not None
    return ref.reference.like


def figures_table(docs: ResultSet, goals: GoalSet) -> Table:
    """Every shipped profile's headline figures."""
    rows = tuple((name, f"{d.tests_passed}/{d.tests_total}",
                  _n(d.sizes.flash_mbedtls), _n(d.ram.static),
                  _n(d.ram.heap_peak), _n(d.ram.stack_peak), _m(_instructions(d)))
                 for name, d in _profiles(docs).items())
    return Table(("profile", "tests", "Mbed TLS flash", "static RAM", "heap peak", "stack peak",
                  "handshake"), rows, (False,) + (True,) * 6)


def references_table(docs: ResultSet, goals: GoalSet) -> Table:
    """Each Mbed TLS reference config under the profile whose tests it passes."""
    rows = []
    for ref in sorted(_references(docs), key=_like):
        like = docs.get(_like(ref))
        if like is not None:
            rows.append((f"`{_like(ref)}`", _n(like.sizes.flash_mbedtls),
                         _n(like.ram.heap_peak), _m(_instructions(like))))
        header = ref.reference.header if ref.reference else ""
        rows.append((f"reference {'default ' if header == 'mbedtls_config.h' else ''}`{header}`",
                     _n(ref.sizes.flash_mbedtls), _n(ref.ram.heap_peak),
                     _m(_instructions(ref))))
    return Table(("config", "Mbed TLS flash", "heap peak", "handshake"), tuple(rows),
                 (False, True, True, True))


def goals_table(docs: ResultSet, goals: GoalSet) -> Table:
    """Mbed TLS flash / total RAM (heap peak) / handshake per goal, backend and profile."""
    def cell(g: dict[str, Any] | None) -> str:
        if g is None:
            return "-"
        if not g.get("passed", False):
            return "FAILED"
        return (f"{_n(g['flash_mbedtls'])} / {_n(g['ram_total'])} (heap {_n(g['heap_peak'])})"
                f" / {_m(g['hs_instructions'])}")
    rows = tuple((name, backend, *(cell(of.get(goal, {}).get(backend))
                                   for goal in ("size", "ram", "speed")))
                 for name, of in sorted(goals.items()) for backend in BACKENDS)
    return Table(("profile", "backend", "size", "RAM", "speed"), rows)


def backends_table(docs: ResultSet, goals: GoalSet) -> Table:
    """The backend each goal picks when a profile names none, with the figures it is picked by."""
    rows = []
    for choice in backend_choice({"profiles": goals}).values():
        ratio = f"{choice.ratio:.3f}" if choice.ratio else "-"
        failing = "; ".join(f"{b}: {', '.join(p)}" for b, p in choice.failing.items() if p)
        rows.append((choice.goal, KIND_LABEL[choice.kind], choice.backend, choice.label,
                     *(_n(choice.totals.get(b, 0)) for b in BACKENDS), ratio,
                     ", ".join(choice.profiles) or "-", failing or "-"))
    return Table(("goal", "profiles of the kind", "picks", "figure",
                  *(f"sum, {b}" for b in BACKENDS), "PSA/legacy (geometric mean)",
                  "measured on", "fails"), tuple(rows),
                 (False, False, False, False, True, True, True, False, False))


def _picked(goals: GoalSet, profile: str, goal: str) -> str | None:
    """The backend GOAL picks for PROFILE's kind, from the measurements; None if unmeasured."""
    kind = profile_kind(goals.get(profile, {}), goal)
    return backend_choice({"profiles": goals})[(goal, kind)].backend if kind else None


def targets_table(docs: ResultSet, goals: GoalSet) -> Table:
    """The size and RAM targets, each with the measured figure and whether it is met."""
    rows = []
    for target in SIZE_TARGETS:
        doc = docs.get(target.profile)
        if doc is None:
            raise TlsfitError(f"no result for {target.profile}: run 'tlsfit measure --all'")
        value = doc.sizes.flash_mbedtls
        rows.append((target.label, f"{_n(value)} B", "yes" if target.met(value) else "NO"))
    pairs = []
    for ref in sorted(_references(docs), key=_like):
        like = docs.get(_like(ref))
        if like is None or ref.reference is None:
            continue
        pairs.append((like.sizes.flash_mbedtls, ref.sizes.flash_mbedtls,
                      ref.reference.header, like.passed and ref.passed))
    if pairs:
        rows.append(("every profile smaller than the Mbed TLS reference passing the same tests",
                     "; ".join(f"{_n(a)} < {_n(b)} (`{h}`)" for a, b, h, _ in pairs),
                     "yes" if all(a < b and ok for a, b, _, ok in pairs) else "NO"))
    ram_backend = _picked(goals, RAM_GOAL_PROFILE, "ram")
    ram = goals.get(RAM_GOAL_PROFILE, {}).get("ram", {}).get(ram_backend or "")
    if ram:
        rows.append((f"heap peak of `{RAM_GOAL_PROFILE}` with the RAM goal ({ram_backend}) "
                     "under 10 KB",
                     f"{_n(ram['heap_peak'])} B, tests {ram['tests']}",
                     "yes" if ram["heap_peak"] < RAM_GOAL_HEAP_LIMIT and ram["passed"] else "NO"))
    for target in PSA_TARGETS:
        backend = _picked(goals, target.profile, target.goal)
        row = goals.get(target.profile, {}).get(target.goal, {}).get(backend or "")
        if not row:
            rows.append((target.label, "not measured (make goals)", "NO"))
            continue
        parts, met = [], bool(row["passed"])
        if target.flash is not None:
            parts.append(f"{_n(row['flash_mbedtls'])} B")
            met &= row["flash_mbedtls"] <= target.flash
        if target.instructions is not None:
            parts.append(_m(row["hs_instructions"]))
            met &= 0 < row["hs_instructions"] <= target.instructions
        if target.heap is not None:
            parts.append(f"heap {_n(row['heap_peak'])} B")
            met &= row["heap_peak"] <= target.heap
        rows.append((target.label, f"{', '.join(parts)} ({backend}, tests {row['tests']})",
                     "yes" if met else "NO"))
    for better in BETTER_TARGETS:
        backend = _picked(goals, better.profile, "size")
        row = goals.get(better.profile, {}).get("size", {}).get(backend or "")
        if not row:
            rows.append((better.label, "not measured (make goals)", "NO"))
            continue
        flash, instr = row["flash_mbedtls"], row["hs_instructions"]
        met = row["passed"] and better.met(flash, instr)
        rows.append((better.label,
                     f"{_n(flash)} B ({100 * (flash - better.flash_before) / better.flash_before:+.1f} %), "
                     f"{_m(instr)} ({better.instructions_before / instr:.1f}x fewer) "
                     f"({backend}, tests {row['tests']})" if instr else f"{_n(flash)} B",
                     "yes" if met else "NO"))
    return Table(("target", "measured", "met"), tuple(rows))


BLOCKS: dict[str, Callable[[ResultSet, GoalSet], Table]] = {
    "figures": figures_table,
    "references": references_table,
    "goals": goals_table,
    "backends": backends_table,
    "targets": targets_table,
}
_BLOCK = re.compile(r"(<!-- tlsfit:(?P<name>[a-z]+) -->\n)(?P<body>.*?)(<!-- /tlsfit:(?P=name) -->)",
                    re.S)


def render_blocks(docs: ResultSet, goals: GoalSet) -> dict[str, str]:
    """Each block's Markdown body, ending in a newline."""
    return {name: format_markdown(build(docs, goals)) + "\n" for name, build in BLOCKS.items()}


def update_text(text: str, blocks: dict[str, str], where: str) -> str:
    """``text`` with every marked block replaced; each block must appear exactly once."""
    for name in blocks:
        count = text.count(f"<!-- tlsfit:{name} -->")
        if count != 1:
            raise TlsfitError(f"{where}: expected one '<!-- tlsfit:{name} -->' block, found {count}")
    return _BLOCK.sub(lambda m: m.group(1) + blocks.get(m.group("name"), m.group("body"))
                      + m.group(4), text)


def update_readme(path: Path, docs: ResultSet, goals: GoalSet) -> bool:
    """Rewrite README's figure blocks; True when something changed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TlsfitError(f"{path}: cannot read ({exc.strerror})") from None
    new = update_text(text, render_blocks(docs, goals), str(path))
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text
