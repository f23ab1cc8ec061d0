"""What the platform check commands share: the fragments named on the command line, and the
model release lines asked for with --model."""

from __future__ import annotations

from pathlib import Path

from tlsfit.errors import TlsfitError


def model_lines(arg: str, known: tuple[str, ...], platform: str) -> tuple[str, ...]:
    """The release lines --model ARG names ('all' or one of KNOWN)."""
    wanted = known if arg == "all" else (arg,)
    for v in wanted:
        if v not in known:
            raise TlsfitError(f"--model {v}: tlsfit models {platform} {', '.join(known)} (or all)")
    return wanted


def generated_fragments(path: Path, pattern: str, hint: str) -> list[Path]:
    """The fragments matching PATTERN in a 'tlsfit generate' output directory."""
    if not (path / "manifest.json").is_file():
        raise TlsfitError(f"{path}: not a 'tlsfit generate' output directory (no manifest.json)")
    found = sorted(path.glob(pattern))
    if not found:
        raise TlsfitError(f"{path}: no {hint}")
    return found
