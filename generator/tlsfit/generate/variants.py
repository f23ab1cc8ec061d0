"""A profile under another optimisation goal or crypto backend, as an overlay.

``tlsfit goals`` measures each shipped profile under every goal and backend,
and the staleness check recomputes the config those rows came from: both
build the variant the same way here, as the profile's own fragments plus one
overlay that sets the goal and/or the backend.
"""

from __future__ import annotations

from pathlib import Path

from tlsfit.generate.profile import ProfileSource, read_profile

GOALS = ("size", "ram", "speed")
BACKENDS = ("legacy", "psa")


def overlay_text(goal: str | None = None, backend: str | None = None) -> str:
    lines = []
    if goal is not None:
        if goal not in GOALS:
            raise ValueError(goal)
        lines.append(f"CONFIG_OPTIMIZE_{goal.upper()}=y")
    if backend is not None:
        if backend not in BACKENDS:
            raise ValueError(backend)
        lines.append(f"CONFIG_CRYPTO_{backend.upper()}=y")
    return "".join(line + "\n" for line in lines)


def read_variant(base: list[Path], workdir: Path, goal: str | None = None,
                 backend: str | None = None) -> ProfileSource:
    """BASE's fragments plus the overlay for GOAL/BACKEND, written into WORKDIR."""
    if goal is None and backend is None:
        return read_profile(base)
    stem = "-".join(part for part in (goal and f"goal-{goal}", backend) if part)
    overlay = workdir / f"{stem}.conf"
    overlay.write_text(overlay_text(goal, backend), encoding="utf-8")
    return read_profile([*base, overlay])
