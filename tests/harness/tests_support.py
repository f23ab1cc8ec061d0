"""Helpers shared by the harness tests: run the generator (another team's code) when present."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def generate_profile(profile: str, out: Path) -> Path:
    """`tlsfit generate profiles/PROFILE.conf -o OUT` in-process; fails loudly if unavailable."""
    conf = REPO / "profiles" / f"{profile}.conf"
    if not conf.is_file():
        pytest.fail(f"{conf} does not exist")
    try:
        from tlsfit.cli.main import main
    except ImportError as exc:
        pytest.fail(f"tlsfit generator not importable: {exc}")
    code = main(["generate", str(conf), "-o", str(out)])
    if code not in (0, None) or not (out / "mbedtls_config.h").is_file():
        pytest.fail(f"tlsfit generate {profile} failed with exit code {code}")
    return out
