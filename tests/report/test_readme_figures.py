"""README.md's figure tables come from results/: stale figures fail here."""

from dataclasses import replace

import pytest

from tlsfit.errors import TlsfitError
from tlsfit.paths import REPO_ROOT, RESULTS_DIR
from tlsfit.results.load import load_results
from tlsfit.report.readme_figures import SIZE_TARGETS, BLOCKS, render_blocks, targets_table, update_text
from tlsfit.report.document import load_optional


@pytest.fixture(scope="module")
def rendered():
    return render_blocks(load_results([RESULTS_DIR]), load_optional(RESULTS_DIR, "goals.json"))


def test_committed_readme_matches_committed_results(rendered):
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert update_text(text, rendered, "README.md") == text, \
        "README.md figures are stale: run 'tlsfit report --readme README.md'"


def test_every_block_is_rendered_from_data(rendered):
    assert set(rendered) == set(BLOCKS)
    docs = load_results([RESULTS_DIR])
    for name, doc in docs.items():
        if doc.kind != "reference":
            assert f"| {name} | {doc.tests_passed}/{doc.tests_total} | " \
                   f"{doc.sizes.flash_mbedtls:,} |" in rendered["figures"]


def test_targets_say_no_when_a_target_is_missed():
    docs = load_results([RESULTS_DIR])
    psk = docs["psk-ccm-minimal"]
    grown = {**docs, "psk-ccm-minimal": replace(psk, sizes=replace(psk.sizes,
                                                                    flash_mbedtls=20 * 1024 + 1))}
    rows = {r[0]: r for r in targets_table(grown, {}).rows}
    labels = {t.profile: t.label for t in SIZE_TARGETS}
    assert rows[labels["psk-ccm-minimal"]][1:] == ("20,481 B", "NO")
    assert rows[labels["tls12-ecdsa-p256-minimal"]][2] == "yes"
    # Without goal measurements the PSA-first targets are not met (nothing proves them).
    missing = [r for r in rows.values() if r[1] == "not measured (make goals)"]
    assert missing and all(r[2] == "NO" for r in missing)


def test_update_replaces_only_the_marked_block():
    text = "intro\n<!-- tlsfit:figures -->\nold\n<!-- /tlsfit:figures -->\nrest\n"
    assert update_text(text, {"figures": "new\n"}, "X.md") == \
        "intro\n<!-- tlsfit:figures -->\nnew\n<!-- /tlsfit:figures -->\nrest\n"


def test_a_missing_block_is_named():
    with pytest.raises(TlsfitError, match=r"X.md: expected one '<!-- tlsfit:goals -->' block, "
                                          r"found 0"):
        update_text("no markers\n", {"goals": "x\n"}, "X.md")
