"""A TCP relay between QEMU's UART socket and the OpenSSL peer.

Why: a peer that fails a handshake sends its alert and closes at once. QEMU
reads its socket only as fast as the guest drains the UART, and when it sees
the peer hang up it drops what it had not read yet, so the guest sometimes
never receives the alert and waits for data that cannot come (the guest never
sees EOF). The relay reads everything the peer sends and keeps QEMU's side
open until QEMU itself disconnects, so the alert always arrives.

One connection per relay: QEMU (or s_client) connects to ``port``; the relay
then connects to ``target_port`` (s_server, or QEMU listening) and copies
bytes both ways.
"""

from __future__ import annotations

import socket
import threading

from tlsfit.errors import HarnessError

_HOST = "127.0.0.1"


class Relay:
    """Listen on a free port; forward the first connection to target_port."""

    def __init__(self, target_port: int, *, qemu_connects: bool) -> None:
        """qemu_connects: QEMU is the connecting side (client mode); else s_client is."""
        self.target_port = target_port
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((_HOST, 0))
        self._listener.listen(1)
        self.port: int = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = [self._listener]
        self._stopped = threading.Event()
        self._qemu_connects = qemu_connects
        self.error: str | None = None
        self._thread = threading.Thread(target=self._serve, name="tlsfit-relay", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            self._listener.settimeout(0.2)
            while not self._stopped.is_set():
                try:
                    near, _ = self._listener.accept()
                    break
                except socket.timeout:
                    continue
            else:
                return
            self._sockets.append(near)
            try:
                far = socket.create_connection((_HOST, self.target_port), timeout=10)
            except OSError as exc:
                self.error = f"relay could not reach 127.0.0.1:{self.target_port}: {exc}"
                near.close()
                return
            far.settimeout(None)
            self._sockets.append(far)
            qemu, peer = (near, far) if self._qemu_connects else (far, near)
            # QEMU -> peer: when QEMU ends, end the peer's side.
            threading.Thread(target=self._pump, args=(qemu, peer, True), daemon=True).start()
            # peer -> QEMU: when the peer ends, keep QEMU's side open (see module doc).
            self._pump(peer, qemu, False)
        except OSError as exc:  # sockets closed by stop()
            if not self._stopped.is_set():
                self.error = f"relay: {exc}"

    def _pump(self, src: socket.socket, dst: socket.socket, close_dst: bool) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        if close_dst:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def stop(self) -> None:
        self._stopped.set()
        for sock in self._sockets:
            try:
                sock.close()
            except OSError:
                pass
        self._thread.join(timeout=2)

    def __enter__(self) -> "Relay":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def check_relay(relay: Relay, case_name: str) -> None:
    if relay.error:
        raise HarnessError(f"case {case_name}: {relay.error}")
