"""tlsfit report: charts that add up, every test listed, deterministic, and a page that
renders in headless Chromium without console errors."""

import re
import shutil
import subprocess

import pytest

from tlsfit.paths import RESULTS_DIR
from tlsfit.results.load import load_results
from tlsfit.report.document import render_html, render_markdown, write_report

BAR_RE = re.compile(r'<g transform="[^"]*" data-profile="([^"]+)" data-total="(\d+)">(.*?)</g>',
                    re.S)


@pytest.fixture(scope="module")
def docs():
    return load_results([RESULTS_DIR])


def test_chart_segments_add_up_to_the_totals(docs):
    html = render_html(docs, RESULTS_DIR)
    flash_part, ram_part = html.split("<h2>RAM: static")
    for part, total_of in ((flash_part, lambda d: d.sizes.flash),
                           (ram_part, lambda d: d.ram.total)):
        bars = BAR_RE.findall(part.split("<h2>Optimisation")[0])
        assert {name for name, _, _ in bars} == set(docs)
        for name, total, body in bars:
            segments = [int(v) for v in re.findall(r'data-bytes="(\d+)"', body)]
            assert sum(segments) == int(total) == total_of(docs[name]), name


def test_every_test_and_reference_is_listed(docs):
    html = render_html(docs, RESULTS_DIR)
    md = render_markdown(docs, RESULTS_DIR)
    for name, doc in docs.items():
        for test in doc.tests:
            assert f"<td>{test.name}</td>" in html and f"| {test.name} |" in md
    assert "(reference)" in html and "Optimisation goals" in html and "Minimality" in html
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")


def test_report_is_deterministic(docs, tmp_path):
    a = write_report(docs, tmp_path / "a", RESULTS_DIR)
    b = write_report(docs, tmp_path / "b", RESULTS_DIR)
    for x, y in zip(a, b):
        assert x.read_bytes() == y.read_bytes()


def _chromium(page, shot):
    chromium = shutil.which("chromium")
    assert chromium, "chromium is installed by make setup"
    done = subprocess.run([chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                           "--enable-logging=stderr", "--v=0", "--window-size=1300,1800",
                           f"--screenshot={shot}", f"file://{page}"],
                          capture_output=True, text=True, timeout=120)
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return done.returncode, console


@pytest.mark.target
def test_html_renders_in_headless_chromium_without_console_errors(docs, tmp_path):
    html_path, _ = write_report(docs, tmp_path, RESULTS_DIR)
    code, console = _chromium(html_path, tmp_path / "report.png")
    assert code == 0 and console == []
    assert (tmp_path / "report.png").stat().st_size > 50_000   # a real page, not blank
    # the console check is real: a page with a script error is caught
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body>x<script>nonexistent()</script></body></html>")
    _, console = _chromium(bad, tmp_path / "bad.png")
    assert any("nonexistent is not defined" in line for line in console)


def test_cli_report(cli, tmp_path):
    code, out, _ = cli("report", "-o", str(tmp_path))
    assert code == 0 and (tmp_path / "report.html").exists() and (tmp_path / "report.md").exists()
