"""Profile mistakes users make, each answered in one line naming the file, line and the fix."""

from __future__ import annotations

from tlsfit_testdata import BASE_CLIENT

TLS13_ONLY = ("CONFIG_ROLE_CLIENT=y\nCONFIG_TLS_1_3=y\nCONFIG_PEER_ECDSA_P256=y\n"
              "CONFIG_SIG_SHA256=y\nCONFIG_GROUP_P256=y\nCONFIG_CIPHER_AES_128_GCM=y\n")


def _generate(cli, write, *texts: str) -> tuple[int, str, list]:
    paths = [write(f"p{i}.conf", text) for i, text in enumerate(texts)]
    code, _, err = cli("generate", *map(str, paths), "-o", str(paths[0].parent / "out"))
    return code, err, paths


def test_max_fragment_length_with_tls13_only_names_record_size_limit(cli, write):
    code, err, paths = _generate(cli, write, TLS13_ONLY + "CONFIG_MAX_FRAGMENT_LENGTH=y\n")
    assert code == 1 and err.count("\n") == 1
    assert f"{paths[0]}:7: error: MAX_FRAGMENT_LENGTH is a TLS 1.2 mechanism" in err
    assert "RECORD_SIZE_LIMIT" in err
    code, err, _ = _generate(cli, write, TLS13_ONLY + "CONFIG_TLS_1_2=y\nCONFIG_MAX_FRAGMENT_LENGTH=y\n")
    assert code == 0, err


def test_os_entropy_is_said_at_generate_and_refused_before_a_build(cli, write, tmp_path):
    code, err, paths = _generate(cli, write, BASE_CLIENT, "CONFIG_ENTROPY_OS=y\n")
    assert code == 0
    assert f"{paths[1]}:1: warning: ENTROPY_OS uses the operating system's entropy" in err
    code, _, err = cli("measure", "--merge", *map(str, paths), "--results", str(tmp_path / "r"))
    assert code == 1 and err.count("\n") == 1
    assert "ENTROPY_OS uses the operating system's entropy, which tlsfit's bare-metal " \
           "Cortex-M33 harness does not have" in err
    assert not (tmp_path / "r").exists()


def test_a_pasted_platform_symbol_names_the_requirement(cli, write):
    code, err, paths = _generate(cli, write, BASE_CLIENT,
                                 "CONFIG_MBEDTLS_SSL_SERVER_NAME_INDICATION=y\n")
    assert code == 1 and err.count("\n") == 1
    assert f"{paths[1]}:1: error: CONFIG_MBEDTLS_SSL_SERVER_NAME_INDICATION is an Mbed TLS " \
           "option, not a requirement; the requirement that turns it on: CONFIG_SNI" in err
    assert 'CONFIG_KEEP_OPTIONS="MBEDTLS_SSL_SERVER_NAME_INDICATION: why"' in err
    # Zephyr 3.x's name for it is not tlsfit's, but close enough to point the way
    code, err, _ = _generate(cli, write, BASE_CLIENT, "CONFIG_MBEDTLS_SERVER_NAME_INDICATION=y\n")
    assert code == 1 and "nearest tlsfit option: MBEDTLS_SSL_SERVER_NAME_INDICATION; the " \
                         "requirement that turns it on: CONFIG_SNI" in err
    code, err, _ = _generate(cli, write, BASE_CLIENT, "CONFIG_PSA_WANT_ALG_GCM=y\n")
    assert code == 1 and "CONFIG_CIPHER_AES_128_GCM" in err


def test_a_small_tls12_receive_buffer_says_it_depends_on_the_server(cli, tmp_path):
    """Max fragment length is only as good as the server: generate and the manifest say so,
    naming the file by name only (the manifest does not depend on where the profile lives)."""
    import json
    code, _, err = cli("generate", "tls12-ecdsa-p256-minimal", "-o", str(tmp_path / "out"))
    assert code == 0
    assert "depends on the server honouring max fragment length" in err
    warnings = json.loads((tmp_path / "out" / "manifest.json").read_text())["warnings"]
    (mfl,) = [w for w in warnings if "max fragment length" in w]
    assert mfl.startswith("tls12-ecdsa-p256-minimal.conf:")
    assert "GnuTLS 3.7.9 confirms it and still sends 16 KB records" in mfl
    assert "Fallback: IN_BUFFER_SIZE=16384, or TLS 1.3 with RECORD_SIZE_LIMIT" in mfl
