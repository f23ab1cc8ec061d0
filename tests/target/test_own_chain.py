"""The user's own chain (issue 13), end to end from the real command line: an RSA-4096 chain
(root -> intermediate -> leaf) and a device certificate made in the test, never the shipped test
PKI, built into the image under QEMU against openssl s_server, with the twins that must fail;
the same chain verified on the target without the server's key; date checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from own_chain import make_chain

pytestmark = pytest.mark.target


@pytest.fixture(scope="module")
def rsa4096(tmp_path_factory):
    return make_chain(tmp_path_factory.mktemp("own-rsa4096"), kind="rsa4096", device="ec256")


def _measure(cli, tmp_path: Path, *args: str) -> tuple[int, str, dict]:
    results = tmp_path / "results"
    code, out, err = cli("measure", *args, "--build-dir", str(tmp_path / "build"),
                         "--results", str(results))
    docs = [json.loads(p.read_text()) for p in results.glob("*.json")]
    assert len(docs) == 1, (out, err)
    return code, out + err, docs[0]


def _tests(doc: dict) -> dict[str, dict]:
    return {t["name"]: t for t in doc["tests"]}


def _own(chain: dict[str, Path], *roles: str) -> list[str]:
    args = []
    for role in ("ca", "server_chain", *roles):
        args += [f"--{role.replace('_', '-')}", str(chain[role])]
    return args


def test_own_rsa4096_chain_with_server_key(cli, rsa4096, tmp_path):
    code, out, doc = _measure(cli, tmp_path, "https-client-rsa", *_own(rsa4096, "server_key"))
    assert code == 0, out[-3000:]
    tests = _tests(doc)
    assert set(tests) == {"own-tls1.2", "own-tls1.2-wrong-ca", "own-tls1.2-wrong-host",
                          "own-verify"}
    assert all(t["passed"] for t in tests.values()), doc["tests"]
    ok = tests["own-tls1.2"]["seen"]
    assert ok["ok"] and ok["tls_version"] == "TLSv1.2" and "ECDHE-RSA" in ok["ciphersuite"]
    for name, flags in (("own-tls1.2-wrong-ca", "0x8"), ("own-tls1.2-wrong-host", "0x4")):
        seen = tests[name]["seen"]
        assert (seen["ret"], seen["verify_flags"], seen["stage"]) == ("-0x2700", flags, "handshake")
        assert seen["error"] == "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED"
    # the result says which PKI it was measured with; the image was built apart, keyed by it
    pki = doc["pki"]
    assert pki["kind"] == "own" and pki["host"] == "api.example-product.test"
    assert pki["chain_length"] == 2 and pki["ca_key"] == "rsa4096" and pki["server_key"]
    builds = [p.name for p in (tmp_path / "build" / "https-client-rsa").iterdir()
              if p.name.startswith("fw")]
    assert builds == [f"fw-pki-{builds[0].removeprefix('fw-pki-')}"], builds
    assert doc["handshake"]["case"] == "own-tls1.2" and doc["handshake"]["instructions"] > 0
    assert "(your own certificates, sha256 " in out


def test_own_chain_and_device_certificate_mutual_tls(cli, rsa4096, tmp_path, write):
    overlay = write("rsa4096.conf", "CONFIG_PEER_RSA_4096=y\n")
    code, out, doc = _measure(cli, tmp_path, "--merge", "iot-mutual-tls12", str(overlay),
                              *_own(rsa4096, "server_key", "client_cert", "client_key"))
    assert code == 0, out[-3000:]
    tests = _tests(doc)
    assert tests["own-tls1.2"]["seen"]["ok"]
    assert tests["own-tls1.2-client-untrusted"]["seen"]["ret"] == "-0x7780"
    assert tests["own-tls1.2-wrong-ca"]["seen"]["verify_flags"] == "0x8"
    assert tests["own-tls1.2-wrong-host"]["seen"]["verify_flags"] == "0x4"
    assert doc["pki"]["client_cert"] is True


def test_own_chain_verified_on_the_target_without_server_key(cli, rsa4096, tmp_path):
    code, out, doc = _measure(cli, tmp_path, "https-client-rsa", *_own(rsa4096))
    assert code == 0, out[-3000:]
    tests = _tests(doc)
    assert set(tests) == {"own-verify", "own-verify-wrong-host", "own-verify-wrong-ca"}
    assert tests["own-verify"]["seen"]["ok"] and tests["own-verify"]["seen"]["stage"] == "done"
    assert tests["own-verify-wrong-host"]["seen"]["verify_flags"] == "0x4"
    assert tests["own-verify-wrong-ca"]["seen"]["verify_flags"] == "0x8"
    assert all(t["seen"]["ret"] == "-0x2700" for n, t in tests.items() if n != "own-verify")
    assert doc["handshake"] is None and doc["pki"]["server_key"] is False


def test_a_chain_the_profile_cannot_parse_fails_on_the_target(cli, tmp_path):
    ecc = make_chain(tmp_path / "ecc", kind="ec256")
    code, out, doc = _measure(cli, tmp_path, "https-client-rsa", *_own(ecc))
    assert code == 1 and not doc["passed"]
    seen = _tests(doc)["own-verify"]["seen"]
    assert (seen["ret"], seen["stage"]) == ("-0x262e", "parse"), seen
    assert "own-verify" in out and "FAIL" in out


def test_date_checks_expired_and_clock_unset(cli, rsa4096, tmp_path, write):
    overlay = write("time.conf", "CONFIG_CERT_TIME_CHECK=y\n")
    code, out, doc = _measure(cli, tmp_path, "--merge", "https-client-rsa", str(overlay),
                              *_own(rsa4096, "server_key"))
    assert code == 0, out[-3000:]
    tests = _tests(doc)
    assert tests["own-tls1.2"]["seen"]["ok"] and tests["own-verify"]["seen"]["ok"]
    for name, flags in (("own-verify-expired", "0x1"), ("own-verify-clock-unset", "0x200")):
        seen = tests[name]["seen"]
        assert (seen["ret"], seen["verify_flags"]) == ("-0x2700", flags), (name, seen)
        assert tests[name]["twin_of"] == "own-verify"


def test_date_checks_on_the_test_pki(cli, tmp_path, write):
    overlay = write("time.conf", "CONFIG_CERT_TIME_CHECK=y\n")
    code, out, doc = _measure(cli, tmp_path, "--merge", "https-client-rsa", str(overlay))
    assert code == 0, out[-3000:]
    tests = _tests(doc)
    assert tests["verify-rsa2048"]["seen"]["ok"]
    assert tests["verify-rsa2048-expired"]["seen"]["verify_flags"] == "0x1"
    assert tests["verify-rsa2048-clock-unset"]["seen"]["verify_flags"] == "0x200"
    assert "pki" not in doc


def test_run_one_case_of_the_own_chain(cli, rsa4096):
    code, out, err = cli("run", "https-client-rsa", "--case", "own-tls1.2-wrong-host",
                         *_own(rsa4096, "server_key"), "--host", "api.example-product.test")
    assert code == 0, out + err
    assert "ret=-0x2700 MBEDTLS_ERR_X509_CERT_VERIFY_FAILED verify_flags=0x4" in out
    assert "expected fail -0x2700 flags 0x4: PASS" in out


def test_the_device_serves_your_chain_with_your_key(cli, tmp_path):
    """A server profile: the image embeds the user's P-256 leaf, its two intermediates and its
    key; s_client trusts only the user's root and checks the name. The twins (a client that
    trusts another CA, one that expects another name) must end in the client's alert."""
    ecc = make_chain(tmp_path / "ecc", kind="ec256", host="device.example-product.test",
                     intermediates=2)
    code, out, doc = _measure(cli, tmp_path, "https-server-ecdsa", *_own(ecc, "server_key"))
    assert code == 0, out[-3000:]
    tests = _tests(doc)
    assert set(tests) == {"own-server-tls1.3", "own-server-tls1.3-untrusted",
                          "own-server-tls1.3-wrong-host", "own-server-tls1.2",
                          "own-server-tls1.2-untrusted"}
    assert all(t["passed"] for t in tests.values()), doc["tests"]
    for version in ("1.3", "1.2"):
        seen = tests[f"own-server-tls{version}"]["seen"]
        assert seen["ok"] and seen["tls_version"] == f"TLSv{version}", seen
    assert tests["own-server-tls1.2-untrusted"]["seen"]["ret"] == "-0x7780"
    assert tests["own-server-tls1.3-wrong-host"]["seen"]["ret"] in ("-0x7780", "-0x7180")
    assert doc["pki"]["chain_length"] == 3 and doc["pki"]["server_key"] is True
    assert "the device serves your chain with your key" in out
