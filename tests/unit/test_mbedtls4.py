"""The Mbed TLS 4.x translation: every shipped profile, the facts it rests on, and its refusals.

tlsfit's tests cannot build Mbed TLS 4.x (not in Debian): these check the
translation against the 4.x option lists and fates recorded in
generator/tlsfit/data/mbedtls4/; building it is compile-check --mbedtls-src.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tlsfit.errors import TlsfitError
from tlsfit.generate.model import is_psa_want, load_model, option_symbols
from tlsfit.generate.profile import read_profile
from tlsfit.generate.resolve import resolve
from tlsfit.mbedtls4.facts import lines, load_facts
from tlsfit.mbedtls4.render import CRYPTO_NAME, TLS_NAME, render_translation
from tlsfit.mbedtls4.translate import translate
from tlsfit.outputs import backend_variant, render_all
from tlsfit.paths import shipped_profiles
from tlsfit.targets.registry import find
from tlsfit_testdata import BASE_CLIENT

LINES = ("4.0", "4.1")
_DEFINE = re.compile(r"^#define (\w+)(?: (.*?))?\s+/\*", re.M)


def psa(path: Path):
    return backend_variant(resolve(read_profile([path])), "psa")


def test_facts_cover_both_lines_and_every_option_tlsfit_can_emit():
    assert lines() == LINES
    names = {s.name for s in option_symbols(load_model())} | {"MBEDTLS_SSL_CIPHERSUITES"}
    for line in LINES:
        facts = load_facts(line)
        assert facts.mbedtls.startswith(line + ".")
        uncovered = names - facts.tls_options - facts.crypto_options - set(facts.fates)
        assert not uncovered, (line, sorted(uncovered))
        for name, fate in facts.fates.items():
            assert name not in facts.tls_options | facts.crypto_options, name
            assert set(fate.to) <= facts.tls_options | facts.crypto_options, name
            assert fate.source and fate.why


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("profile", shipped_profiles(), ids=lambda p: p.stem)
def test_every_shipped_profile_translates_into_4x_options_only(profile, line):
    res = psa(profile)
    t = translate(res, line)
    facts = t.facts
    files = render_translation(res, t)
    tls = dict(_DEFINE.findall(files[TLS_NAME]))
    crypto = dict(_DEFINE.findall(files[CRYPTO_NAME]))
    assert tls.pop("MBEDTLS_CONFIG_VERSION") == "0x04000000"
    assert crypto.pop("TF_PSA_CRYPTO_CONFIG_VERSION") == "0x01000000"
    assert set(tls) <= facts.tls_options and set(crypto) <= facts.crypto_options
    for gone in ("MBEDTLS_USE_PSA_CRYPTO", "MBEDTLS_PSA_CRYPTO_CONFIG", "MBEDTLS_ENTROPY_HARDWARE_ALT"):
        assert gone not in tls and gone not in crypto
    # every PSA_WANT_* the proven 3.6 config has is in the 4.x crypto file, set to 1
    wants = {o.name for o in res.options if is_psa_want(o.name)}
    assert wants <= set(crypto) and all(crypto[w] == "1" for w in wants)
    assert "TRANSLATED, NOT BUILT BY TLSFIT" in files[TLS_NAME]
    if res.enabled("MBEDTLS_ENTROPY_HARDWARE_ALT"):
        assert "MBEDTLS_PSA_DRIVER_GET_ENTROPY" in crypto
        assert any(d.key == "entropy" and "mbedtls_platform_get_entropy()" in d.text
                   for d in t.duties)
    if res.enabled("MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG"):
        assert "MBEDTLS_PSA_DRIVER_GET_ENTROPY" not in crypto
    assert not any(d.key == "f_rng" for d in t.duties)      # 4.x functions take no RNG
    assert any(d.key == "psa_init" for d in t.duties)


def test_what_4x_asks_more_of_is_added_and_what_conflicts_is_dropped(resolve_text):
    res = psa(Path(__file__).resolve().parents[2] / "profiles" / "iot-mutual-tls12.conf")
    t = translate(res, "4.1")
    names = t.names()
    assert {"PSA_WANT_KEY_TYPE_RSA_KEY_PAIR_BASIC", "PSA_WANT_ALG_RSA_PKCS1V15_CRYPT"} <= names
    assert res.enabled("MBEDTLS_AES_ONLY_128_BIT_KEY_LENGTH") and \
        "MBEDTLS_AES_ONLY_128_BIT_KEY_LENGTH" not in names
    changes = {name: became for name, became, _ in t.changes}
    assert changes["MBEDTLS_AES_ONLY_128_BIT_KEY_LENGTH"].startswith(
        "dropped: cannot stay with MBEDTLS_CTR_DRBG_C")
    assert changes["MBEDTLS_ENTROPY_HARDWARE_ALT"] == "renamed MBEDTLS_PSA_DRIVER_GET_ENTROPY"


def test_kept_legacy_modules_become_psa_or_cannot_be_expressed(resolve_text):
    keep = 'CONFIG_KEEP_OPTIONS="MBEDTLS_SHA1_C: the supplicant"\nCONFIG_CRYPTO_PSA=y\n'
    t = translate(resolve_text(BASE_CLIENT, keep), "4.1")
    assert "PSA_WANT_ALG_SHA_1" in t.names()
    assert ("MBEDTLS_SHA1_C", "as PSA_WANT_ALG_SHA_1") in [(n, b) for n, b, _ in t.changes]
    des = 'CONFIG_KEEP_OPTIONS="MBEDTLS_DES_C: MSCHAPv2"\nCONFIG_CRYPTO_PSA=y\n'
    with pytest.raises(TlsfitError, match=r"Mbed TLS 4.1.0 cannot express: MBEDTLS_DES_C "
                                          r"\(KEPT_MBEDTLS_DES_C\): TF-PSA-Crypto has no DES"):
        translate(resolve_text(BASE_CLIENT, des), "4.1")


def test_a_legacy_backend_config_is_not_translated(resolve_text):
    with pytest.raises(TlsfitError, match="takes the PSA-backend configuration"):
        translate(resolve_text(BASE_CLIENT, "CONFIG_CRYPTO_LEGACY=y\n"), "4.0")


def test_the_target_writes_both_files_and_says_they_are_translated(resolve_text):
    res = resolve_text(BASE_CLIENT)
    files = render_all(res, find(["mbedtls-4.1"]))
    assert set(files) >= {"mbedtls4/4.1/" + TLS_NAME, "mbedtls4/4.1/" + CRYPTO_NAME}
    manifest = json.loads(files["manifest.json"])
    assert "not built by tlsfit's tests" in manifest["targets"]["mbedtls-4.1"]["proven"]
    assert manifest["mbedtls4"]["4.1"]["crypto_options_read_at"] == "TF-PSA-Crypto 1.0.0"
    assert render_all(res, find(["mbedtls-4.1"])) == files          # same inputs, same bytes


def _fake_tree(root: Path, version: str, crypto: bool) -> Path:
    (root / "include" / "mbedtls").mkdir(parents=True)
    (root / "library").mkdir()
    (root / "library" / "ssl_tls.c").write_text("")
    (root / "include" / "mbedtls" / "build_info.h").write_text(
        f'#define MBEDTLS_VERSION_STRING "{version}"\n')
    if crypto:
        (root / "tf-psa-crypto" / "include" / "psa").mkdir(parents=True)
        (root / "tf-psa-crypto" / "include" / "psa" / "crypto_config.h").write_text("")
    return root


@pytest.mark.parametrize("version, crypto, args, message", [
    ("4.0.0", False, ["compile-check", "psk-ccm-minimal"],
     "is Mbed TLS 4.0.0 without its TF-PSA-Crypto: tf-psa-crypto/include/psa/crypto_config.h "
     "is missing"),
    ("4.9.0", True, ["compile-check", "psk-ccm-minimal"],
     "is Mbed TLS 4.9.0; tlsfit has 4.x facts for 4.0, 4.1"),
    ("4.1.0", True, ["measure", "psk-ccm-minimal"],
     "is Mbed TLS 4.1.0; this command builds and runs Mbed TLS 3.6.x only"),
])
def test_a_4x_tree_where_it_cannot_be_used_is_one_message(version, crypto, args, message,
                                                          tmp_path, cli):
    tree = _fake_tree(tmp_path / "mbedtls", version, crypto)
    code, _, err = cli("--mbedtls-src", str(tree), *args)
    assert code == 1
    assert err.count("\n") == 1 and message in err, err
