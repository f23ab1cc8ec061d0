"""Bad input: one clear message naming file/line/symbol, exit 1, no traceback."""

from pathlib import Path

import pytest

from tlsfit_testdata import BASE_CLIENT


def _fails(cli, *args):
    code, out, err = cli(*args)
    assert code == 1, (out, err)
    assert "Traceback" not in err
    assert err.startswith("tlsfit: ")
    return err


def test_malformed_line(cli, write, tmp_path):
    p = write("bad.conf", BASE_CLIENT + "this is not kconfig\n")
    err = _fails(cli, "generate", str(p), "-o", str(tmp_path / "out"))
    assert f"{p}:7: error: malformed line 'this is not kconfig'" in err
    assert not (tmp_path / "out").exists()


def test_unknown_symbol_suggests_the_right_one(cli, write, tmp_path):
    p = write("typo.conf", BASE_CLIENT + "CONFIG_ROLE_CLEINT=y\n")
    err = _fails(cli, "generate", str(p), "-o", str(tmp_path))
    assert f"{p}:7: error: unknown requirement CONFIG_ROLE_CLEINT" in err
    assert "did you mean CONFIG_ROLE_CLIENT?" in err


def test_wrong_type_bool(cli, write, tmp_path):
    p = write("t.conf", BASE_CLIENT + "CONFIG_SNI=maybe\n")
    err = _fails(cli, "generate", str(p), "-o", str(tmp_path))
    assert f"{p}:7: error: CONFIG_SNI=maybe: SNI is a yes/no requirement" in err


def test_wrong_type_int(cli, write, tmp_path):
    p = write("t.conf", BASE_CLIENT + "CONFIG_IN_BUFFER_SIZE=big\n")
    err = _fails(cli, "generate", str(p), "-o", str(tmp_path))
    assert f"{p}:7: error: CONFIG_IN_BUFFER_SIZE=big: IN_BUFFER_SIZE takes an int" in err


def test_int_out_of_range(cli, write, tmp_path):
    p = write("t.conf", BASE_CLIENT + "CONFIG_IN_BUFFER_SIZE=100\n")
    err = _fails(cli, "generate", str(p), "-o", str(tmp_path))
    assert f"{p}:7: error: CONFIG_IN_BUFFER_SIZE=100 is outside 512..16384" in err


def test_contradiction_names_both_lines(cli, write, tmp_path):
    p = write("c.conf", BASE_CLIENT + "CONFIG_RECORD_SIZE_LIMIT=y\n# CONFIG_TLS_1_3 is not set\n")
    err = _fails(cli, "generate", str(p), "-o", str(tmp_path))
    assert f"{p}:7: error: CONFIG_RECORD_SIZE_LIMIT=y contradicts CONFIG_TLS_1_3=n at {p}:8" in err


def test_contradiction_across_overlay(cli, write, tmp_path):
    base = write("base.conf", BASE_CLIENT + "CONFIG_IN_BUFFER_SIZE=2048\n")
    over = write("over.conf", "# CONFIG_MAX_FRAGMENT_LENGTH is not set\n")
    err = _fails(cli, "generate", str(base), str(over), "-o", str(tmp_path))
    assert f"{base}:7: error: IN_BUFFER_SIZE below 16384 needs MAX_FRAGMENT_LENGTH" in err
    assert "-0x7100" in err


def test_two_choices_at_once(cli, write, tmp_path):
    p = write("c.conf", BASE_CLIENT + "CONFIG_OPTIMIZE_SIZE=y\nCONFIG_OPTIMIZE_SPEED=y\n")
    err = _fails(cli, "generate", str(p), "-o", str(tmp_path))
    assert f"{p}:8: error: CONFIG_OPTIMIZE_SPEED=y contradicts CONFIG_OPTIMIZE_SIZE=y at {p}:7" in err


def test_profile_that_asks_for_nothing(cli, write, tmp_path):
    p = write("empty.conf", "# nothing\nCONFIG_PEM=y\n")
    err = _fails(cli, "generate", str(p), "-o", str(tmp_path))
    assert "asks for nothing usable" in err


@pytest.mark.parametrize("text, expected", [
    ("CONFIG_ROLE_CLIENT=y\nCONFIG_CIPHER_AES_128_GCM=y\nCONFIG_KEX_PSK=y\n",
     "a TLS role needs a protocol version"),
    ("CONFIG_ROLE_CLIENT=y\nCONFIG_TLS_1_2=y\nCONFIG_KEX_PSK=y\n", "at least one cipher"),
    (BASE_CLIENT.replace("CONFIG_GROUP_P256=y\n", ""), "set at least one GROUP_*"),
    (BASE_CLIENT.replace("CONFIG_SIG_SHA256=y\n", ""), "their signature hash"),
    (BASE_CLIENT + "CONFIG_MUTUAL_TLS=y\n", "MUTUAL_TLS on a client needs"),
    ("CONFIG_ROLE_SERVER=y\nCONFIG_TLS_1_2=y\nCONFIG_CIPHER_AES_128_GCM=y\nCONFIG_GROUP_P256=y\n",
     "a way to authenticate"),
])
def test_incomplete_profiles(cli, write, tmp_path, text, expected):
    p = write("p.conf", text)
    assert expected in _fails(cli, "generate", str(p), "-o", str(tmp_path))


def test_setting_an_mbedtls_option_directly(cli, write, tmp_path):
    p = write("p.conf", BASE_CLIENT + "CONFIG_MBEDTLS_DEBUG_C=y\n")
    err = _fails(cli, "generate", str(p), "-o", str(tmp_path))
    assert (f"{p}:7: error: CONFIG_MBEDTLS_DEBUG_C is an Mbed TLS option that tlsfit does not "
            f"manage, and not a requirement") in err
    p2 = write("p2.conf", BASE_CLIENT + "CONFIG_MBEDTLS_RSA_C=y\n")
    err2 = _fails(cli, "generate", str(p2), "-o", str(tmp_path))
    assert "CONFIG_MBEDTLS_RSA_C is an Mbed TLS option, not a requirement" in err2


def test_duplicate_in_one_file(cli, write, tmp_path):
    p = write("p.conf", BASE_CLIENT + "CONFIG_SNI=y\nCONFIG_SNI=n\n")
    err = _fails(cli, "generate", str(p), "-o", str(tmp_path))
    assert f"{p}:8: error: CONFIG_SNI is set twice in one file (first at line 7)" in err


def test_missing_profile_file(cli, tmp_path):
    err = _fails(cli, "generate", str(tmp_path / "nope.conf"), "-o", str(tmp_path))
    assert "nope.conf: no such profile" in err


def _fake_tree(root: Path, version: str) -> Path:
    (root / "include" / "mbedtls").mkdir(parents=True)
    (root / "library").mkdir()
    (root / "library" / "ssl_tls.c").write_text("")
    (root / "include" / "mbedtls" / "build_info.h").write_text(
        f'#define MBEDTLS_VERSION_STRING         "{version}"\n')
    return root


def test_wrong_mbedtls_version_is_refused(cli, tmp_path):
    tree = _fake_tree(tmp_path / "mbedtls-2.28", "2.28.8")
    err = _fails(cli, "--mbedtls-src", str(tree), "check-tree")
    assert "is Mbed TLS 2.28.8; tlsfit's model is for Mbed TLS 3.6.x" in err
    tree4 = _fake_tree(tmp_path / "mbedtls-4", "4.0.0")
    assert "Mbed TLS 4.0.0" in _fails(cli, "--mbedtls-src", str(tree4), "check-tree")


def test_not_a_tree_is_refused(cli, tmp_path):
    err = _fails(cli, "--mbedtls-src", str(tmp_path), "check-tree")
    assert "is not an Mbed TLS source tree" in err


def test_env_var_tree(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("TLSFIT_MBEDTLS_SRC", str(tmp_path / "missing"))
    err = _fails(cli, "check-tree")
    assert "(TLSFIT_MBEDTLS_SRC) is not an Mbed TLS source tree" in err


def test_generate_refuses_wrong_tree_before_writing(cli, write, tmp_path):
    tree = _fake_tree(tmp_path / "old", "3.5.2")
    p = write("p.conf", BASE_CLIENT)
    _fails(cli, "--mbedtls-src", str(tree), "generate", str(p), "-o", str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_unwritable_output_is_a_clear_error(cli, write, tmp_path):
    p = write("p.conf", BASE_CLIENT)
    blocker = write("file-not-dir", "x")
    err = _fails(cli, "generate", str(p), "-o", str(blocker))
    assert "file-not-dir" in err
