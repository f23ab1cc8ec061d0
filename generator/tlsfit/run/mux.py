"""N TLS connections over the firmware's one UART: the frames, and the relay that fans them out.

API::

    encode_data(conn, payload) -> bytes        # DATA frame (payload b"": close / end of stream)
    encode_read(conn, size) -> bytes           # READ frame (firmware side; for tests)
    decode_header(header) -> (kind, conn, length)
    MuxRelay(count, *, qemu_port=None, peer_ports=None)   # .port, .error, .stop()

The frames are the contract's (``c_harness/board/tlsfit_contract.h``): a 4-byte header (type,
connection id, payload length big-endian) and the payload. The firmware sends DATA for a
connection's peer (length 0: close that connection) and READ to ask for up to N bytes of one
connection; the relay answers a READ with one DATA frame of 1..N bytes once that connection has
any, or of 0 bytes when its peer has closed and nothing is left. Only one READ is outstanding at a
time, so the firmware never holds bytes of a connection it is not reading: the relay keeps them.

Firmware as a server (``qemu_port``): QEMU listens there and the relay connects to it; the N
peers (``openssl s_client``) connect to ``relay.port`` and become connections 0..N-1 in the order
they are accepted. Firmware as a client (``peer_ports``): QEMU connects to ``relay.port``; the relay
then connects connection i to ``peer_ports[i]`` (one ``openssl s_server`` each: s_server serves one
connection at a time, so N connections at once need N of them).

As in :mod:`tlsfit.run.relay`, a peer that closes does not close QEMU's side: its end of stream
reaches the firmware as a 0-byte DATA frame, after every byte it sent.
"""
from __future__ import annotations

import socket
import threading

from tlsfit.errors import HarnessError
from tlsfit.run.contract import contract

_HOST = "127.0.0.1"
FRAME_DATA = contract().frame_data
FRAME_READ = contract().frame_read
HEADER_BYTES = contract().frame_header
MAX_CONNECTIONS = contract().max_connections
MAX_PAYLOAD = 0xFFFF


def _header(kind: int, conn: int, length: int) -> bytes:
    if not 0 <= conn < 256 or not 0 <= length <= MAX_PAYLOAD:
        raise HarnessError(f"frame: connection {conn} or length {length} out of range")
    return bytes((kind, conn, length >> 8, length & 0xFF))


def encode_data(conn: int, payload: bytes) -> bytes:
    """A DATA frame; an empty payload is the end of that connection's stream."""
    return _header(FRAME_DATA, conn, len(payload)) + payload


def encode_read(conn: int, size: int) -> bytes:
    """A READ frame, as the firmware sends it: up to SIZE bytes of connection CONN."""
    return _header(FRAME_READ, conn, size)


def decode_header(header: bytes) -> tuple[int, int, int]:
    """(kind, connection, length) of a frame header; a wrong size or kind is a HarnessError."""
    if len(header) != HEADER_BYTES:
        raise HarnessError(f"frame header of {len(header)} bytes, not {HEADER_BYTES}")
    kind, conn = header[0], header[1]
    if kind not in (FRAME_DATA, FRAME_READ):
        raise HarnessError(f"frame of unknown type {kind:#04x} (out of step with the firmware)")
    return kind, conn, (header[2] << 8) | header[3]


class _Connection:
    """One peer's TCP connection and what it sent that the firmware has not read yet."""

    def __init__(self) -> None:
        self.sock: socket.socket | None = None
        self.pending = bytearray()
        self.eof = False
        self.closed_by_device = False


class MuxRelay:
    """Fans the firmware's framed UART out to COUNT TCP connections (see module doc)."""

    def __init__(self, count: int, *, qemu_port: int | None = None,
                 peer_ports: list[int] | None = None) -> None:
        if (qemu_port is None) == (peer_ports is None):
            raise HarnessError("MuxRelay: give qemu_port (firmware server) or peer_ports "
                               "(firmware client)")
        if peer_ports is not None and len(peer_ports) != count:
            raise HarnessError(f"MuxRelay: {count} connections but {len(peer_ports)} peer ports")
        self.count = count
        self._qemu_port = qemu_port
        self._peer_ports = peer_ports
        self._conns = [_Connection() for _ in range(count)]
        self._changed = threading.Condition()
        self._stopped = threading.Event()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((_HOST, 0))
        self._listener.listen(count)
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self._qemu: socket.socket | None = None
        self._sockets: list[socket.socket] = [self._listener]
        self.error: str | None = None
        self.accepted = 0
        self._thread = threading.Thread(target=self._serve, name="tlsfit-mux", daemon=True)
        self._thread.start()

    # ---- peers ----
    def _attach(self, index: int, sock: socket.socket) -> None:
        conn = self._conns[index]
        with self._changed:
            conn.sock = sock
            self._sockets.append(sock)
            refused = conn.closed_by_device
        if refused:
            self._shutdown(sock)
        threading.Thread(target=self._read_peer, args=(index,), daemon=True).start()

    def _read_peer(self, index: int) -> None:
        conn = self._conns[index]
        assert conn.sock is not None
        while True:
            try:
                data = conn.sock.recv(65536)
            except OSError:
                data = b""
            with self._changed:
                if data:
                    conn.pending += data
                else:
                    conn.eof = True
                self._changed.notify_all()
            if not data:
                return

    def _accept_peers(self) -> None:
        """Firmware server: the peers connect; connection ids in the order they arrive."""
        index = 0
        while index < self.count and not self._stopped.is_set():
            try:
                sock, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            sock.settimeout(None)
            self.accepted = index + 1
            self._attach(index, sock)
            index += 1

    def _connect_peers(self) -> None:
        assert self._peer_ports is not None
        for index, port in enumerate(self._peer_ports):
            try:
                sock = socket.create_connection((_HOST, port), timeout=10)
            except OSError as exc:
                raise HarnessError(f"relay could not reach peer {index + 1} at "
                                   f"127.0.0.1:{port}: {exc}") from None
            sock.settimeout(None)
            self._attach(index, sock)

    @staticmethod
    def _shutdown(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    # ---- the firmware's side ----
    def _qemu_socket(self) -> socket.socket | None:
        if self._qemu_port is not None:
            sock = socket.create_connection((_HOST, self._qemu_port), timeout=10)
            threading.Thread(target=self._accept_peers, name="tlsfit-mux-accept",
                             daemon=True).start()
            return sock
        while not self._stopped.is_set():
            try:
                sock, _ = self._listener.accept()
                return sock
            except socket.timeout:
                continue
        return None

    def _recv_exact(self, sock: socket.socket, size: int) -> bytes | None:
        data = bytearray()
        while len(data) < size:
            chunk = sock.recv(size - len(data))
            if not chunk:
                return None
            data += chunk
        return bytes(data)

    def _answer_read(self, sock: socket.socket, index: int, size: int) -> None:
        conn = self._conns[index]
        with self._changed:
            while not conn.pending and not conn.eof and not self._stopped.is_set():
                self._changed.wait(0.5)
            take = bytes(conn.pending[:size])
            del conn.pending[:size]
        sock.sendall(encode_data(index, take))

    def _serve(self) -> None:
        try:
            qemu = self._qemu_socket()
            if qemu is None:
                return
            qemu.settimeout(None)
            self._qemu = qemu
            self._sockets.append(qemu)
            if self._peer_ports is not None:
                self._connect_peers()
            while not self._stopped.is_set():
                header = self._recv_exact(qemu, HEADER_BYTES)
                if header is None:
                    break                              # QEMU exited
                kind, index, length = decode_header(header)
                if index >= self.count:
                    raise HarnessError(f"frame for connection {index + 1} of {self.count}")
                if kind == FRAME_READ:
                    if length == 0:
                        raise HarnessError(f"READ of 0 bytes for connection {index + 1}")
                    self._answer_read(qemu, index, length)
                    continue
                payload = self._recv_exact(qemu, length) if length else b""
                if payload is None:
                    break
                self._to_peer(index, payload)
        except HarnessError as exc:
            self.error = f"relay: {exc}"
        except OSError as exc:                         # sockets closed by stop()
            if not self._stopped.is_set():
                self.error = f"relay: {exc}"
        finally:
            self._close_peers()
            if self.error and self._qemu is not None:
                self._close(self._qemu)            # out of step: nothing more can be relayed

    def _to_peer(self, index: int, payload: bytes) -> None:
        conn = self._conns[index]
        with self._changed:
            sock = conn.sock
            if not payload:
                conn.closed_by_device = True
        if sock is None:
            return                                     # refused before its peer connected
        if not payload:
            self._shutdown(sock)
            return
        try:
            sock.sendall(payload)
        except OSError:
            pass                                       # the peer has gone; the firmware will see EOF

    @staticmethod
    def _close(sock: socket.socket) -> None:
        """shutdown first: it wakes a thread blocked in recv on SOCK and sends the FIN now."""
        for end in (lambda: sock.shutdown(socket.SHUT_RDWR), sock.close):
            try:
                end()
            except OSError:
                pass

    def _close_peers(self) -> None:
        with self._changed:
            socks = [c.sock for c in self._conns if c.sock is not None]
        for sock in socks:
            self._close(sock)

    def stop(self) -> None:
        self._stopped.set()
        with self._changed:
            self._changed.notify_all()
        for sock in list(self._sockets):
            if sock is self._listener:
                sock.close()
            else:
                self._close(sock)
        self._thread.join(timeout=2)

    def __enter__(self) -> "MuxRelay":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
