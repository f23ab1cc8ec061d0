"""N sessions at once (measure/run --connections N) without QEMU: the frames, the relay that fans
them out (a test socket plays the firmware, plain TCP sockets the peers), the figures and their
place in a result, and bad input."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import replace

import pytest

from tlsfit.cli.main import main
from tlsfit.errors import HarnessError, TlsfitError
from tlsfit.measure.connections import _judge_twin, _per_connection, check_count, connections_case
from tlsfit.results.model import ConnectionRun, Connections, Result
from tlsfit.run import mux
from tlsfit.run.contract import contract
from tlsfit.run.runner import Case, CaseResult, ConnectionsSeen, check_report


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        assert chunk, "closed early"
        data += chunk
    return data


def _read(firmware: socket.socket, conn: int, size: int) -> bytes:
    """What the firmware's receive callback does: READ, then the relay's one DATA frame."""
    firmware.sendall(mux.encode_read(conn, size))
    kind, got_conn, length = mux.decode_header(_recv_exact(firmware, mux.HEADER_BYTES))
    assert (kind, got_conn) == (mux.FRAME_DATA, conn)
    assert length <= size
    return _recv_exact(firmware, length) if length else b""


def _read_until(firmware: socket.socket, conn: int, want: bytes) -> bytes:
    data = b""
    while len(data) < len(want):
        chunk = _read(firmware, conn, 1000)
        assert chunk, f"end of stream after {data!r}"
        data += chunk
    return data


def test_frames_are_the_contracts():
    c = contract()
    assert (mux.FRAME_DATA, mux.FRAME_READ, mux.HEADER_BYTES) == (0x44, 0x52, 4)
    assert (c.max_connections, mux.MAX_CONNECTIONS) == (8, 8)
    assert mux.encode_data(3, b"abc") == b"D\x03\x00\x03abc"
    assert mux.encode_data(1, b"") == b"D\x01\x00\x00"                 # close
    assert mux.encode_read(0, 0x1234) == b"R\x00\x12\x34"
    assert mux.decode_header(b"D\x07\x41\x00") == (mux.FRAME_DATA, 7, 0x4100)
    with pytest.raises(HarnessError, match="unknown type 0x58"):
        mux.decode_header(b"X\x00\x00\x01")
    with pytest.raises(HarnessError, match="3 bytes"):
        mux.decode_header(b"D\x00\x00")
    with pytest.raises(HarnessError, match="out of range"):
        mux.encode_read(0, 0x10000)


def _peer_servers(count: int) -> list[socket.socket]:
    servers = []
    for _ in range(count):
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        servers.append(server)
    return servers


def test_firmware_client_fans_out_to_one_peer_each_and_keeps_their_bytes_apart():
    servers = _peer_servers(3)
    relay = mux.MuxRelay(3, peer_ports=[s.getsockname()[1] for s in servers])
    try:
        firmware = socket.create_connection(("127.0.0.1", relay.port))
        peers = [s.accept()[0] for s in servers]
        # Each peer answers before the firmware asks: the relay keeps it, per connection.
        for index, peer in enumerate(peers):
            peer.sendall(b"hello from %d" % index)
        for index in reversed(range(3)):
            firmware.sendall(mux.encode_data(index, b"to %d" % index))
            assert _recv_exact(peers[index], 4) == b"to %d" % index
            assert _read_until(firmware, index, b"hello from 0") == b"hello from %d" % index
        # A READ for less than is waiting takes only that much.
        peers[1].sendall(b"0123456789")
        assert _read(firmware, 1, 4) == b"0123"
        assert _read_until(firmware, 1, b"456789") == b"456789"
        # The device closes connection 2: its peer sees the end of the stream.
        firmware.sendall(mux.encode_data(2, b""))
        assert peers[2].recv(10) == b""
        # A peer that closes: everything it sent, then a 0-byte DATA frame (end of stream).
        peers[0].sendall(b"bye")
        peers[0].close()
        assert _read_until(firmware, 0, b"bye") == b"bye"
        assert _read(firmware, 0, 100) == b""
        firmware.close()
        assert peers[1].recv(10) == b""          # QEMU gone: every peer is closed
        assert relay.error is None
    finally:
        relay.stop()
        for s in servers:
            s.close()


def test_firmware_server_numbers_its_peers_in_the_order_they_connect():
    qemu = socket.socket()
    qemu.bind(("127.0.0.1", 0))
    qemu.listen(1)
    relay = mux.MuxRelay(2, qemu_port=qemu.getsockname()[1])
    try:
        firmware, _ = qemu.accept()
        first = socket.create_connection(("127.0.0.1", relay.port))
        first.sendall(b"ClientHello 1")
        assert _read_until(firmware, 0, b"ClientHello 1") == b"ClientHello 1"
        # The second peer connects after the firmware has asked for its bytes: the READ waits.
        answer: list[bytes] = []
        waiting = threading.Thread(target=lambda: answer.append(
            _read_until(firmware, 1, b"ClientHello 2")))
        waiting.start()
        second = socket.create_connection(("127.0.0.1", relay.port))
        second.sendall(b"ClientHello 2")
        waiting.join(5)
        assert answer == [b"ClientHello 2"] and relay.accepted == 2
        firmware.sendall(mux.encode_data(1, b"ServerHello 2"))
        assert _recv_exact(second, 13) == b"ServerHello 2"
        firmware.close()
    finally:
        relay.stop()
        qemu.close()


def test_a_frame_out_of_step_is_the_relays_error():
    servers = _peer_servers(1)
    relay = mux.MuxRelay(1, peer_ports=[servers[0].getsockname()[1]])
    try:
        firmware = socket.create_connection(("127.0.0.1", relay.port))
        servers[0].accept()
        firmware.sendall(b"D\x05\x00\x01x")          # connection 6 of 1
        firmware.settimeout(5)
        assert firmware.recv(10) == b""              # the relay gave up
        assert relay.error == "relay: frame for connection 6 of 1"
    finally:
        relay.stop()
        servers[0].close()


def test_the_relay_needs_one_side():
    with pytest.raises(HarnessError, match="give qemu_port"):
        mux.MuxRelay(2)
    with pytest.raises(HarnessError, match="2 connections but 1 peer ports"):
        mux.MuxRelay(2, peer_ports=[1])


def test_a_case_with_connections_asks_the_firmware_for_them():
    assert Case("c", connections=3).params()["conns"] == "3"
    assert "conns" not in Case("c").params()


def test_the_result_line_of_an_n_sessions_run_must_carry_its_figures():
    good = {k: 0 for k in contract().result_keys} | {"schema_version": 1}
    check_report("c", good)                                   # one session: not needed
    with pytest.raises(HarnessError, match="lacks connections, conns_ok"):
        check_report("c", good, connections=True)
    report = good | {k: 1 for k in contract().connections_keys} | {"conn_failed": -1}
    check_report("c", report, connections=True)
    seen = ConnectionsSeen.of(report | {"conn_failed": 2})
    assert seen.failed == 3 and ConnectionsSeen.of(report).failed is None


def _connections(count: int = 3) -> Connections:
    runs = tuple(ConnectionRun(k, True, 1000 + 700 * k, 900 + 650 * k, 950 + 680 * k, 2000)
                 for k in range(1, count + 1))
    return Connections(case="server-tls1.3-ec256", connections=count, runs=runs, heap_config=300,
                       ssl_context_bytes=216,
                       per_connection_heap_peak=_per_connection(runs[0].heap_peak,
                                                                runs[-1].heap_peak, count),
                       per_connection_heap_open=_per_connection(runs[0].heap_open,
                                                                runs[-1].heap_open, count),
                       twin_heap_limit=runs[-2].heap_peak, twin_expect="fail -0x7f00",
                       twin_seen="-0x7f00", twin_passed=True)


def _committed_result() -> Result:
    from tlsfit.paths import RESULTS_DIR
    path = RESULTS_DIR / "https-server-ecdsa.json"
    return Result.from_json(json.loads(path.read_text()), path.name)


def test_connections_round_trip_and_are_absent_from_older_results():
    older = _committed_result()
    assert older.connections is None and "connections" not in older.to_json()
    result = replace(older, connections=_connections())
    doc = json.loads(json.dumps(result.to_json()))
    assert doc["connections"]["passed"] is True
    assert doc["connections"]["per_connection_heap_peak"] == 700
    back = Result.from_json(doc, "x")
    assert back == result and back.connections.heap_peak == 3100
    assert json.dumps(back.to_json(), sort_keys=True) == json.dumps(doc, sort_keys=True)
    del doc["connections"]["runs"][0]["heap_open"]
    with pytest.raises(TlsfitError, match="x: not a tlsfit result"):
        Result.from_json(doc, "x")


def test_per_connection_figures():
    assert _per_connection(28923, 51301, 2) == 22378
    assert _per_connection(100, 100 + 3 * 701, 4) == 701
    assert _per_connection(100, 999, 1) is None
    assert not replace(_connections(), twin_passed=False).passed


def _twin(ok: bool, ret: int, stage: str, failed: int | None, completed: int) -> CaseResult:
    seen = ConnectionsSeen(3, completed, failed, 1, 1, 1, 1, 216)
    return CaseResult(name="t", ok=ok, stage=stage, ret=ret, ret_hex=f"-0x{-ret:04x}",
                      ret_name="MBEDTLS_ERR_SSL_ALLOC_FAILED", verify_flags=0, verify_names=(),
                      tls_version="", ciphersuite="", heap_peak=1, stack_peak=1,
                      hs_instructions=0, bytes_tx=0, bytes_rx=0, app_bytes_rx=0, app_bytes_tx=0,
                      exit_code=4, negotiated_mfl=0, peer_record_size_limit=0, wall_s=1.0,
                      report={}, uart_log="", connections=seen)


def test_the_twin_must_refuse_session_n_in_setup_with_alloc_failed():
    assert _judge_twin(_twin(False, -0x7F00, "setup", 3, 2), "", 3) == (
        True, "-0x7f00 MBEDTLS_ERR_SSL_ALLOC_FAILED in setup of session 3, 2 of 3 complete")
    assert not _judge_twin(_twin(False, -0x7F00, "setup", 2, 1), "", 3)[0]       # too early
    assert not _judge_twin(_twin(False, -0x4D80, "handshake", 3, 2), "", 3)[0]   # other error
    assert _judge_twin(_twin(True, 0, "done", None, 3), "", 3) == (
        False, "all 3 sessions completed under the limit")
    assert _judge_twin(None, "case x: timeout", 3) == (False, "case x: timeout")


@pytest.mark.parametrize("count", [0, -1, 9, 100])
def test_a_count_out_of_range_is_one_line(count, capsys):
    with pytest.raises(TlsfitError, match=f"--connections {count}: give 1 to 8"):
        check_count(count)
    assert main(["measure", "https-server-ecdsa", "--connections", str(count)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == (f"tlsfit: --connections {count}: give 1 to 8 sessions at once "
                           "(the firmware keeps a table of that many)")


@pytest.mark.parametrize("argv, message", [
    (["measure", "device-csr-p256", "--connections", "2"],
     "tlsfit: device-csr-p256: --connections needs a TLS client or server profile"),
    (["measure", "--all", "--connections", "2"],
     "tlsfit: --connections measures the profiles you name (not --all or --reference)"),
    (["run", "device-csr-p256", "--case", "csr-p256", "--connections", "2"],
     "tlsfit: device-csr-p256: csr-p256 cannot run with --connections"),
    (["run", "https-server-ecdsa", "--case", "server-tls1.3-ec256", "--connections", "9"],
     "tlsfit: --connections 9: give 1 to 8"),
])
def test_a_profile_or_case_that_cannot_do_it_is_one_line(argv, message, capsys):
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1 and "Traceback" not in err


def test_the_case_opened_n_times_is_the_first_openssl_case():
    from tlsfit.generate.profile import profile_path, read_profile
    from tlsfit.generate.resolve import resolve
    from tlsfit.run.matrix import build_matrix
    for profile, case in (("https-server-ecdsa", "server-tls1.3-ec256"),
                          ("https-client-rsa", "tls1.2-rsa2048"),
                          ("psk-ccm-minimal", "tls1.2-psk")):
        rows = build_matrix(resolve(read_profile([profile_path(profile)])))
        assert connections_case(profile, rows).name == case


def test_compare_and_the_reports_show_sessions_at_once(tmp_path, capsys):
    """A result measured with --connections gets a row in compare's second table and in both
    reports; results without it add no table."""
    from tlsfit.cli.main import main
    from tlsfit.compare.tables import sessions_table
    from tlsfit.report.document import render_html, render_markdown
    plain = _committed_result()
    assert sessions_table({"p": plain}).rows == ()
    assert "Sessions at once" not in render_markdown({"p": plain})
    doc = replace(plain, connections=_connections())
    (tmp_path / "https-server-ecdsa.json").write_text(json.dumps(doc.to_json()))
    assert main(["compare", str(tmp_path), "--markdown", str(tmp_path / "c.md")]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("https-server-ecdsa  "
                                                                     "server-tls1.3-ec256"))
    assert row.split()[2:8] == ["3", "3,100", "700", "680", "300", "216"]
    assert "limit 2,400: pass" in row
    assert "| server-tls1.3-ec256 | 3 | 3,100 | 700 | 680 |" in (tmp_path / "c.md").read_text()
    assert "| https-server-ecdsa | server-tls1.3-ec256 | 3 | 3,100 |" in \
        render_markdown({"https-server-ecdsa": doc})
    html = render_html({"https-server-ecdsa": doc})
    assert '<table id="sessions">' in html and ">3,100</td>" in html
