"""from-cert on a chain with an RSA-4096 root: the profile it derives verifies the chain
in the harness; a profile derived from an RSA-2048-only chain rejects it (-0x3b00)."""

import pytest

from tlsfit.run.runner import Case, run_case

from tlsfit.build.firmware import build_firmware

from tlsfit.run.peer import server_peer
from tlsfit.run.peer import pki_dir
from tlsfit.mbedtls.tree import locate
from tlsfit.generate.profile import read_profile
from tlsfit.outputs import render_all, write_outputs
from tlsfit.generate.resolve import resolve

pytestmark = pytest.mark.target

BASE = ("# device base: a TLS 1.2 client with SNI\nCONFIG_ROLE_CLIENT=y\nCONFIG_TLS_1_2=y\n"
        "CONFIG_GROUP_P256=y\nCONFIG_CIPHER_AES_128_GCM=y\nCONFIG_SNI=y\n")


def _derive_and_build(cli, tmp_path, name, chain_files):
    base = tmp_path / "base.conf"
    base.write_text(BASE)
    out = tmp_path / f"{name}.conf"
    code, _, err = cli("from-cert", *map(str, chain_files), "--base", str(base), "-o", str(out))
    assert code == 0, err
    resolution = resolve(read_profile([out]))
    write_outputs(render_all(resolution), tmp_path / name / "config")
    fw = build_firmware(tmp_path / name / "config", tmp_path / name / "fw",
                        mbedtls_src=locate().path)
    return out.read_text(), fw


def test_from_cert_profile_verifies_the_rsa4096_chain(cli, tmp_path):
    chain = pki_dir() / "chain-rsa4096"
    text, fw = _derive_and_build(cli, tmp_path, "from-chain",
                                 [chain / "server-chain.pem", chain / "ca.pem"])
    assert "CONFIG_PEER_RSA_4096=y" in text and "CONFIG_PEER_RSA_2048=y" in text
    ok = run_case(fw.elf, Case("chain", ca="chain-rsa4096", tls="1.2", http=True,
                               peer=server_peer("chain-rsa4096", sni=True, tls="1.2")))
    assert ok.ok and ok.tls_version == "TLSv1.2", ok

    small_text, small_fw = _derive_and_build(cli, tmp_path, "from-rsa2048",
                                             [pki_dir() / "rsa2048" / "server-chain.pem",
                                              pki_dir() / "rsa2048" / "ca.pem"])
    assert "CONFIG_PEER_RSA_4096" not in small_text
    bad = run_case(small_fw.elf, Case("chain", ca="chain-rsa4096", tls="1.2", http=True,
                                      peer=server_peer("chain-rsa4096", sni=True, tls="1.2")))
    assert not bad.ok and bad.ret == -0x3B00 and bad.stage == "init"
