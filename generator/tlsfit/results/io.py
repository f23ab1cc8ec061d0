"""Reading and writing tlsfit's JSON documents (results, baseline, goals, minimality).

One place turns a missing, unreadable, corrupt or other-version file into
one ``TlsfitError`` that names the file, so no reader shows a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tlsfit.errors import TlsfitError


def read_json(path: Path, what: str) -> Any:
    """The parsed document at PATH; WHAT says what it should be (for the message)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TlsfitError(f"{path}: no such file ({what})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TlsfitError(f"{path}: cannot read {what} ({exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TlsfitError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); expected {what}. "
                          "Restore it from git or delete it to start afresh") from None


def read_document(path: Path, what: str, schema_version: int) -> dict[str, Any]:
    """A JSON object with ``schema_version`` equal to SCHEMA_VERSION."""
    doc = read_json(path, what)
    if not isinstance(doc, dict):
        raise TlsfitError(f"{path}: expected {what} (a JSON object), found {type(doc).__name__}")
    found = doc.get("schema_version")
    if found != schema_version:
        raise TlsfitError(f"{path}: {what} of schema version {found!r}; this tlsfit reads "
                          f"version {schema_version} (re-run the command that writes it)")
    return doc


def write_json(path: Path, doc: Any) -> Path:
    """Sorted, indented, newline-terminated: the same document gives the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
