"""tlsfit menuconfig, driven for real through a terminal (tmux)."""

import shutil
import subprocess
import sys
import time
from pathlib import Path


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def _wait_for(session: str, text: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        screen = _tmux("capture-pane", "-p", "-t", session)
        if text in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared:\n{screen}")


def test_menuconfig_edits_and_saves_a_minimal_fragment(tmp_path: Path):
    assert shutil.which("tmux"), "tmux is installed by make setup"
    profile = tmp_path / "dev.conf"
    profile.write_text("CONFIG_ROLE_CLIENT=y\nCONFIG_TLS_1_2=y\n")
    done = tmp_path / "done"
    session = f"tlsfit-test-{tmp_path.name}"
    cmd = (f"{sys.executable} -m tlsfit.cli.main menuconfig {profile}; echo $? > {done}")
    env_path = Path(__file__).resolve().parents[2] / "generator"
    _tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40",
          f"PYTHONPATH={env_path} {cmd}")
    try:
        _wait_for(session, "Protocol versions")
        _tmux("send-keys", "-t", session, "Down", "Enter")
        _wait_for(session, "TLS 1.3")
        _tmux("send-keys", "-t", session, "Down", "Space")
        _wait_for(session, "[*] TLS 1.3")
        _tmux("send-keys", "-t", session, "S")
        _wait_for(session, "Filename to save configuration to")
        _tmux("send-keys", "-t", session, "Enter")
        _wait_for(session, "Configuration saved to")
        _tmux("send-keys", "-t", session, "Enter")
        time.sleep(0.3)
        _tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 10
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    assert done.read_text().strip() == "0"
    lines = [l for l in profile.read_text().splitlines() if not l.startswith("#")]
    assert lines == ["CONFIG_ROLE_CLIENT=y", "CONFIG_TLS_1_2=y", "CONFIG_TLS_1_3=y"]
