"""The typed result: every committed result reads and writes back the same document,
bad documents are one message, and stale figures are marked."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tlsfit.compare.provenance import row_state, stale_results
from tlsfit.compare.tables import compare_table, format_text
from tlsfit.errors import TlsfitError
from tlsfit.paths import RESULTS_DIR
from tlsfit.results.load import load_results
from tlsfit.results.model import Result


def _committed() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(RESULTS_DIR.glob("*.json")):
        doc = json.loads(path.read_text())
        if "profile" in doc:
            out.append((path.name, doc))
    assert len(out) >= 12
    return out


@pytest.mark.parametrize("name, doc", _committed(), ids=lambda v: v if isinstance(v, str) else "")
def test_a_committed_result_round_trips(name, doc):
    back = Result.from_json(doc, name).to_json()
    for test in doc["tests"]:       # references now record verify flags like profiles
        if test["seen"] is not None:
            test["seen"].setdefault("verify_flags", None)
    assert json.dumps(back, sort_keys=True) == json.dumps(doc, sort_keys=True)


def test_what_a_handshake_agreed_round_trips_and_older_results_lack_it():
    """negotiated_mfl / peer_record_size_limit: kept when measured (0 included), absent (None)
    in results measured before the firmware reported them."""
    _, doc = next((n, d) for n, d in _committed() if any(t["seen"] for t in d["tests"]))
    doc = json.loads(json.dumps(doc))
    for t in doc["tests"]:      # as a result measured before the firmware reported them
        if t["seen"]:
            t["seen"].pop("negotiated_mfl", None)
            t["seen"].pop("peer_record_size_limit", None)
    older = Result.from_json(doc, "x")
    seen = next(t.seen for t in older.tests if t.seen is not None)
    assert seen.negotiated_mfl is None and seen.peer_record_size_limit is None
    assert "negotiated_mfl" not in json.dumps(older.to_json())
    first = next(t for t in doc["tests"] if t["seen"])
    first["seen"].update(negotiated_mfl=2048, peer_record_size_limit=0)
    back = Result.from_json(doc, "x").to_json()
    seen_back = next(t["seen"] for t in back["tests"] if t["seen"])
    assert seen_back["negotiated_mfl"] == 2048 and seen_back["peer_record_size_limit"] == 0


def test_to_json_hands_out_copies():
    _, doc = _committed()[0]
    result = Result.from_json(doc, "x")
    out = result.to_json()
    out["sizes"]["modules"][0]["flash"] += 1000
    out["ram"]["heap_peak"] = -1
    assert result.to_json()["sizes"]["modules"][0]["flash"] == doc["sizes"]["modules"][0]["flash"]
    assert result.ram.heap_peak == doc["ram"]["heap_peak"]


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(schema_version=2), r"x\.json: a result of schema version 2; this tlsfit "
                                           r"reads version 1"),
    (lambda d: d.pop("ram"), r"x\.json: not a complete tlsfit result: no 'ram'"),
    (lambda d: d.update(tests_total=99), r"x\.json: tests_total 99 but \d+ tests are listed"),
])
def test_bad_documents_are_one_message(change, message):
    _, doc = _committed()[0]
    doc = json.loads(json.dumps(doc))
    change(doc)
    with pytest.raises(TlsfitError, match=message):
        Result.from_json(doc, "x.json")


def test_a_result_whose_profile_changed_is_marked_stale():
    docs = {n: r for n, r in load_results([RESULTS_DIR]).items() if r.kind == "profile"}
    assert stale_results(docs) == frozenset()        # the committed results are current
    name = "psk-ccm-minimal"
    old = {**docs, name: replace(docs[name], config_sha256="0" * 64)}
    assert stale_results(old) == {name}
    assert f"{name} (stale)" in format_text(compare_table(old, stale_results(old)))


def test_goal_and_minimality_rows_say_where_they_stand():
    result = load_results([RESULTS_DIR])["psk-ccm-minimal"]
    assert row_state("psk-ccm-minimal", {}) == "unknown"
    assert row_state("psk-ccm-minimal", {"config_sha256": result.config_sha256}) == "current"
    assert row_state("psk-ccm-minimal", {"config_sha256": "0" * 64}) == "stale"


def test_a_result_of_another_schema_is_one_message_on_the_command_line(cli, tmp_path):
    _, doc = _committed()[0]
    bad = tmp_path / "old.json"
    bad.write_text(json.dumps({**doc, "schema_version": 0}))
    code, out, err = cli("compare", str(bad))
    assert code == 1 and out == ""
    assert err == (f"tlsfit: {bad}: a result of schema version 0; this tlsfit reads version 1 "
                   "(measure it again)\n")


def test_a_result_with_own_certificates_says_so():
    _, doc = next((n, d) for n, d in _committed() if d["profile"] == "https-client-rsa")
    pki = {"kind": "own", "sha256": "4551e7c85fa3" + "0" * 52, "host": "api.example.test",
           "ca": "ca.pem", "server_chain": "chain.pem", "chain_length": 2, "ca_key": "rsa4096",
           "leaf_key": "rsa4096", "server_key": True, "client_cert": False}
    own = json.loads(json.dumps({**doc, "pki": pki}))
    result = Result.from_json(own, "own.json")
    assert dict(result.pki) == pki and result.to_json()["pki"] == pki
    assert "pki" not in Result.from_json(doc, "test.json").to_json()
    table = format_text(compare_table({"https-client-rsa": result}))
    assert "https-client-rsa (own PKI 4551e7c85fa3)" in table
