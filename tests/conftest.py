"""Shared helpers: write profiles into tmp dirs and run the real CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "generator"))

from tlsfit.cli.main import main  # noqa: E402
from tlsfit.generate.profile import read_profile  # noqa: E402
from tlsfit.generate.resolve import Resolution, resolve  # noqa: E402

from tlsfit_testdata import BASE_CLIENT  # noqa: E402,F401


@pytest.fixture
def write(tmp_path: Path):
    """write(name, text) -> Path of a profile file in tmp_path."""
    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return _write


@pytest.fixture
def resolve_text(write):
    """resolve_text(text, *overlay_texts) -> Resolution."""
    def _resolve(text: str, *overlays: str) -> Resolution:
        paths = [write("profile.conf", text)]
        paths += [write(f"overlay{i}.conf", o) for i, o in enumerate(overlays)]
        return resolve(read_profile(paths))
    return _resolve


@pytest.fixture
def cli(capsys):
    """cli(*args) -> (exit code, stdout, stderr) of the real command line."""
    def _run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err
    return _run
