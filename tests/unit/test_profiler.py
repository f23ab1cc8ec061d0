"""compare / diff / check as pure functions over real result documents."""

import copy
import json
from pathlib import Path

import pytest

from tlsfit.errors import TlsfitError
from tlsfit.paths import RESULTS_DIR
from tlsfit.compare.diff import diff
from tlsfit.compare.gate import Thresholds, check, gate_junit, gate_markdown
from tlsfit.compare.tables import (compare_table, format_markdown, format_text, module_table,
                                   symbol_table)
from tlsfit.results.load import baseline_document, load_results
from tlsfit.results.model import Result


@pytest.fixture(scope="module")
def real():
    docs = {n: d for n, d in load_results([RESULTS_DIR]).items() if d.kind != "reference"}
    assert len(docs) == 9, "results/ holds a result per shipped profile (tlsfit measure --all)"
    return docs


def test_references_are_shown_but_not_gated():
    everything = load_results([RESULTS_DIR])
    refs = {n for n, d in everything.items() if d.kind == "reference"}
    assert {"reference-config-ccm-psk-tls1_2", "reference-config-suite-b",
            "reference-mbedtls-default"} <= refs
    assert "(reference)" in format_text(compare_table(everything))
    without = {n: d for n, d in everything.items() if n not in refs}
    assert not check(everything, without).failed   # a missing reference is no regression


def _edited(result, change):
    """A result changed through its JSON document, as a hand-edited file would be."""
    doc = result.to_json()
    change(doc)
    return Result.from_json(doc, "edited")


def _grow(result, module, nbytes):
    doc = result.to_json()
    doc["sizes"]["flash"] += nbytes
    doc["sizes"]["flash_mbedtls"] += nbytes
    for row in doc["sizes"]["modules"]:
        if row["module"] == module:
            row["flash"] += nbytes
            break
    else:
        doc["sizes"]["modules"].append({"group": "mbedtls", "module": module, "flash": nbytes,
                                        "ram": 0})
    return Result.from_json(doc, "grown")


def test_module_rows_add_up_to_the_totals(real):
    for region, total in (("flash", "flash"), ("ram", "ram_static")):
        table = module_table(real, region)
        totals = dict(zip(table.header[1:], table.footer[0][1:]))
        for column, name in enumerate(table.header[1:], 1):
            col = sum(int(r[column].replace(",", "")) for r in table.rows)
            assert col == getattr(real[name].sizes, total) == int(totals[name].replace(",", ""))
    # a damaged result (one module row edited) cannot be shown as if it added up
    name = next(iter(real))
    broken = {**real, name: _edited(real[name], lambda d: d["sizes"]["modules"][0].update(
        flash=d["sizes"]["modules"][0]["flash"] + 100))}
    with pytest.raises(TlsfitError, match=rf"result {name}: its module rows add up to .* but its "
                                          r"total is"):
        module_table(broken)


def test_compare_and_symbol_views(real):
    text = format_text(compare_table(real))
    assert "tls12-ecdsa-p256-minimal" in text and "Mbed TLS flash" in text
    md = format_markdown(compare_table(real))
    assert md.startswith("| profile |") and md.count("\n") == 10
    sym = symbol_table(real, top=5)
    assert len(sym.rows) == 5 and all(".isra" not in r[0] and ".constprop" not in r[0]
                                      for r in symbol_table(real, top=400).rows)


def test_diff_sorts_by_size_and_names_added_and_removed(real):
    base = {k: v for k, v in real.items() if k != "psk-ccm-minimal"}
    head = {k: v for k, v in real.items() if k != "device-csr-p256"}
    head["tls12-ecdsa-p256-minimal"] = _grow(real["tls12-ecdsa-p256-minimal"], "error.c", 9000)
    d = diff(base, head)
    assert d.added == ("psk-ccm-minimal",) and d.removed == ("device-csr-p256",)
    assert d.regions[0].delta == 9000 and d.modules[0].module == "error.c"


def test_gate_fails_on_growth_over_both_thresholds(real):
    name = "tls12-ecdsa-p256-minimal"
    head = dict(real, **{name: _grow(real[name], "ecp.c", 500)})
    result = check(real, head)
    assert result.failed
    fail = [f for f in result.findings if f.level == "fail"]
    assert {f.region for f in fail} == {"flash", "flash_mbedtls"}
    assert all(f.profile == name for f in fail)
    assert "+500 B" in fail[0].message and "ecp.c +500 B" in fail[0].message
    junit = gate_junit(result)
    assert 'failures="2"' in junit and "<failure" in junit
    assert "size gate: FAILED" in gate_markdown(result)


def test_gate_warns_below_threshold_and_reports_shrinks(real):
    name = "psk-ccm-minimal"
    small = dict(real, **{name: _grow(real[name], "ssl_tls.c", 40)})
    result = check(real, small)
    assert not result.failed
    assert any(f.level == "warn" and f.profile == name for f in result.findings)
    shrink = check(small, real)
    assert not shrink.failed
    assert any(f.level == "info" and "shrank" in f.message for f in shrink.findings)
    # a larger byte threshold lets a bigger change through
    big = dict(real, **{name: _grow(real[name], "ssl_tls.c", 500)})
    assert check(real, big).failed
    assert not check(real, big, Thresholds(size_bytes=1000)).failed


def test_gate_fails_on_missing_profile_and_failed_tests(real):
    head = {k: v for k, v in real.items() if k != "https-client-rsa"}
    def fail(d):
        d["passed"] = False
        d["tests"][0]["passed"] = False
    head["psk-ccm-minimal"] = _edited(real["psk-ccm-minimal"], fail)
    result = check(real, head)
    messages = {(f.profile, f.region): f.message for f in result.findings if f.level == "fail"}
    assert messages[("https-client-rsa", "-")] == "profile disappeared from the results"
    assert "test(s) failed" in messages[("psk-ccm-minimal", "tests")]


def test_baseline_round_trip(real, tmp_path):
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(baseline_document(real)))
    back = load_results([path])
    assert set(back) == set(real) and back["psk-ccm-minimal"].wall_s is None
    assert "wall_s" not in json.loads(path.read_text())["profiles"]["psk-ccm-minimal"]
    assert not check(back, real).failed


@pytest.mark.parametrize("text, message", [
    ("{", "not a tlsfit result"),
    ('{"hello": 1}', "no 'profile' or 'profiles'"),
    ('{"profile": "x", "schema_version": 7, "sizes": {}}', "a result of schema version 7; this "
                                                         "tlsfit reads version 1"),
    ('{"profile": "x", "schema_version": 1, "passed": true}', "not a complete tlsfit result: "
                                                            "no 'sizes'"),
])
def test_bad_result_files(tmp_path, text, message):
    path = tmp_path / "r.json"
    path.write_text(text)
    with pytest.raises(TlsfitError, match=message):
        load_results([path])


def test_cli_compare_by_module_and_markdown(cli, tmp_path):
    md = tmp_path / "t.md"
    code, out, _ = cli("compare", "--by", "module", "psk-ccm-minimal", "--markdown", str(md))
    assert code == 0 and "ccm.c" in out and "libgcc" in out
    assert md.read_text().startswith("| module | psk-ccm-minimal |")
