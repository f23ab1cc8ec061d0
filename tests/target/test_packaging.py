"""tlsfit works as an installed package, not only from its source tree.

A wheel is built from the checkout (no download), installed into a fresh
venv, and run from an empty working directory: it finds its Kconfig model,
templates, profiles, Zephyr data and C harness inside the package, writes
its work there, and builds and runs a real handshake.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tlsfit.paths import REPO_ROOT

pytestmark = pytest.mark.target


def _run(argv: list[str], cwd: Path) -> str:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{argv}: {done.stdout}\n{done.stderr}"
    return done.stdout


def test_an_installed_wheel_generates_checks_and_runs(tmp_path):
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-build-isolation", "--no-deps",
          "--no-index", "-w", str(wheels), str(REPO_ROOT)], tmp_path)
    venv = tmp_path / "venv"
    _run(["/usr/bin/python3", "-m", "venv", "--system-site-packages", str(venv)], tmp_path)
    _run([str(venv / "bin" / "pip"), "install", "-q", "--no-deps", "--no-index",
          *map(str, wheels.glob("*.whl"))], tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    tlsfit = str(venv / "bin" / "tlsfit")
    where = _run([str(venv / "bin" / "python"), "-c",
                  "import tlsfit.paths as p; print(p.FROM_SOURCE, p.HARNESS_DIR)"], work)
    assert where.startswith("False ") and "site-packages/tlsfit/_share/c_harness" in where
    assert "generated 1 profile(s)" in _run([tlsfit, "generate", "psk-ccm-minimal", "--zephyr",
                                             "all", "-o", "out"], work)
    assert "8 passed, 0 failed" in _run([tlsfit, "zephyr-check", "out", "--model", "all"], work)
    out = _run([tlsfit, "run", "psk-ccm-minimal", "--case", "tls1.2-psk"], work)
    assert "TLS-PSK-WITH-AES-128-CCM" in out and "expected pass: PASS" in out
    assert (work / "build" / "measure" / "psk-ccm-minimal" / "fw" / "tlsfit_app.elf").is_file()
