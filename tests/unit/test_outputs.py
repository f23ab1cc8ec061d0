"""Rendered outputs: determinism, provenance, minimality, policy, Zephyr."""

import json
import re

from tlsfit.paths import shipped_profiles
from tlsfit.generate.profile import read_profile
from tlsfit.outputs import render_all
from tlsfit.targets.registry import find
from tlsfit.generate.resolve import resolve

from tlsfit_testdata import BASE_CLIENT

EXPECTED_PROFILES = {
    "https-client-internet", "https-client-rsa", "mqtt-mutual-tls13-ecc", "iot-mutual-tls12",
    "https-server-ecdsa", "device-csr-p256", "psk-ccm-minimal", "tls12-ecdsa-p256-minimal",
    "tls13-ecdsa-p256-minimal"}


def _all():
    return [resolve(read_profile([p])) for p in shipped_profiles()]


def test_every_shipped_profile_resolves_with_a_comment_block():
    assert {p.stem for p in shipped_profiles()} == EXPECTED_PROFILES
    for path in shipped_profiles():
        lines = path.read_text().splitlines()
        assert lines[0].startswith(f"# {path.stem}:"), path
        assert sum(1 for line in lines if line.startswith("# ")) >= 3, path


def test_generate_is_byte_for_byte_deterministic(cli, tmp_path):
    assert cli("generate", "--all", "--zephyr", "all", "-o", str(tmp_path / "a"))[0] == 0
    assert cli("generate", "--all", "--zephyr", "all", "-o", str(tmp_path / "b"))[0] == 0
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    # header + manifest, and per Zephyr release line two fragments and two headers, but no
    # custom-file pair where the header needs the PSA core (Zephyr cannot compile it then)
    psa_core = sum("MBEDTLS_PSA_CRYPTO_C" in (tmp_path / "a" / p.stem / "mbedtls_config.h")
                   .read_text() for p in shipped_profiles())
    assert 0 < psa_core < 9
    psa_backend = sum((tmp_path / "a" / p.stem / "tlsfit_crypto_config.h").is_file()
                      for p in shipped_profiles())   # their PSA_WANT_* file
    assert files_a == files_b
    assert len(files_a) == 9 * (2 + 4 * 4) - psa_core * 4 * 2 + psa_backend
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
        assert str(tmp_path) not in (tmp_path / "a" / rel).read_text()


def test_unchanged_files_are_not_rewritten(cli, tmp_path):
    cli("generate", "tls12-ecdsa-p256-minimal", "-o", str(tmp_path))
    header = tmp_path / "mbedtls_config.h"
    mtime = header.stat().st_mtime_ns
    code, out, _ = cli("generate", "tls12-ecdsa-p256-minimal", "-o", str(tmp_path))
    assert code == 0 and "(0 file(s) changed)" in out
    assert header.stat().st_mtime_ns == mtime


def test_every_option_traces_to_a_requirement():
    # The header enables nothing that no requirement needs.
    for r in _all():
        assigned_or_default = {k for k, v in r.requirements if v not in ("", "n")}
        for opt in r.options:
            assert opt.roots, f"{r.profile.name}: {opt.name} has no requirement"
            assert set(opt.roots) <= assigned_or_default, (r.profile.name, opt.name, opt.roots)
            assert opt.chains and all(c[0] == opt.name for c in opt.chains)


def test_header_comments_name_requirements_and_banner(tmp_path):
    r = resolve(read_profile([p for p in shipped_profiles() if p.stem == "https-client-rsa"]))
    header = render_all(r)["mbedtls_config.h"]
    assert 'profile "https-client-rsa"' in header and f"sha256 {r.profile.sha256}" in header
    defines = [line for line in header.splitlines() if line.startswith("#define MBEDTLS_")]
    assert len(defines) == len(r.options)
    for line in defines:
        assert re.match(r"#define MBEDTLS_\w+( \d+| MBEDTLS_TLS\w+(, MBEDTLS_TLS\w+)*)?\s+"
                        r"/\* [A-Z0-9_, ]+ \*/$", line), line
    assert "#define MBEDTLS_RSA_C" in header and "PEER_RSA_2048" in header
    assert "mbedtls_hardware_poll()" in header


def test_no_insecure_or_test_options_in_shipped_profiles():
    banned = re.compile(r"MBEDTLS_(TEST_|SHA1_C|MD5_C|DES_C|CIPHER_MODE_CBC|SSL_RENEGOTIATION|"
                        r"DEBUG_C|KEY_EXCHANGE_RSA_ENABLED|NO_DEFAULT_ENTROPY)")
    for r in _all():
        for opt in r.options:
            assert not banned.match(opt.name), (r.profile.name, opt.name)


def test_legacy_options_only_by_name_and_warned(resolve_text):
    r = resolve_text(BASE_CLIENT + "CONFIG_LEGACY_CBC=y\nCONFIG_LEGACY_SIG_SHA1=y\n")
    assert r.enabled("MBEDTLS_CIPHER_MODE_CBC") and r.enabled("MBEDTLS_SHA1_C")
    assert r.enabled("MBEDTLS_SSL_ENCRYPT_THEN_MAC")
    assert any("LEGACY_CBC" in w for w in r.warnings)
    assert any("LEGACY_SIG_SHA1" in w for w in r.warnings)
    assert not r.enabled("MBEDTLS_BLOCK_CIPHER_NO_DECRYPT")


def test_manifest_contents(cli, tmp_path):
    cli("generate", "tls13-ecdsa-p256-minimal", "-o", str(tmp_path))
    m = json.loads((tmp_path / "manifest.json").read_text())
    assert m["schema_version"] == 1 and m["profile"] == "tls13-ecdsa-p256-minimal"
    assert m["mbedtls"] == {"line": "3.6", "model_checked_against": "3.6.6"}
    # TLS 1.3 only: record_size_limit, no max fragment length to request
    assert m["runtime"]["max_fragment_length"] is None
    assert "MBEDTLS_SSL_RECORD_SIZE_LIMIT" in [o["name"] for o in m["options"]]
    assert "psa_init" in m["runtime"]["duties"]
    names = [o["name"] for o in m["options"]]
    assert "MBEDTLS_SSL_PROTO_TLS1_3" in names and "MBEDTLS_SSL_PROTO_TLS1_2" not in names
    import hashlib
    # tls13-ecdsa-p256-minimal is PSA-first under its size goal: the digest covers the header
    # then the PSA_WANT_* file, the manifest lists both and where P-256 goes.
    assert m["config_files"] == ["mbedtls_config.h", "tlsfit_crypto_config.h"]
    assert m["crypto"] == {"backend": "psa", "curves": {"P-256": "p256-m driver"}}
    assert m["config_sha256"] == hashlib.sha256(
        (tmp_path / "mbedtls_config.h").read_bytes()
        + (tmp_path / "tlsfit_crypto_config.h").read_bytes()).hexdigest()


def test_zephyr_fragments_per_version_and_mode(resolve_text):
    r = resolve_text(BASE_CLIENT + "CONFIG_SNI=y\nCONFIG_IN_BUFFER_SIZE=4096\n")
    files = render_all(r, find(["zephyr-3.7", "zephyr-4.2"]))
    for version in ("3.7", "4.2"):
        kconf = files[f"zephyr/{version}/prj.conf"]
        assert "CONFIG_MBEDTLS_TLS_VERSION_1_2=y" in kconf
        assert "CONFIG_MBEDTLS_SERVER_NAME_INDICATION=y" in kconf
        # one Zephyr symbol for both buffers: the larger; the user header sets each
        assert "CONFIG_MBEDTLS_SSL_MAX_CONTENT_LEN=4096" in kconf
        assert "# CONFIG_MBEDTLS_CIPHER_MODE_CBC_ENABLED is not set" in kconf
        assert 'CONFIG_MBEDTLS_USER_CONFIG_FILE="tlsfit_user_config.h"' in kconf
        user = files[f"zephyr/{version}/tlsfit_user_config.h"]
        assert "#define MBEDTLS_MPI_MAX_SIZE 32" in user
        assert "#undef MBEDTLS_SSL_SRV_C" in user  # Zephyr's TLS symbol turns it on
        assert "#undef MBEDTLS_MEMORY_BUFFER_ALLOC_C" in user
        custom = files[f"zephyr/{version}/prj-custom-file.conf"]
        assert "CONFIG_CUSTOM_MBEDTLS_CFG_FILE=y" in custom
        assert 'CONFIG_MBEDTLS_CFG_FILE="tlsfit_mbedtls_config.h"' in custom
        assert "CONFIG_MBEDTLS_TLS_VERSION" not in custom
        assert files[f"zephyr/{version}/tlsfit_mbedtls_config.h"] == files["mbedtls_config.h"]
    manifest = json.loads(files["manifest.json"])
    assert set(manifest["zephyr"]) == {"3.7", "4.2"}
    assert manifest["zephyr"]["4.2"]["kconfig"]["declared_differences"] == []


def test_show_prints_reason_chains(cli):
    code, out, _ = cli("show", "https-client-rsa")
    assert code == 0
    assert "MBEDTLS_MPI_MAX_SIZE = 512" in out
    assert re.search(r"because MBEDTLS_X509_USE_C <- MBEDTLS_X509_CRT_PARSE_C <- .*PEER_RSA_", out)


def test_requirements_listing_has_help(cli):
    code, out, _ = cli("requirements", "-v")
    assert code == 0 and "CONFIG_PEER_RSA_4096:" in out and "MBEDTLS_MPI_MAX_SIZE" in out


def test_every_requirement_has_help_with_a_cost_or_use():
    from tlsfit.generate.model import load_model, requirement_symbols
    for sym in requirement_symbols(load_model()):
        help_text = " ".join(n.help or "" for n in sym.nodes)
        assert len(help_text) > 40, sym.name


def test_a_rerun_removes_tlsfits_own_files_it_no_longer_writes(cli, tmp_path):
    """Another backend into the same directory: the old crypto file and fragments go (a build
    would pick them up), a file of the user's stays."""
    out = tmp_path / "out"
    psa = tmp_path / "psa.conf"
    psa.write_text("CONFIG_CRYPTO_PSA=y\n")
    legacy = tmp_path / "legacy.conf"
    legacy.write_text("CONFIG_CRYPTO_LEGACY=y\n")
    assert cli("generate", "tls13-ecdsa-p256-minimal", str(legacy), "--zephyr", "4.3",
               "-o", str(out))[0] == 0
    assert (out / "zephyr" / "4.3" / "prj-custom-file.conf").is_file() is False  # TLS 1.3: PSA core
    (out / "notes.txt").write_text("mine")
    assert cli("generate", "tls13-ecdsa-p256-minimal", str(psa), "--zephyr", "4.3",
               "-o", str(out))[0] == 0
    assert (out / "tlsfit_crypto_config.h").is_file()
    assert cli("generate", "tls13-ecdsa-p256-minimal", str(legacy), "--zephyr", "4.3",
               "-o", str(out))[0] == 0
    assert not (out / "tlsfit_crypto_config.h").exists()
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "zephyr" / "4.3" / "prj.conf").is_file()
