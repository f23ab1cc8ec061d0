"""Where tlsfit's own files live (repository layout, see DESIGN.md).

tlsfit runs from its source tree (an editable install), so the Kconfig
model, templates and shipped profiles are found relative to this file.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent.parent
KCONFIG_TOP = REPO_ROOT / "generator" / "kconfig" / "Kconfig"
TEMPLATES_DIR = REPO_ROOT / "templates"
PROFILES_DIR = REPO_ROOT / "profiles"
RESULTS_DIR = REPO_ROOT / "results"
DATA_DIR = PACKAGE_DIR / "data"
HARNESS_DIR = REPO_ROOT / "c_harness"


def cache_dir() -> Path:
    """The download/unpack cache (``TLSFIT_CACHE``, else ~/.cache/tlsfit)."""
    env = os.environ.get("TLSFIT_CACHE")
    if env:
        return Path(env)
    return Path.home() / ".cache" / "tlsfit"


def shipped_profiles() -> list[Path]:
    """Every shipped profile, sorted by name for deterministic runs."""
    return sorted(PROFILES_DIR.glob("*.conf"))
