"""``tlsfit goals``: one profile measured under each optimisation goal.

Each goal is an overlay (``CONFIG_OPTIMIZE_<GOAL>=y``) over the profile;
each row keeps the provenance of the result it came from (profile and
config hashes, tlsfit and Mbed TLS versions), so that a stale row can be
told from a current one.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Callable

from tlsfit.generate.profile import ProfileSource, read_profile
from tlsfit.mbedtls.tree import MbedtlsTree
from tlsfit.measure.measure import measure_profile
from tlsfit.results.io import read_document, write_json
from tlsfit.results.model import Result

GOALS = ("size", "ram", "speed")
SCHEMA_VERSION = 1


def empty_document() -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "profiles": {}}


def load_goals(path: Path) -> dict[str, Any]:
    """results/goals.json, or an empty document when there is none yet."""
    if not path.exists():
        return empty_document()
    return read_document(path, "tlsfit goals results", SCHEMA_VERSION)


def save_goals(doc: dict[str, Any], path: Path) -> Path:
    return write_json(path, doc)


def goal_row(result: Result) -> dict[str, Any]:
    """The figures of one measurement under one goal, with where they came from."""
    return {"passed": result.passed,
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
                  report: Callable[[str, str, dict[str, Any]], None]) -> dict[str, dict[str, Any]]:
    """Measure BASE under each goal; REPORT(profile, goal, row) after each."""
    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="tlsfit-goal-") as tmp:
        for goal in GOALS:
            overlay = Path(tmp) / f"goal-{goal}.conf"
            overlay.write_text(f"CONFIG_OPTIMIZE_{goal.upper()}=y\n", encoding="utf-8")
            profile = read_profile([*(f.path for f in base.fragments), overlay])
            result = measure_profile(profile, tree, build_root, progress=lambda m: None)
            rows[goal] = goal_row(result)
            report(base.name, goal, rows[goal])
    return rows
