"""Target tests for the firmware harness: real Mbed TLS on QEMU Cortex-M33 against OpenSSL
(and GnuTLS, the second server peer).

Each positive case has a negative twin that must fail with the specific Mbed TLS error and
X.509 verify flag, so a harness that always "passes" cannot hide.
"""
from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tlsfit.run.runner import Case, run_case

from tlsfit.errors import HarnessError

from tlsfit.build.firmware import build_firmware

from tlsfit.run.peer import client_peer, gnutls_server_peer, server_peer
from tlsfit.build.firmware import Firmware

ERR_X509_CERT_VERIFY_FAILED = -0x2700
ERR_SSL_FATAL_ALERT_MESSAGE = -0x7780
ERR_SSL_BAD_INPUT_DATA = -0x7100   # a record larger than the receive buffer
BADCERT_CN_MISMATCH = 0x04
BADCERT_NOT_TRUSTED = 0x08


# ---- firmware as TLS 1.2 client (suite-b derived, 1 KB buffers + max fragment length) ----

def test_tls12_client_handshake_and_http(tls12_client_fw: Firmware) -> None:
    res = run_case(tls12_client_fw.elf, Case("tls12-client", ca="ec256", mfl=1024, http=True,
                                             peer=server_peer("ec256", tls="1.2")))
    assert res.ok and res.stage == "done" and res.exit_code == 0
    assert res.tls_version == "TLSv1.2"
    assert "ECDHE-ECDSA" in res.ciphersuite and "GCM" in res.ciphersuite
    assert res.report["http_status"].startswith("HTTP/1.0 200")
    assert res.report["max_in_payload"] == 1024
    assert res.app_bytes_rx > 0 and res.bytes_rx > res.app_bytes_rx and res.bytes_tx > 0
    assert 0 < res.heap_peak < 64 * 1024 and 0 < res.stack_peak < 64 * 1024
    assert res.hs_instructions > 1_000_000


def test_tls12_client_wrong_ca_fails_not_trusted(tls12_client_fw: Firmware) -> None:
    res = run_case(tls12_client_fw.elf, Case("tls12-wrong-ca", ca="ec384", mfl=1024, http=True,
                                             peer=server_peer("ec256", tls="1.2")))
    assert not res.ok and res.stage == "handshake" and res.exit_code == 1
    assert res.ret == ERR_X509_CERT_VERIFY_FAILED and res.ret_hex == "-0x2700"
    assert res.verify_flags & BADCERT_NOT_TRUSTED
    assert "MBEDTLS_X509_BADCERT_NOT_TRUSTED" in res.verify_names


def test_tls12_client_wrong_p256_ca_fails_not_trusted(tls12_client_fw: Firmware) -> None:
    res = run_case(tls12_client_fw.elf, Case("tls12-wrong-ca-p256", ca="ec256-alt", mfl=1024,
                                             peer=server_peer("ec256", tls="1.2")))
    assert res.ret == ERR_X509_CERT_VERIFY_FAILED and res.verify_flags == BADCERT_NOT_TRUSTED


def test_tls12_client_wrong_host_fails_cn_mismatch(tls12_client_fw: Firmware) -> None:
    res = run_case(tls12_client_fw.elf, Case("tls12-wrong-host", ca="ec256", host="wrong.test", mfl=1024,
                                             peer=server_peer("ec256", tls="1.2")))
    assert not res.ok and res.ret == ERR_X509_CERT_VERIFY_FAILED
    assert res.verify_flags == BADCERT_CN_MISMATCH


def test_tls12_client_sni_multidomain_server(tls12_client_fw: Firmware) -> None:
    """A multi-domain server hands tls-server.test's certificate only to clients sending SNI."""
    res = run_case(tls12_client_fw.elf, Case("tls12-sni", ca="ec256", mfl=1024, http=True,
                                             peer=server_peer("ec256", sni=True, tls="1.2")))
    assert res.ok, res


def test_tls12_client_reports_the_mfl_the_server_confirmed(tls12_client_fw: Firmware) -> None:
    """negotiated_mfl is what the ServerHello confirmed; without a request there is none."""
    asked = run_case(tls12_client_fw.elf, Case("tls12-mfl-1024", ca="ec256", mfl=1024, http=True,
                                               peer=server_peer("ec256", tls="1.2")))
    assert asked.ok and asked.negotiated_mfl == 1024 and asked.report["negotiated_mfl"] == 1024
    assert asked.peer_record_size_limit == 0   # a TLS 1.2-only config has no record_size_limit
    # GnuTLS's short answer fits 1 KB records (OpenSSL's -www page does not, without MFL).
    plain = run_case(tls12_client_fw.elf, Case("tls12-no-mfl", ca="ec256", http=True,
                                               peer=gnutls_server_peer("ec256", tls="1.2")))
    assert plain.ok and plain.negotiated_mfl == 0


def test_tls12_client_gnutls_short_answer(tls12_client_fw: Firmware) -> None:
    """GnuTLS as the server: it confirms the max fragment length, and a short answer fits."""
    res = run_case(tls12_client_fw.elf, Case("tls12-gnutls", ca="ec256", mfl=1024, http=True,
                                             peer=gnutls_server_peer("ec256", tls="1.2")))
    assert res.ok and res.stage == "done" and res.tls_version == "TLSv1.2", res
    assert res.report["http_status"].startswith("HTTP/1.0 200")
    assert res.negotiated_mfl == 1024
    assert "HTTP Server listening" in res.peer_output


def test_tls12_client_gnutls_wrong_ca_fails_not_trusted(tls12_client_fw: Firmware) -> None:
    res = run_case(tls12_client_fw.elf, Case("tls12-gnutls-wrong-ca", ca="ec256-alt", mfl=1024,
                                             http=True, peer=gnutls_server_peer("ec256", tls="1.2")))
    assert not res.ok and res.stage == "handshake"
    assert res.ret == ERR_X509_CERT_VERIFY_FAILED and res.verify_flags == BADCERT_NOT_TRUSTED


def test_tls12_client_gnutls_confirms_mfl_and_still_sends_16k_records(
        tls12_client_fw: Firmware) -> None:
    """GnuTLS 3.7.9 confirms max fragment length 1024 and answers in 16 KB records: the
    1 KB receive buffer refuses the first one (-0x7100) after a complete handshake."""
    res = run_case(tls12_client_fw.elf, Case("tls12-gnutls-big", ca="ec256", mfl=1024, http=True,
                                             big=True, peer=gnutls_server_peer("ec256", tls="1.2",
                                                                                big=True)))
    assert not res.ok and res.stage == "data" and res.exit_code == 1
    assert res.ret == ERR_SSL_BAD_INPUT_DATA and res.ret_hex == "-0x7100"
    assert res.negotiated_mfl == 1024 and res.tls_version == "TLSv1.2"


def test_mfl_larger_than_buffers_is_refused(tls12_client_fw: Firmware) -> None:
    with pytest.raises(HarnessError, match="cannot run the case: mfl="):
        run_case(tls12_client_fw.elf, Case("tls12-mfl-4096", ca="ec256", mfl=4096,
                                           peer=server_peer("ec256", tls="1.2")))


def test_server_mode_needs_srv_c(tls12_client_fw: Firmware) -> None:
    with pytest.raises(HarnessError, match="MBEDTLS_SSL_SRV_C"):
        run_case(tls12_client_fw.elf, Case("no-srv", mode="server", cert="ec256",
                                           peer=client_peer(ca="ec256")))


# ---- full config: TLS 1.3 client, server, mutual TLS, SNI dispatch, CSR ----

@pytest.mark.parametrize("pki_id", ["ec256", "rsa2048", "chain-rsa4096"])
def test_tls13_client_handshake_and_http(full_fw: Firmware, pki_id: str) -> None:
    res = run_case(full_fw.elf, Case(f"tls13-client-{pki_id}", ca=pki_id, tls="1.3", http=True,
                                     peer=server_peer(pki_id, tls="1.3")))
    assert res.ok and res.tls_version == "TLSv1.3", res
    assert res.report["http_status"].startswith("HTTP/1.0 200")


def test_tls13_client_wrong_ca_fails_not_trusted(full_fw: Firmware) -> None:
    res = run_case(full_fw.elf, Case("tls13-wrong-ca", ca="rsa2048", tls="1.3",
                                     peer=server_peer("ec256", tls="1.3")))
    assert not res.ok and res.ret == ERR_X509_CERT_VERIFY_FAILED
    assert res.verify_flags & BADCERT_NOT_TRUSTED


@pytest.mark.parametrize("tls", ["1.2", "1.3"])
def test_server_handshake_and_http(full_fw: Firmware, tls: str) -> None:
    res = run_case(full_fw.elf, Case(f"server-{tls}", mode="server", cert="ec256", tls=tls, http=True,
                                     peer=client_peer(ca="ec256", tls=tls)))
    assert res.ok and res.tls_version == f"TLSv{tls}", res
    assert res.report["sni"] == "tls-server.test"
    assert "Verify return code: 0 (ok)" in res.peer_output
    assert f"tlsfit ok: server-{tls}" in res.peer_output
    assert res.peer_exit == 0


def test_server_wrong_host_rejected_by_peer(full_fw: Firmware) -> None:
    # TLS 1.2: the alert arrives as a plain fatal alert. (Under TLS 1.3, OpenSSL 3.0 sends its alert
    # before switching to handshake keys, so Mbed TLS reports -0x7180 INVALID_MAC instead.)
    res = run_case(full_fw.elf, Case("server-wrong-host", mode="server", cert="ec256", tls="1.2", http=True,
                                     peer=client_peer(ca="ec256", host="wrong.test", tls="1.2")))
    assert not res.ok and res.stage == "handshake"
    assert res.ret == ERR_SSL_FATAL_ALERT_MESSAGE
    assert "hostname mismatch" in res.peer_output


def test_server_sni_dispatch(full_fw: Firmware) -> None:
    res = run_case(full_fw.elf, Case("server-sni", mode="server", cert="ec256", http=True,
                                     peer=client_peer(ca="ec256", host="other.test")))
    assert res.ok and res.report["sni"] == "other.test"
    assert "CN = other.test" in res.peer_output


@pytest.mark.parametrize("tls", ["1.2", "1.3"])
def test_server_mutual_tls(full_fw: Firmware, tls: str) -> None:
    res = run_case(full_fw.elf, Case(f"mtls-{tls}", mode="server", cert="ec256", ca="ec256", tls=tls,
                                     client_auth=True, http=True,
                                     peer=client_peer(ca="ec256", cert="client-ec256", tls=tls)))
    assert res.ok and res.verify_flags == 0, res


def test_server_mutual_tls_untrusted_client(full_fw: Firmware) -> None:
    res = run_case(full_fw.elf, Case("mtls-untrusted", mode="server", cert="ec256", ca="ec256",
                                     client_auth=True, http=True,
                                     peer=client_peer(ca="ec256", cert="client-rsa2048")))
    assert not res.ok and res.ret == ERR_X509_CERT_VERIFY_FAILED
    assert res.verify_flags & BADCERT_NOT_TRUSTED


def test_client_certificate_to_openssl(full_fw: Firmware) -> None:
    res = run_case(full_fw.elf, Case("client-mtls", ca="ec256", cert="client-ec256", tls="1.2", http=True,
                                     peer=server_peer("ec256", verify_client_ca="ec256", tls="1.2")))
    assert res.ok, res


def test_csr_mode_verified_by_openssl(full_fw: Firmware) -> None:
    res = run_case(full_fw.elf, Case("csr", mode="csr"))
    assert res.ok and res.csr_pem is not None and res.key_pem is not None
    assert res.csr_pem.startswith("-----BEGIN CERTIFICATE REQUEST-----")


# ---- errors the runner must turn into clear messages ----

@pytest.mark.parametrize("crash,expect", [("1", r"UsageFault at PC=0x[0-9a-f]{8} \(main\)"),
                                          ("stack", "stack overflow"),
                                          ("bus", "Fault at PC=0x")])
def test_crash_is_reported(tls12_client_fw: Firmware, crash: str, expect: str) -> None:
    with pytest.raises(HarnessError, match=f"firmware crashed: .*{expect}"):
        run_case(tls12_client_fw.elf, Case(f"crash-{crash}", crash=crash))


def test_heap_limit_reports_exhaustion(tls12_client_fw: Firmware) -> None:
    with pytest.raises(HarnessError, match="heap exhausted") as info:
        run_case(tls12_client_fw.elf, Case("heap-limit", ca="ec256", mfl=1024, heap_limit=4500,
                                           peer=server_peer("ec256", tls="1.2")))
    assert info.value.result is not None and info.value.result.heap_peak <= 4500


@pytest.mark.parametrize("mode", ["client", "server"])
def test_port_in_use(tls12_client_fw: Firmware, full_fw: Firmware, mode: str) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        peer = server_peer("ec256") if mode == "client" else client_peer(ca="ec256")
        elf = tls12_client_fw.elf if mode == "client" else full_fw.elf
        with pytest.raises(HarnessError, match=f"port {port} .* already in use"):
            run_case(elf, Case(f"busy-{mode}", mode=mode, ca="ec256", cert="ec256", peer=peer, port=port))


def test_guest_receive_timeout_is_peer_hung(tls12_client_fw: Firmware) -> None:
    with pytest.raises(HarnessError, match="peer hung"):
        run_case(tls12_client_fw.elf, Case("silent-peer", ca="ec256", io_timeout_ms=200))


def test_wall_clock_timeout_stops_qemu(tls12_client_fw: Firmware) -> None:
    start = time.monotonic()
    with pytest.raises(HarnessError, match="timeout after 3 s"):
        run_case(tls12_client_fw.elf, Case("hung", ca="ec256", io_timeout_ms=4_000_000, timeout_s=3))
    assert time.monotonic() - start < 15


def test_calibration_scale_factor(tls12_client_fw: Firmware) -> None:
    """SysTick ticks * 50 == guest instructions under -icount shift=0 (documented in inst.h)."""
    res = run_case(tls12_client_fw.elf, Case("calibrate", mode="calibrate"))
    ticks, instructions = res.report["calib_ticks"], res.report["calib_instructions"]
    assert abs(ticks * 50 - instructions) <= 0.001 * instructions


def test_rebuild_without_changes_is_fast(tls12_client_fw: Firmware) -> None:
    start = time.monotonic()
    again = build_firmware(tls12_client_fw.config_dir, tls12_client_fw.build_dir)
    assert time.monotonic() - start < 5
    assert again.elf == tls12_client_fw.elf and again.sizes == tls12_client_fw.sizes


def test_bad_config_dir_is_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="no mbedtls_config.h"):
        build_firmware(tmp_path, tmp_path / "build")


# ---- a configuration produced by the generator (tlsfit generate), when the profile exists ----

def test_generated_tls12_minimal_profile(work_dir: Path, mbedtls_src: Path) -> None:
    """The generator's smallest TLS 1.2 client (DER, 4 KB/2 KB buffers + MFL) against OpenSSL."""
    from tests_support import generate_profile  # type: ignore[import-not-found]

    config = generate_profile("tls12-ecdsa-p256-minimal", work_dir / "gen-tls12-min")
    fw = build_firmware(config, work_dir / "build-gen-tls12-min")
    ok = run_case(fw.elf, Case("gen-tls12", ca="ec256", mfl=2048, http=True, peer=server_peer("ec256", tls="1.2")))
    assert ok.ok and ok.ciphersuite == "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256", ok
    bad_ca = run_case(fw.elf, Case("gen-tls12-wrong-ca", ca="ec256-alt", mfl=2048,
                                   peer=server_peer("ec256", tls="1.2")))
    assert bad_ca.ret == ERR_X509_CERT_VERIFY_FAILED and bad_ca.verify_flags == BADCERT_NOT_TRUSTED
    bad_host = run_case(fw.elf, Case("gen-tls12-wrong-host", ca="ec256", host="wrong.test", mfl=2048,
                                     peer=server_peer("ec256", tls="1.2")))
    assert bad_host.ret == ERR_X509_CERT_VERIFY_FAILED and bad_host.verify_flags == BADCERT_CN_MISMATCH
