"""tlsfit explain: codes in every pasted form, split and named from the real Mbed TLS headers."""

from __future__ import annotations

import json
import shutil

import pytest

from tlsfit.diagnose import knowledge
from tlsfit.diagnose.explain import explain_code, parse_code
from tlsfit.mbedtls.headers import read_tree_docs
from tlsfit.mbedtls.tree import locate
from tlsfit.generate.model import load_model, requirement_symbols


@pytest.fixture(scope="module")
def docs():
    return read_tree_docs(locate())


def _json(cli, *args: str) -> dict:
    code, out, err = cli("explain", "--json", *args)
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("text", ["-0x262e", "0x262e", "262e", "-0x262E", "0xd9d2", "-9774"])
def test_262e_in_every_form_is_unknown_sig_alg_plus_oid_not_found(cli, text):
    doc = _json(cli, "--", text)
    (entry,) = doc["codes"]
    assert entry["code"] == -0x262E and entry["hex"] == "-0x262e"
    parts = [(p["level"], p["hex"], p["macro"]) for p in entry["parts"]]
    assert parts == [("high-level", "-0x2600", "MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG"),
                     ("low-level", "-0x002e", "MBEDTLS_ERR_OID_NOT_FOUND")]
    assert entry["parts"][0]["header"] == "include/mbedtls/x509.h"
    assert "PEER_RSA_2048" in entry["requirements"] and "SIG_SHA384" in entry["requirements"]
    assert "MBEDTLS_RSA_C" in entry["options"] and "MBEDTLS_PKCS1_V15" in entry["options"]
    assert "signature algorithm" in entry["combined"]


def test_262e_text_names_the_signature_algorithm_and_rsa(cli):
    code, out, err = cli("explain", "--", "-0x262e")
    assert code == 0 and err == ""
    assert "MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG" in out and "MBEDTLS_ERR_OID_NOT_FOUND" in out
    assert "Signature algorithm (oid) is unsupported." in out   # x509.h's own doc comment
    assert "sha256WithRSAEncryption" in out and "RSA is missing" in out
    assert "CONFIG_PEER_RSA_2048" in out and "tlsfit from-cert" in out


@pytest.mark.parametrize("text,how", [("0xc680", "unsigned 16-bit"),
                                      ("0xffffc680", "unsigned 32-bit"),
                                      ("-0x3980", "hex")])
def test_c680_is_pk_feature_unavailable(cli, text, how):
    (entry,) = _json(cli, "--", text)["codes"]
    assert entry["code"] == -0x3980
    assert how in entry["read_as"]
    assert [p["macro"] for p in entry["parts"]] == ["MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE"]
    # a PK code in the high range: one part, not split
    assert entry["parts"][0]["level"] == "high-level"
    assert "MBEDTLS_PKCS1_V21" in entry["options"]


def test_minus_15488_is_pk_unknown_pk_alg(cli):
    (entry,) = _json(cli, "--", "-15488")["codes"]
    assert entry["hex"] == "-0x3c80" and entry["read_as"] == "decimal"
    assert [p["macro"] for p in entry["parts"]] == ["MBEDTLS_ERR_PK_UNKNOWN_PK_ALG"]
    assert "MBEDTLS_RSA_C" in entry["options"]
    assert any("Ed25519" in c for c in entry["causes"])


def test_minus_9984_is_cert_verify_failed_with_flags_follow_up(cli):
    code, out, _ = cli("explain", "--", "-9984")
    assert code == 0
    assert "-0x2700" in out and "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED" in out
    assert "mbedtls_ssl_get_verify_result" in out and "tlsfit explain --flags" in out
    assert "CONFIG_SNI" in out


def test_7780_points_to_the_alert(cli):
    (entry,) = _json(cli, "--", "-0x7780")["codes"]
    assert entry["parts"][0]["macro"] == "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE"
    assert any("--alert" in f for f in entry["follow_up"])


def test_7100_is_bad_input_data_in_36_and_relates_to_buffers(cli):
    (entry,) = _json(cli, "--", "-0x7100")["codes"]
    assert entry["parts"][0]["macro"] == "MBEDTLS_ERR_SSL_BAD_INPUT_DATA"
    assert {"IN_BUFFER_SIZE", "MAX_FRAGMENT_LENGTH"} <= set(entry["requirements"])
    assert any("-0x7200" in c for c in entry["causes"])   # INVALID_RECORD is a different code
    (other,) = _json(cli, "--", "-0x7200")["codes"]
    assert other["parts"][0]["macro"] == "MBEDTLS_ERR_SSL_INVALID_RECORD"


def test_7f00_alloc_failed_points_to_heap(cli):
    (entry,) = _json(cli, "--", "-0x7F00")["codes"]
    assert entry["parts"][0]["macro"] == "MBEDTLS_ERR_SSL_ALLOC_FAILED"
    assert any("heap" in c for c in entry["causes"])


def test_macro_name_and_bare_digits_that_only_work_as_hex(cli):
    (by_name,) = _json(cli, "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED")["codes"]
    assert by_name["code"] == -0x2700
    (bare,) = _json(cli, "2700")["codes"]   # 2700 decimal is no code; 0x2700 is
    assert bare["code"] == -0x2700 and "hex" in bare["read_as"]


def test_psa_codes_are_named_whole(cli):
    (entry,) = _json(cli, "--", "-134")["codes"]
    assert [p["macro"] for p in entry["parts"]] == ["PSA_ERROR_NOT_SUPPORTED"]


def test_alert_40_under_tls13(cli):
    code, out, _ = cli("explain", "--alert", "40", "--tls", "1.3")
    assert code == 0
    assert "handshake_failure" in out and "MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE" in out
    for word in ("group", "cipher suite", "signature algorithm", "RSA-PSS"):
        assert word in out
    assert "TLS 1.2:" not in out
    both = _json(cli, "--alert", "handshake_failure")["alerts"][0]
    assert any(c.startswith("TLS 1.2") for c in both["causes"])
    assert any(c.startswith("TLS 1.3") for c in both["causes"])


def test_alert_46_against_a_self_signed_leaf(cli):
    (alert,) = _json(cli, "alert:46")["alerts"]
    assert alert["rfc_name"] == "certificate_unknown"
    assert alert["macro"] == "MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN"
    assert any("self-signed leaf" in c for c in alert["causes"])


@pytest.mark.parametrize("flags,names", [
    ("0x04", ["MBEDTLS_X509_BADCERT_CN_MISMATCH"]),
    ("0x08", ["MBEDTLS_X509_BADCERT_NOT_TRUSTED"]),
    ("0x0c", ["MBEDTLS_X509_BADCERT_CN_MISMATCH", "MBEDTLS_X509_BADCERT_NOT_TRUSTED"]),
    ("flags:0x4201", ["MBEDTLS_X509_BADCERT_EXPIRED", "MBEDTLS_X509_BADCERT_FUTURE",
                      "MBEDTLS_X509_BADCERT_BAD_MD"]),
])
def test_verify_flags_split_into_bits(cli, flags, names):
    args = (flags,) if flags.startswith("flags:") else ("--flags", flags)
    (entry,) = _json(cli, *args)["flags"]
    assert [b["macro"] for b in entry["bits"]] == names
    assert all(b["meaning"] for b in entry["bits"])   # doc comments from x509.h


def test_flag_04_text_names_sni(cli):
    code, out, _ = cli("explain", "--flags", "0x04")
    assert code == 0
    assert "The certificate Common Name (CN) does not match" in out and "CONFIG_SNI" in out


@pytest.mark.parametrize("args,message", [
    (("--", "-0x26ff"), "unknown error code -0x26ff"),
    (("--", "-0x0abc"), "not an Mbed TLS error code"),
    (("zz",), "'zz' is not an error code"),
    (("0",), "success"),
    (("0x123456",), "outside the Mbed TLS error range"),
    (("MBEDTLS_ERR_NOPE",), "unknown error macro"),
    (("--alert", "200"), "unknown TLS alert 200"),
    (("--flags", "0x200000"), "not MBEDTLS_X509_BADCERT"),
    ((), "nothing to explain"),
])
def test_bad_input_is_a_clear_error(cli, args, message):
    code, out, err = cli("explain", *args)
    assert code == 1 and out == ""
    assert err.startswith("tlsfit: ") and message in err and "Traceback" not in err


def test_names_come_from_the_configured_tree(cli, tmp_path, monkeypatch):
    """Point tlsfit at a tree whose x509.h says something else: explain follows the tree."""
    real = locate().path
    fake = tmp_path / "mbedtls"
    for rel in ("include/mbedtls/build_info.h", "include/mbedtls/x509.h",
                "include/mbedtls/oid.h", "include/mbedtls/ssl.h", "library/ssl_tls.c"):
        (fake / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(real / rel, fake / rel)
    x509_h = fake / "include/mbedtls/x509.h"
    x509_h.write_text(x509_h.read_text().replace(
        "/** Signature algorithm (oid) is unsupported. */",
        "/** Patched meaning for the test. */"))
    monkeypatch.setenv("TLSFIT_MBEDTLS_SRC", str(fake))
    code, out, _ = cli("explain", "--", "-0x262e")
    assert code == 0 and "Patched meaning for the test." in out
    code, _, err = cli("explain", "--", "-0x3980")   # pk.h is not in this tree
    assert code == 1 and "unknown error code -0x3980" in err


def test_parse_code_rejects_positive_out_of_16_bits(docs):
    assert parse_code("0x8001", docs).code == -0x7FFF
    assert explain_code("0xd9d2", docs).input.code == -0x262E


def test_knowledge_names_exist_in_model_and_tree(docs):
    """The curated table may only name real requirements, macros and alerts."""
    requirements = {s.name for s in requirement_symbols(load_model())}
    named = set()
    for advice in (list(knowledge.ERRORS.values()) + list(knowledge.FLAGS.values())
                   + list(knowledge.IN_FUNCTION.values())):
        named |= set(advice.requirements)
    for info in knowledge.ALERTS.values():
        named |= set(info.requirements)
    assert named - requirements == set()
    macros = {m.name for m in docs.errors}
    assert set(knowledge.ERRORS) - macros == set()
    assert {m for m, _ in knowledge.IN_FUNCTION} - macros == set()
    assert {n for pair in knowledge.COMBINED for n in pair} - macros == set()
    assert set(knowledge.FLAGS) - {m.name for m in docs.flags} == set()
    in_ssl_h = {m.value for m in docs.alerts}
    assert {40, 46, 70, 112} <= in_ssl_h
    assert in_ssl_h - set(knowledge.ALERTS) == set()   # every ssl.h alert has an RFC name


def test_negative_hex_needs_no_double_dash(cli):
    code, out, err = cli("explain", "-0x262e", "-0x7780", "-9984")
    assert code == 0, err
    assert "MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG" in out
    assert "MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE" in out
    assert "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED" in out


@pytest.mark.parametrize("line, code, function", [
    ("<err> net_sock_tls: TLS handshake error: -0x262e", -0x262E, None),
    ("Error: -9984", -0x2700, None),
    ("mbedtls_ssl_handshake returned -0x2700", -0x2700, "mbedtls_ssl_handshake"),
    ("err: -0x262e,", -0x262E, None),
])
def test_a_whole_pasted_line_is_read_for_its_code(cli, line, code, function):
    doc = _json(cli, "--", line)
    assert [c["code"] for c in doc["codes"]] == [code]
    _, out, _ = cli("explain", "--", line)
    assert out.startswith("from the pasted line:")
    if function:
        assert f"(from {function})" in out.splitlines()[0]


def test_an_alert_in_a_pasted_line_and_a_small_number_read_both_ways(cli):
    doc = _json(cli, "--", "type: [2:46]")
    assert [a["number"] for a in doc["alerts"]] == [46] and doc["codes"] == []
    doc = _json(cli, "--", "40")
    assert doc["codes"][0]["also"][0].startswith("TLS alert 40 (handshake_failure)")
    assert any(a.startswith("errno 40 ") for a in doc["codes"][0]["also"])
    code, out, _ = cli("explain", "0x28")
    assert code == 0 and "read as TLS alert 40" in out and "handshake_failure" in out
    assert _json(cli, "--", "-0x262e")["codes"][0]["also"] == []
    code, _, err = cli("explain", "no code here")
    assert code == 1 and "'no code here' is not an error code" in err


def test_the_failing_function_changes_the_advice(cli):
    """-0x3980 from pk_write_key_pem is about the key type, not RSA-PSS; -0x3c80 from
    pk_parse_key is about the device's own key."""
    (general,) = _json(cli, "--", "-0x3980")["codes"]
    assert any("RSA-PSS" in c for c in general["causes"])
    (written,) = _json(cli, "--in", "pk_write_key_pem", "--", "-0x3980")["codes"]
    assert written["function"] == "mbedtls_pk_write_key_pem"
    assert any("pkwrite.c returns it" in c for c in written["causes"])
    assert not any("RSA-PSS" in c for c in written["causes"])
    assert "KEYGEN_ECDSA_P256" in written["requirements"]
    (parsed,) = _json(cli, "--", "mbedtls_pk_parse_key returned -15488")["codes"]
    assert parsed["function"] == "mbedtls_pk_parse_key"
    assert "OWN_CERT_ECDSA_P256" in parsed["requirements"]
    assert not any(r.startswith("PEER_") for r in parsed["requirements"])


def test_requirements_that_are_no_fix_are_not_offered(cli):
    (verify,) = _json(cli, "--", "-0x2700")["codes"]
    assert "SNI" in verify["requirements"] and "CERT_TIME_CHECK" not in verify["requirements"]
    (alert,) = _json(cli, "--", "-0x7780")["codes"]
    assert "SEND_ALL_ALERTS" not in alert["requirements"]
