"""The PSA backend: PSA_WANT_* with reasons, p256-m placement, the product's RNG, bad input."""

from __future__ import annotations

import json

import pytest

from tlsfit.generate.render import (CRYPTO_CONFIG_NAME, HEADER_NAME, curve_placement,
                                    render_config)
from tlsfit.outputs import render_all
from tlsfit.paths import REPO_ROOT
from tlsfit_testdata import BASE_CLIENT

PROFILES = REPO_ROOT / "profiles"
PSA = "CONFIG_CRYPTO_PSA=y\n"
LEGACY = "CONFIG_CRYPTO_LEGACY=y\n"

#: Legacy crypto modules: on the PSA backend Mbed TLS turns on the ones its
#: built-in mechanisms need (config_adjust_legacy_from_psa.h); tlsfit never emits them.
LEGACY_CRYPTO = ("MBEDTLS_AES_C", "MBEDTLS_GCM_C", "MBEDTLS_CCM_C", "MBEDTLS_CHACHAPOLY_C",
                 "MBEDTLS_SHA256_C", "MBEDTLS_SHA384_C", "MBEDTLS_SHA512_C", "MBEDTLS_ECP_C",
                 "MBEDTLS_ECDSA_C", "MBEDTLS_ECDH_C", "MBEDTLS_BIGNUM_C", "MBEDTLS_RSA_C",
                 "MBEDTLS_HKDF_C", "MBEDTLS_CIPHER_C", "MBEDTLS_ECP_DP_SECP256R1_ENABLED")


def shipped(name: str) -> str:
    return (PROFILES / f"{name}.conf").read_text()


def test_psa_backend_writes_two_files_that_name_each_other(resolve_text):
    res = resolve_text(shipped("tls13-ecdsa-p256-minimal"), PSA)
    files = render_config(res)
    assert set(files) == {HEADER_NAME, CRYPTO_CONFIG_NAME}
    header, crypto = files[HEADER_NAME], files[CRYPTO_CONFIG_NAME]
    assert f'#define MBEDTLS_PSA_CRYPTO_CONFIG_FILE "{CRYPTO_CONFIG_NAME}"' in header
    for name in ("MBEDTLS_PSA_CRYPTO_CONFIG", "MBEDTLS_USE_PSA_CRYPTO",
                 "MBEDTLS_PSA_P256M_DRIVER_ENABLED"):
        assert f"#define {name} " in header
    assert "#define PSA_WANT_" not in header and "#define MBEDTLS_" not in crypto
    for want in ("PSA_WANT_ALG_GCM", "PSA_WANT_KEY_TYPE_AES", "PSA_WANT_ALG_ECDSA",
                 "PSA_WANT_ALG_ECDH", "PSA_WANT_ECC_SECP_R1_256", "PSA_WANT_ALG_SHA_256",
                 "PSA_WANT_ALG_HKDF_EXTRACT", "PSA_WANT_ALG_HKDF_EXPAND"):
        assert f"#define {want} 1" in crypto
    for legacy in LEGACY_CRYPTO:
        assert f"#define {legacy} " not in header and not res.enabled(legacy)


def test_every_psa_want_names_the_requirements_that_need_it(resolve_text):
    res = resolve_text(shipped("https-client-internet"), PSA)
    wants = [o for o in res.options if o.name.startswith("PSA_WANT_")]
    assert len(wants) > 10
    crypto = render_config(res)[CRYPTO_CONFIG_NAME]
    for want in wants:
        assert want.roots, want.name
        assert "CRYPTO_PSA" not in want.roots and "CRYPTO_LEGACY" not in want.roots
        line = next(line for line in crypto.splitlines() if line.startswith(f"#define {want.name} "))
        assert f"/* {', '.join(want.roots)} */" in line


def test_legacy_backend_has_no_crypto_file_and_no_psa_want(resolve_text):
    res = resolve_text(shipped("tls13-ecdsa-p256-minimal"), LEGACY)
    assert set(render_config(res)) == {HEADER_NAME}
    assert not any(o.name.startswith("PSA_WANT_") for o in res.options)
    assert res.enabled("MBEDTLS_ECP_C") and not res.enabled("MBEDTLS_PSA_CRYPTO_CONFIG")


@pytest.mark.parametrize("extra, p256", [
    ("", "p256-m driver"),
    # check_config.h of 3.6.6: PK/TLS refuse some curves accelerated, others built in.
    ("CONFIG_GROUP_X25519=y\n", "built-in ECC (ecp.c)"),
    ("CONFIG_PEER_ECDSA_P384=y\nCONFIG_SIG_SHA384=y\n", "built-in ECC (ecp.c)"),
    # TLS 1.2 ECDHE needs the legacy ECDH/ECDSA modules in 3.6.6 (no supported_groups otherwise).
    ("CONFIG_TLS_1_2=y\n", "built-in ECC (ecp.c)"),
])
def test_p256_goes_to_p256m_only_where_it_can(resolve_text, extra, p256):
    res = resolve_text(shipped("tls13-ecdsa-p256-minimal"), PSA + extra)
    assert dict(curve_placement(res))["P-256"] == p256
    assert res.enabled("MBEDTLS_PSA_P256M_DRIVER_ENABLED") == (p256 == "p256-m driver")
    files = render_all(res)
    manifest = json.loads(files["manifest.json"])
    assert manifest["crypto"] == {"backend": "psa", "curves": dict(curve_placement(res))}
    assert f"P-256 on the {p256}" in files[HEADER_NAME]
    assert f"P-256 on the {p256}" in files[CRYPTO_CONFIG_NAME]
    # Built-in ECC is tuned like the legacy one; with p256-m nothing of ecp.c is left to tune.
    assert res.enabled("MBEDTLS_ECP_WINDOW_SIZE") == (p256 != "p256-m driver")


@pytest.mark.parametrize("backend", [PSA, LEGACY])
def test_the_products_rng_drops_the_drbg_and_says_the_duty(resolve_text, backend):
    res = resolve_text(shipped("tls13-ecdsa-p256-minimal"), backend + "CONFIG_RNG_PRODUCT=y\n")
    for gone in ("MBEDTLS_ENTROPY_C", "MBEDTLS_CTR_DRBG_C", "MBEDTLS_HMAC_DRBG_C",
                 "MBEDTLS_ENTROPY_HARDWARE_ALT"):
        assert not res.enabled(gone), gone
    # TLS 1.3 runs PSA on either backend: PSA takes the product's bytes.
    assert res.enabled("MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG")
    header = render_config(res)[HEADER_NAME]
    assert "mbedtls_psa_external_get_random()" in header
    assert "a real TRNG, or a DRBG seeded from one; never a counter" in header


def test_the_products_rng_without_psa_is_the_f_rng(resolve_text):
    res = resolve_text(shipped("psk-ccm-minimal"), LEGACY + "CONFIG_RNG_PRODUCT=y\n")
    assert not res.enabled("MBEDTLS_PSA_CRYPTO_C") and not res.enabled("MBEDTLS_CTR_DRBG_C")
    manifest = json.loads(render_all(res)["manifest.json"])
    assert "f_rng" in manifest["runtime"]["duties"]
    assert "external_rng" not in manifest["runtime"]["duties"]


def test_psa_backend_zephyr_fragments_set_psa_want_symbols(resolve_text):
    """Kconfig mode sets exactly the profile's CONFIG_PSA_WANT_*; custom-file mode cannot
    compile the PSA core (its symbol depends on Zephyr's own config file) and is not written."""
    res = resolve_text(shipped("psk-ccm-minimal"), PSA)
    files = render_all(res)
    manifest = json.loads(files["manifest.json"])
    prj = files["zephyr/4.3/prj.conf"]
    wants = {o.name for o in res.options if o.name.startswith("PSA_WANT_")}
    assert wants
    for want in wants:
        assert f"CONFIG_{want}=y" in prj
    assert "CONFIG_MBEDTLS_PSA_CRYPTO_C=y" in prj
    assert "zephyr/4.3/prj-custom-file.conf" not in files
    assert "which custom-file mode cannot set" in \
        manifest["zephyr"]["4.3"]["custom-file"]["not_generated"]


@pytest.mark.parametrize("line, message", [
    ("CONFIG_PSA_WANT_ALG_GCM=y", r"profile.conf:2: error: CONFIG_PSA_WANT_ALG_GCM is a PSA crypto "
                                  r"option \(tlsfit_crypto_config.h\), not a requirement"),
    ("CONFIG_PSA_WANT_ALG_XTS=y", r"profile.conf:2: error: CONFIG_PSA_WANT_ALG_XTS is a PSA crypto "
                                  r"option \(tlsfit_crypto_config.h\) that tlsfit does not manage"),
    ("CONFIG_MBEDTLS_USE_PSA_CRYPTO=y", r"profile.conf:2: error: CONFIG_MBEDTLS_USE_PSA_CRYPTO is "
                                        r"an Mbed TLS option, not a requirement"),
])
def test_crypto_options_set_in_a_profile_are_refused(cli, write, line, message):
    profile = write("profile.conf", f"CONFIG_ROLE_CLIENT=y\n{line}\n")
    code, _, err = cli("generate", str(profile), "-o", str(profile.parent / "out"))
    assert code == 1 and "Traceback" not in err
    assert __import__("re").search(message, err), err
    assert err.count("\n") == 1


def test_two_backends_in_one_file_name_both_lines(cli, write):
    profile = write("profile.conf", "CONFIG_ROLE_CLIENT=y\nCONFIG_CRYPTO_LEGACY=y\n"
                                    "CONFIG_CRYPTO_PSA=y\n")
    code, _, err = cli("generate", str(profile), "-o", str(profile.parent / "out"))
    assert code == 1
    assert err == (f"tlsfit: {profile}:3: error: CONFIG_CRYPTO_PSA=y contradicts "
                   f"CONFIG_CRYPTO_LEGACY=y at {profile}:2: choose one crypto backend\n")


def _requirement_names() -> list[str]:
    from tlsfit.generate.model import load_model, requirement_symbols
    import kconfiglib
    kconf = load_model()
    return [s.name for s in requirement_symbols(kconf)
            if s.orig_type == kconfiglib.BOOL and s.choice is None]


@pytest.mark.parametrize("name", _requirement_names())
def test_no_requirement_rules_out_a_backend(resolve_text, name):
    """Every requirement, added to a TLS 1.2+1.3 client, resolves on both backends, or fails
    on both with the same message: in Mbed TLS 3.6.6 no need of tlsfit's model rules out a
    backend (so there is no such bad input to report; a requirement that did would say so
    through its 'depends on', as every contradiction does)."""
    from tlsfit.errors import TlsfitError
    text = BASE_CLIENT + "CONFIG_TLS_1_3=y\n" + f"CONFIG_{name}=y\n"
    outcomes = []
    for backend in (PSA, LEGACY):
        try:
            res = resolve_text(text, backend)
            outcomes.append(("ok", render_config(res)[HEADER_NAME].count("#define")))
        except TlsfitError as exc:
            outcomes.append(("error", str(exc).replace(backend.strip(), "")))
    assert outcomes[0][0] == outcomes[1][0], (name, outcomes)
    if outcomes[0][0] == "error":
        assert outcomes[0][1] == outcomes[1][1]


def test_a_key_exchange_without_a_suite_names_the_ciphers_that_would_do(cli, write):
    """ECDHE-PSK has no GCM suite in Mbed TLS 3.6: refused, naming the ciphers it has."""
    profile = write("profile.conf", "CONFIG_ROLE_CLIENT=y\nCONFIG_TLS_1_2=y\nCONFIG_KEX_ECDHE_PSK=y\n"
                                    "CONFIG_GROUP_P256=y\nCONFIG_CIPHER_AES_128_GCM=y\n")
    code, _, err = cli("generate", str(profile), "-o", str(profile.parent / "out"))
    assert code == 1 and "Traceback" not in err
    assert ("MBEDTLS_KEY_EXCHANGE_ECDHE_PSK_ENABLED (needed by TLS_1_2, KEX_ECDHE_PSK, ROLE_CLIENT) "
            "has no ciphersuite with the ciphers required; Mbed TLS 3.6 has it with: "
            "CIPHER_CHACHA20_POLY1305, LEGACY_CBC") in err
