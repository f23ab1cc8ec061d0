"""tlsfit from-cert on real chains generated with python3-cryptography."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes

from diag_pki import (CLIENT_AUTH_ONLY, NOW, SERVER_AUTH, der, make_cert, pem, write)
from tlsfit.paths import PROFILES_DIR
from tlsfit.generate.profile import read_profile
from tlsfit.generate.resolve import resolve


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """RSA-4096 root -> RSA-2048 leaf; ECDSA P-384 root -> P-256 leaf; in PEM, DER, bundles."""
    d = tmp_path_factory.mktemp("pki")
    rsa_root = make_cert("RSA Root", "rsa4096", ca=True, key_usage="ca")
    rsa_leaf = make_cert("rsa.example", "rsa2048", rsa_root, san="rsa.example", eku=SERVER_AUTH)
    ec_root = make_cert("EC Root", "p384", ca=True, hash_alg=hashes.SHA384(), key_usage="ca")
    ec_leaf = make_cert("ec.example", "p256", ec_root, hash_alg=hashes.SHA384(),
                        san="ec.example", eku=SERVER_AUTH)
    return {
        "dir": d,
        "rsa_chain": write(d / "rsa-chain.pem", pem(rsa_leaf, rsa_root)),
        "ec_chain": write(d / "ec-chain.pem", pem(ec_leaf, ec_root)),
        "ec_leaf_der": write(d / "ec-leaf.der", der(ec_leaf)),
        "bundle": write(d / "bundle.pem", pem(rsa_leaf, rsa_root, ec_leaf, ec_root)),
        "rsa_root": rsa_root, "ec_root": ec_root,
    }


def _derive(cli, *args) -> tuple[dict, str]:
    code, out, err = cli("from-cert", "--json", *map(str, args))
    assert code == 0, err
    return json.loads(out), err


def test_rsa4096_root_rsa2048_leaf(cli, pki):
    doc, err = _derive(cli, pki["rsa_chain"])
    assert doc["requirements"] == ["PEER_RSA_2048", "PEER_RSA_4096", "SIG_SHA256"]
    assert doc["mpi_max_size"] == 512
    assert [c["key"] for c in doc["certificates"]] == ["RSA-2048", "RSA-4096"]
    assert "MBEDTLS_MPI_MAX_SIZE = 512" in doc["profile"]
    assert err == ""   # a clean chain has no lints


def test_p384_root_p256_leaf(cli, pki):
    doc, err = _derive(cli, pki["ec_chain"])
    assert doc["requirements"] == ["PEER_ECDSA_P256", "PEER_ECDSA_P384", "SIG_SHA384"]
    assert doc["mpi_max_size"] == 48
    assert err == ""


def test_der_file(cli, pki):
    doc, _ = _derive(cli, pki["ec_leaf_der"])
    assert doc["requirements"] == ["PEER_ECDSA_P256", "SIG_SHA384"]
    assert doc["certificates"][0]["subject"] == "CN=ec.example"


def test_pem_bundle_takes_every_certificate(cli, pki):
    doc, _ = _derive(cli, pki["bundle"])
    assert doc["requirements"] == ["PEER_RSA_2048", "PEER_RSA_4096", "PEER_ECDSA_P256",
                                   "PEER_ECDSA_P384", "SIG_SHA256", "SIG_SHA384"]
    assert [c["index"] for c in doc["certificates"]] == [0, 1, 2, 3]


def test_text_output_is_a_profile_fragment(cli, pki):
    code, out, _ = cli("from-cert", str(pki["rsa_chain"]))
    assert code == 0
    lines = [ln for ln in out.splitlines() if ln.startswith("CONFIG_")]
    assert lines == ["CONFIG_PEER_RSA_2048=y", "CONFIG_PEER_RSA_4096=y", "CONFIG_SIG_SHA256=y"]
    assert "rsa-chain.pem[1] CN=RSA Root: RSA-4096, sha256WithRSAEncryption" in out


def test_merge_with_base_resolves(cli, pki, tmp_path):
    out = tmp_path / "merged.conf"
    base = PROFILES_DIR / "https-client-rsa.conf"
    code, stdout, err = cli("from-cert", str(pki["ec_chain"]), "--base", str(base),
                            "-o", str(out))
    assert code == 0, err
    text = out.read_text()
    assert text.startswith(base.read_text())            # the base's lines first
    derived = text[len(base.read_text()):]
    assert "CONFIG_PEER_ECDSA_P256=y" in derived and "CONFIG_SIG_SHA384=y" in derived
    resolution = resolve(read_profile([out]))
    assert resolution.requirement("PEER_ECDSA_P384") == "y"
    assert resolution.requirement("PEER_RSA_4096") == "y"
    assert resolution.option("MBEDTLS_MPI_MAX_SIZE").value == "512"
    assert "MBEDTLS_MPI_MAX_SIZE = 512" in text
    assert "MBEDTLS_MPI_MAX_SIZE 512" in stdout


def test_merge_does_not_repeat_or_contradict_the_base(cli, pki, tmp_path):
    base = tmp_path / "base.conf"
    base.write_text((PROFILES_DIR / "https-client-rsa.conf").read_text()
                    .replace("CONFIG_PEER_RSA_4096=y", "# CONFIG_PEER_RSA_4096 is not set"))
    out = tmp_path / "out.conf"
    code, _, err = cli("from-cert", str(pki["rsa_chain"]), "--base", str(base), "-o", str(out))
    assert code == 0, err
    assert "overridden" in err and "PEER_RSA_4096" in err
    text = out.read_text()
    set_lines = [ln for ln in text.splitlines() if ln.startswith("CONFIG_PEER_RSA_2048")]
    assert set_lines == ["CONFIG_PEER_RSA_2048=y"]        # set by the base, not repeated
    assert "# PEER_RSA_2048: already set above" in text
    assert resolve(read_profile([out])).requirement("PEER_RSA_4096") == "y"


def test_base_that_does_not_resolve_is_an_error(cli, pki, tmp_path):
    base = tmp_path / "bad.conf"
    base.write_text("CONFIG_ROLE_CLIENT=y\nCONFIG_NO_SUCH_THING=y\n")
    out = tmp_path / "never.conf"
    code, _, err = cli("from-cert", str(pki["rsa_chain"]), "--base", str(base), "-o", str(out))
    assert code == 1 and "does not resolve" in err and "NO_SUCH_THING" in err
    assert not out.exists()


@pytest.mark.filterwarnings("ignore:SHA1 signatures are deprecated")
def test_lints_each_problem(cli, tmp_path, pki):
    root = pki["rsa_root"]
    self_signed = make_cert("device.local", "p256-ss", ca=None)
    expired = make_cert("old.example", "p256-exp", root, not_before=NOW - dt.timedelta(days=400),
                        not_after=NOW - dt.timedelta(days=30), san="old.example")
    future = make_cert("new.example", "p256-fut", root, not_before=NOW + dt.timedelta(days=30),
                       san="new.example")
    sha1 = make_cert("sha1.example", "rsa2048-sha1", root, hash_alg=hashes.SHA1(),
                     san="sha1.example")
    wrong_use = make_cert("client.example", "p256-eku", root, key_usage="encipher-only",
                          eku=CLIENT_AUTH_ONLY, san="client.example")
    strict_root = make_cert("Strict Root", "p384-strict", ca=True, path_length=0,
                            hash_alg=hashes.SHA384())
    inter = make_cert("Intermediate", "p256-int", strict_root, ca=True, hash_alg=hashes.SHA384())
    leaf = make_cert("deep.example", "p256-deep", inter, san="deep.example")
    files = [write(tmp_path / "selfsigned.pem", pem(self_signed)),
             write(tmp_path / "various.pem", pem(expired, future, sha1, wrong_use)),
             write(tmp_path / "deep.pem", pem(leaf, inter, strict_root)),
             write(tmp_path / "root.pem", pem(root))]
    doc, err = _derive(cli, *files)
    assert "selfsigned.pem[0] CN=device.local: self-signed leaf without CA basic constraints" \
        in err and "alert 46" in err
    assert "various.pem[0] CN=old.example: expired" in err
    assert "various.pem[1] CN=new.example: not valid before" in err
    assert "various.pem[2] CN=sha1.example: SHA-1 signature" in err
    assert "various.pem[3] CN=client.example: keyUsage lacks digitalSignature" in err
    assert "various.pem[3] CN=client.example: extendedKeyUsage lacks serverAuth" in err
    assert "deep.pem[2] CN=Strict Root: path length constraint 0 is broken" in err
    assert "WARNING: LEGACY_SIG_SHA1" in err
    assert "LEGACY_SIG_SHA1" in doc["requirements"]
    assert len(doc["lints"]) == 7
    # certificates without problems are not named
    assert "warning: deep.pem[0]" not in err and "warning: deep.pem[1]" not in err


@pytest.mark.parametrize("kind,message", [
    ("rsa1024", "RSA-1024 key: too weak"),
    ("rsa4608", "RSA-4608 key: larger than 4096 bits"),
    ("p521", "ECDSA key on secp521r1"),
    ("ed25519", "Ed25519"),
])
def test_keys_the_model_cannot_handle(cli, tmp_path, kind, message):
    cert = make_cert("odd.example", kind, ca=True)
    path = write(tmp_path / "odd.pem", pem(cert))
    code, out, err = cli("from-cert", str(path))
    assert code == 1 and out == ""
    assert err.startswith("tlsfit: odd.pem[0] CN=odd.example: ") and message in err


def test_bad_files(cli, tmp_path, pki):
    text = pki["rsa_chain"].read_bytes()
    truncated = write(tmp_path / "truncated.pem", text[: len(text) - 40])
    notcert = write(tmp_path / "notes.txt", b"just some text, not a certificate\n")
    garbage_pem = write(tmp_path / "garbage.pem",
                        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    key_only = write(tmp_path / "key.pem",
                     b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    for path, message in ((truncated, "truncated PEM"),
                          (notcert, "not a certificate"),
                          (garbage_pem, "PEM block 0 (CERTIFICATE) is not a valid certificate"),
                          (key_only, "a private key, not a certificate: give it as --key"),
                          (tmp_path / "missing.pem", "no such file"),
                          (tmp_path, "a directory, not a file")):
        code, out, err = cli("from-cert", str(path))
        assert code == 1, path
        assert err.startswith(f"tlsfit: {path}") and message in err and "Traceback" not in err
        assert err.count("\n") == 1


def test_an_own_key_that_is_missing_names_it_and_the_option(cli, tmp_path, pki):
    device = make_cert("device-k", "p256-own-cli", pki["rsa_root"], eku=CLIENT_AUTH_ONLY)
    cert = write(tmp_path / "dev.pem", pem(device))
    missing = tmp_path / "dev.key"
    code, _, err = cli("from-cert", "--own", str(cert), "--key", str(missing))
    assert (code, err) == (1, f"tlsfit: {missing}: no such file (--key)\n")


def test_generated_requirements_exist_in_the_model(pki, cli):
    """The fragment alone merged onto a minimal base resolves: every name is a requirement."""
    doc, _ = _derive(cli, pki["bundle"])
    base = Path(pki["dir"]) / "min.conf"
    base.write_text("CONFIG_ROLE_CLIENT=y\nCONFIG_TLS_1_2=y\nCONFIG_GROUP_P256=y\n"
                    "CONFIG_CIPHER_AES_128_GCM=y\n" + doc["profile"])
    resolution = resolve(read_profile([base]))
    for req in doc["requirements"]:
        assert resolution.requirement(req) == "y"


def test_a_chain_that_does_not_lead_to_the_given_root(cli, tmp_path, pki):
    """An intermediate issued by another root passes no longer without a word."""
    mine = make_cert("My Root", "p256-myroot", ca=True)
    other = make_cert("Other Root", "p256-otherroot", ca=True)
    inter = make_cert("Other Intermediate", "p256-otherint", other, ca=True)
    leaf = make_cert("api.example", "p256-api", inter, san="api.example")
    files = [write(tmp_path / "chain.pem", pem(leaf, inter)), write(tmp_path / "ca.pem", pem(mine))]
    _, err = _derive(cli, *files)
    assert ("chain.pem[1] CN=Other Intermediate: issued by CN=Other Root, which is not among "
            "the given certificates: the chain does not lead to the given root (CN=My Root)") in err
    assert "MBEDTLS_X509_BADCERT_NOT_TRUSTED" in err
    # the same chain with its own root: no such lint
    _, err = _derive(cli, files[0], write(tmp_path / "other.pem", pem(other)))
    assert "does not lead to the given root" not in err


@pytest.mark.parametrize("cn, san, message", [
    ("host.example", None, "no subjectAltName: browsers reject it"),
    ("192.168.1.10", None, "an IP address only in the CN: browsers reject it"),
    ("host.example", "host.example", None),
])
def test_server_leaf_names(cli, tmp_path, pki, cn, san, message):
    leaf = make_cert(cn, "p256-name", pki["rsa_root"], san=san)
    _, err = _derive(cli, write(tmp_path / "leaf.pem", pem(leaf)))
    if message is None:
        assert "subjectAltName" not in err
    else:
        assert f"leaf.pem[0] CN={cn}: {message}" in err


def test_certificates_as_firmware_sources_hold_them(cli, tmp_path, pki):
    """A C string literal of PEM and an xxd -i array read like the PEM and DER files."""
    leaf = make_cert("fw.example", "p256-fw", pki["rsa_root"], san="fw.example")
    lines = pem(leaf).decode().splitlines()
    c_string = "static const char ca_cert[] =\n" + "".join(
        f'    "{line}\\n"\n' for line in lines) + ";\n"
    body = der(leaf)
    c_array = ("unsigned char cert_der[] = {\n" + ",\n".join(
        "  " + ", ".join(f"0x{b:02x}" for b in body[i:i + 12]) for i in range(0, len(body), 12))
        + "\n};\nunsigned int cert_der_len = " + str(len(body)) + ";\n")
    plain, _ = _derive(cli, write(tmp_path / "leaf.pem", pem(leaf)))
    for name, text in (("certs.h", c_string), ("cert_der.h", c_array)):
        doc, _ = _derive(cli, write(tmp_path / name, text.encode()))
        assert doc["requirements"] == plain["requirements"], name


def _key_pem(issued) -> bytes:
    from cryptography.hazmat.primitives import serialization
    return issued.key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())


def test_own_server_certificate_means_own_key_and_server_role(cli, tmp_path, pki):
    server = make_cert("device.local", "p256-own-srv", pki["rsa_root"], eku=SERVER_AUTH,
                       san="device.local")
    doc, err = _derive(cli, "--own", write(tmp_path / "srv.pem", pem(server)))
    assert doc["requirements"] == ["OWN_CERT_ECDSA_P256", "ROLE_SERVER"]
    assert not any(r.startswith("PEER_") for r in doc["requirements"])
    assert "serverAuth" in err


def test_own_client_certificate_with_its_key_and_a_foreign_key(cli, tmp_path, pki):
    device = make_cert("device-42", "p256-own-cli", pki["rsa_root"], eku=CLIENT_AUTH_ONLY)
    other = make_cert("other", "p256-own-other", pki["rsa_root"])
    cert = write(tmp_path / "dev.pem", pem(device))
    doc, err = _derive(cli, "--own", cert, "--key", write(tmp_path / "dev.key", _key_pem(device)),
                       pki["rsa_chain"])
    assert doc["requirements"][-3:] == ["OWN_CERT_ECDSA_P256", "ROLE_CLIENT", "MUTUAL_TLS"]
    assert "PEER_RSA_2048" in doc["requirements"]          # the server's chain, verified
    assert "does not belong" not in err
    _, err = _derive(cli, "--own", cert, "--key", write(tmp_path / "o.key", _key_pem(other)))
    assert "o.key: this key does not belong to the certificate" in err


def test_own_certificate_conflicting_with_the_base_is_an_error(cli, tmp_path, pki):
    rsa_device = make_cert("device-rsa", "rsa2048-own", pki["rsa_root"], eku=CLIENT_AUTH_ONLY)
    base = PROFILES_DIR / "iot-mutual-tls12.conf"
    code, _, err = cli("from-cert", "--own", str(write(tmp_path / "d.pem", pem(rsa_device))),
                       "--base", str(base))
    line = next(n for n, text in enumerate(base.read_text().splitlines(), 1)
                if text.startswith("CONFIG_OWN_CERT_ECDSA_P256"))
    assert code == 1 and err.count("\n") == 1
    assert f"{base}:{line}: CONFIG_OWN_CERT_ECDSA_P256=y conflicts with the --own certificate, " \
           "whose key needs CONFIG_OWN_CERT_RSA_2048" in err


def test_key_files_and_openssl_req_x509_certificates(cli, tmp_path, pki):
    made = make_cert("device.local", "p256-req-x509", ca=True)     # openssl req -x509's default
    code, _, err = cli("from-cert", str(write(tmp_path / "k.pem", _key_pem(made))))
    assert code == 1 and "a private key, not a certificate: give it as --key" in err
    _, err = _derive(cli, "--own", write(tmp_path / "c.pem", pem(made)))
    assert "self-signed with CA:TRUE, what 'openssl req -x509' makes by default" in err
