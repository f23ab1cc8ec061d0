"""``tlsfit measure PROFILE --connections N``: N sessions open at once, and what each one costs.

A device serving several browser tabs (or a client holding several connections) holds one
``mbedtls_ssl_context`` per session on one shared config. The image built for it
(``-DTLSFIT_CONNECTIONS=ON``, its own build directory, so the profile's own image and its
figures do not change) runs the profile's first OpenSSL case with K = 1..N sessions at once
(c_harness/app/app_tls_conns.c: every session set up, then the handshakes interleaved one step
each, so all K are in flight and open together; then each request/answer and close; the
relay, tlsfit.run.mux, gives every session its own OpenSSL peer). From those real runs:

* heap peak with K sessions, and heap in use once all K are open;
* per connection: (peak_N - peak_1) / (N - 1) and (open_N - open_1) / (N - 1), to the byte;
* shared: heap in use before any session (config, certificates, key), and
  ``sizeof(mbedtls_ssl_context)``, the static part of each session (in the product's own RAM).

Its twin: a heap limit of exactly what N - 1 sessions peaked at (N = 1: what the configuration
peaked at) must refuse session N in ``mbedtls_ssl_setup`` with MBEDTLS_ERR_SSL_ALLOC_FAILED
(-0x7F00), while the N - 1 others complete. The schedule does not depend on host timing, so the
same inputs give the same figures.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable

from tlsfit.errors import HarnessError, TlsfitError
from tlsfit.results.model import ConnectionRun, Connections
from tlsfit.run.matrix import MatrixCase
from tlsfit.run.mux import MAX_CONNECTIONS
from tlsfit.run.peer import ClientPeer, ServerPeer
from tlsfit.run.runner import CaseResult, run_case

ERR_SSL_ALLOC_FAILED = -0x7F00
Progress = Callable[[str], None]


def check_count(count: int) -> None:
    """N must be 1..MAX_CONNECTIONS (the firmware's static table of sessions)."""
    if not 1 <= count <= MAX_CONNECTIONS:
        raise TlsfitError(f"--connections {count}: give 1 to {MAX_CONNECTIONS} sessions at once "
                          "(the firmware keeps a table of that many)")


def can_open(row: MatrixCase) -> bool:
    """A case that can run N times at once: a TLS client or server on the profile's own image
    against an OpenSSL peer, with a short answer."""
    peer = row.case.peer
    return not row.variant and not row.case.big and (
        (row.case.mode == "client" and isinstance(peer, ServerPeer)) or
        (row.case.mode == "server" and isinstance(peer, ClientPeer)))


def connections_case(name: str, rows: list[MatrixCase]) -> MatrixCase:
    """The case opened N times: the profile's first positive TLS case against OpenSSL."""
    for row in rows:
        if row.positive and can_open(row):
            return row
    raise TlsfitError(f"{name}: --connections needs a TLS client or server profile (with an "
                      "OpenSSL case to open N times); this one has none")


def _run(elf: Path, row: MatrixCase, count: int, heap_limit: int | None = None
         ) -> tuple[CaseResult | None, str]:
    case = dataclasses.replace(row.case, connections=count, heap_limit=heap_limit,
                               name=f"{row.name}-x{count}", timeout_s=row.case.timeout_s + 30 * count)
    try:
        return run_case(elf, case), ""
    except HarnessError as exc:
        partial = exc.result if isinstance(exc.result, CaseResult) else None
        return partial, str(exc).splitlines()[0]


def _per_connection(first: int, last: int, count: int) -> int | None:
    return None if count < 2 else round((last - first) / (count - 1))


def measure_connections(name: str, elf: Path, row: MatrixCase, count: int,
                        progress: Progress) -> Connections:
    """Run ROW with 1..COUNT sessions at once on ELF (built with connections=True), then the twin."""
    check_count(count)
    runs: list[ConnectionRun] = []
    config_peak = heap_config = context = 0
    for k in range(1, count + 1):
        result, error = _run(elf, row, k)
        seen = result.connections if result is not None else None
        passed = bool(result and result.ok and seen and seen.ok == k) and not error
        runs.append(ConnectionRun(
            connections=k, passed=passed, heap_peak=result.heap_peak if result else 0,
            heap_setup=seen.heap_setup if seen else 0, heap_open=seen.heap_open if seen else 0,
            stack_peak=result.stack_peak if result else 0))
        if seen is not None and k == 1:
            config_peak, heap_config, context = (seen.heap_config_peak, seen.heap_config,
                                                 seen.ssl_context_bytes)
        run = runs[-1]
        progress(f"[{name}]   {row.name} x{k:<2} {'ok  ' if passed else 'FAIL'} heap peak "
                 f"{run.heap_peak:,} B, {k} open {run.heap_open:,} B" +
                 ("" if passed else f" {error or (result.ret_hex if result else '')}"))
    limit = runs[-2].heap_peak if count > 1 else config_peak
    expect = (f"fail -0x7f00 at session {count}'s mbedtls_ssl_setup, "
              f"{count - 1} complete")
    if all(r.passed for r in runs):
        result, error = _run(elf, row, count, heap_limit=limit)
        twin_passed, seen_text = _judge_twin(result, error, count)
    else:
        twin_passed, seen_text = False, "not run: a run without a limit failed"
    of = f"the peak of {count - 1}" if count > 1 else "the configuration's peak"
    progress(f"[{name}]   {row.name} x{count} heap limit {limit:,} B ({of}) "
             f"{'ok  ' if twin_passed else 'FAIL'} {seen_text}")
    last, first = runs[-1], runs[0]
    return Connections(
        case=row.name, connections=count, runs=tuple(runs), heap_config=heap_config,
        ssl_context_bytes=context,
        per_connection_heap_peak=_per_connection(first.heap_peak, last.heap_peak, count),
        per_connection_heap_open=_per_connection(first.heap_open, last.heap_open, count),
        twin_heap_limit=limit, twin_expect=expect, twin_seen=seen_text, twin_passed=twin_passed)


def _judge_twin(result: CaseResult | None, error: str, count: int) -> tuple[bool, str]:
    if result is None or result.connections is None:
        return False, error or "no result"
    seen = result.connections
    text = (f"{result.ret_hex} {result.ret_name} in {result.stage} of session {seen.failed}, "
            f"{seen.ok} of {count} complete" if seen.failed is not None
            else f"all {count} sessions completed under the limit")
    passed = (not result.ok and result.ret == ERR_SSL_ALLOC_FAILED and result.stage == "setup"
              and seen.failed == count and seen.ok == count - 1)
    return passed, text


def connections_table(name: str, c: Connections) -> str:
    """The figures as `measure --connections` prints them."""
    lines = [f"{name}: {c.connections} session(s) at once ({c.case}, one OpenSSL peer each)",
             "  sessions  heap peak  heap in use, all open  stack peak"]
    for run in c.runs:
        lines.append(f"  {run.connections:>8}  {run.heap_peak:>9,}  {run.heap_open:>21,}  "
                     f"{run.stack_peak:>10,}" + ("" if run.passed else "  FAILED"))
    if c.per_connection_heap_peak is not None:
        lines.append(f"  per connection: heap peak +{c.per_connection_heap_peak:,} B, "
                     f"in use while open +{c.per_connection_heap_open:,} B "
                     f"((N - 1 = {c.connections - 1}) steps from 1 to {c.connections})")
    lines.append(f"  shared: {c.heap_config:,} B of heap before any session (config, "
                 f"certificates, key); static per session: mbedtls_ssl_context "
                 f"{c.ssl_context_bytes:,} B")
    lines.append(f"  twin: heap limit {c.twin_heap_limit:,} B: {c.twin_seen} "
                 f"({'ok' if c.twin_passed else 'FAILED, expected ' + c.twin_expect})")
    return "\n".join(lines)
