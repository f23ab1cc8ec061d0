"""Run one test case: firmware under QEMU against an OpenSSL or GnuTLS peer, parse its TLSFIT-RESULT line.

API::

    run_case(elf, case) -> CaseResult

:class:`Case` (frozen) describes the run: ``name``, ``mode`` ("client" | "server" | "csr" |
"verify": parse ``cert``'s chain and ``ca``, then ``mbedtls_x509_crt_verify`` with ``host``, no peer),
``clock`` ("unset": the device's clock reads 1970),
``host``, ``ca``, ``cert``, ``tls`` ("1.2" | "1.3" | "any"), ``psk``, ``mfl`` (512..4096),
``heap_limit``, ``http``, ``client_auth``, ``crash`` ("1"/"udf" | "stack" | "bus"), ``seed``,
``io_timeout_ms`` (guest-side receive timeout), ``peer`` (a :class:`~tlsfit.run.peer.ServerPeer`
or :class:`~tlsfit.run.peer.GnutlsServerPeer` for client mode, a :class:`~tlsfit.run.peer.ClientPeer` for server mode, or ``None`` for no
transport), ``port`` (default: a free port found by binding port 0) and ``timeout_s`` (wall-clock
limit for the whole run). They become the firmware's run parameters (see ``Case.params``).

:class:`CaseResult` (frozen) holds the firmware's report: ``ok``, ``stage``, ``ret``, ``ret_hex``,
``ret_name``, ``verify_flags``, ``verify_names``, ``tls_version``, ``ciphersuite``, ``heap_peak``,
``stack_peak``, ``hs_instructions``, ``bytes_tx``, ``bytes_rx``, ``app_bytes_rx``,
``app_bytes_tx``, ``negotiated_mfl`` (TLS 1.2: the max fragment length the server's ServerHello
confirmed, bytes, 0 if none), ``peer_record_size_limit`` (TLS 1.3: the record_size_limit the peer
sent, 0 if none), ``exit_code``, ``wall_s``, plus ``report`` (the whole JSON object), ``uart_log``,
``peer_output``, ``peer_exit`` and, in CSR mode, ``csr_pem`` / ``key_pem`` (already checked with
``openssl req -verify``).

A TLS failure is a *result* (``ok=False``, exit code 1): negative tests assert on ``ret`` and
``verify_flags``. :class:`~tlsfit.errors.HarnessError` is raised instead when the run itself
went wrong: firmware crash (exception name, PC and LR with their functions), timeout (QEMU or peer
hung; also a firmware receive timeout, -0x6800), port already in use, heap exhausted under
``heap_limit`` (``err.result`` holds the CaseResult), run parameters the image cannot honour, QEMU or
OpenSSL failing to start, a CSR that OpenSSL rejects. QEMU and OpenSSL are always stopped, also on
errors, timeouts and Ctrl-C.

Firmware exit codes: 0 ok, 1 TLS failure, 2 bad run parameters for this config, 3 CPU fault,
4 heap exhausted, 5 internal harness error.
"""
from __future__ import annotations

import atexit
import dataclasses
import functools
import shutil
import json
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tlsfit.run.process import Child, free_port, port_in_use
from tlsfit.errors import HarnessError
from tlsfit.build.firmware import image_tree
from tlsfit.mbedtls.headers import error_name as name_error
from tlsfit.mbedtls.headers import flag_names, read_tree_docs
from tlsfit.run.contract import contract
from tlsfit.run.mux import MAX_CONNECTIONS, MuxRelay
from tlsfit.run.relay import Relay, check_relay
from tlsfit.run.peer import GNUTLS_SMALL_ANSWER, TEST_HOST, ClientPeer, GnutlsServerPeer, ServerPeer
from tlsfit.run.qemu import qemu_argv

# Exit codes and line tags: the harness's contract header (tlsfit.run.contract).
EXIT_OK = contract().exit_ok
EXIT_TLS_FAILURE = contract().exit_tls_failure
EXIT_BAD_PARAMS = contract().exit_bad_params
EXIT_FAULT = contract().exit_fault
EXIT_HEAP = contract().exit_heap
EXIT_INTERNAL = contract().exit_internal

MBEDTLS_ERR_SSL_TIMEOUT = -0x6800
_RESULT_RE = re.compile(re.escape(contract().result_tag) + r" (\{.*\})")
_FAULT_RE = re.compile(re.escape(contract().fault_tag) + r" (\{.*\})")
_STARTUP_TIMEOUT_S = 10.0
_PEER_EXIT_WAIT_S = 3.0


@dataclass(frozen=True)
class Case:
    """One firmware run; fields map to run parameters (see module docstring)."""

    name: str
    mode: str = "client"
    host: str | None = TEST_HOST
    ca: str | None = None
    cert: str | None = None
    tls: str = "any"
    psk: bool = False
    mfl: int | None = None
    heap_limit: int | None = None
    http: bool = False
    client_auth: bool = False
    pem: bool = False
    big: bool = False          # GET /big.txt: the peer answers in full-size records
    crash: str | None = None
    seed: int | None = None
    io_timeout_ms: int | None = None
    clock: str | None = None   # "unset": the device's clock reads 1970 (certificate date checks)
    peer: ServerPeer | GnutlsServerPeer | ClientPeer | None = None
    port: int | None = None
    timeout_s: float = 60.0
    #: N sessions at once (an image built with connections=True; see run_case), None: one
    connections: int | None = None

    def params(self) -> dict[str, str]:
        """The firmware's ``-append`` parameters for this case."""
        if self.mode not in ("client", "server", "csr", "calibrate", "verify"):
            raise HarnessError(f"case {self.name}: mode={self.mode!r} is not client, server, csr "
                               "or verify")
        params = {"test": self.name, "mode": self.mode, "tls": self.tls}
        optional: dict[str, object | None] = {
            "host": self.host, "ca": self.ca, "cert": self.cert, "mfl": self.mfl,
            "heap_limit": self.heap_limit, "crash": self.crash, "seed": self.seed,
            "timeout_ms": self.io_timeout_ms, "clock": self.clock, "conns": self.connections,
        }
        params.update({key: str(value) for key, value in optional.items() if value is not None})
        for flag, on in (("psk", self.psk), ("http", self.http), ("client_auth", self.client_auth),
                         ("pem", self.pem), ("big", self.big)):
            if on:
                params[flag] = "1"
        return params


@dataclass(frozen=True)
class ConnectionsSeen:
    """What an N-sessions run reported besides the usual result line (heap figures in bytes)."""

    connections: int
    ok: int                 # sessions that completed handshake, request/answer and close
    failed: int | None      # 1-based number of the first session that failed, None: none
    heap_config: int        # in use before any session: config, certificates, keys
    heap_config_peak: int   # peak before any session
    heap_setup: int         # in use after every session's mbedtls_ssl_setup
    heap_open: int          # in use with every handshake over (all sessions open)
    ssl_context_bytes: int  # sizeof(mbedtls_ssl_context): static, per session

    @staticmethod
    def of(report: dict[str, Any]) -> "ConnectionsSeen":
        failed = int(report["conn_failed"])
        return ConnectionsSeen(
            connections=int(report["connections"]), ok=int(report["conns_ok"]),
            failed=None if failed < 0 else failed + 1, heap_config=int(report["heap_config"]),
            heap_config_peak=int(report["heap_config_peak"]), heap_setup=int(report["heap_setup"]),
            heap_open=int(report["heap_open"]), ssl_context_bytes=int(report["ssl_context_bytes"]))


@dataclass(frozen=True)
class CaseResult:
    """The firmware's TLSFIT-RESULT plus what the host saw."""

    name: str
    ok: bool
    stage: str
    ret: int
    ret_hex: str
    ret_name: str
    verify_flags: int
    verify_names: tuple[str, ...]
    tls_version: str
    ciphersuite: str
    heap_peak: int
    stack_peak: int
    hs_instructions: int
    bytes_tx: int
    bytes_rx: int
    app_bytes_rx: int
    app_bytes_tx: int
    exit_code: int
    negotiated_mfl: int
    peer_record_size_limit: int
    wall_s: float
    report: dict[str, Any] = field(repr=False)
    uart_log: str = field(repr=False)
    peer_output: str = field(repr=False, default="")
    peer_exit: int | None = None
    csr_pem: str | None = field(repr=False, default=None)
    key_pem: str | None = field(repr=False, default=None)
    connections: ConnectionsSeen | None = None   # set by a run with Case.connections


def error_name(code: int, elf: Path) -> str:
    """MBEDTLS_ERR_... name for a return code, from the tree ELF was built with."""
    return name_error(read_tree_docs(image_tree(elf)), code)


def verify_flag_names(flags: int, elf: Path) -> tuple[str, ...]:
    """MBEDTLS_X509_BADCERT_... names, from the tree ELF was built with."""
    return flag_names(read_tree_docs(image_tree(elf)), flags)


def _tail(text: str, lines: int = 12) -> str:
    rows = [row for row in text.splitlines() if row.strip()]
    return "\n".join("    " + row for row in rows[-lines:]) or "    (nothing)"


def _addr2line(elf: Path, *addresses: str) -> list[str]:
    try:
        done = subprocess.run(["arm-none-eabi-addr2line", "-f", "-e", str(elf), *addresses],
                              capture_output=True, text=True, timeout=20, check=False)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return ["?"] * len(addresses)
    rows = done.stdout.splitlines()
    names = rows[0::2]
    return [(names[i] if i < len(names) else "?") for i in range(len(addresses))]


def _fault_error(elf: Path, case: Case, fault: dict[str, Any], log: str) -> HarnessError:
    pc, lr = str(fault.get("pc", "0x0")), str(fault.get("lr", "0x0"))
    pc_fn, lr_fn = _addr2line(elf, pc, lr)
    kind = "stack overflow (MSPLIM)" if fault.get("stack_overflow") else str(fault.get("exception"))
    return HarnessError(
        f"case {case.name}: firmware crashed: {kind} at PC={pc} ({pc_fn}), LR={lr} ({lr_fn}); "
        f"CFSR={fault.get('cfsr')} HFSR={fault.get('hfsr')} BFAR={fault.get('bfar')}\n"
        f"  UART0 tail:\n{_tail(log)}")


def _extract_pem(log: str, label: str) -> str | None:
    match = re.search(rf"-----BEGIN {label}-----.*?-----END {label}-----", log, re.S)
    return match.group(0).replace("\r\n", "\n") + "\n" if match else None


#: How long one host-side openssl command may take (CSR checks).
OPENSSL_TIMEOUT_S = 30.0


def _openssl(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """A host-side openssl command; a hang or a missing openssl is a HarnessError."""
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=OPENSSL_TIMEOUT_S,
                              check=False)
    except subprocess.TimeoutExpired:
        raise HarnessError(f"{' '.join(argv[:3])} did not finish within {OPENSSL_TIMEOUT_S:.0f} s"
                           ) from None
    except OSError as exc:
        raise HarnessError(f"{argv[0]} could not run ({exc.strerror}); run 'make setup'") from None


def csr_signature_verifies(csr_path: Path, der: bool = False) -> tuple[bool, str]:
    """`openssl req -verify` on a CSR. OpenSSL 3.0 exits 0 even when the signature is
    bad, so the verdict is read from its message ("verify OK" / "verify failure")."""
    argv = ["openssl", "req", "-verify", "-noout", "-in", str(csr_path)]
    if der:
        argv += ["-inform", "DER"]
    done = _openssl(argv)
    said = (done.stdout + done.stderr).strip()
    return done.returncode == 0 and "verify OK" in said and "failure" not in said, said


def _check_csr(case: Case, log: str) -> tuple[str, str]:
    csr = _extract_pem(log, "CERTIFICATE REQUEST")
    key = _extract_pem(log, "EC PRIVATE KEY") or _extract_pem(log, "PRIVATE KEY")
    if csr is None or key is None:
        raise HarnessError(f"case {case.name}: CSR mode reported ok but UART0 holds no CSR/key PEM")
    with tempfile.TemporaryDirectory(prefix="tlsfit-csr-") as tmp:
        csr_path, key_path = Path(tmp) / "req.pem", Path(tmp) / "key.pem"
        csr_path.write_text(csr)
        key_path.write_text(key)
        verified, said = csr_signature_verifies(csr_path)
        if not verified:
            raise HarnessError(f"case {case.name}: openssl req -verify rejected the device's CSR: "
                               f"{said}")
        checks = (
            ["openssl", "req", "-noout", "-pubkey", "-in", str(csr_path)],
            ["openssl", "pkey", "-pubout", "-in", str(key_path)],
        )
        outputs = []
        for argv in checks:
            done = _openssl(argv)
            if done.returncode != 0:
                raise HarnessError(f"case {case.name}: {' '.join(argv[:3])} rejected the device's "
                                   f"output:\n{done.stderr.strip()}")
            outputs.append(done.stdout)
        if outputs[0].strip() != outputs[1].strip():
            raise HarnessError(f"case {case.name}: the CSR's public key does not match the printed key")
    return csr, key


def check_report(case_name: str, report: dict[str, Any], connections: bool = False) -> None:
    """The result line is the contract's: its schema and every key the runner reads (with
    CONNECTIONS, also those of an N-sessions run)."""
    c = contract()
    if report.get("schema_version") != c.result_schema:
        raise HarnessError(f"case {case_name}: the firmware's result line has schema "
                           f"{report.get('schema_version')!r}, the runner reads {c.result_schema} "
                           "(rebuild the firmware from this tlsfit's c_harness)")
    keys = c.result_keys + (c.connections_keys if connections else ())
    missing = [k for k in keys if k not in report]
    if missing:
        raise HarnessError(f"case {case_name}: the firmware's result line lacks "
                           f"{', '.join(missing)} (c_harness/board/tlsfit_contract.h)")


def _make_result(case: Case, report: dict[str, Any], log: str, wall_s: float, peer: Child | None,
                 peer_exit: int | None, elf: Path) -> CaseResult:
    ret = int(report.get("ret", 0))
    flags = int(report.get("verify_flags", 0))
    return CaseResult(
        name=case.name, ok=bool(report.get("ok")), stage=str(report.get("stage", "")), ret=ret,
        ret_hex=str(report.get("ret_hex", "")), ret_name=error_name(ret, elf),
        verify_flags=flags, verify_names=verify_flag_names(flags, elf),
        tls_version=str(report.get("tls_version", "")), ciphersuite=str(report.get("ciphersuite", "")),
        heap_peak=int(report.get("heap_peak", 0)), stack_peak=int(report.get("stack_peak", 0)),
        hs_instructions=int(report.get("hs_instructions", 0)),
        bytes_tx=int(report.get("bytes_tx", 0)), bytes_rx=int(report.get("bytes_rx", 0)),
        app_bytes_rx=int(report.get("app_bytes_rx", 0)), app_bytes_tx=int(report.get("app_bytes_tx", 0)),
        exit_code=int(report.get("exit_code", -1)),
        negotiated_mfl=int(report.get("negotiated_mfl", 0)),
        peer_record_size_limit=int(report.get("peer_record_size_limit", 0)), wall_s=wall_s, report=report, uart_log=log,
        peer_output=peer.output() if peer else "", peer_exit=peer_exit)


def _port_error(case: Case, port: int, who: str) -> HarnessError:
    return HarnessError(f"case {case.name}: port {port} on 127.0.0.1 is already in use ({who} could not "
                        f"listen); pick another port or leave Case.port unset for a free one")


BIG_BODY_BYTES = 40_000


@functools.cache
def _www_root() -> Path:
    """With -WWW, s_server serves files from its working directory: big.txt is an
    answer larger than two full records, so a small receive buffer meets 16 KB records."""
    root = Path(tempfile.mkdtemp(prefix="tlsfit-www-"))
    atexit.register(shutil.rmtree, root, True)
    line = b"tlsfit: a long answer in full-size TLS records (TEST ONLY)\n"
    (root / "big.txt").write_bytes(line * (BIG_BODY_BYTES // len(line) + 1))
    # gnutls-serv --http answers every request with one file: a short answer fits any buffer.
    (root / GNUTLS_SMALL_ANSWER).write_bytes(b"tlsfit: a short answer (TEST ONLY)\n")
    return root


def _www_dir(peer: ServerPeer | GnutlsServerPeer) -> Path | None:
    return _www_root() if peer.serve_files else None


def _start_server_peer(case: Case, peer: ServerPeer | GnutlsServerPeer, port: int,
                       deadline: float) -> Child:
    child = Child(peer.argv(port), name=peer.program, cwd=_www_dir(peer))
    try:
        stream = child.stderr if peer.ready_stream == "stderr" else child.stdout
        ready = stream.wait_for(peer.ready_text,
                                      min(_STARTUP_TIMEOUT_S, deadline - time.monotonic()))
        out = child.output()
        # gnutls-serv goes on listening on IPv6 when its IPv4 port is taken: read what it said.
        if not ready or "bind() failed" in out:
            if "in use" in out or "bind" in out.lower():
                raise _port_error(case, port, peer.program)
            state = "exited" if not child.running() else f"did not print {peer.ready_text}"
            raise HarnessError(f"case {case.name}: {peer.program} {state}:\n{_tail(out)}")
    except BaseException:
        child.stop()
        raise
    return child


def _wait_qemu_listening(case: Case, qemu: Child, port: int, deadline: float) -> None:
    if not qemu.stderr.wait_for("waiting for connection", min(_STARTUP_TIMEOUT_S, deadline - time.monotonic())):
        out = qemu.output()
        if "in use" in out:
            raise _port_error(case, port, "QEMU")
        raise HarnessError(f"case {case.name}: QEMU did not start listening on port {port}:\n{_tail(out)}")


#: How long the guest may go on after the peer has exited. Unloaded, a firmware client takes
#: about 1 s after s_server has sent 41 KB and exited (tls1.3-ec256-large-records); 8 s was once
#: too little on a loaded 2-core machine. Only a failing case waits this long.
_AFTER_PEER_EXIT_S = 20.0


def _wait_firmware(qemu: Child, peer: Child | None, deadline: float) -> int | None:
    """Wait for QEMU; stop waiting soon after the peer is gone (no EOF reaches the guest)."""
    peer_gone_at: float | None = None
    while True:
        now = time.monotonic()
        rc = qemu.wait(min(0.2, max(deadline - now, 0.0)))
        if rc is not None or now >= deadline:
            return rc
        if peer is not None and not peer.running():
            peer_gone_at = peer_gone_at or now
            if now - peer_gone_at > _AFTER_PEER_EXIT_S:
                return None


def _start_connections(elf: Path, case: Case, params: dict[str, str], port: int,
                       deadline: float, peers: list[Child]) -> tuple[Child, MuxRelay]:
    """QEMU, the relay and N OpenSSL peers of an N-sessions run (tlsfit.run.mux); the peers are
    appended to PEERS as they start, so that the caller stops them whatever happens."""
    count = case.connections or 0
    if not 1 <= count <= MAX_CONNECTIONS:
        raise HarnessError(f"case {case.name}: {count} connections: use 1 to {MAX_CONNECTIONS}")
    if case.mode == "client" and isinstance(case.peer, ServerPeer):
        ports = [port] + [free_port() for _ in range(count - 1)]
        for peer_port in ports:       # s_server serves one connection at a time: one each
            peers.append(_start_server_peer(case, case.peer, peer_port, deadline))
        relay = MuxRelay(count, peer_ports=ports)
        return Child(qemu_argv(elf, params, port=relay.port), name="QEMU"), relay
    if case.mode == "server" and isinstance(case.peer, ClientPeer):
        qemu = Child(qemu_argv(elf, params, port=port, listen=True), name="QEMU")
        try:
            _wait_qemu_listening(case, qemu, port, deadline)
            relay = MuxRelay(count, qemu_port=port)
        except BaseException:
            qemu.stop()
            raise
        try:
            for index in range(count):
                # One at a time, so that peer i is connection i in messages.
                peers.append(Child(case.peer.argv(relay.port), name=f"openssl s_client {index + 1}",
                                   stdin_data=case.peer.stdin_data()))
                peers[-1].feed_stdin()
                limit = time.monotonic() + _STARTUP_TIMEOUT_S
                while relay.accepted <= index and time.monotonic() < limit and peers[-1].running():
                    time.sleep(0.01)
        except BaseException:
            qemu.stop()
            relay.stop()
            raise
        return qemu, relay
    raise HarnessError(f"case {case.name}: {count} connections at once run against OpenSSL "
                       "(s_server for a firmware client, s_client for a firmware server)")


def run_case(elf: Path, case: Case) -> CaseResult:
    """Run one case to completion (or to its time limit) and return the firmware's result."""
    elf = Path(elf)
    if not elf.is_file():
        raise HarnessError(f"{elf}: no such firmware image (build it with build_firmware)")
    params = case.params()
    if case.mode == "client" and case.peer is not None and \
            not isinstance(case.peer, (ServerPeer, GnutlsServerPeer)):
        raise HarnessError(f"case {case.name}: a firmware client needs a ServerPeer (server_peer())")
    if case.mode == "server" and case.peer is not None and not isinstance(case.peer, ClientPeer):
        raise HarnessError(f"case {case.name}: a firmware server needs a ClientPeer (client_peer())")

    start = time.monotonic()
    deadline = start + case.timeout_s
    port = case.port if case.port is not None else free_port()
    if case.peer is not None and port_in_use(port):
        raise _port_error(case, port, "the peer" if case.mode == "client" else "QEMU")

    peer: Child | None = None
    qemu: Child | None = None
    relay: Relay | MuxRelay | None = None
    peers: list[Child] = []
    try:
        if case.connections is not None:
            qemu, relay = _start_connections(elf, case, params, port, deadline, peers)
        elif case.peer is None:
            qemu = Child(qemu_argv(elf, params), name="QEMU")
        elif isinstance(case.peer, (ServerPeer, GnutlsServerPeer)):
            peer = _start_server_peer(case, case.peer, port, deadline)
            relay = Relay(port, qemu_connects=True)
            qemu = Child(qemu_argv(elf, params, port=relay.port), name="QEMU")
        else:
            qemu = Child(qemu_argv(elf, params, port=port, listen=True), name="QEMU")
            _wait_qemu_listening(case, qemu, port, deadline)
            relay = Relay(port, qemu_connects=False)
            peer = Child(case.peer.argv(relay.port), name="openssl s_client",
                         stdin_data=case.peer.stdin_data())
            peer.feed_stdin()

        rc = _wait_firmware(qemu, peer, deadline)
        # gnutls-serv serves until stopped: do not wait for it to exit.
        once = peer is not None and getattr(case.peer, "serves_once", True)
        peer_exit = peer.wait(min(_PEER_EXIT_WAIT_S, max(deadline - time.monotonic(), 0.1))) if once else None
        for each in peers:       # N sessions: the relay closed them when QEMU exited
            each.wait(min(_PEER_EXIT_WAIT_S, max(deadline - time.monotonic(), 0.1)))
        log = qemu.stdout.text()
        wall = time.monotonic() - start
        fault = _FAULT_RE.search(log)
        if fault:
            raise _fault_error(elf, case, json.loads(fault.group(1)), log)
        found = _RESULT_RE.search(log)
        if relay is not None and not found:
            check_relay(relay, case.name)   # a broken relay, not a hung peer
        if rc is None and peer is not None and not peer.running() and not found:
            raise HarnessError(
                f"case {case.name}: the peer ended the connection (exit {peer.wait(0.1)}) and the "
                f"firmware was still waiting for data {_AFTER_PEER_EXIT_S:.0f} s later (the guest "
                f"never sees EOF)\n  UART0 tail:\n{_tail(log)}\n  peer output tail:\n"
                f"{_tail(peer.output())}")
        peers_output = "\n".join(f"[peer {i + 1}] {line}" for i, each in enumerate(peers)
                                 for line in each.output().splitlines())
        if rc is None:
            what = "firmware reported but QEMU did not exit" if found else "no result from the firmware"
            raise HarnessError(
                f"case {case.name}: timeout after {case.timeout_s:.0f} s ({what}; QEMU or peer hung)\n"
                f"  UART0 tail:\n{_tail(log)}\n  peer output tail:\n"
                f"{_tail(peer.output() if peer else peers_output)}")
        if not found:
            raise HarnessError(f"case {case.name}: QEMU exited with {rc} without a TLSFIT-RESULT line:\n"
                               f"{_tail(qemu.output())}")
        report = json.loads(found.group(1))
        check_report(case.name, report, connections=case.connections is not None)
        result = _make_result(case, report, log, wall, peer, peer_exit, elf)
        if case.connections is not None:
            result = dataclasses.replace(result, peer_output=peers_output,
                                         connections=ConnectionsSeen.of(report))
    finally:
        if qemu is not None:
            qemu.stop()
        if peer is not None:
            peer.stop()
        for each in peers:
            each.stop()
        if relay is not None:
            relay.stop()

    if rc != result.exit_code:
        raise HarnessError(f"case {case.name}: QEMU exit code {rc} disagrees with the report's {result.exit_code}")
    if result.exit_code == EXIT_HEAP or report.get("heap_exhausted"):
        which = ""
        if result.connections is not None and result.connections.failed is not None:
            which = (f" (session {result.connections.failed} of {result.connections.connections}; "
                     f"{result.connections.ok} completed)")
        raise HarnessError(
            f"case {case.name}: heap exhausted: an allocation was refused (limit {report.get('heap_limit')} B, "
            f"peak {result.heap_peak} B) in stage {result.stage}{which}, ret {result.ret_hex} "
            f"{result.ret_name}", result=result)
    if result.exit_code == EXIT_BAD_PARAMS:
        raise HarnessError(f"case {case.name}: this image cannot run the case: {report.get('detail')}",
                           result=result)
    if result.exit_code not in (EXIT_OK, EXIT_TLS_FAILURE):
        raise HarnessError(f"case {case.name}: firmware exit code {result.exit_code}: {report.get('detail')}",
                           result=result)
    if result.ret == MBEDTLS_ERR_SSL_TIMEOUT:
        raise HarnessError(
            f"case {case.name}: peer hung: nothing received for {case.io_timeout_ms or 5000} ms of guest time "
            f"in stage {result.stage} (ret -0x6800 MBEDTLS_ERR_SSL_TIMEOUT)\n"
            f"  peer output tail:\n{_tail(result.peer_output)}", result=result)
    if case.mode == "csr" and result.ok:
        csr, key = _check_csr(case, result.uart_log)
        result = CaseResult(**{**result.__dict__, "csr_pem": csr, "key_pem": key})
    return result
