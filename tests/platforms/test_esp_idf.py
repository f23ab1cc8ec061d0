"""ESP-IDF targets: sdkconfig.defaults through ESP-IDF's Kconfig and Mbed TLS's preprocessor.

The trees are tlsfit's own models of each ESP-IDF release (rendered from
generator/tlsfit/data/esp-idf/), so the check runs its real path: Kconfiglib
over the Kconfig, then arm-none-eabi-gcc's preprocessor over Mbed TLS 3.6.6's
build_info.h and check_config.h with the modelled esp_config.h.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tlsfit_testdata import fragment_assignments

from tlsfit.espidf.fixture import render_tree
from tlsfit.espidf.model import load_release, releases
from tlsfit.espidf.tree import open_tree

pytestmark = pytest.mark.compile

RELEASES_5 = ("5.1", "5.2", "5.3", "5.4", "5.5")
RELEASES = RELEASES_5 + ("6.0",)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """Every shipped profile, fragments for every ESP-IDF release line."""
    from tlsfit.cli.main import main
    out = tmp_path_factory.mktemp("gen")
    targets = [a for v in RELEASES for a in ("--target", f"esp-idf-{v}")]
    assert main(["generate", "--all", *targets, "-o", str(out)]) == 0
    return out


def test_models_cover_the_5x_lines_on_mbedtls_36_and_60_on_40():
    assert releases() == RELEASES
    for v in RELEASES_5:
        rel = load_release(v)
        assert rel.mbedtls_version.startswith("3.6.") and not rel.is_4x
        assert rel.tag.startswith(f"v{v}.")
    six = load_release("6.0")
    assert (six.tag, six.mbedtls_version, six.mbedtls4_line) == ("v6.0", "4.0.0", "4.0")


def test_every_profile_every_release_passes(generated, cli):
    code, out, err = cli("esp-idf-check", *sorted(str(p) for p in generated.iterdir()),
                         "--model", "all")
    assert code == 0, out + err
    assert "54 passed, 0 failed" in out
    for profile in generated.iterdir():
        manifest = json.loads((profile / "manifest.json").read_text())
        assert set(manifest["esp_idf"]) == set(RELEASES)
        for v in RELEASES_5:
            target = manifest["targets"][f"esp-idf-{v}"]
            assert target["mbedtls"] == load_release(v).mbedtls_version
            header = (profile / "esp-idf" / v / "mbedtls_config.h").read_text()
            assert "MBEDTLS_PSA_CRYPTO_CONFIG" not in header      # the legacy variant
        six = manifest["targets"]["esp-idf-6.0"]
        assert six["mbedtls"] == "4.0.0 + TF-PSA-Crypto 1.0.0"
        assert "not built by tlsfit's tests" in six["proven"]
        frag = (profile / "esp-idf" / "6.0" / "sdkconfig.defaults").read_text()
        assert "# TRANSLATED: it stands for the Mbed TLS 4.0 translation" in frag
        assert "TRANSLATED, NOT BUILT BY TLSFIT" in \
            (profile / "esp-idf" / "6.0" / "tlsfit_tf_psa_crypto_config.h").read_text()


def test_the_esp32_aws_iot_case(generated, cli):
    """iot-mutual-tls12 on ESP-IDF 5.5: every line exists there and takes effect."""
    frag = generated / "iot-mutual-tls12" / "esp-idf" / "5.5" / "sdkconfig.defaults"
    got = fragment_assignments(frag)
    assert got["MBEDTLS_TLS_CLIENT_ONLY"] == "y"
    assert got["MBEDTLS_KEY_EXCHANGE_ECDHE_RSA"] == "y"
    assert got["MBEDTLS_ECP_DP_SECP256R1_ENABLED"] == "y"
    assert got["MBEDTLS_SSL_OUT_CONTENT_LEN"] == "4096"
    assert got["MBEDTLS_KEY_EXCHANGE_RSA"] == "n"          # no RSA key transport
    assert got["MBEDTLS_ECP_DP_SECP384R1_ENABLED"] == "n"
    assert "MBEDTLS_HARDWARE_AES" not in got                # ESP-IDF's port is left alone
    known = load_release("5.5").symbol_names()
    assert set(got) <= known
    code, out, _ = cli("esp-idf-check", str(frag), "--model", "5.5")
    assert code == 0, out


def test_the_esp32_aws_iot_case_on_esp_idf_6(generated, cli):
    """ESP-IDF 6.0 (Mbed TLS 4.0): the 4.x symbols, every line exists and takes effect."""
    frag = generated / "iot-mutual-tls12" / "esp-idf" / "6.0" / "sdkconfig.defaults"
    got = fragment_assignments(frag)
    assert got["MBEDTLS_TLS_CLIENT_ONLY"] == "y"
    assert got["MBEDTLS_KEY_EXCHANGE_ECDHE_RSA"] == "y"
    assert got["MBEDTLS_SSL_SERVER_NAME_INDICATION"] == "y"     # a symbol in 6.x, fixed on in 5.x
    assert set(got) <= load_release("6.0").symbol_names()
    assert "MBEDTLS_KEY_EXCHANGE_DHE_RSA" not in load_release("6.0").symbol_names()
    code, out, _ = cli("esp-idf-check", str(frag), "--model", "6.0")
    assert code == 0, out


def test_a_server_gets_the_server_only_role(generated):
    got = fragment_assignments(generated / "https-server-ecdsa" / "esp-idf" / "5.5" / "sdkconfig.defaults")
    assert got.get("MBEDTLS_TLS_SERVER_ONLY") == "y"


def test_platform_prerequisites_found_by_the_real_files_are_kept(generated):
    """ESP-IDF 5.1-5.3 always define MBEDTLS_PK_PARSE_EC_EXTENDED: an ECC-free profile keeps
    the EC module and P-256, declared with the reason; 5.5 can drop them."""
    old = (generated / "psk-ccm-minimal" / "esp-idf" / "5.3" / "sdkconfig.defaults").read_text()
    assert "CONFIG_MBEDTLS_ECP_C=y" in old
    assert re.search(r"# tlsfit-declared: MBEDTLS_ECP_C \+ ESP-IDF 5.3's esp_config.h always "
                     r"defines MBEDTLS_PK_PARSE_EC_EXTENDED", old)
    new = (generated / "psk-ccm-minimal" / "esp-idf" / "5.5" / "sdkconfig.defaults").read_text()
    assert "# CONFIG_MBEDTLS_ECP_C is not set" in new


def _copy(generated: Path, profile: str, version: str, tmp: Path) -> Path:
    src = generated / profile / "esp-idf" / version
    dest = tmp / profile
    shutil.copytree(src, dest)
    return dest / "sdkconfig.defaults"


def test_an_undeclared_difference_fails_and_the_declared_one_passes(generated, cli, tmp_path):
    frag = _copy(generated, "tls12-ecdsa-p256-minimal", "5.5", tmp_path)
    text = frag.read_text()
    line = next(x for x in text.splitlines() if x.startswith("# tlsfit-declared: MBEDTLS_SSL_CACHE_C"))
    frag.write_text(text.replace(line + "\n", ""))
    code, out, _ = cli("esp-idf-check", str(frag), "--model", "5.5")
    assert code == 1
    assert "MBEDTLS_SSL_CACHE_C" in out and "undeclared" in out
    frag.write_text(text)
    code, out, _ = cli("esp-idf-check", str(frag), "--model", "5.5")
    assert code == 0, out


def test_an_assignment_without_effect_is_reported_with_its_line(generated, cli, tmp_path):
    frag = _copy(generated, "tls12-ecdsa-p256-minimal", "5.5", tmp_path)
    n = len(frag.read_text().splitlines())
    frag.write_text(frag.read_text() + "CONFIG_MBEDTLS_ECJPAKE_C=n\n"
                    "CONFIG_MBEDTLS_KEY_EXCHANGE_ECJPAKE=y\nCONFIG_MBEDTLS_NO_SUCH_THING=y\n")
    code, out, _ = cli("esp-idf-check", str(frag), "--model", "5.5")
    assert code == 1
    assert (f"{frag}:{n + 2}: CONFIG_MBEDTLS_KEY_EXCHANGE_ECJPAKE: set to y but ESP-IDF's "
            "Kconfig gives n: its dependencies are not met") in out
    assert f"{frag}:{n + 3}: CONFIG_MBEDTLS_NO_SUCH_THING: no such symbol in ESP-IDF 5.5.5" in out


def test_the_model_tree_is_labelled_and_opens_as_a_tree(tmp_path):
    root = render_tree("5.4", tmp_path / "idf")
    tree = open_tree(root, is_model=True)
    assert tree.version == "5.4.4"
    assert "TLSFIT_MODEL" in (root / "components" / "mbedtls" / "Kconfig").read_text()
    assert "Not ESP-IDF's file" in (tree.port_include / "mbedtls" / "esp_config.h").read_text()


@pytest.mark.parametrize("args, message", [
    (["generate", "BASE", "--target", "esp-idf-9.9", "-o", "OUT"],
     "--target esp-idf-9.9: unknown target; known: zephyr-3.7"),
    (["esp-idf-check", "OUT", "--model", "9.9"], "--model 9.9: tlsfit models ESP-IDF 5.1"),
    (["esp-idf-check", "OUT", "--idf-path", "TMP"], "is not an ESP-IDF tree: "
                                                     "tools/cmake/version.cmake is missing"),
])
def test_bad_input_one_message(args, message, cli, tmp_path, generated):
    profile = Path(__file__).resolve().parents[2] / "profiles" / "psk-ccm-minimal.conf"
    subst = {"BASE": str(profile), "OUT": str(generated / "psk-ccm-minimal"), "TMP": str(tmp_path)}
    code, out, err = cli(*[subst.get(a, a) for a in args])
    assert code == 1
    assert err.count("\n") == 1 and message in err, err


def test_kept_options_reach_every_platform_and_pass_its_check(cli, tmp_path):
    """KEEP_OPTIONS: what the rest of the image needs is in each fragment, checked."""
    keep = tmp_path / "keep.conf"
    keep.write_text('CONFIG_KEEP_OPTIONS="MBEDTLS_PK_WRITE_C: the Wi-Fi supplicant writes keys; '
                    'MBEDTLS_SHA1_C: the supplicant\'s HMAC-SHA1"\n')
    out = tmp_path / "out"
    code, _, err = cli("generate", "iot-mutual-tls12", str(keep), "--target", "esp-idf-5.5",
                       "--target", "zephyr-4.3", "-o", str(out))
    assert code == 0, err
    assert "CONFIG_MBEDTLS_SHA1_C=y" in (out / "esp-idf" / "5.5" / "sdkconfig.defaults").read_text()
    prj = (out / "zephyr" / "4.3" / "prj.conf").read_text()
    assert "CONFIG_MBEDTLS_PK_WRITE_C=y" in prj
    code, text, _ = cli("esp-idf-check", str(out), "--model", "5.5")
    assert code == 0, text
    code, text, _ = cli("zephyr-check", str(out), "--model", "4.3")
    assert code == 0, text
