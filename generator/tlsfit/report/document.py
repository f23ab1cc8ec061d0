"""``tlsfit report``: a self-contained HTML page and a Markdown twin.

A pure view of the results (and of goals.json / minimality.json when they are
there): inline SVG charts, inline CSS, no script, no network. Same input,
same bytes. Written only after both files rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from tlsfit.compare.provenance import row_state, stale_results
from tlsfit.compare.tables import rows_sum
from tlsfit.errors import TlsfitError
from tlsfit.measure.goals import SCHEMA_VERSION as GOALS_SCHEMA, backend_choice
from tlsfit.measure.minimize import SCHEMA as MINIMALITY_SCHEMA
from tlsfit.results.io import read_document
from tlsfit.results.model import Result
from tlsfit.paths import TEMPLATES_DIR
from tlsfit.results.load import ResultSet
from tlsfit.compare.tables import compare_table, format_markdown, sessions_table

#: Chart colours: top Mbed TLS modules, then the fixed groups.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f")
GROUP_COLOURS = {"mbedtls (other)": "#aec7e8", "harness": "#c7c7c7", "test-pki": "#dbdb8d",
                 "libc": "#ffbb78", "libgcc": "#98df8a", "other": "#f7b6d2",
                 "(unattributed)": "#d62728"}
RAM_COLOURS = (("static", "#1f77b4"), ("heap peak", "#ff7f0e"), ("stack peak", "#2ca02c"))
TOP_MODULES = 8
BAR_WIDTH = 620


@dataclass(frozen=True)
class Segment:
    label: str
    value: int
    colour: str
    x: float
    width: float


@dataclass(frozen=True)
class Bar:
    profile: str
    total: int
    segments: tuple[Segment, ...]
    reference: bool


def _flash_parts(result: Result, top: list[str]) -> list[tuple[str, int]]:
    parts: dict[str, int] = {label: 0 for label in (*top, *GROUP_COLOURS)}
    for row in result.sizes.modules:
        if row.group == "mbedtls":
            key = row.module if row.module in top else "mbedtls (other)"
        else:
            key = row.group if row.group in GROUP_COLOURS else "other"
        parts[key] += row.flash
    rows_sum(result.profile, result, "flash")   # bars add up to the total, or it is refused
    return [(k, v) for k, v in parts.items() if v]


def _bars(docs: ResultSet, parts_of: Any, colours: dict[str, str], scale: int) -> list[Bar]:
    bars = []
    for name, doc in docs.items():
        x = 0.0
        segments = []
        for label, value in parts_of(doc):
            width = BAR_WIDTH * value / scale if scale else 0
            segments.append(Segment(label, value, colours[label], round(x, 2), round(width, 2)))
            x += width
        bars.append(Bar(name, sum(v for _, v in parts_of(doc)), tuple(segments),
                        doc.kind == "reference"))
    return bars


def flash_chart(docs: ResultSet) -> tuple[list[Bar], dict[str, str]]:
    """Flash per profile stacked by module: the largest Mbed TLS modules, then groups."""
    largest: dict[str, int] = {}   # summed over the generated profiles (not references)
    for doc in docs.values():
        if doc.kind == "reference":
            continue
        for row in doc.sizes.modules:
            if row.group == "mbedtls":
                largest[row.module] = largest.get(row.module, 0) + row.flash
    top = sorted(largest, key=lambda m: (-largest[m], m))[:TOP_MODULES]
    colours = {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(top)} | GROUP_COLOURS
    scale = max((d.sizes.flash for d in docs.values()), default=1)
    return _bars(docs, lambda d: _flash_parts(d, top), colours, scale), colours


def ram_chart(docs: ResultSet) -> tuple[list[Bar], dict[str, str]]:
    """RAM per profile: static + heap peak + stack peak."""
    def parts(result: Result) -> list[tuple[str, int]]:
        ram = result.ram
        return [("static", ram.static), ("heap peak", ram.heap_peak),
                ("stack peak", ram.stack_peak)]
    scale = max((d.ram.total for d in docs.values()), default=1)
    return _bars(docs, parts, dict(RAM_COLOURS), scale), dict(RAM_COLOURS)


def load_optional(results_dir: Path | None, name: str) -> dict[str, Any]:
    """The 'profiles' of results_dir/NAME (goals.json, minimality.json), {} if absent."""
    if results_dir is None:
        return {}
    path = results_dir / name
    if not path.is_file():
        return {}
    version = GOALS_SCHEMA if name == "goals.json" else MINIMALITY_SCHEMA
    doc = read_document(path, f"tlsfit {path.stem} results", version)
    profiles = doc.get("profiles")
    if not isinstance(profiles, dict):
        raise TlsfitError(f"{path}: no 'profiles' object")
    return profiles


def _context(docs: ResultSet, results_dir: Path | None) -> dict[str, Any]:
    flash_bars, flash_colours = flash_chart(docs)
    ram_bars, ram_colours = ram_chart(docs)
    summary = compare_table(docs, stale_results(docs))
    sessions = sessions_table(docs)
    goals_doc = load_optional(results_dir, "goals.json")
    goals = {name: {goal: {backend: {**row, "state": row_state(name, row, goal, backend)}
                           for backend, row in by_backend.items()}
                    for goal, by_backend in rows.items()}
             for name, rows in goals_doc.items()}
    choice = [c.sentence() for c in backend_choice({"profiles": goals_doc}).values()] \
        if goals_doc else []
    tools = next((dict(d.tools) for d in docs.values() if d.tools), {})
    versions = sorted({d.mbedtls_version for d in docs.values()})
    minimality = load_optional(results_dir, "minimality.json")
    return {
        "docs": docs, "summary": summary, "flash_bars": flash_bars,
        "flash_colours": flash_colours, "ram_bars": ram_bars, "ram_colours": ram_colours,
        "bar_width": BAR_WIDTH, "goals": goals, "backend_choice": choice,
        "minimality": {name: {"minimal": m["minimal"], "options": len(m["options"]),
                              "why": _count_why(m["options"]), "state": row_state(name, m)}
                       for name, m in minimality.items()},
        "tools": tools, "mbedtls_versions": versions,
        "summary_markdown": format_markdown(summary), "sessions": sessions,
        "sessions_markdown": format_markdown(sessions),
    }


def _count_why(options: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for option in options:
        counts[option["why"]] = counts.get(option["why"], 0) + 1
    return dict(sorted(counts.items()))


def _env(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
                             undefined=jinja2.StrictUndefined, autoescape=autoescape,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["n"] = lambda v: f"{v:,}" if isinstance(v, int) else v
    env.filters["m"] = lambda v: f"{v / 1e6:.1f} M" if v else "-"
    return env


def render_html(docs: ResultSet, results_dir: Path | None = None) -> str:
    return _env(True).get_template("report.html.j2").render(**_context(docs, results_dir))


def render_markdown(docs: ResultSet, results_dir: Path | None = None) -> str:
    return _env(False).get_template("report.md.j2").render(**_context(docs, results_dir))


def write_report(docs: ResultSet, out_dir: Path, results_dir: Path | None = None) -> list[Path]:
    html = render_html(docs, results_dir)
    markdown = render_markdown(docs, results_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "report.html", out_dir / "report.md"]
    for path, text in zip(paths, (html, markdown)):
        path.write_text(text, encoding="utf-8")
    return paths
