"""Profiles: Kconfig fragments over the requirements, merged in order.

Kconfiglib reads the values; this module only names the fragments and keeps
an index of where each symbol is assigned, so that errors can name the
file and line of every assignment involved.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from tlsfit.errors import TlsfitError

_ASSIGN_RE = re.compile(r"^\s*CONFIG_([A-Za-z0-9_]+)\s*=(.*)$")
_UNSET_RE = re.compile(r"^\s*#\s*CONFIG_([A-Za-z0-9_]+) is not set\s*$")


@dataclass(frozen=True)
class Location:
    """Where a symbol is assigned: file, line and the line's text."""

    path: Path
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Fragment:
    """One profile file, read once."""

    path: Path
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ProfileSource:
    """The fragments of one profile, in merge order."""

    fragments: tuple[Fragment, ...]

    @property
    def name(self) -> str:
        """'base' or 'base+overlay': names the result directories and reports."""
        return "+".join(f.path.stem for f in self.fragments)

    @property
    def sha256(self) -> str:
        """Hash of the merged input (names and bytes), for provenance."""
        h = hashlib.sha256()
        for f in self.fragments:
            h.update(f.path.name.encode("utf-8") + b"\0" + f.text.encode("utf-8") + b"\0")
        return h.hexdigest()

    def assignments(self) -> dict[str, list[Location]]:
        """Every assignment of every symbol, in merge order."""
        found: dict[str, list[Location]] = {}
        for frag in self.fragments:
            for number, line in enumerate(frag.text.splitlines(), 1):
                match = _ASSIGN_RE.match(line) or _UNSET_RE.match(line)
                if match:
                    found.setdefault(match.group(1), []).append(
                        Location(frag.path, number, line.strip()))
        return found

    def last_assignment(self, name: str) -> Location | None:
        locs = self.assignments().get(name)
        return locs[-1] if locs else None


def read_profile(paths: list[str | Path]) -> ProfileSource:
    """Read fragments; a missing or unreadable file is a TlsfitError naming it."""
    if not paths:
        raise TlsfitError("no profile given")
    fragments = []
    for raw in paths:
        path = Path(raw)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise TlsfitError(f"{path}: no such profile") from None
        except UnicodeDecodeError as exc:
            raise TlsfitError(f"{path}: not UTF-8 text ({exc.reason})") from None
        except OSError as exc:
            raise TlsfitError(f"{path}: cannot read ({exc.strerror})") from None
        fragments.append(Fragment(path=path, text=text))
    return ProfileSource(fragments=tuple(fragments))


def profile_path(arg: str) -> Path:
    """A profile argument: a path, or the name of a shipped profile (its file stem)."""
    from tlsfit.paths import shipped_profiles

    path = Path(arg)
    if path.exists() or path.suffix == ".conf" or "/" in arg:
        return path
    return next((p for p in shipped_profiles() if p.stem == arg), path)
