"""Result sets as tables: profiles side by side, flash or RAM by module, largest symbols.

Views are pure functions of the results; text and Markdown render a Table.
A result whose module rows do not add up to its total is refused, never
patched with a remainder row.
"""

from __future__ import annotations

from dataclasses import dataclass

from tlsfit.errors import TlsfitError
from tlsfit.results.load import ResultSet
from tlsfit.results.model import ModuleRow, Result


@dataclass(frozen=True)
class Table:
    """A view-independent table: header row, body rows, right-aligned columns."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    right: tuple[bool, ...] = ()
    footer: tuple[tuple[str, ...], ...] = ()


def fmt_number(n: int | float | None) -> str:
    return "-" if n is None else f"{n:,}"


def compare_table(docs: ResultSet, stale: frozenset[str] = frozenset()) -> Table:
    """Profiles side by side; STALE names results whose profile has changed since; a profile
    that keeps options for the rest of the image says how many are on only for that; one
    measured with the user's own certificates says so (their figures include them)."""
    header = ("profile", "tests", "flash", "Mbed TLS flash", "static RAM", "heap peak",
              "stack peak", "total RAM", "hs instr.", "bytes tx/rx")
    rows = []
    for name, r in docs.items():
        hs = r.handshake
        rows.append((
            name + (" (reference)" if r.kind == "reference" else "")
            + ("" if r.passed else " (FAILED)") + (" (stale)" if name in stale else "")
            + (f" (kept {len(r.kept)})" if r.kept else "")
            + (f" (own PKI {dict(r.pki).get('sha256', '')[:12]})" if r.pki else ""),
            f"{r.tests_passed}/{r.tests_total}",
            fmt_number(r.sizes.flash), fmt_number(r.sizes.flash_mbedtls),
            fmt_number(r.ram.static), fmt_number(r.ram.heap_peak), fmt_number(r.ram.stack_peak),
            fmt_number(r.ram.total),
            f"{hs.instructions / 1e6:.1f} M" if hs and hs.instructions else "-",
            f"{hs.bytes_tx:,}/{hs.bytes_rx:,}" if hs else "-"))
    return Table(header, tuple(rows), (False,) + (True,) * (len(header) - 1))


def sessions_table(docs: ResultSet) -> Table:
    """Results measured with ``--connections N``: the heap with N sessions open at once, what
    each added session costs, and the twin; no rows when none was (the figure a device serving
    several browser tabs is sized by)."""
    header = ("profile", "case", "sessions", "heap peak", "per session (peak)",
              "per session (open)", "shared heap", "ssl_context", "twin")
    rows = []
    for name, r in docs.items():
        c = r.connections
        if c is None:
            continue
        rows.append((name, c.case, str(c.connections), fmt_number(c.heap_peak),
                     fmt_number(c.per_connection_heap_peak), fmt_number(c.per_connection_heap_open),
                     fmt_number(c.heap_config), fmt_number(c.ssl_context_bytes),
                     f"limit {c.twin_heap_limit:,}: {'pass' if c.twin_passed else 'FAIL'}"))
    return Table(header, tuple(rows), (False, False) + (True,) * 6 + (False,))


def rows_sum(name: str, result: Result, key: str = "flash") -> int:
    """The module rows of one result summed; TlsfitError unless they are its total."""
    total = result.sizes.flash if key == "flash" else result.sizes.ram_static
    summed = sum(getattr(row, key) for row in result.sizes.modules)
    if summed != total:
        raise TlsfitError(f"result {name}: its module rows add up to {summed:,} B of "
                          f"{'flash' if key == 'flash' else 'static RAM'}, but its total is "
                          f"{total:,} B (an edited or damaged result; measure it again)")
    return summed


def module_label(row: ModuleRow) -> str:
    return row.module if row.group == "mbedtls" else row.group


def module_table(docs: ResultSet, region: str = "flash") -> Table:
    """Flash (or static RAM) by Mbed TLS source file, then harness, test PKI, libc.

    Non-Mbed TLS modules are grouped; bytes the link map could not attribute
    are their own "(unattributed)" row (measurement keeps them). Every column
    adds up to the total; a result whose rows do not is refused.
    """
    key = "flash" if region == "flash" else "ram"
    per: dict[str, dict[str, int]] = {}
    for name, r in docs.items():
        rows_sum(name, r, key)     # the rows are the total, or the result is refused
        for row in r.sizes.modules:
            label = module_label(row)
            per.setdefault(label, {})
            per[label][name] = per[label].get(name, 0) + getattr(row, key)
    mbedtls = sorted((m for m in per if m.endswith(".c")),
                     key=lambda m: (-max(per[m].values()), m))
    groups = [g for g in ("harness", "test-pki", "libc", "libgcc") if g in per]
    extra = [g for g in per if g not in mbedtls and g not in groups]
    body = []
    for label in mbedtls + groups + extra:
        values = [per[label].get(n, 0) for n in docs]
        if any(values):
            body.append((label, *[fmt_number(v) for v in values]))
    total = [r.sizes.flash if key == "flash" else r.sizes.ram_static for r in docs.values()]
    footer = (("total", *[fmt_number(t) for t in total]),
              ("Mbed TLS", *[fmt_number(sum(getattr(m, key) for m in r.sizes.modules
                                            if m.group == "mbedtls")) for r in docs.values()]))
    return Table(("module", *docs), tuple(body), (False,) + (True,) * len(docs), footer)


def symbol_table(docs: ResultSet, top: int = 40, region: str = "flash") -> Table:
    """The largest Mbed TLS functions and objects (clone suffixes folded) per profile."""
    from tlsfit.sizes.mapfile import FLASH_SECTIONS, RAM_SECTIONS
    sections = FLASH_SECTIONS if region == "flash" else RAM_SECTIONS
    per: dict[tuple[str, str], dict[str, int]] = {}
    for name, r in docs.items():
        for row in r.sizes.symbols:
            if row.section not in sections:
                continue
            k = (row.symbol, row.module)
            per.setdefault(k, {})
            per[k][name] = per[k].get(name, 0) + row.bytes
    ranked = sorted(per, key=lambda k: (-max(per[k].values()), k))[:top]
    rows = tuple((sym, mod, *[fmt_number(per[(sym, mod)].get(n, 0)) for n in docs])
                 for sym, mod in ranked)
    return Table(("symbol", "module", *docs), rows, (False, False) + (True,) * len(docs))


def format_text(table: Table) -> str:
    all_rows = [table.header, *table.rows, *table.footer]
    widths = [max(len(r[i]) for r in all_rows) for i in range(len(table.header))]
    right = table.right or (False,) * len(widths)

    def line(r: tuple[str, ...]) -> str:
        return "  ".join(c.rjust(w) if right[i] else c.ljust(w)
                         for i, (c, w) in enumerate(zip(r, widths))).rstrip()
    out = [line(table.header), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in table.rows]
    if table.footer:
        out.append("  ".join("-" * w for w in widths))
        out += [line(r) for r in table.footer]
    return "\n".join(out)


def format_markdown(table: Table) -> str:
    right = table.right or (False,) * len(table.header)
    out = ["| " + " | ".join(table.header) + " |",
           "| " + " | ".join("---:" if r else "---" for r in right) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in table.rows]
    out += ["| " + " | ".join(f"**{c}**" for c in r) + " |" for r in table.footer]
    return "\n".join(out)
