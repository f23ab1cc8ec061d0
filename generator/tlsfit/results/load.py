"""Load result sets: ``results/<profile>.json`` files, directories of them, baselines.

The model is a plain mapping profile -> result document; a bad file is one
TlsfitError that names it, and a result of another schema version is refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tlsfit.errors import TlsfitError
from tlsfit.results.model import SCHEMA_VERSION, Result

ResultSet = dict[str, Result]
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
    return {name: Result.from_json(doc, f"{path} ({name})" if len(profiles) > 1 else str(path))
            for name, doc in profiles.items()}


def baseline_document(docs: ResultSet) -> dict[str, Any]:
    """What the committed baseline keeps: results without wall-clock times."""
    return {"schema_version": SCHEMA_VERSION,
            "profiles": {n: r.without_wall_clock().to_json() for n, r in sorted(docs.items())}}
