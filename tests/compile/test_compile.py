"""Every shipped profile's config on each backend against Mbed TLS 3.6.6, host and Cortex-M33."""

import pytest

from tlsfit.build.compile_check import TARGETS, ciphersuites_missing, compile_library
from tlsfit.mbedtls.tree import locate
from tlsfit.paths import REPO_ROOT, shipped_profiles
from tlsfit.generate.render import CRYPTO_CONFIG_NAME, HEADER_NAME, render_config
from tlsfit.generate.resolve import resolve
from tlsfit.generate.variants import BACKENDS, read_variant

PROFILES = REPO_ROOT / "profiles"

pytestmark = pytest.mark.compile


@pytest.mark.parametrize("profile", shipped_profiles(), ids=lambda p: p.stem)
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_config_compiles(profile, backend, target, tmp_path):
    """Each shipped profile on each crypto backend: its config files through check_config.h."""
    tree = locate()  # fails loudly if set-up did not fetch Mbed TLS
    assert tree.version == "3.6.6"
    config = tmp_path / "config"
    config.mkdir()
    files = render_config(resolve(read_variant([profile], tmp_path, backend=backend)))
    assert (CRYPTO_CONFIG_NAME in files) == (backend == "psa")
    for name, text in files.items():
        (config / name).write_text(text)
    assert compile_library(config / HEADER_NAME, tree, TARGETS[target]) > 100


KEEPS = {
    "supplicant": "MBEDTLS_PK_WRITE_C: writes keys; MBEDTLS_SHA1_C: HMAC-SHA1; "
                  "MBEDTLS_MD5_C: EAP; MBEDTLS_DES_C: MSCHAPv2",
    "storage": "MBEDTLS_CIPHER_MODE_CBC: storage encryption",
}


@pytest.mark.parametrize("keep", sorted(KEEPS))
@pytest.mark.parametrize("backend", BACKENDS)
def test_kept_options_compile_with_the_tunings_they_conflict_with_gone(keep, backend, tmp_path):
    """KEEP_OPTIONS on the smallest TLS 1.2 profile: AES without decryption conflicts with DES
    and CBC (check_config.h), so it goes; the rest of the config still compiles."""
    overlay = tmp_path / "keep.conf"
    overlay.write_text(f'CONFIG_KEEP_OPTIONS="{KEEPS[keep]}"\n')
    res = resolve(read_variant([PROFILES / "tls12-ecdsa-p256-minimal.conf", overlay], tmp_path,
                               backend=backend))
    assert not res.enabled("MBEDTLS_BLOCK_CIPHER_NO_DECRYPT")
    config = tmp_path / "config"
    config.mkdir()
    for name, text in render_config(res).items():
        (config / name).write_text(text)
    assert compile_library(config / HEADER_NAME, locate(), TARGETS["cortex-m33"]) > 100


def test_a_broken_header_fails_the_check(tmp_path):
    header = tmp_path / "mbedtls_config.h"
    # TLS 1.3 without PSA: Mbed TLS's check_config.h must reject it.
    header.write_text("#define MBEDTLS_SSL_TLS_C\n#define MBEDTLS_SSL_CLI_C\n"
                      "#define MBEDTLS_SSL_PROTO_TLS1_3\n#define MBEDTLS_MD_C\n"
                      "#define MBEDTLS_SHA256_C\n#define MBEDTLS_CIPHER_C\n")
    from tlsfit.errors import TlsfitError
    with pytest.raises(TlsfitError, match="does not compile for host"):
        compile_library(header, locate(), TARGETS["host"])


@pytest.mark.parametrize("profile", shipped_profiles(), ids=lambda p: p.stem)
@pytest.mark.parametrize("backend", BACKENDS)
def test_every_listed_ciphersuite_is_one_mbedtls_has(profile, backend, tmp_path):
    """MBEDTLS_SSL_CIPHERSUITES names only suites in ssl_ciphersuites.c's table for the config."""
    config = tmp_path / "config"
    config.mkdir()
    files = render_config(resolve(read_variant([profile], tmp_path, backend=backend)))
    for name, text in files.items():
        (config / name).write_text(text)
    assert ciphersuites_missing(config / HEADER_NAME, locate()) == []


def test_a_suite_outside_the_table_is_found(tmp_path):
    """The check can fail: a PSK suite listed in a config without PSK key exchange."""
    config = tmp_path / "config"
    config.mkdir()
    files = render_config(resolve(read_variant([PROFILES / "tls12-ecdsa-p256-minimal.conf"],
                                               tmp_path)))
    header = files[HEADER_NAME].replace(
        "MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_PSK_WITH_AES_128_CCM", 1)
    (config / HEADER_NAME).write_text(header)
    assert ciphersuites_missing(config / HEADER_NAME, locate()) == \
        ["MBEDTLS_TLS_PSK_WITH_AES_128_CCM"]


@pytest.mark.parametrize("profile", shipped_profiles(), ids=lambda p: p.stem)
def test_psa_want_closure_is_what_mbedtls_defines(profile, tmp_path):
    """generate/psa_implied.py's closure of the PSA_WANT_* tlsfit writes equals the
    PSA_WANT_* Mbed TLS ends up with (build_info.h through arm-none-eabi-gcc -E -dM), and
    tlsfit writes none that Mbed TLS would have implied (1-minimality by construction)."""
    import subprocess

    from tlsfit.generate.psa_implied import implied_closure

    config = tmp_path / "config"
    config.mkdir()
    res = resolve(read_variant([profile], tmp_path, backend="psa"))
    for name, text in render_config(res).items():
        (config / name).write_text(text)
    tree = locate()
    out = subprocess.run(["arm-none-eabi-gcc", "-E", "-dM", f"-I{config}", f"-I{tree.include_dir}",
                          f'-DMBEDTLS_CONFIG_FILE="{config / HEADER_NAME}"',
                          str(tree.include_dir / "mbedtls" / "build_info.h")],
                         capture_output=True, text=True, check=True).stdout
    final = {line.split()[1] for line in out.splitlines()
             if line.startswith("#define PSA_WANT_") and "(" not in line.split()[1]}
    written = {o.name for o in res.options if o.name.startswith("PSA_WANT_")}
    assert implied_closure(written) == final
    for want in written:
        assert want not in implied_closure(written - {want}), f"{want} is implied by the others"
