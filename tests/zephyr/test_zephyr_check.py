"""zephyr-check: fragments through Zephyr's Kconfig and Mbed TLS's preprocessor.

The trees are tlsfit's own models of each Zephyr release (rendered from
generator/tlsfit/data/zephyr/), so the check runs its real path:
Kconfiglib over the Kconfig, then arm-none-eabi-gcc's preprocessor over
Mbed TLS 3.6.6's build_info.h and check_config.h.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tlsfit.zephyr.fixture import render_tree
from tlsfit.zephyr.kconfig_eval import evaluate
from tlsfit.zephyr.model import load_release, releases
from tlsfit.zephyr.tree import open_tree

pytestmark = pytest.mark.compile

RELEASES = ("3.7", "4.1", "4.2", "4.3")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """Every shipped profile, fragments for every Zephyr release line."""
    from tlsfit.cli.main import main
    out = tmp_path_factory.mktemp("gen")
    assert main(["generate", "--all", "--zephyr", "all", "-o", str(out)]) == 0
    return out


def test_models_cover_the_releases_the_issue_names():
    assert releases() == RELEASES


def test_every_profile_every_release_both_modes_pass(generated, cli):
    code, out, err = cli("zephyr-check", *sorted(str(p) for p in generated.iterdir()),
                         "--model", "all")
    assert code == 0, out + err
    profiles = sorted(generated.iterdir())
    assert len(profiles) == 9
    # Custom-file mode cannot compile the PSA core (every release's Mbed TLS menu, with
    # CONFIG_MBEDTLS_PSA_CRYPTO_C, depends on Zephyr's own config file): profiles whose header
    # needs it get no custom-file fragment, and their manifest says why.
    expected = 0
    for profile in profiles:
        manifest = json.loads((profile / "manifest.json").read_text())
        for version in RELEASES:
            entry = manifest["zephyr"][version]
            psa_core = "MBEDTLS_PSA_CRYPTO_C" in (profile / "mbedtls_config.h").read_text()
            assert ("not_generated" in entry["custom-file"]) == psa_core, (profile.name, version)
            if psa_core:
                assert "CONFIG_MBEDTLS_PSA_CRYPTO_C=y, which custom-file mode cannot set" in \
                    entry["custom-file"]["not_generated"]
                assert not (profile / "zephyr" / version / "prj-custom-file.conf").exists()
            expected += 1 if psa_core else 2
    assert expected > 9 * len(RELEASES)
    assert f"{expected} passed, 0 failed" in out
    rows = [line for line in out.splitlines() if "prj" in line and ".conf" in line]
    assert len(rows) == expected
    assert all(re.search(r"ok \((identical|\d+ declared)\)", r) for r in rows), out


def test_a_custom_file_fragment_without_the_psa_core_fails_the_check(generated, cli, tmp_path):
    """What issue 10's custom-file fragments for TLS 1.3 did: the header needs the PSA core,
    Zephyr compiles it only with CONFIG_MBEDTLS_PSA_CRYPTO_C=y: the check names it."""
    d = _copy(generated, "tls13-ecdsa-p256-minimal", "4.3", tmp_path)
    shutil.copy(d / "mbedtls_config.h", d / "tlsfit_mbedtls_config.h")
    frag = d / "custom.conf"
    frag.write_text("CONFIG_MBEDTLS=y\nCONFIG_MBEDTLS_BUILTIN=y\n# CONFIG_MBEDTLS_ENABLE_HEAP is not set\n"
                    'CONFIG_CUSTOM_MBEDTLS_CFG_FILE=y\nCONFIG_MBEDTLS_CFG_FILE="tlsfit_mbedtls_config.h"\n')
    code, out, _ = cli("zephyr-check", str(frag), "--model", "4.3", "--header",
                       str(d / "mbedtls_config.h"))
    assert code == 1
    assert "sources not compiled" in out
    assert "not compiled: MBEDTLS_PSA_CRYPTO_C is defined, but Zephyr compiles psa_crypto_aead.c" in out
    assert "only with CONFIG_MBEDTLS_PSA_CRYPTO_C=y" in out


def _copy(generated: Path, profile: str, version: str, dest: Path) -> Path:
    src = generated / profile
    shutil.copytree(src / "zephyr" / version, dest, dirs_exist_ok=True)
    shutil.copy(src / "mbedtls_config.h", dest)
    shutil.copy(src / "manifest.json", dest)
    if (src / "tlsfit_crypto_config.h").is_file():      # a PSA-first header names it
        shutil.copy(src / "tlsfit_crypto_config.h", dest)
    return dest


def test_the_old_custom_file_name_is_shadowed(generated, cli, tmp_path):
    d = _copy(generated, "tls12-ecdsa-p256-minimal", "4.3", tmp_path)
    (d / "mbedtls_config.h").write_text((d / "tlsfit_mbedtls_config.h").read_text())
    frag = d / "old.conf"
    frag.write_text((d / "prj-custom-file.conf").read_text().replace(
        '"tlsfit_mbedtls_config.h"', '"mbedtls_config.h"'))
    code, out, _ = cli("zephyr-check", str(frag), "--model", "4.3",
                       "--header", str(d / "mbedtls_config.h"))
    assert code == 1
    assert "shadowed header" in out
    assert re.search(r"the build includes \S*mbedtls-3\.6\.6/include/mbedtls/mbedtls_config\.h "
                     r"instead of \S*/mbedtls_config\.h", out), out


def test_cbc_left_on_stops_in_check_config(generated, cli, tmp_path):
    d = _copy(generated, "tls12-ecdsa-p256-minimal", "4.2", tmp_path)
    frag = d / "cbc.conf"
    frag.write_text("".join(line for line in (d / "prj.conf").read_text().splitlines(True)
                            if "CIPHER_MODE_CBC" not in line))
    code, out, _ = cli("zephyr-check", str(frag), "--model", "4.2",
                       "--header", str(d / "mbedtls_config.h"))
    assert code == 1
    assert re.search(r"#error: \S*check_config\.h:\d+: #error \"MBEDTLS_BLOCK_CIPHER_NO_DECRYPT "
                     r"and MBEDTLS_CIPHER_MODE_CBC cannot be defined simultaneously\"", out), out


def test_an_undeclared_difference_fails_and_a_declared_one_passes(generated, cli, tmp_path):
    d = _copy(generated, "psk-ccm-minimal", "4.2", tmp_path)
    user = d / "tlsfit_user_config.h"
    user.write_text(user.read_text().replace("#undef MBEDTLS_MEMORY_ALIGN_MULTIPLE\n", ""))
    code, out, _ = cli("zephyr-check", str(d / "prj.conf"), "--model", "4.2")
    assert code == 1
    assert "+ MBEDTLS_MEMORY_ALIGN_MULTIPLE = (sizeof(void *))  (only in the Zephyr build)" in out
    frag = d / "prj.conf"
    frag.write_text(frag.read_text() + "# tlsfit-declared: MBEDTLS_MEMORY_ALIGN_MULTIPLE + kept\n")
    code, out, _ = cli("zephyr-check", str(frag), "--model", "4.2")
    assert code == 0, out
    assert "ok (1 declared)" in out


def test_an_assignment_without_effect_is_reported_with_its_line(generated, cli, tmp_path):
    d = _copy(generated, "psk-ccm-minimal", "4.2", tmp_path)
    frag = d / "prj.conf"
    lines = frag.read_text().splitlines(True)
    frag.write_text("".join(lines) + "CONFIG_MBEDTLS_AES_FEWER_TABLES=y\nCONFIG_NO_SUCH_THING=y\n")
    code, out, _ = cli("zephyr-check", str(frag), "--model", "4.2")
    assert code == 1
    n = len(lines)
    assert f"{frag}:{n + 1}: CONFIG_MBEDTLS_AES_FEWER_TABLES: set to y but Zephyr's Kconfig " \
           "gives n: its dependencies are not met: depends on MBEDTLS_AES_ROM_TABLES" in out
    assert f"{frag}:{n + 2}: CONFIG_NO_SUCH_THING: no such symbol in Zephyr 4.2.0" in out


def test_old_symbol_names_are_deprecated_in_4_3(tmp_path):
    tree = open_tree(render_tree("4.3", tmp_path / "z"), is_model=True)
    frag = tmp_path / "prj.conf"
    frag.write_text("CONFIG_MBEDTLS=y\nCONFIG_MBEDTLS_TLS_VERSION_1_2=y\n")
    problems = [str(p) for p in evaluate(tree, [frag]).problems]
    assert any("CONFIG_MBEDTLS_TLS_VERSION_1_2: deprecated in Zephyr 4.3.0" in p
               for p in problems), problems


def test_fragments_use_each_releases_names(generated):
    tls12 = generated / "tls12-ecdsa-p256-minimal" / "zephyr"
    assert "CONFIG_MBEDTLS_TLS_VERSION_1_2=y" in (tls12 / "4.2" / "prj.conf").read_text()
    assert "CONFIG_MBEDTLS_SSL_PROTO_TLS1_2=y" in (tls12 / "4.3" / "prj.conf").read_text()
    assert "CONFIG_MBEDTLS_TLS_VERSION_1_2" not in (tls12 / "4.3" / "prj.conf").read_text()
    # The entropy glue where the header takes a TRNG through mbedtls_hardware_poll() ...
    iot = generated / "iot-mutual-tls12" / "zephyr"
    assert "CONFIG_MBEDTLS_ZEPHYR_ENTROPY=y" in (iot / "3.7" / "prj.conf").read_text()
    # ... and none where the product gives its own random bytes (RNG_PRODUCT).
    assert "CONFIG_MBEDTLS_ZEPHYR_ENTROPY=y" not in (tls12 / "3.7" / "prj.conf").read_text()
    manifest = json.loads((generated / "tls12-ecdsa-p256-minimal" / "manifest.json").read_text())
    assert set(manifest["zephyr"]) == set(RELEASES)


def test_buffers_are_set_per_direction(generated):
    z = generated / "tls12-ecdsa-p256-minimal" / "zephyr" / "4.3"
    header = (generated / "tls12-ecdsa-p256-minimal" / "mbedtls_config.h").read_text()
    inn = re.search(r"#define MBEDTLS_SSL_IN_CONTENT_LEN\s+(\d+)", header).group(1)
    out = re.search(r"#define MBEDTLS_SSL_OUT_CONTENT_LEN\s+(\d+)", header).group(1)
    assert inn != out
    assert f"CONFIG_MBEDTLS_SSL_MAX_CONTENT_LEN={max(int(inn), int(out))}" in \
        (z / "prj.conf").read_text()
    assert f"#define MBEDTLS_SSL_OUT_CONTENT_LEN {out}" in (z / "tlsfit_user_config.h").read_text()


# --- a build directory shaped as west writes it --------------------------------

def _build_dir(tmp_path: Path, version: str, fragment: Path, app: Path) -> Path:
    """compile_commands.json and zephyr/.config for Mbed TLS's ssl_tls.c, as a Zephyr
    build of FRAGMENT over tlsfit's model tree would write them."""
    from tlsfit.mbedtls.tree import locate
    tree = open_tree(render_tree(version, tmp_path / "zephyr"), is_model=True)
    result = evaluate(tree, [fragment])
    build = tmp_path / "build"
    gen = build / "zephyr" / "include" / "generated" / "zephyr"
    gen.mkdir(parents=True)
    (gen / "autoconf.h").write_text(result.autoconf)
    (build / "zephyr" / ".config").write_text(result.dotconfig)
    mbed = locate()
    release = load_release(version)
    src = mbed.path / "library" / "ssl_tls.c"
    cmd = ["arm-none-eabi-gcc", "-mcpu=cortex-m33", "-mthumb", "-imacros", str(gen / "autoconf.h"),
           f'-DMBEDTLS_CONFIG_FILE="{result.values[release.cfg_file_symbols[1]]}"',
           f"-I{mbed.include_dir}", f"-I{tree.configs_dir}", f"-I{app}", "-Os",
           "-o", "ssl_tls.c.obj", "-c", str(src)]
    (build / "compile_commands.json").write_text(json.dumps(
        [{"directory": str(build), "arguments": cmd, "file": str(src)}]))
    return build


def test_build_dir_shows_what_was_compiled(generated, cli, tmp_path):
    d = _copy(generated, "mqtt-mutual-tls13-ecc", "4.3", tmp_path / "app")
    build = _build_dir(tmp_path, "4.3", d / "prj.conf", d)
    code, out, _ = cli("zephyr-check", "--build-dir", str(build), str(d / "prj.conf"))
    assert code == 0, out
    assert "1 passed, 0 failed" in out
    # A build of the psk profile without the user header: Zephyr's own additions show.
    p = _copy(generated, "psk-ccm-minimal", "4.3", tmp_path / "psk")
    frag = p / "nouser.conf"
    frag.write_text((p / "prj.conf").read_text().replace(
        "CONFIG_MBEDTLS_USER_CONFIG_ENABLE=y", "# CONFIG_MBEDTLS_USER_CONFIG_ENABLE is not set"))
    build2 = _build_dir(tmp_path / "second", "4.3", frag, p)
    code, out, _ = cli("zephyr-check", "--build-dir", str(build2), str(frag))
    assert code == 1
    assert "+ MBEDTLS_MEMORY_BUFFER_ALLOC_C  (only in the Zephyr build)" in out, out


# --- bad input ------------------------------------------------------------------

def test_a_fragment_that_is_not_kconfig(cli, tmp_path, generated):
    frag = tmp_path / "prj.conf"
    frag.write_text("CONFIG_MBEDTLS=y\nthis is not kconfig\n")
    code, _, err = cli("zephyr-check", str(frag), "--model", "4.2",
                       "--header", str(generated / "psk-ccm-minimal" / "mbedtls_config.h"))
    assert code == 1
    assert err == f"tlsfit: {frag}:2: not a Kconfig line: 'this is not kconfig' (a prj.conf " \
        "fragment has CONFIG_X=value lines and # comments)\n", err


def test_a_tree_that_is_not_zephyr(cli, tmp_path, generated):
    code, _, err = cli("zephyr-check", str(generated / "psk-ccm-minimal"),
                       "--zephyr-base", str(tmp_path))
    assert code == 1
    assert f"tlsfit: {tmp_path} is not a Zephyr tree: it has no VERSION file" in err


@pytest.mark.parametrize("version, message", [
    ("4.6", "is Zephyr 4.6.0; tlsfit knows Zephyr 4.4, 4.5 on Mbed TLS 4.x"),
    ("3.5", "is Zephyr 3.5.0; tlsfit's Mbed TLS 3.6 models are of Zephyr 3.7, 4.1, 4.2, 4.3"),
    ("4.4", "is not a Zephyr 4.4 tree: modules/mbedtls/Kconfig is missing"),
])
def test_an_unsupported_zephyr_tree(version, message, cli, tmp_path, generated):
    major, minor = version.split(".")
    (tmp_path / "VERSION").write_text(f"VERSION_MAJOR = {major}\nVERSION_MINOR = {minor}\n"
                                      "PATCHLEVEL = 0\n")
    code, _, err = cli("zephyr-check", str(generated / "psk-ccm-minimal"),
                       "--zephyr-base", str(tmp_path))
    assert code == 1 and err.count("\n") == 1
    assert message in err, err


def test_an_unsupported_zephyr_version(cli, tmp_path, generated):
    code, _, err = cli("zephyr-check", str(generated / "psk-ccm-minimal"), "--model", "5.0")
    assert code == 1 and "--model 5.0: tlsfit models Zephyr 3.7, 4.1, 4.2, 4.3, 4.4, 4.5" in err
    code, _, err = cli("generate", "psk-ccm-minimal", "--zephyr", "4.6", "-o", str(tmp_path / "o"))
    assert code == 1 and "--zephyr 4.6: tlsfit writes fragments for Zephyr 3.7" in err


@pytest.fixture(scope="module")
def generated_psa(tmp_path_factory) -> Path:
    """Every shipped profile on the PSA backend, fragments for every Zephyr release line."""
    from tlsfit.cli.main import main
    from tlsfit.paths import shipped_profiles
    out = tmp_path_factory.mktemp("gen-psa")
    overlay = out / "psa.conf"
    overlay.write_text("CONFIG_CRYPTO_PSA=y\n")
    for profile in shipped_profiles():
        assert main(["generate", str(profile), str(overlay), "--zephyr", "all",
                     "-o", str(out / profile.stem)]) == 0
    overlay.unlink()
    return out


def test_psa_backend_kconfig_fragments_pass_on_every_release(generated_psa, cli):
    """CONFIG_PSA_WANT_* through Zephyr's config-psa.h give exactly tlsfit_crypto_config.h's
    PSA_WANT_*, the PSA core and p256-m are compiled, every release, every profile."""
    profiles = sorted(generated_psa.iterdir())
    assert len(profiles) == 9
    code, out, err = cli("zephyr-check", *map(str, profiles), "--model", "all")
    assert code == 0, out + err
    assert f"{len(profiles) * len(RELEASES)} passed, 0 failed" in out
    p256m = generated_psa / "tls13-ecdsa-p256-minimal" / "zephyr"
    for version in RELEASES:
        prj = (p256m / version / "prj.conf").read_text()
        assert "CONFIG_MBEDTLS_PSA_P256M_DRIVER_ENABLED=y" in prj
        assert "CONFIG_PSA_WANT_ALG_ECDSA=y" in prj
        assert not (p256m / version / "prj-custom-file.conf").exists()
