"""tlsfit measure end to end: every shipped profile built for Cortex-M33 and its
handshake matrix run under QEMU against OpenSSL (and GnuTLS for small receive buffers),
from the real command line."""

import json

import pytest

from tlsfit.paths import shipped_profiles

from tlsfit_testdata import run_tlsfit

pytestmark = pytest.mark.target


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """Run `tlsfit measure --all` once for the module; return (exit code, output, results)."""
    results = tmp_path_factory.mktemp("results")
    code, output = run_tlsfit("measure", "--all", "--results", str(results),
                              "--json", str(results / "all.json"))
    docs = {p.stem: json.loads(p.read_text()) for p in results.glob("*.json") if p.stem != "all"}
    return code, output, docs


def test_every_shipped_profile_passes_its_matrix(measured):
    code, output, docs = measured
    assert code == 0, output[-4000:]
    assert set(docs) == {p.stem for p in shipped_profiles()}
    for name, doc in docs.items():
        assert doc["passed"] and doc["tests_passed"] == doc["tests_total"], (name, doc["tests"])
    assert "measured 9 profile(s)" in output and "; FAILED:" not in output


def test_every_positive_has_a_negative_twin(measured):
    _, _, docs = measured
    for name, doc in docs.items():
        positives = {t["name"] for t in doc["tests"] if t["kind"] == "positive"}
        twinned = {t["twin_of"] for t in doc["tests"] if t["kind"] == "negative"}
        assert positives and positives <= twinned, (name, positives - twinned)


def test_https_client_rsa_handles_rsa2048_and_4096_with_sni(measured):
    _, _, docs = measured
    tests = {t["name"]: t for t in docs["https-client-rsa"]["tests"]}
    for ok in ("tls1.2-rsa2048", "tls1.2-rsa4096", "tls1.2-chain-rsa4096"):
        assert tests[ok]["passed"] and tests[ok]["seen"]["ok"], ok
        assert tests[ok]["seen"]["tls_version"] == "TLSv1.2"
    assert tests["tls1.2-rsa2048-no-sni"]["seen"]["ret"] == "-0x2700"
    assert tests["tls1.2-rsa2048-no-sni"]["seen"]["verify_flags"] == "0x4"
    assert tests["tls1.2-rsa2048-wrong-ca"]["seen"]["verify_flags"] == "0x8"
    assert tests["tls1.2-rsa2048-left-out-ec256"]["seen"]["ret"] == "-0x262e"


def test_rsa2048_only_profile_rejects_rsa4096_chains(measured):
    _, _, docs = measured
    tests = {t["name"]: t for t in docs["iot-mutual-tls12"]["tests"]}
    seen = tests["tls1.2-rsa2048-left-out-rsa4096"]["seen"]
    assert seen["ret"] == "-0x3b00" and seen["stage"] == "init"


def test_results_carry_figures_and_provenance(measured):
    _, _, docs = measured
    for name, doc in docs.items():
        sizes, ram = doc["sizes"], doc["ram"]
        assert 0 < sizes["flash_mbedtls"] < sizes["flash"], name
        assert sum(m["flash"] for m in sizes["modules"]) == sizes["flash"], name
        assert sum(m["ram"] for m in sizes["modules"]) == sizes["ram_static"], name
        assert ram["total"] == ram["static"] + ram["heap_peak"] + ram["stack_peak"] > 0
        assert doc["mbedtls_version"] == "3.6.6" and len(doc["config_sha256"]) == 64
        assert doc["tools"]["qemu"].startswith("QEMU emulator version")
        assert doc["tools"]["openssl"].startswith("OpenSSL")
        assert "-mcpu=cortex-m33" in doc["flags"]["compile"]
        if name != "device-csr-p256":
            assert doc["handshake"]["instructions"] > 0 and doc["handshake"]["bytes_rx"] > 0
    # PSK needs no public-key code: by far the smallest TLS profile.
    assert docs["psk-ccm-minimal"]["sizes"]["flash_mbedtls"] < \
        docs["tls12-ecdsa-p256-minimal"]["sizes"]["flash_mbedtls"] / 2


def test_gnutls_is_a_second_peer_where_buffers_are_small(measured):
    """GnuTLS 3.7.9 confirms max fragment length and still sends 16 KB records (TLS 1.2: the
    large answer must fail with -0x7100), and honours record_size_limit (TLS 1.3: it passes).
    The results show what each handshake agreed."""
    _, output, docs = measured
    t12 = {t["name"]: t for t in docs["tls12-ecdsa-p256-minimal"]["tests"]}
    short = t12["tls1.2-ec256-gnutls"]
    assert short["passed"] and short["seen"]["ok"] and short["seen"]["negotiated_mfl"] == 2048
    assert t12["tls1.2-ec256-gnutls-wrong-ca"]["twin_of"] == "tls1.2-ec256-gnutls"
    assert t12["tls1.2-ec256-gnutls-wrong-ca"]["seen"]["ret"] == "-0x2700"
    assert t12["tls1.2-ec256-gnutls-wrong-ca"]["seen"]["verify_flags"] == "0x8"
    big = t12["tls1.2-ec256-gnutls-large-answer-mfl"]
    assert big["kind"] == "negative" and big["passed"] and big["expect"] == "fail -0x7100"
    assert big["seen"]["ret"] == "-0x7100" and big["seen"]["stage"] == "data"
    assert big["seen"]["negotiated_mfl"] == 2048      # confirmed, and not honoured
    assert t12["tls1.2-ec256-large-records"]["seen"]["negotiated_mfl"] == 2048   # OpenSSL
    assert t12["tls1.2-ec256-large-records-no-mfl"]["seen"]["negotiated_mfl"] == 0
    assert docs["tls12-ecdsa-p256-minimal"]["tools"]["gnutls"].startswith("gnutls-serv 3.")

    t13 = {t["name"]: t for t in docs["tls13-ecdsa-p256-minimal"]["tests"]}
    rsl = t13["tls1.3-ec256-gnutls-large-answer-rsl"]
    assert rsl["passed"] and rsl["seen"]["ok"] and rsl["seen"]["tls_version"] == "TLSv1.3"
    # GnuTLS sends its own limit (2^14 + 1) and keeps to the 4 KB one the device sent.
    assert rsl["seen"]["peer_record_size_limit"] == 16385 and rsl["seen"]["negotiated_mfl"] == 0
    assert t13["tls1.3-ec256-gnutls-large-answer-rsl-wrong-ca"]["seen"]["ret"] == "-0x2700"
    # OpenSSL 3.0 does not implement RFC 8449: no limit from it.
    assert t13["tls1.3-ec256-large-records"]["seen"]["peer_record_size_limit"] == 0
    # Profiles with 16 KB buffers get no GnuTLS cases (the default run stays short).
    assert not any("gnutls" in t["name"] for t in docs["https-client-internet"]["tests"])
    assert "tls1.2-ec256-gnutls-large-answer-mfl" in output and "mfl=2048" in output
    assert "peer_rsl=16385" in output


def test_run_the_gnutls_mfl_twin_alone(cli):
    code, out, err = cli("run", "tls12-ecdsa-p256-minimal", "--case",
                         "tls1.2-ec256-gnutls-large-answer-mfl")
    assert code == 0, out + err
    assert "ret=-0x7100" in out and "negotiated_mfl=2048" in out and "stage=data" in out
    assert "expected fail -0x7100: PASS" in out
    assert _children_of_this_process() == []


def _children_of_this_process() -> list[str]:
    import os
    import subprocess
    out = subprocess.run(["ps", "-o", "pid=,comm=", "--ppid", str(os.getpid())],
                         capture_output=True, text=True).stdout
    return [line for line in out.splitlines()
            if "qemu" in line or "openssl" in line or "gnutls" in line]


@pytest.mark.parametrize("extra, message", [
    (["--crash", "udf"], "firmware crashed: UsageFault at PC="),
    (["--crash", "stack"], "stack overflow"),
    (["--heap-limit", "4000"], "heap exhausted: an allocation was refused (limit 4000 B"),
    (["--no-peer", "--io-timeout-ms", "4000000", "--timeout", "3"], "timeout after 3 s"),
    (["--no-peer", "--io-timeout-ms", "200"], "peer hung: nothing received for 200 ms"),
])
def test_run_failures_end_in_a_clear_message(cli, extra, message):
    code, out, err = cli("run", "tls12-ecdsa-p256-minimal", "--case", "tls1.2-ec256", *extra)
    assert code == 1 and "Traceback" not in err
    assert err.startswith("tlsfit: ") and message in err, err
    assert _children_of_this_process() == []


def test_run_port_in_use(cli):
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = cli("run", "tls12-ecdsa-p256-minimal", "--case", "tls1.2-ec256",
                           "--port", str(port))
    assert code == 1 and f"port {port}" in err and "in use" in err, err
    assert _children_of_this_process() == []


def test_run_one_case_checks_its_expectation(cli):
    code, out, _ = cli("run", "tls12-ecdsa-p256-minimal", "--case", "tls1.2-ec256-wrong-host")
    assert code == 0 and "expected fail -0x2700 flags 0x4: PASS" in out


def test_measure_with_a_broken_tree_is_a_clear_error(cli, tmp_path):
    tree = tmp_path / "mbedtls"
    (tree / "include" / "mbedtls").mkdir(parents=True)
    (tree / "library").mkdir()
    (tree / "library" / "ssl_tls.c").write_text("#error this tree is broken\n")
    (tree / "include" / "mbedtls" / "build_info.h").write_text(
        '#define MBEDTLS_VERSION_STRING "3.6.6"\n')
    code, _, err = cli("--mbedtls-src", str(tree), "measure", "psk-ccm-minimal",
                       "--results", str(tmp_path / "r"), "--build-dir", str(tmp_path / "b"))
    assert code == 1 and err.startswith("tlsfit: ") and "Traceback" not in err


@pytest.mark.parametrize("profile", ["psk-ccm-minimal", "tls12-ecdsa-p256-minimal",
                                     "tls13-ecdsa-p256-minimal"])
def test_the_other_backend_passes_the_same_matrix(cli, tmp_path, profile):
    """The backend a profile's goal does not pick builds and passes the same matrix with its
    twins (the full cross product is `make goals`)."""
    from tlsfit.generate.profile import read_profile
    from tlsfit.generate.render import backend
    from tlsfit.generate.resolve import resolve
    from tlsfit.paths import PROFILES_DIR

    base = PROFILES_DIR / f"{profile}.conf"
    other = "legacy" if backend(resolve(read_profile([base]))) == "psa" else "psa"
    overlay = tmp_path / f"{other}.conf"
    overlay.write_text(f"CONFIG_CRYPTO_{other.upper()}=y\n")
    results = tmp_path / "results"
    code, out, err = cli("measure", "--merge", str(base), str(overlay), "--results", str(results),
                         "--build-dir", str(tmp_path / "build"))
    assert code == 0, out[-3000:] + err
    doc = json.loads((results / f"{profile}+{other}.json").read_text())
    assert doc["passed"] and doc["tests_passed"] == doc["tests_total"] >= 4
    kinds = {t["kind"] for t in doc["tests"]}
    assert kinds == {"positive", "negative"}


def test_run_a_twin_on_its_variant_image(cli):
    """The no-SNI twin is listed by measure and runs on its own image: run builds it."""
    code, out, err = cli("run", "https-client-rsa", "--case", "tls1.2-rsa2048-no-sni")
    assert code == 0, out + err
    assert "runs on the no-sni image: building it" in out + err
    assert "ret=-0x2700" in out and "verify_flags=0x4" in out
    assert "expected fail -0x2700 flags 0x4: PASS" in out
