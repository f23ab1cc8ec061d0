"""nRF Connect SDK targets: prj.conf through nrf_security's Kconfig, its header rules and Mbed
TLS's preprocessor (check_config.h).

The trees are tlsfit's own models of each NCS release (generator/tlsfit/data/ncs/), so the
check runs its real path: Kconfiglib over nrf_security's Kconfig, the headers its CMake would
generate (tlsfit's rules, which scripts/ncs-facts.py tests against nrf_security's own CMake),
then arm-none-eabi-gcc's preprocessor over Mbed TLS 3.6.6's build_info.h.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tlsfit_testdata import fragment_assignments

pytestmark = pytest.mark.compile

RELEASES = ("2.8", "2.9", "3.0", "3.1", "3.2", "3.3", "3.4")
@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    from tlsfit.cli.main import main
    out = tmp_path_factory.mktemp("gen")
    targets = [a for v in RELEASES for a in ("--target", f"ncs-{v}")]
    assert main(["generate", "--all", *targets, "-o", str(out)]) == 0
    return out


def _check(fragment: Path, release: str, capsys) -> tuple[int, str]:
    from tlsfit.cli.main import main
    capsys.readouterr()
    code = main(["ncs-check", str(fragment), "--model", release])
    return code, capsys.readouterr().out


def test_nrf5340_https_client_rsa_on_ncs_28(generated: Path, capsys) -> None:
    """The issue's case: RSA 2048/4096 chains, SNI, on NCS 2.8: every line exists in 2.8 and
    takes effect, and the generated nrf-config.h passes check_config.h."""
    frag = generated / "https-client-rsa" / "ncs" / "2.8" / "prj.conf"
    a = fragment_assignments(frag)
    assert a["NRF_SECURITY"] == "y" and a["MBEDTLS"] == "y"
    assert a["MBEDTLS_SSL_SERVER_NAME_INDICATION"] == "y"     # NCS's SNI symbol
    assert "MBEDTLS_SERVER_NAME_INDICATION" not in a           # upstream Zephyr's
    assert a["MBEDTLS_MPI_MAX_SIZE"] == "512"                 # RSA-4096
    assert a["MBEDTLS_RSA_C"] == "y" and a["MBEDTLS_LEGACY_CRYPTO_C"] == "y"
    assert a.get("MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED") != "n"    # on by default in 2.8
    assert "MBEDTLS_SSL_CIPHERSUITES" not in a                # nrf_security writes 'True'
    text = frag.read_text(encoding="utf-8")
    assert "tlsfit-declared: MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED" not in text
    assert "LEGACY PATH" in text and "# tlsfit-deprecated: MBEDTLS_LEGACY_CRYPTO_C" in text
    code, out = _check(frag, "2.8", capsys)
    assert code == 0, out
    assert "1 passed, 0 failed" in out
    manifest = json.loads((generated / "https-client-rsa" / "manifest.json").read_text())
    assert manifest["ncs"]["2.8"]["path"] == "legacy"
    assert manifest["targets"]["ncs-2.8"]["stands_for"] == "the profile's own config"  # legacy


def test_every_generated_fragment_passes_its_release_model(generated: Path, capsys) -> None:
    checked = 0
    for frag in sorted(generated.glob("*/ncs/*/prj.conf")):
        profile, release = frag.parts[-4], frag.parts[-2]
        code, out = _check(frag, release, capsys)
        assert code == 0, f"{profile} on NCS {release}:\n{out}"
        checked += 1
    assert checked == 53     # 63 less the TLS 1.3 profiles 2.8/2.9 (and 3.0/3.1 for RSA) refuse


def test_ncs_34_stands_for_the_mbedtls_41_translation(generated: Path, capsys) -> None:
    """NCS 3.4 (Mbed TLS 4.1, Oberon PSA Crypto): PSA_CRYPTO instead of the promptless
    NRF_SECURITY, TLS sockets turn on the TLS library, RSA key exchanges through the deprecated
    MBEDTLS_RSA_C (declared), and the translated pair next to the fragment."""
    d = generated / "https-client-rsa" / "ncs" / "3.4"
    a = fragment_assignments(d / "prj.conf")
    assert a["PSA_CRYPTO"] == "y" and "NRF_SECURITY" not in a
    assert a["NET_SOCKETS_SOCKOPT_TLS"] == "y"
    assert a["MBEDTLS_RSA_C"] == "y" and a["MBEDTLS_DECLARE_PRIVATE_IDENTIFIERS"] == "y"
    assert "MBEDTLS_LEGACY_CRYPTO_C" not in a          # gone in 3.4
    text = (d / "prj.conf").read_text(encoding="utf-8")
    assert "TRANSLATED" in text
    assert "# tlsfit-deprecated: MBEDTLS_RSA_C" in text
    assert "# tlsfit-deprecated: MBEDTLS_DECLARE_PRIVATE_IDENTIFIERS" in text
    assert (d / "tlsfit_mbedtls4_config.h").is_file()
    assert (d / "tlsfit_tf_psa_crypto_config.h").is_file()
    assert not (d / "mbedtls_config.h").exists()
    code, out = _check(d / "prj.conf", "3.4", capsys)
    assert code == 0 and "1 passed, 0 failed" in out, out
    manifest = json.loads((generated / "https-client-rsa" / "manifest.json").read_text())
    assert manifest["ncs"]["3.4"]["translated_for"] == "4.1"
    assert "translated" in manifest["targets"]["ncs-3.4"]["proven"]


def test_a_psk_profile_gets_the_key_type_nrf_security_needs(generated: Path) -> None:
    """TLS brings X.509 and PK in nrf_security 2.8-3.3, and check_config.h refuses PK without a
    key type: the fragment adds the smallest and says why."""
    frag = generated / "psk-ccm-minimal" / "ncs" / "2.8" / "prj.conf"
    a = fragment_assignments(frag)
    assert a["PSA_WANT_KEY_TYPE_ECC_PUBLIC_KEY"] == "y" and a["PSA_WANT_ECC_SECP_R1_256"] == "y"
    text = frag.read_text(encoding="utf-8")
    assert re.search(r"tlsfit-declared: PSA_WANT_KEY_TYPE_ECC_PUBLIC_KEY \+ nrf_security's TLS "
                     r"always brings MBEDTLS_PK_C", text)


def test_a_profile_on_the_psa_path_stands_for_its_psa_variant(generated: Path) -> None:
    frag = generated / "tls13-ecdsa-p256-minimal" / "ncs" / "3.2" / "prj.conf"
    a = fragment_assignments(frag)
    assert a["MBEDTLS_SSL_PROTO_TLS1_3"] == "y"
    assert a["PSA_WANT_ALG_ECDH"] == "y" and a["PSA_WANT_ALG_ECDSA"] == "y"
    assert "MBEDTLS_LEGACY_CRYPTO_C" not in a
    assert (frag.parent / "tlsfit_crypto_config.h").is_file()


def test_tls13_before_ncs_30_is_one_message_and_exit_1(tmp_path: Path, capsys) -> None:
    """NCS 2.8 and 2.9 have no TLS 1.3 symbol (Kconfig.tls): a target that cannot express a
    requirement."""
    from tlsfit.cli.main import main
    code = main(["generate", "tls13-ecdsa-p256-minimal", "--target", "ncs-2.8",
                 "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert re.search(r"ncs-2\.8: tls13-ecdsa-p256-minimal: nRF Connect SDK 2\.8 cannot give "
                     r"MBEDTLS_SSL_PROTO_TLS1_3", err[0])
    assert not (tmp_path / "o").exists()


def test_an_undeclared_deprecated_symbol_fails_the_check(generated: Path, tmp_path: Path,
                                                         capsys) -> None:
    src = generated / "https-client-rsa" / "ncs" / "2.8"
    frag = tmp_path / "ncs" / "2.8" / "prj.conf"
    frag.parent.mkdir(parents=True)
    for f in src.iterdir():
        (frag.parent / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    frag.write_text(frag.read_text(encoding="utf-8").replace("# tlsfit-deprecated:", "# was:"),
                    encoding="utf-8")
    code, out = _check(frag, "2.8", capsys)
    assert code == 1
    assert "CONFIG_MBEDTLS_LEGACY_CRYPTO_C: deprecated in nRF Connect SDK 2.8" in out


def test_unknown_workspace_is_one_message(tmp_path: Path, capsys) -> None:
    from tlsfit.cli.main import main
    code = main(["ncs-check", str(tmp_path), "--ncs-base", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1 and "not an nRF Connect SDK workspace: nrf/VERSION is missing" in err


def test_ncs_27_is_refused_with_its_mbedtls_version(tmp_path: Path, capsys) -> None:
    from tlsfit.cli.main import main
    code = main(["generate", "https-client-rsa", "--target", "ncs-2.7", "-o", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1
    assert "ships Mbed TLS 3.5.2" in err[0] and "use ncs-2.8 or later" in err[0]


def test_zephyr_check_hands_an_ncs_workspace_to_nrf_security(generated: Path, tmp_path: Path,
                                                              capsys) -> None:
    """zephyr-check --zephyr-base at an NCS workspace's zephyr/ checks with nrf_security (here a
    workspace without nrf_security: its one-line error shows which check ran)."""
    from tlsfit.cli.main import main
    (tmp_path / "nrf").mkdir()
    (tmp_path / "nrf" / "VERSION").write_text("2.8.0\n")
    (tmp_path / "zephyr" / "modules" / "mbedtls").mkdir(parents=True)
    frag = generated / "https-client-rsa" / "ncs" / "2.8" / "prj.conf"
    code = main(["zephyr-check", str(frag), "--zephyr-base", str(tmp_path / "zephyr")])
    captured = capsys.readouterr()
    assert code == 1
    assert "nRF Connect SDK workspace: checking with nrf_security" in captured.out
    assert "not an sdk-nrf tree: subsys/nrf_security/Kconfig is missing" in captured.err


def test_kept_options_reach_the_ncs_fragment(tmp_path: Path, capsys) -> None:
    """The issue's nRF5340 + Wi-Fi case: the supplicant needs MBEDTLS_PK_WRITE_C."""
    from tlsfit.cli.main import main
    from tlsfit.paths import shipped_profiles
    keep = tmp_path / "keep.conf"
    keep.write_text('CONFIG_KEEP_OPTIONS="MBEDTLS_PK_WRITE_C: the Wi-Fi supplicant writes '
                    'keys"\n')
    rsa = next(p for p in shipped_profiles() if p.stem == "https-client-rsa")
    out = tmp_path / "o"
    assert main(["generate", str(rsa), str(keep), "--target", "ncs-2.8", "--target", "ncs-3.4",
                 "-o", str(out)]) == 0
    for line in ("2.8", "3.4"):
        text = (out / "ncs" / line / "prj.conf").read_text(encoding="utf-8")
        assert ("# kept for the rest of the image: the Wi-Fi supplicant writes keys "
                "(MBEDTLS_PK_WRITE_C)\nCONFIG_MBEDTLS_PK_WRITE_C=y") in text
    capsys.readouterr()
    assert main(["ncs-check", str(out), "--model", "all"]) == 0
    assert "2 passed, 0 failed" in capsys.readouterr().out
