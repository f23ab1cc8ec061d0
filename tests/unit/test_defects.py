"""Failures that once showed a traceback or a wrong message (issue 14, point 5)."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tlsfit.errors import HarnessError, TlsfitError
from tlsfit.generate.profile import read_profile
from tlsfit.generate.resolve import resolve
from tlsfit.outputs import render_all
from tlsfit.results.io import read_document
from tlsfit.run import runner
from tlsfit.run.relay import Relay, check_relay

from tlsfit_testdata import BASE_CLIENT


@contextmanager
def _refusing_port() -> Iterator[int]:
    """A port bound but not listening: connects get RST, and nobody else can take it.

    Why: a port freed after bind() may be taken again, or Linux may pick it as the
    connecting socket's own source port (a TCP self-connect succeeds), and then the
    relay pumps forever instead of giving up.
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


def test_a_relay_that_cannot_reach_the_peer_says_so():
    with _refusing_port() as port:
        relay = Relay(port, qemu_connects=True)
        try:
            with socket.create_connection(("127.0.0.1", relay.port), timeout=5) as near:
                near.settimeout(5)
                assert near.recv(1) == b""          # the relay gave up on this connection
            with pytest.raises(HarnessError, match=r"case c1: relay could not reach 127\.0\.0\.1:\d+"):
                check_relay(relay, "c1")
        finally:
            relay.stop()


def test_a_hung_openssl_is_a_harness_error(tmp_path, monkeypatch):
    fifo = tmp_path / "csr.pem"
    os.mkfifo(fifo)                              # openssl blocks opening it: nobody writes
    monkeypatch.setattr(runner, "OPENSSL_TIMEOUT_S", 0.5)
    with pytest.raises(HarnessError, match=r"openssl req -verify did not finish within 0 s"):
        runner.csr_signature_verifies(fifo)   # subprocess.run kills the hung openssl


def test_a_corrupt_goals_file_is_one_message(cli, tmp_path):
    bad = tmp_path / "goals.json"
    bad.write_text('{"schema_version": 1, "profiles": {\n  "x": [1, 2\n}\n')
    code, _, err = cli("goals", "psk-ccm-minimal", "-o", str(bad))
    assert code == 1
    assert err.startswith(f"tlsfit: {bad}:3: not valid JSON (") and "Traceback" not in err
    assert err.count("\n") == 1


def test_a_corrupt_minimality_file_is_one_message(cli, tmp_path):
    bad = tmp_path / "minimality.json"
    bad.write_text("not json")
    code, _, err = cli("minimize", "psk-ccm-minimal", "-o", str(bad))
    assert code == 1 and err.startswith(f"tlsfit: {bad}:1: not valid JSON")


def test_another_schema_version_is_refused(tmp_path):
    doc = tmp_path / "goals.json"
    doc.write_text(json.dumps({"schema_version": 2, "profiles": {}}))
    with pytest.raises(TlsfitError, match=r"goals.json: tlsfit goals of schema version 2; this "
                                          r"tlsfit reads version 1"):
        read_document(doc, "tlsfit goals", 1)


def test_audit_measure_help_describes_what_it_does(cli, capsys):
    with pytest.raises(SystemExit):
        cli("audit", "--help")
    out = capsys.readouterr().out
    assert "--measure" in out and "not available" not in out


def test_the_profile_is_resolved_from_the_text_that_was_hashed(tmp_path):
    path = tmp_path / "dev.conf"
    path.write_text(BASE_CLIENT)
    profile = read_profile([path])
    path.write_text(BASE_CLIENT.replace("CONFIG_TLS_1_2=y", "CONFIG_TLS_1_2=n")
                    + "CONFIG_TLS_1_3=y\n")      # the file changes after it was read
    manifest = json.loads(render_all(resolve(profile), ())["manifest.json"])
    assert manifest["profile_sha256"] == profile.sha256
    assert "MBEDTLS_SSL_PROTO_TLS1_2" in [o["name"] for o in manifest["options"]]
    assert "MBEDTLS_SSL_PROTO_TLS1_3" not in [o["name"] for o in manifest["options"]]


def test_the_contract_is_read_from_the_firmwares_header(tmp_path):
    from tlsfit.run.contract import CONTRACT_HEADER, read_contract
    c = read_contract()
    assert (c.exit_heap, c.host, c.psk, c.result_tag) == (4, "tls-server.test",
                                                         b"tlsfit-test-psk!", "TLSFIT-RESULT")
    assert "heap_peak" in c.result_keys and c.result_schema == 1
    broken = tmp_path / "contract.h"
    broken.write_text(CONTRACT_HEADER.read_text().replace("#define TLSFIT_TEST_HOST", "#define X"))
    with pytest.raises(HarnessError, match="TLSFIT_TEST_HOST is not defined"):
        read_contract(broken)


def test_a_result_line_that_breaks_the_contract_is_refused():
    from tlsfit.run.contract import contract
    good = {k: 0 for k in contract().result_keys} | {"schema_version": 1}
    runner.check_report("c", good)
    with pytest.raises(HarnessError, match="lacks heap_peak"):
        runner.check_report("c", {k: v for k, v in good.items() if k != "heap_peak"})
    with pytest.raises(HarnessError, match="result line has schema 2, the runner reads 1"):
        runner.check_report("c", good | {"schema_version": 2})
