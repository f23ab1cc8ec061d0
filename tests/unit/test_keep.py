"""KEEP_OPTIONS: options the rest of the image needs, kept, shown apart, never minimized away."""

from __future__ import annotations

import json

import pytest

from tlsfit.compare.tables import compare_table, format_text
from tlsfit.generate.render import render_config
from tlsfit.measure.minimize import judged_without_building
from tlsfit.outputs import render_all
from tlsfit.results.model import Result
from tlsfit_testdata import BASE_CLIENT

KEEP = ('CONFIG_KEEP_OPTIONS="MBEDTLS_PK_WRITE_C: the Wi-Fi supplicant writes keys; '
        'MBEDTLS_SHA1_C: the supplicant\'s HMAC-SHA1"\n')


def test_kept_options_come_with_what_they_need_and_are_shown_apart(resolve_text, cli, write):
    plain = resolve_text(BASE_CLIENT)
    r = resolve_text(BASE_CLIENT, KEEP)
    assert not plain.enabled("MBEDTLS_PK_WRITE_C")
    assert [k.name for k in r.kept] == ["MBEDTLS_PK_WRITE_C", "MBEDTLS_SHA1_C"]
    assert r.option("MBEDTLS_PK_WRITE_C").roots == ("KEPT_MBEDTLS_PK_WRITE_C",)
    # its prerequisite (pkwrite.c writes ASN.1) names the keep among its reasons
    assert "KEPT_MBEDTLS_PK_WRITE_C" in r.option("MBEDTLS_ASN1_WRITE_C").roots
    assert "KEPT_MBEDTLS_PK_WRITE_C" not in plain.option("MBEDTLS_ASN1_WRITE_C").roots
    assert {o.name for o in r.kept_only()} >= {"MBEDTLS_PK_WRITE_C", "MBEDTLS_SHA1_C"}
    # options the TLS needs anyway are not counted as kept-only
    assert all(not o.name.startswith("MBEDTLS_SSL_") for o in r.kept_only())
    header = render_config(r)["mbedtls_config.h"]
    assert " *   - MBEDTLS_PK_WRITE_C: the Wi-Fi supplicant writes keys" in header
    manifest = json.loads(render_all(r, ())["manifest.json"])
    assert manifest["kept"]["options"][0] == {"name": "MBEDTLS_PK_WRITE_C",
                                              "reason": "the Wi-Fi supplicant writes keys"}
    assert "MBEDTLS_SHA1_C" in manifest["kept"]["on_only_for_them"]
    assert any("MBEDTLS_SHA1_C is kept for the rest of the image" in w for w in r.warnings)
    code, out, _ = cli("show", str(write("p.conf", BASE_CLIENT)), str(write("k.conf", KEEP)))
    assert code == 0
    assert "kept for the rest of the image (2 named" in out
    assert "  MBEDTLS_PK_WRITE_C: the Wi-Fi supplicant writes keys" in out


def test_minimize_reports_kept_options_and_never_removes_them(resolve_text):
    r = resolve_text(BASE_CLIENT, KEEP)
    judged = judged_without_building(r)
    assert judged["MBEDTLS_PK_WRITE_C"].why == "kept"
    assert judged["MBEDTLS_PK_WRITE_C"].justified
    assert "MBEDTLS_SSL_TLS_C" not in judged          # the TLS's own options are tested


def test_compare_counts_kept_options():
    doc = json.loads((__import__("pathlib").Path(__file__).resolve().parents[2] / "results"
                      / "psk-ccm-minimal.json").read_text())
    plain = Result.from_json(doc, "psk")
    kept = Result.from_json({**doc, "kept_options": ["MBEDTLS_PK_WRITE_C"]}, "psk")
    assert kept.kept == ("MBEDTLS_PK_WRITE_C",)
    assert Result.from_json(kept.to_json(), "again").kept == ("MBEDTLS_PK_WRITE_C",)
    assert "kept_options" not in plain.to_json()
    text = format_text(compare_table({"a": plain, "b": kept}))
    assert "b (kept 1)" in text and "a (kept" not in text


@pytest.mark.parametrize("value, message", [
    ('"MBEDTLS_PK_WRITE: x"', "MBEDTLS_PK_WRITE is not an option tlsfit's model of Mbed TLS 3.6 "
                              "knows (did you mean MBEDTLS_PK_WRITE_C?)"),
    ('"MBEDTLS_PK_WRITE_C"', "MBEDTLS_PK_WRITE_C has no reason"),
    ('"MBEDTLS_PK_WRITE_C:  "', "MBEDTLS_PK_WRITE_C has no reason"),
    ("MBEDTLS_PK_WRITE_C", "takes a quoted string"),
    ('"pk write: x"', "expected 'MBEDTLS_NAME: reason'"),
    ('"MBEDTLS_PK_WRITE_C: a; MBEDTLS_PK_WRITE_C: b"', "MBEDTLS_PK_WRITE_C is named twice"),
    ('"MBEDTLS_SSL_RENEGOTIATION: the old server"',
     "MBEDTLS_SSL_RENEGOTIATION weakens security and may only come from LEGACY_RENEGOTIATION"),
])
def test_bad_keep_options_one_message(value, message, write, cli):
    base = write("p.conf", BASE_CLIENT)
    keep = write("keep.conf", "# the rest of the image\nCONFIG_KEEP_OPTIONS=" + value + "\n")
    code, out, err = cli("generate", str(base), str(keep), "-o", str(base.parent / "out"))
    assert code == 1
    assert message in err, err
    if "weakens" not in message:
        assert err.count("\n") == 1 and f"{keep}:2: error:" in err, err
