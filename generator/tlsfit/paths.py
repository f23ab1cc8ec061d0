"""Where tlsfit's own files are, and where its work goes (one module for all paths).

From the source tree (an editable install, as ``make setup`` makes): the
Kconfig model, templates, shipped profiles and the C harness are the
repository's, and results and builds go into the repository. From an
installed package (``pip install .``): the same files come from the copies
installed with the package (``tlsfit/_share/``, mapped in pyproject.toml),
and results and builds go into the working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
_SOURCE = PACKAGE_DIR.parent.parent
#: True when tlsfit runs from its source tree.
FROM_SOURCE = (_SOURCE / "pyproject.toml").is_file() and (_SOURCE / "c_harness").is_dir()
_SHARE = PACKAGE_DIR / "_share"


def _resource(in_source: str, installed: str) -> Path:
    return _SOURCE / in_source if FROM_SOURCE else _SHARE / installed


KCONFIG_TOP = _resource("generator/kconfig", "kconfig") / "Kconfig"
TEMPLATES_DIR = _resource("templates", "templates")
PROFILES_DIR = _resource("profiles", "profiles")
HARNESS_DIR = _resource("c_harness", "c_harness")
#: Where results/ and build/ are: the source tree, else the working directory.
REPO_ROOT = _SOURCE if FROM_SOURCE else Path.cwd()
RESULTS_DIR = REPO_ROOT / "results"


def cache_dir() -> Path:
    """The download/unpack cache (``TLSFIT_CACHE``, else ~/.cache/tlsfit)."""
    env = os.environ.get("TLSFIT_CACHE")
    if env:
        return Path(env)
    return Path.home() / ".cache" / "tlsfit"


def shipped_profiles() -> list[Path]:
    """Every shipped profile, sorted by name for deterministic runs."""
    return sorted(PROFILES_DIR.glob("*.conf"))
