"""The size gate on a product's own profiles, as the example workflow runs it.

A scratch "product" repository holds two profiles and its baseline; the
commands are those of .github/workflows/tlsfit-size-gate.yml: the gate
passes on an unchanged product and fails on a grown profile, and the same
run sharded into 2 jobs and merged gives the same verdict and the same
Markdown as a single run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tlsfit.paths import PROFILES_DIR

pytestmark = pytest.mark.target


@pytest.fixture(scope="module")
def product(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("product")
    (repo / "tls").mkdir()
    shutil.copy(PROFILES_DIR / "psk-ccm-minimal.conf", repo / "tls" / "sensor.conf")
    (repo / "tls" / "gateway.conf").write_text(
        (PROFILES_DIR / "psk-ccm-minimal.conf").read_text() + "CONFIG_ALPN=y\n")
    return repo


def _gate(cli, repo: Path, tag: str, sharded: bool) -> tuple[int, str]:
    """The workflow's commands: one job, or two shard jobs and a merge job."""
    build = str(repo / "build" / tag)
    md = repo / f"{tag}.md"
    common = ["--baseline", str(repo / "tlsfit-baseline.json"), "--build-dir", build]
    if not sharded:
        code, _, _ = cli("check", "--profiles", str(repo / "tls"), *common, "--markdown", str(md),
                         "--junit", str(repo / f"{tag}.xml"))
        return code, md.read_text()
    for i in (1, 2):
        code, out, _ = cli("check", "--profiles", str(repo / "tls"), *common, "--shard", f"{i}/2",
                           "--save-results", str(repo / tag / f"shard-{i}"))
        assert f"shard {i}/2: " in out
    code, out, _ = cli("merge", str(repo / tag / "shard-1"), str(repo / tag / "shard-2"),
                       "-o", str(repo / tag / "merged"))
    assert code == 0 and "merged 2 result(s) from 2 shard(s)" in out
    code, _, _ = cli("check", "--results", str(repo / tag / "merged"), *common,
                     "--markdown", str(md))
    return code, md.read_text()


def test_the_products_gate_single_and_sharded(cli, product):
    code, out, _ = cli("check", "--profiles", str(product / "tls"), "--baseline",
                       str(product / "tlsfit-baseline.json"), "--build-dir",
                       str(product / "build" / "base"), "--update-baseline")
    assert code == 0 and "baseline written" in out and "(2 profiles)" in out

    single = _gate(cli, product, "same", sharded=False)
    sharded = _gate(cli, product, "same-sharded", sharded=True)
    assert single[0] == 0 and "**size gate: passed**" in single[1]
    assert sharded == single

    grown = product / "tls" / "gateway.conf"
    grown.write_text(grown.read_text() + "CONFIG_ERROR_STRINGS=y\n")
    single = _gate(cli, product, "grown", sharded=False)
    sharded = _gate(cli, product, "grown-sharded", sharded=True)
    assert single[0] == 1 and "**size gate: FAILED**" in single[1]
    assert "| FAIL | gateway | flash" in single[1] and "error.c" in single[1]
    assert "sensor" not in [line.split("|")[2].strip() for line in single[1].splitlines()
                            if line.startswith("| FAIL")]
    assert sharded == single
    assert 'failures="' in (product / "grown.xml").read_text()


def test_shards_that_overlap_are_refused(cli, product, tmp_path):
    a = tmp_path / "a"
    a.mkdir()
    for f in (product / "same-sharded" / "shard-1").glob("*.json"):
        shutil.copy(f, a / f.name)
    code, _, err = cli("merge", str(a), str(product / "same-sharded" / "shard-1"),
                       "-o", str(tmp_path / "m"))
    assert code == 1 and "shards must not overlap" in err
