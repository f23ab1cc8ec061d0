"""Internal: child processes that are always stopped, free ports, and output collection.

Children run in their own session so a terminal Ctrl-C reaches only Python; :class:`Child`
stops them (SIGTERM, then SIGKILL) when its ``with`` block ends for any reason.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import IO, Sequence

from tlsfit.errors import HarnessError

_STOP_GRACE_S = 2.0


def free_port(host: str = "127.0.0.1") -> int:
    """Ask the kernel for an unused TCP port by binding port 0 (the socket is closed again)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when something already listens on host:port (checked by trying to bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return True
        return False


class _Collector:
    """Reads one pipe on a thread so a chatty child never blocks on a full pipe."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._chunks: list[bytes] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: IO[bytes]) -> None:
        while True:
            chunk = stream.read1(4096) if hasattr(stream, "read1") else stream.read(4096)
            if not chunk:
                break
            with self._changed:
                self._chunks.append(chunk)
                self._changed.notify_all()
        with self._changed:
            self._chunks.append(b"")
            self._changed.notify_all()

    def text(self) -> str:
        with self._lock:
            return b"".join(self._chunks).decode("utf-8", errors="replace")

    def wait_for(self, needle: str, timeout_s: float) -> bool:
        """Wait until needle appears in the output; False on timeout or end of stream."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                data = b"".join(self._chunks)
                if needle.encode() in data:
                    return True
                if self._chunks and self._chunks[-1] == b"":
                    return False
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)

    def join(self, timeout_s: float) -> None:
        self._thread.join(timeout_s)


class Child:
    """A child process with collected stdout/stderr, stopped on leaving the ``with`` block."""

    def __init__(self, argv: Sequence[str], *, name: str, stdin_data: bytes | None = None,
                 cwd: Path | None = None) -> None:
        self.name = name
        self.argv = list(argv)
        try:
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, start_new_session=True)
        except FileNotFoundError as exc:
            raise HarnessError(f"{name}: cannot run {self.argv[0]!r} (not installed?)") from exc
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self.stdout = _Collector(self.proc.stdout)
        self.stderr = _Collector(self.proc.stderr)
        self._stdin_data = stdin_data

    def feed_stdin(self, keep_open: bool = False) -> None:
        """Write the prepared stdin bytes; close stdin unless keep_open."""
        if self.proc.stdin is None:
            return
        try:
            if self._stdin_data:
                self.proc.stdin.write(self._stdin_data)
                self.proc.stdin.flush()
            if not keep_open:
                self.proc.stdin.close()
        except (BrokenPipeError, OSError):
            pass

    def __enter__(self) -> "Child":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def running(self) -> bool:
        return self.proc.poll() is None

    def wait(self, timeout_s: float) -> int | None:
        """Return the exit code, or None if still running after timeout_s."""
        try:
            return self.proc.wait(timeout=max(timeout_s, 0.0))
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        """SIGTERM the child's process group, then SIGKILL after a grace period; reap it."""
        if self.proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=_STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.proc.wait(timeout=_STOP_GRACE_S)
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        self.stdout.join(1.0)
        self.stderr.join(1.0)

    def _signal(self, sig: signal.Signals) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def output(self) -> str:
        """stdout then stderr, for error messages."""
        out, err = self.stdout.text(), self.stderr.text()
        return out + (("\n[stderr]\n" + err) if err.strip() else "")
