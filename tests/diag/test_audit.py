"""tlsfit audit against Mbed TLS's own configs and deliberately broken headers."""

from __future__ import annotations

import json
import re

import pytest

from tlsfit.mbedtls.tree import locate
from tlsfit.paths import PROFILES_DIR
from tlsfit.generate.profile import read_profile
from tlsfit.generate.render import render_header
from tlsfit.generate.resolve import resolve

TREE = locate().path
DEFAULT_CONFIG = TREE / "include" / "mbedtls" / "mbedtls_config.h"
SUITE_B = TREE / "configs" / "config-suite-b.h"


def _audit(cli, header, profile: str) -> dict:
    code, out, err = cli("audit", str(header), "--profile", profile, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["schema_version"] == 1
    return doc


def _names(rows: list[dict]) -> set[str]:
    return {r["option"] for r in rows}


def test_default_config_against_minimal_ecdsa_client(cli):
    doc = _audit(cli, DEFAULT_CONFIG, "tls12-ecdsa-p256-minimal")
    unnecessary = _names(doc["unnecessary"])
    assert {"MBEDTLS_SSL_SRV_C", "MBEDTLS_RSA_C", "MBEDTLS_SSL_PROTO_TLS1_3",
            "MBEDTLS_DES_C", "MBEDTLS_SSL_PROTO_DTLS"} <= unnecessary
    # needed options are never unnecessary, tuning/platform options are not "code"
    assert not unnecessary & {"MBEDTLS_SSL_CLI_C", "MBEDTLS_ECDSA_C", "MBEDTLS_GCM_C",
                              "MBEDTLS_PLATFORM_C", "MBEDTLS_HAVE_TIME", "MBEDTLS_ECP_NIST_OPTIM"}
    assert doc["missing"] == []     # the default config has every feature
    values = {r["option"]: r for r in doc["values"]}
    assert values["MBEDTLS_SSL_IN_CONTENT_LEN"]["header"] == "16384 (Mbed TLS default)"
    assert values["MBEDTLS_SSL_IN_CONTENT_LEN"]["profile"] == "4096"


def test_text_output_is_tables(cli):
    code, out, _ = cli("audit", str(DEFAULT_CONFIG), "--profile", "tls12-ecdsa-p256-minimal")
    assert code == 0
    assert re.search(r"^unnecessary .*: \d+$", out, re.M)
    assert re.search(r"^  MBEDTLS_SSL_SRV_C +y +- +- +defined but not needed", out, re.M)


def test_suite_b_against_rsa_client_lists_missing_with_errors(cli):
    doc = _audit(cli, SUITE_B, "https-client-rsa")
    missing = {r["option"]: r for r in doc["missing"]}
    assert missing["MBEDTLS_RSA_C"]["error"] == "-0x262e"
    assert "-0x2700" in missing["MBEDTLS_SSL_SERVER_NAME_INDICATION"]["error"]
    assert missing["MBEDTLS_MPI_MAX_SIZE"]["header"] == "48"
    assert missing["MBEDTLS_MPI_MAX_SIZE"]["profile"] == "512"
    assert "-0x3b00" in missing["MBEDTLS_MPI_MAX_SIZE"]["note"]
    assert "-0x7100" in missing["MBEDTLS_SSL_IN_CONTENT_LEN"]["note"]
    assert "MBEDTLS_SSL_SRV_C" in _names(doc["unnecessary"])


def test_stripped_header_lists_missing_options_and_their_errors(cli, tmp_path):
    """The profile's own generated header, with options removed the way vendors do."""
    resolution = resolve(read_profile([PROFILES_DIR / "https-client-internet.conf"]))
    text = render_header(resolution)
    for name in ("MBEDTLS_RSA_C", "MBEDTLS_SSL_SERVER_NAME_INDICATION",
                 "MBEDTLS_SSL_PROTO_TLS1_3"):
        text, n = re.subn(rf"^#define {name}\b.*$", f"/* #define {name} removed */", text,
                          flags=re.M)
        assert n == 1
    header = tmp_path / "vendor_config.h"
    header.write_text(text)
    doc = _audit(cli, header, "https-client-internet")
    missing = {r["option"]: r for r in doc["missing"]}
    assert set(missing) >= {"MBEDTLS_RSA_C", "MBEDTLS_SSL_SERVER_NAME_INDICATION",
                            "MBEDTLS_SSL_PROTO_TLS1_3"}
    assert missing["MBEDTLS_RSA_C"]["error"] == "-0x262e"
    assert "-0x7780" in missing["MBEDTLS_SSL_PROTO_TLS1_3"]["error"]
    assert "PEER_RSA_2048" in missing["MBEDTLS_RSA_C"]["requirements"]
    assert doc["unnecessary"] == []
    # the untouched generated header is complete
    full = tmp_path / "full.h"
    full.write_text(render_header(resolution))
    clean = _audit(cli, full, "https-client-internet")
    assert clean["missing"] == [] and clean["unnecessary"] == [] and clean["values"] == []


def test_preprocessor_semantics_undef_if0_comments(cli, tmp_path):
    header = tmp_path / "tricky.h"
    header.write_text(
        "#define MBEDTLS_SSL_SRV_C\n#undef MBEDTLS_SSL_SRV_C\n"
        "/* #define MBEDTLS_DES_C */\n// #define MBEDTLS_ARIA_C\n"
        "#if 0\n#define MBEDTLS_CAMELLIA_C\n#endif\n"
        "#define MBEDTLS_MD5_C \\\n    /* continued */\n"
        "#define MBEDTLS_SSL_SERVER_NAME_INDICATIONS\n")
    doc = _audit(cli, header, "tls12-ecdsa-p256-minimal")
    unnecessary = _names(doc["unnecessary"])
    assert unnecessary == {"MBEDTLS_MD5_C"}
    (unknown,) = doc["unknown"]
    assert unknown["option"] == "MBEDTLS_SSL_SERVER_NAME_INDICATIONS"
    assert "did you mean MBEDTLS_SSL_SERVER_NAME_INDICATION" in unknown["note"]
    assert "MBEDTLS_SSL_CLI_C" in _names(doc["missing"])


@pytest.mark.parametrize("body,message", [
    ("#define MBEDTLS_SSL_CLI_C\n#error vendor says no\n", "vendor says no"),
    ("#if defined(MBEDTLS_X\n#define MBEDTLS_SSL_CLI_C\n", "does not preprocess"),
    ('#include "no_such_file.h"\n', "no_such_file.h"),
])
def test_header_that_does_not_parse(cli, tmp_path, body, message):
    header = tmp_path / "broken_config.h"
    header.write_text(body)
    code, out, err = cli("audit", str(header), "--profile", "tls12-ecdsa-p256-minimal")
    assert code == 1 and out == ""
    assert err.startswith(f"tlsfit: {header}: does not preprocess") and message in err


def test_missing_header_and_bad_profile(cli, tmp_path):
    code, _, err = cli("audit", str(tmp_path / "nope.h"), "--profile", "tls12-ecdsa-p256-minimal")
    assert code == 1 and "nope.h: no such header" in err
    code, _, err = cli("audit", str(DEFAULT_CONFIG), "--profile", str(tmp_path / "x.conf"))
    assert code == 1 and "no such profile" in err


@pytest.mark.target
def test_measure_lists_unnecessary_options_with_their_cost(cli):
    code, out, err = cli("audit", str(DEFAULT_CONFIG), "--profile", "tls12-ecdsa-p256-minimal",
                         "--measure", "--json")
    assert code == 0, err
    measured = json.loads(out)["measured"]
    costs = measured["costs"]
    assert costs["MBEDTLS_SSL_SRV_C"] > 10_000 and costs["MBEDTLS_RSA_C"] > 4_000
    assert costs["MBEDTLS_SSL_PROTO_TLS1_3"] > 20_000
    assert measured["saving"] == measured["mbedtls_flash"] - measured["mbedtls_flash_without"]
    assert measured["saving"] > 200_000


def test_a_psa_config_is_audited_with_its_psa_want_file(cli, tmp_path):
    """A PSA-backend header: its PSA_WANT_* come from the crypto file it names, the profile is
    resolved on the PSA backend, and a missing or extra PSA_WANT_* is named."""
    code, _, err = cli("generate", str(PROFILES_DIR / "tls13-ecdsa-p256-minimal.conf"),
                       str(_overlay(tmp_path, "CONFIG_CRYPTO_PSA=y\n")), "-o", str(tmp_path / "g"))
    assert code == 0, err
    header = tmp_path / "g" / "mbedtls_config.h"
    clean = _audit(cli, header, "tls13-ecdsa-p256-minimal")
    assert clean["missing"] == [] and clean["unnecessary"] == [] and clean["values"] == []
    crypto = tmp_path / "g" / "tlsfit_crypto_config.h"
    text = crypto.read_text()
    text, n = re.subn(r"^#define PSA_WANT_ALG_GCM 1.*$", "", text, flags=re.M)
    assert n == 1
    crypto.write_text(text.replace("#endif /* TLSFIT_CRYPTO_CONFIG_H */",
                                   "#define PSA_WANT_ALG_SHA_512 1\n#endif"))
    doc = _audit(cli, header, "tls13-ecdsa-p256-minimal")
    assert _names(doc["missing"]) == {"PSA_WANT_ALG_GCM"}
    assert "CIPHER_AES_128_GCM" in doc["missing"][0]["requirements"]
    assert _names(doc["unnecessary"]) == {"PSA_WANT_ALG_SHA_512"}


def test_a_psa_header_whose_crypto_file_is_gone_is_one_message(cli, tmp_path):
    header = tmp_path / "cfg.h"
    header.write_text('#define MBEDTLS_PSA_CRYPTO_CONFIG\n'
                      '#define MBEDTLS_PSA_CRYPTO_CONFIG_FILE "nowhere_crypto.h"\n')
    code, _, err = cli("audit", str(header), "--profile", "psk-ccm-minimal")
    assert code == 1 and "Traceback" not in err
    assert err.startswith(f"tlsfit: {header}: MBEDTLS_PSA_CRYPTO_CONFIG_FILE names "
                          f'"nowhere_crypto.h", which is neither next to the header')


def _overlay(tmp_path, text: str):
    path = tmp_path / "psa.conf"
    path.write_text(text)
    return path


def test_a_2x_header_is_told_what_30_removed(cli, tmp_path):
    """A 2.x config (ending with its #include of check_config.h) audits against 3.6: each old
    option says what became of it, not the nearest 3.6 name."""
    header = tmp_path / "config.h"
    header.write_text("#define MBEDTLS_CERTS_C\n#define MBEDTLS_SHA512_NO_SHA384\n"
                      "#define MBEDTLS_SSL_MAX_CONTENT_LEN 4096\n#define MBEDTLS_SSL_PROTO_TLS1_1\n"
                      "#define MBEDTLS_SSL_TLS_C\n#include \"mbedtls/check_config.h\"\n")
    doc = _audit(cli, header, "https-client-rsa")
    notes = {r["option"]: r["note"] for r in doc["unknown"]}
    assert notes["MBEDTLS_CERTS_C"].startswith("removed in Mbed TLS 3.0; the test certificates")
    assert "did you mean" not in notes["MBEDTLS_CERTS_C"]
    assert "use MBEDTLS_SHA384_C" in notes["MBEDTLS_SHA512_NO_SHA384"]
    assert "use MBEDTLS_SSL_IN_CONTENT_LEN and MBEDTLS_SSL_OUT_CONTENT_LEN" in \
        notes["MBEDTLS_SSL_MAX_CONTENT_LEN"]
    assert "Remove support for TLS 1.0, 1.1 and DTLS 1.0" in notes["MBEDTLS_SSL_PROTO_TLS1_1"]
    code, out, _ = cli("audit", str(header), "--profile", "https-client-rsa")
    assert code == 0 and "this header is for Mbed TLS 2.x (4 option(s) 3.0 removed" in out


def test_a_2x_tree_is_named_as_such(cli, tmp_path):
    (tmp_path / "include" / "mbedtls").mkdir(parents=True)
    (tmp_path / "include" / "mbedtls" / "version.h").write_text(
        '#define MBEDTLS_VERSION_STRING "2.28.10"\n')
    code, _, err = cli("--mbedtls-src", str(tmp_path), "check-tree")
    assert code == 1 and err.count("\n") == 1
    assert "is Mbed TLS 2.28.10, the 2.x line: tlsfit builds, runs and models Mbed TLS 3.6" in err
