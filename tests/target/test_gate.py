"""The CI size gate on real measurements: a real regression (an overlay that adds
a requirement to a shipped profile) fails it; a neutral change and a shrink pass."""

import pytest

pytestmark = pytest.mark.target

PROFILE = "psk-ccm-minimal"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Measure the profile, and the profile + an overlay measured under its name."""
    from tlsfit.cli.main import main
    from tlsfit.paths import PROFILES_DIR

    root = tmp_path_factory.mktemp("gate")
    overlay = root / "error-strings.conf"
    overlay.write_text("# a firmware change: human-readable Mbed TLS errors\n"
                       "CONFIG_ERROR_STRINGS=y\n")
    base = str(PROFILES_DIR / f"{PROFILE}.conf")
    assert main(["measure", PROFILE, "--results", str(root / "base")]) == 0
    assert main(["measure", PROFILE, "--results", str(root / "again")]) == 0
    assert main(["measure", "--merge", base, str(overlay), "--as", PROFILE,
                 "--results", str(root / "grown")]) == 0
    assert main(["check", "--baseline", str(root / "baseline.json"), "--update-baseline",
                 "--results", str(root / "base")]) == 0
    assert main(["check", "--baseline", str(root / "grown-baseline.json"), "--update-baseline",
                 "--results", str(root / "grown")]) == 0
    return root


def test_regression_fails_naming_profile_region_module_and_bytes(cli, runs):
    junit, md = runs / "gate.xml", runs / "gate.md"
    code, out, _ = cli("check", "--baseline", str(runs / "baseline.json"),
                       "--results", str(runs / "grown"), "--junit", str(junit),
                       "--markdown", str(md), "--json", str(runs / "gate.json"))
    assert code == 1 and "size gate: FAILED" in out
    line = next(l for l in out.splitlines() if l.startswith("FAIL") and " flash_mbedtls " in l)
    assert PROFILE in line and "error.c +" in line and "B" in line
    assert "<failure" in junit.read_text() and "FAILED" in md.read_text()


def test_neutral_change_passes(cli, runs):
    code, out, _ = cli("check", "--baseline", str(runs / "baseline.json"),
                       "--results", str(runs / "again"))
    assert code == 0 and "size gate: passed" in out


def test_shrink_passes_and_is_reported(cli, runs):
    code, out, _ = cli("check", "--baseline", str(runs / "grown-baseline.json"),
                       "--results", str(runs / "base"))
    assert code == 0 and "shrank" in out and "error.c -" in out
