"""Load result sets: ``results/<profile>.json`` files, directories of them, baselines.

The model is a plain mapping profile -> result document; a bad file is one
TlsfitError that names it, and a result of another schema version is refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tlsfit.errors import TlsfitError

ResultSet = dict[str, dict[str, Any]]
#: Files in results/ that are not per-profile results.
SKIPPED_FILES = ("baseline.json", "report.json", "minimality.json", "goals.json")


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
