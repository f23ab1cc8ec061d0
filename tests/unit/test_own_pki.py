"""The user's own certificates (issue 13): bad input is one line naming the file, exit 1, before
any build; the files are read as given or from --pki DIR; the matrix and the embedded directory
follow them (no QEMU here: tests/target/test_own_chain.py runs them)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from own_chain import make_chain

from tlsfit.generate.profile import profile_path, read_profile
from tlsfit.generate.resolve import resolve
from tlsfit.run.matrix import BADCERT_CN_MISMATCH, BADCERT_EXPIRED, BADCERT_FUTURE, \
    BADCERT_NOT_TRUSTED, build_matrix, device_serves, expired_spec
from tlsfit.run.own_pki import OwnPkiFiles, compose_pki_dir, files_from_dir, load_own_pki


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    return make_chain(tmp_path_factory.mktemp("own"), kind="rsa2048", device="ec256")


def _fails(cli, *args):
    code, out, err = cli(*args)
    assert code == 1, (out, err)
    assert "Traceback" not in err and err.startswith("tlsfit: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("command", ["measure", "run"])
def test_bad_input_is_one_line_naming_the_file(cli, chain, tmp_path, command):
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    from cryptography.hazmat.primitives import serialization
    key = serialization.load_pem_private_key(chain["server_key"].read_bytes(), password=None)
    locked = tmp_path / "locked.key"
    locked.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                         serialization.PrivateFormat.PKCS8,
                                         serialization.BestAvailableEncryption(b"secret")))
    extra = ["--case", "own-verify"] if command == "run" else []
    base = [command, "https-client-rsa", *extra]
    cases = [
        (["--ca", str(tmp_path / "missing.pem"), "--server-chain", str(chain["server_chain"])],
         f"{tmp_path / 'missing.pem'}: no such file (--ca)"),
        (["--ca", str(chain["ca"]), "--server-chain", str(chain["server_chain"]),
          "--server-key", str(chain["client_key"])],
         f"{chain['client_key']}: this key does not belong to the leaf certificate of "
         "server-chain.pem"),
        (["--ca", str(chain["ca"]), "--server-chain", str(junk)],
         f"{junk}: not a certificate: neither PEM nor DER X.509 (--server-chain)"),
        (["--ca", str(chain["leaf"]), "--server-chain", str(chain["server_chain"])],
         f"{chain['leaf']}: not a CA certificate (no basicConstraints CA:TRUE)"),
        (["--ca", str(chain["ca"]), "--server-chain", str(chain["server_key"])],
         f"{chain['server_key']}: a private key, not a certificate (--server-chain)"),
        (["--ca", str(chain["ca"]), "--server-chain", str(chain["server_chain"]),
          "--client-cert", str(chain["client_cert"]), "--client-key", str(chain["server_key"])],
         f"{chain['server_key']}: this key does not belong to the device certificate client.pem"),
        (["--ca", str(chain["ca"]), "--server-chain", str(chain["server_chain"]),
          "--server-key", str(locked)], f"{locked}: an encrypted private key; give it unencrypted"),
        (["--ca", str(chain["ca"])], "need --server-chain FILE too"),
        (["--pki", str(tmp_path / "nodir")], f"{tmp_path / 'nodir'}: no such directory (--pki)"),
    ]
    for args, message in cases:
        assert message in _fails(cli, *base, *args), args


def test_results_of_own_certificates_never_go_to_results(cli, chain):
    from tlsfit.paths import RESULTS_DIR
    err = _fails(cli, "measure", "https-client-rsa", "--ca", str(chain["ca"]),
                 "--server-chain", str(chain["server_chain"]), "--results", str(RESULTS_DIR))
    assert "results/ holds the test-PKI figures" in err


def test_a_profile_without_a_certificate_client_is_refused(cli, chain, tmp_path):
    err = _fails(cli, "measure", "psk-ccm-minimal", "--ca", str(chain["ca"]),
                 "--server-chain", str(chain["server_chain"]), "--build-dir", str(tmp_path),
                 "--results", str(tmp_path / "r"))
    assert "psk-ccm-minimal: your own certificates are checked by a TLS client" in err


def test_pki_dir_conventional_names_and_explicit_options(chain, tmp_path):
    d = tmp_path / "pki"
    d.mkdir()
    shutil.copy(chain["ca"], d / "ca.pem")
    shutil.copy(chain["server_chain"], d / "server-chain.pem")
    shutil.copy(chain["server_key"], d / "server.key")
    files = files_from_dir(d)
    assert files == OwnPkiFiles(ca=d / "ca.pem", server_chain=d / "server-chain.pem",
                                server_key=d / "server.key")
    other = files_from_dir(d, ca=chain["ca"], host="other.example")
    assert other.ca == chain["ca"] and other.host == "other.example"
    assert files_from_dir(None) is None
    (d / "ca.pem").unlink()
    with pytest.raises(Exception, match=r"no ca.pem or ca.crt or ca.der \(--pki"):
        files_from_dir(d)


def test_host_chain_and_root_in_bundle(chain, tmp_path):
    own = load_own_pki(OwnPkiFiles(ca=chain["ca"], server_chain=chain["server_chain"]))
    assert own.host == "api.example-product.test" and len(own.chain_der) == 2
    assert not own.with_server_key and own.ca_kind == "rsa2048"
    bundle = tmp_path / "bundle.pem"    # leaf, intermediate and the root itself
    bundle.write_bytes(chain["server_chain"].read_bytes() + chain["ca"].read_bytes())
    assert load_own_pki(OwnPkiFiles(ca=chain["ca"], server_chain=bundle)).chain_der == own.chain_der
    assert load_own_pki(OwnPkiFiles(ca=chain["ca"], server_chain=chain["server_chain"],
                                    host="h.test")).host == "h.test"
    backwards = tmp_path / "backwards.pem"
    text = chain["server_chain"].read_bytes()
    cut = text.index(b"-----BEGIN", 1)
    backwards.write_bytes(text[cut:] + text[:cut])
    with pytest.raises(Exception, match="is a CA, not the server's leaf"):
        load_own_pki(OwnPkiFiles(ca=chain["ca"], server_chain=backwards))


def test_matrix_with_and_without_server_key(chain, tmp_path):
    time = tmp_path / "time.conf"
    time.write_text("CONFIG_CERT_TIME_CHECK=y\n")
    r = resolve(read_profile([profile_path("https-client-rsa"), time]))
    with_key = load_own_pki(OwnPkiFiles(ca=chain["ca"], server_chain=chain["server_chain"],
                                        server_key=chain["server_key"]))
    pki = compose_pki_dir(tmp_path, with_key, expired_spec(r, with_key))
    rows = {row.name: row for row in build_matrix(r, with_key, pki)}
    assert list(rows) == ["own-tls1.2", "own-tls1.2-wrong-ca", "own-tls1.2-wrong-host",
                          "own-verify", "own-verify-expired", "own-verify-clock-unset"]
    assert rows["own-tls1.2-wrong-ca"].expect.flags == BADCERT_NOT_TRUSTED
    assert rows["own-tls1.2-wrong-ca"].case.ca == "rsa2048"      # a test CA of the same kind
    assert rows["own-tls1.2-wrong-host"].expect.flags == BADCERT_CN_MISMATCH
    assert rows["own-verify-expired"].expect.flags == BADCERT_EXPIRED
    assert rows["own-verify-clock-unset"].expect.flags == BADCERT_FUTURE
    assert rows["own-verify-clock-unset"].case.params()["clock"] == "unset"
    argv = rows["own-tls1.2"].case.peer.argv(4433)
    assert str(pki / "own-peer" / "leaf.pem") in argv and "-cert_chain" in argv
    # what the image embeds: the user's CA, leaf and intermediate, never the server's key
    assert {p.name for p in (pki / "own").iterdir()} == {
        "ca.pem", "ca.der", "server.pem", "server.der", "int.pem", "int.der"}
    assert (pki / "expired" / "server.der").is_file()
    without = load_own_pki(OwnPkiFiles(ca=chain["ca"], server_chain=chain["server_chain"]))
    rows = build_matrix(resolve(read_profile([profile_path("https-client-rsa")])), without,
                        compose_pki_dir(tmp_path, without, None))
    assert [row.name for row in rows] == ["own-verify", "own-verify-wrong-host",
                                          "own-verify-wrong-ca"]
    assert all(row.case.mode == "verify" and row.case.peer is None for row in rows)


def test_pki_directory_is_keyed_by_content(chain, tmp_path):
    own = load_own_pki(OwnPkiFiles(ca=chain["ca"], server_chain=chain["server_chain"]))
    first = compose_pki_dir(tmp_path, own, None)
    assert compose_pki_dir(tmp_path, own, None) == first
    other = load_own_pki(OwnPkiFiles(ca=chain["ca"], server_chain=chain["server_chain"],
                                     host="another.test"))
    assert compose_pki_dir(tmp_path, other, None) != first
    assert json.dumps(own.describe())   # what results record: plain data, no paths or keys
    assert str(tmp_path) not in json.dumps(own.describe())


def test_a_server_profile_serves_the_chain_with_its_key(tmp_path):
    """https-server-ecdsa with the user's P-256 chain: the device serves it (its key embedded,
    PEM and DER), s_client trusts the user's CA and checks the name; the twins are another CA
    and another name."""
    ec = make_chain(tmp_path / "ec", kind="ec256", host="device.example-product.test")
    r = resolve(read_profile([profile_path("https-server-ecdsa")]))
    own = load_own_pki(OwnPkiFiles(ca=ec["ca"], server_chain=ec["server_chain"],
                                   server_key=ec["server_key"]))
    assert device_serves(r, own)
    pki = compose_pki_dir(tmp_path, own, None, serves=True)
    assert compose_pki_dir(tmp_path, own, None) != pki          # a client's image: no key
    assert {"server.key.pem", "server.key.der"} <= {p.name for p in (pki / "own").iterdir()}
    assert (pki / "own" / "server.key.der").stat().st_mode & 0o077 == 0
    rows = {row.name: row for row in build_matrix(r, own, pki)}
    assert list(rows) == ["own-server-tls1.3", "own-server-tls1.3-untrusted",
                          "own-server-tls1.3-wrong-host", "own-server-tls1.2",
                          "own-server-tls1.2-untrusted"]
    assert all(row.case.mode == "server" and row.case.cert == "own" for row in rows.values())
    argv = rows["own-server-tls1.3"].case.peer.argv(4433)
    assert argv[argv.index("-CAfile") + 1] == str(pki / "own-peer" / "ca.pem")
    assert argv[argv.index("-verify_hostname") + 1] == "device.example-product.test"
    untrusted = rows["own-server-tls1.2-untrusted"]
    assert untrusted.twin_of == "own-server-tls1.2" and untrusted.expect.ret == -0x7780
    assert str(pki / "ec256" / "ca.pem") in untrusted.case.peer.argv(4433)
    wrong = rows["own-server-tls1.3-wrong-host"].case.peer.argv(4433)
    assert wrong[wrong.index("-verify_hostname") + 1] == "wrong-host.invalid"


def test_a_server_profile_without_the_key_or_with_a_device_certificate_is_refused(
        cli, chain, tmp_path):
    base = ["measure", "https-server-ecdsa", "--ca", str(chain["ca"]), "--server-chain",
            str(chain["server_chain"]), "--build-dir", str(tmp_path), "--results",
            str(tmp_path / "r")]
    assert "the device is the server of your chain, so it needs the leaf's private key: " \
           "give --server-key" in _fails(cli, *base)
    err = _fails(cli, *base, "--server-key", str(chain["server_key"]), "--client-cert",
                 str(chain["client_cert"]), "--client-key", str(chain["client_key"]))
    assert "--client-cert is for a device that is a TLS client; this profile is a server" in err


def test_a_server_that_asks_for_client_certificates_is_refused(cli, chain, tmp_path, write):
    overlay = write("mt.conf", "CONFIG_MUTUAL_TLS=y\nCONFIG_PEER_ECDSA_P256=y\n"
                               "CONFIG_SIG_SHA256=y\n")
    err = _fails(cli, "measure", "--merge", "https-server-ecdsa", str(overlay), "--ca",
                 str(chain["ca"]), "--server-chain", str(chain["server_chain"]), "--server-key",
                 str(chain["server_key"]), "--build-dir", str(tmp_path), "--results",
                 str(tmp_path / "r"))
    assert "a device server that asks for client certificates is not measured with your own " \
           "certificates" in err
