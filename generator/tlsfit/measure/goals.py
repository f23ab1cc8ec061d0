"""``tlsfit goals``: each profile measured under each optimisation goal and crypto backend.

Each variant is the profile plus one overlay (``CONFIG_OPTIMIZE_<GOAL>=y``,
``CONFIG_CRYPTO_<BACKEND>=y``, see ``generate.variants``); each row keeps the
provenance of the result it came from (profile and config hashes, tlsfit and
Mbed TLS versions), so that a stale row can be told from a current one.

The backend a goal picks when a profile does not name one is the measured
best (``backend_choice``), for each goal and each kind of profile: those whose
P-256 fits the p256-m driver on the PSA backend (TLSFIT_P256M_FITS: P-256 the
only curve, no TLS 1.2 ECDHE) and the others, since that fact decides what
the PSA backend can save. Best means: every measured profile of the kind
passes on it, and its figure for the goal (Mbed TLS flash, total RAM,
handshake instructions) is lower as the geometric mean of the per-profile
ratios, so that an RSA handshake of 900 M instructions does not outweigh
every other profile. requirements.kconfig's CRYPTO_BACKEND defaults must
agree (tests/unit/test_backend_choice.py).
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from tlsfit.errors import TlsfitError
from tlsfit.generate.profile import ProfileSource
from tlsfit.generate.resolve import resolve
from tlsfit.generate.variants import BACKENDS, GOALS, read_variant
from tlsfit.mbedtls.tree import MbedtlsTree
from tlsfit.measure.measure import measure_profile
from tlsfit.results.io import read_document, write_json
from tlsfit.results.model import Result

SCHEMA_VERSION = 2

#: The figure each goal minimises, and how it is named.
METRIC: dict[str, tuple[str, str]] = {
    "size": ("flash_mbedtls", "Mbed TLS flash"),
    "ram": ("ram_total", "total RAM"),
    "speed": ("hs_instructions", "handshake instructions"),
}

GoalRows = dict[str, dict[str, dict[str, Any]]]   # goal -> backend -> row


def empty_document() -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "profiles": {}}


def load_goals(path: Path) -> dict[str, Any]:
    """results/goals.json, or an empty document when there is none yet."""
    if not path.exists():
        return empty_document()
    doc = read_document(path, "tlsfit goals results", SCHEMA_VERSION)
    for name, rows in doc.get("profiles", {}).items():
        for goal in rows:
            if goal not in GOALS or not isinstance(rows[goal], dict) or \
                    any(b not in BACKENDS for b in rows[goal]):
                raise TlsfitError(f"{path}: profile {name}: unknown goal or backend under "
                                  f"'{goal}' (goals {', '.join(GOALS)}; backends "
                                  f"{', '.join(BACKENDS)})")
    return doc


def save_goals(doc: dict[str, Any], path: Path) -> Path:
    return write_json(path, doc)


#: The kinds of profile the backend choice is made for (see the module doc).
KINDS = ("p256m", "other")
KIND_LABEL = {"p256m": "P-256 fits p256-m", "other": "other profiles"}


def goal_row(result: Result, p256m: bool) -> dict[str, Any]:
    """The figures of one measurement under one goal and backend, with where they came from."""
    return {"passed": result.passed,
            "p256m": p256m,
            "tests": f"{result.tests_passed}/{result.tests_total}",
            "flash": result.sizes.flash,
            "flash_mbedtls": result.sizes.flash_mbedtls,
            "ram_static": result.ram.static,
            "heap_peak": result.ram.heap_peak,
            "stack_peak": result.ram.stack_peak,
            "ram_total": result.ram.total,
            "hs_instructions": result.handshake.instructions if result.handshake else 0,
            "config_sha256": result.config_sha256,
            "profile_sha256": result.profile_sha256,
            "tlsfit_version": result.tlsfit_version,
            "mbedtls_version": result.mbedtls_version}


def measure_goals(base: ProfileSource, tree: MbedtlsTree, build_root: Path,
                  report: Callable[[str, str, str, dict[str, Any]], None],
                  backends: tuple[str, ...] = BACKENDS) -> GoalRows:
    """Measure BASE under each goal and each of BACKENDS; REPORT(profile, goal, backend, row)
    after each."""
    rows: GoalRows = {}
    with tempfile.TemporaryDirectory(prefix="tlsfit-goal-") as tmp:
        for goal in GOALS:
            for backend in backends:
                profile = read_variant([f.path for f in base.fragments], Path(tmp), goal, backend)
                p256m = resolve(profile).enabled("MBEDTLS_PSA_P256M_DRIVER_ENABLED")
                result = measure_profile(profile, tree, build_root, progress=lambda m: None)
                row = goal_row(result, p256m)
                rows.setdefault(goal, {})[backend] = row
                report(base.name, goal, backend, row)
    return rows


@dataclass(frozen=True)
class Choice:
    """The backend a goal picks for one kind of profile, and the figures it was picked by."""

    goal: str
    kind: str
    backend: str
    metric: str                       # the row field compared
    label: str
    totals: dict[str, int]            # backend -> sum of the metric over the profiles compared
    ratio: float | None               # geometric mean of psa / legacy per profile
    profiles: tuple[str, ...]         # profiles of the kind measured on both backends
    failing: dict[str, tuple[str, ...]]  # backend -> profiles of the kind that fail on it

    def sentence(self) -> str:
        figures = ", ".join(f"{b} {self.totals.get(b, 0):,}" for b in BACKENDS)
        ratio = f"; PSA/legacy {self.ratio:.3f} (geometric mean)" if self.ratio else ""
        fails = "; ".join(f"fails on {b}: {', '.join(p)}" for b, p in self.failing.items() if p)
        return (f"{self.goal}, {KIND_LABEL[self.kind]}: {self.backend} ({self.label} summed over "
                f"{', '.join(self.profiles) or 'no profile'}: {figures}{ratio}"
                f"{'; ' + fails if fails else ''})")


def profile_kind(rows: dict[str, Any], goal: str) -> str | None:
    """'p256m' or 'other' from the PSA row of GOAL; None without one."""
    psa = rows.get(goal, {}).get("psa")
    if psa is None or "p256m" not in psa:
        return None
    return "p256m" if psa["p256m"] else "other"


def backend_choice(doc: dict[str, Any]) -> dict[tuple[str, str], Choice]:
    """Per goal and kind of profile, the measured best backend over DOC (see module doc)."""
    out = {}
    for goal in GOALS:
        metric, label = METRIC[goal]
        for kind in KINDS:
            failing: dict[str, list[str]] = {b: [] for b in BACKENDS}
            compared: list[str] = []
            totals = {b: 0 for b in BACKENDS}
            logs: list[float] = []
            for name, rows in sorted(doc.get("profiles", {}).items()):
                if profile_kind(rows, goal) != kind:
                    continue
                of = rows[goal]
                for backend in BACKENDS:
                    if backend in of and not of[backend]["passed"]:
                        failing[backend].append(name)
                if all(b in of and of[b]["passed"] for b in BACKENDS):
                    compared.append(name)
                    for b in BACKENDS:
                        totals[b] += int(of[b][metric])
                    legacy, psa = of["legacy"][metric], of["psa"][metric]
                    if legacy > 0 and psa > 0:
                        logs.append(math.log(psa / legacy))
            ratio = math.exp(sum(logs) / len(logs)) if logs else None
            psa_wins = ratio is not None and ratio < 1.0 and not failing["psa"]
            out[(goal, kind)] = Choice(goal, kind, "psa" if psa_wins else "legacy", metric,
                                       label, totals, ratio, tuple(compared),
                                       {b: tuple(p) for b, p in failing.items()})
    return out
