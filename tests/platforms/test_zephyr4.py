"""Zephyr 4.4 and 4.5 targets (Mbed TLS 4.1 + TF-PSA-Crypto): prj.conf and the two user files
through Zephyr's Kconfig and its two config headers, compared with the translated 4.x config.

The trees are tlsfit's models (generator/tlsfit/data/zephyr4/), rendered as Zephyr-shaped trees,
so the check runs its real path: Kconfiglib, autoconf.h, arm-none-eabi-gcc's preprocessor.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tlsfit_testdata import fragment_assignments

from tlsfit.zephyr4.model import load_release, releases

pytestmark = pytest.mark.compile

LINES = ("4.4", "4.5")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    from tlsfit.cli.main import main
    out = tmp_path_factory.mktemp("gen4")
    assert main(["generate", "--all", "--target", "zephyr-4.4", "--target", "zephyr-4.5",
                 "-o", str(out)]) == 0
    return out


def test_models_cover_44_released_and_45_marked_unreleased():
    assert releases() == LINES
    assert load_release("4.4").released and not load_release("4.5").released
    assert {load_release(v).mbedtls4_line for v in LINES} == {"4.1"}


def test_every_profile_both_lines_pass(generated, cli):
    code, out, err = cli("zephyr-check", *sorted(str(p) for p in generated.iterdir()),
                         "--model", "all")
    assert code == 0, out + err
    assert "18 passed, 0 failed" in out
    for profile in generated.iterdir():
        manifest = json.loads((profile / "manifest.json").read_text())
        for v in LINES:
            frag = profile / "zephyr" / v / "prj.conf"
            assert set(fragment_assignments(frag)) <= load_release(v).symbol_names(), frag
            assert "TRANSLATED: this fragment stands for the Mbed TLS 4.1" in frag.read_text()
            assert "not built by tlsfit's tests" in manifest["targets"][f"zephyr-{v}"]["proven"]
        assert manifest["targets"]["zephyr-4.5"]["facts_read_at"] == "main of the 4.5 cycle (no tag)"


def test_the_zephyr_45_mqtt_client(generated, cli):
    """The README's worked example: mqtt-mutual-tls13-ecc on Zephyr 4.5."""
    d = generated / "mqtt-mutual-tls13-ecc" / "zephyr" / "4.5"
    got = fragment_assignments(d / "prj.conf")
    for sym in ("PSA_CRYPTO", "MBEDTLS", "MBEDTLS_SSL_PROTO_TLS1_3", "PSA_WANT_ALG_GCM",
                "PSA_WANT_ECC_SECP_R1_256", "PSA_WANT_ECC_MONTGOMERY_255", "MBEDTLS_PEM_PARSE_C"):
        assert got[sym] == "y", sym
    assert got["MBEDTLS_USER_CONFIG_FILE"] == '"tlsfit_mbedtls_user_config.h"'
    assert "CUSTOM_MBEDTLS_CFG_FILE" not in got and "MBEDTLS_CFG_FILE" not in got
    tls_user = (d / "tlsfit_mbedtls_user_config.h").read_text()
    assert "#undef MBEDTLS_SSL_SRV_C" in tls_user          # Zephyr builds both roles
    code, out, _ = cli("zephyr-check", str(d / "prj.conf"), "--model", "4.5")
    assert code == 0, out


def test_a_missing_fix_is_a_difference_and_a_bad_line_is_reported(generated, cli, tmp_path):
    import shutil
    d = tmp_path / "z"
    shutil.copytree(generated / "tls12-ecdsa-p256-minimal" / "zephyr" / "4.4", d)
    user = d / "tlsfit_mbedtls_user_config.h"
    user.write_text(user.read_text().replace("#undef MBEDTLS_SSL_SRV_C", ""))
    code, out, _ = cli("zephyr-check", str(d / "prj.conf"), "--model", "4.4")
    assert code == 1 and "MBEDTLS_SSL_SRV_C" in out
    prj = d / "prj.conf"
    n = len(prj.read_text().splitlines())
    prj.write_text(prj.read_text() + "CONFIG_CUSTOM_MBEDTLS_CFG_FILE=y\n")
    code, out, _ = cli("zephyr-check", str(prj), "--model", "4.4")
    assert code == 1
    assert f"{prj}:{n + 1}: CONFIG_CUSTOM_MBEDTLS_CFG_FILE: no such symbol in Zephyr 4.4.0" in out
