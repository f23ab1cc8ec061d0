"""measure/run --connections N for real: the connections image under QEMU, one OpenSSL peer per
session (s_client facing a firmware server, s_server facing a firmware client), the figures and
their twin (a heap that fits N - 1 sessions must refuse session N with -0x7F00)."""

import json

import pytest

from tlsfit.paths import RESULTS_DIR

from tlsfit_testdata import run_tlsfit

pytestmark = pytest.mark.target


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """`tlsfit measure https-server-ecdsa --connections 3` once for the module."""
    results = tmp_path_factory.mktemp("results")
    code, output = run_tlsfit("measure", "https-server-ecdsa", "--connections", "3",
                              "--results", str(results))
    return code, output, json.loads((results / "https-server-ecdsa.json").read_text())


def test_three_sessions_at_once_cost_the_same_each(measured):
    code, output, doc = measured
    assert code == 0, output[-4000:]
    conns = doc["connections"]
    assert conns["passed"] and doc["passed"] and conns["case"] == "server-tls1.3-ec256"
    peaks = [run["heap_peak"] for run in conns["runs"]]
    opens = [run["heap_open"] for run in conns["runs"]]
    assert [run["connections"] for run in conns["runs"]] == [1, 2, 3]
    assert all(run["passed"] for run in conns["runs"])
    assert 0 < peaks[0] < peaks[1] < peaks[2] and 0 < opens[0] < opens[1] < opens[2]
    per = conns["per_connection_heap_peak"]
    assert per == round((peaks[2] - peaks[0]) / 2) > 0
    # Each added session costs the same: its buffers, handshake and session, on one config.
    assert abs((peaks[1] - peaks[0]) - (peaks[2] - peaks[1])) <= per // 100
    assert conns["per_connection_heap_open"] == round((opens[2] - opens[0]) / 2) > 0
    # One session in the connections image peaks where the profile's own image does.
    assert peaks[0] == doc["ram"]["heap_peak"]
    assert 0 < conns["heap_config"] < peaks[0] and conns["ssl_context_bytes"] > 0
    assert "per connection: heap peak +" in output and "twin: heap limit" in output


def test_a_heap_for_n_minus_1_sessions_refuses_session_n(measured):
    _, _, doc = measured
    conns = doc["connections"]
    assert conns["twin_passed"]
    assert conns["twin_heap_limit"] == conns["runs"][1]["heap_peak"]
    assert conns["twin_seen"] == ("-0x7f00 MBEDTLS_ERR_SSL_ALLOC_FAILED in setup of session 3, "
                                  "2 of 3 complete")


def test_the_profiles_own_figures_do_not_change(measured):
    """--connections adds a field and an image of its own; the profile's figures are its own
    image's, and its heap peak and tests are the committed result's."""
    from tlsfit.build.firmware import image_sizes
    from tlsfit.paths import REPO_ROOT
    _, _, doc = measured
    committed = json.loads((RESULTS_DIR / "https-server-ecdsa.json").read_text())
    assert "connections" not in committed
    work = REPO_ROOT / "build" / "measure" / "https-server-ecdsa"
    own = image_sizes(work / "fw" / "tlsfit_app.elf")
    assert doc["sizes"]["flash"] == own.flash
    assert image_sizes(work / "fw-connections" / "tlsfit_app.elf").flash > own.flash
    assert doc["ram"]["heap_peak"] == committed["ram"]["heap_peak"]
    assert doc["tests_total"] == committed["tests_total"]


def test_same_inputs_same_figures_and_the_twin_by_hand(cli, measured):
    _, _, doc = measured
    runs = doc["connections"]["runs"]
    for _ in range(2):
        code, out, err = cli("run", "https-server-ecdsa", "--case", "server-tls1.3-ec256",
                             "--connections", "2")
        assert code == 0, out + err
        assert f"2 session(s) at once: 2 completed, heap_peak={runs[1]['heap_peak']} " \
               f"heap_open={runs[1]['heap_open']} " in out
    code, out, err = cli("run", "https-server-ecdsa", "--case", "server-tls1.3-ec256",
                         "--connections", "2", "--heap-limit", str(runs[0]["heap_peak"]))
    assert code == 1 and "Traceback" not in err
    assert err.startswith("tlsfit: case server-tls1.3-ec256: heap exhausted") and \
        "in stage setup (session 2 of 2; 1 completed), ret -0x7f00 MBEDTLS_ERR_SSL_ALLOC_FAILED" \
        in err, err


def test_a_client_holds_n_sessions_with_one_s_server_each(cli):
    code, out, err = cli("run", "https-client-rsa", "--case", "tls1.2-rsa2048", "--connections", "2")
    assert code == 0, out + err
    assert "2 session(s) at once: 2 completed" in out and "TLSv1.2" in out
    assert "expected pass: PASS" in out


def test_compare_shows_the_measured_sessions(measured, tmp_path, cli):
    _, _, doc = measured
    (tmp_path / "https-server-ecdsa.json").write_text(json.dumps(doc))
    code, out, _ = cli("compare", str(tmp_path))
    conns = doc["connections"]
    assert code == 0 and "sessions at once (measure --connections N)" in out
    row = next(line for line in out.splitlines() if "server-tls1.3-ec256" in line)
    assert row.split()[2:5] == ["3", f"{conns['runs'][2]['heap_peak']:,}",
                                f"{conns['per_connection_heap_peak']:,}"]
