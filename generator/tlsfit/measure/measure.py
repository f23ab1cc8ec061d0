"""``tlsfit measure``: generate, build, run the handshake matrix, measure.

profile -> resolve -> render -> build (harness) -> run (QEMU + OpenSSL) ->
measure (link map, firmware report) -> one JSON result per profile. No
figure without a passing handshake: a profile whose matrix fails gets its
result written with ``"passed": false`` and the command exits non-zero.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from tlsfit import __version__
from tlsfit.measure import sampling
from tlsfit.measure.connections import (can_open, check_count, connections_case,
                                         measure_connections)
from tlsfit.errors import TlsfitError
from tlsfit.run.runner import Case, CaseResult, run_case
from tlsfit.errors import HarnessError
from tlsfit.build.firmware import refuse_os_entropy
from tlsfit.build.firmware import build_firmware
from tlsfit.run.runner import OPENSSL_TIMEOUT_S, csr_signature_verifies
from tlsfit.sizes.mapfile import MemoryMap, parse_map
from tlsfit.run.matrix import MatrixCase, build_matrix, device_serves, expired_spec
from tlsfit.run.own_pki import OwnPki, compose_pki_dir
from tlsfit.run.peer import GnutlsServerPeer
from tlsfit.mbedtls.tree import MbedtlsTree
from tlsfit.generate.profile import ProfileSource, read_profile
from tlsfit.outputs import render_all, write_outputs
from tlsfit.generate.resolve import Resolution, resolve
from tlsfit.results.io import write_json
from tlsfit.results.model import (Handshake, ModuleRow, Ram, Result, Seen, Sizes, SymbolRow,
                                  TestRecord)

NO_SNI_OVERLAY = "# tlsfit measure: the same profile without SNI (negative twin)\n" \
                 "# CONFIG_SNI is not set\n"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TestOutcome:
    """One matrix row after running it."""

    row: MatrixCase
    passed: bool
    result: CaseResult | None
    error: str

    def record(self) -> TestRecord:
        return TestRecord(
            name=self.row.name, kind="positive" if self.row.positive else "negative",
            twin_of=self.row.twin_of or None, variant=self.row.variant or "profile",
            expect=self.row.expect.describe(), note=self.row.expect.note or None,
            passed=self.passed, seen=None if self.result is None else seen_of(self.result),
            error=self.error or None)


def seen_of(r: CaseResult) -> Seen:
    """What a case's firmware reported, as results keep it (profiles and references alike)."""
    return Seen(ok=r.ok, stage=r.stage, ret=r.ret_hex, error=r.ret_name or None,
                verify_flags=f"{r.verify_flags:#x}" if r.verify_flags not in (0, 0xFFFFFFFF)
                else None,
                tls_version=r.tls_version or None, ciphersuite=r.ciphersuite or None,
                heap_peak=r.heap_peak, stack_peak=r.stack_peak, hs_instructions=r.hs_instructions,
                bytes_tx=r.bytes_tx, bytes_rx=r.bytes_rx, wall_s=round(r.wall_s, 2),
                negotiated_mfl=r.negotiated_mfl, peer_record_size_limit=r.peer_record_size_limit)


@lru_cache(maxsize=None)
def _tool_version(argv: tuple[str, ...]) -> str:
    try:
        out = subprocess.run(list(argv), capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise TlsfitError(f"{argv[0]} is not usable ({exc}); run 'make setup'") from None
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else ""


def tool_versions(rows: list[MatrixCase] | None = None) -> dict[str, str]:
    """The tools a result was measured with; gnutls-serv when ROWS run against it."""
    tools = {
        "toolchain": _tool_version(("arm-none-eabi-gcc", "--version")),
        "qemu": _tool_version(("qemu-system-arm", "--version")),
        "openssl": _tool_version(("openssl", "version")),
    }
    if any(isinstance(row.case.peer, GnutlsServerPeer) for row in rows or ()):
        tools["gnutls"] = _tool_version(("gnutls-serv", "--version"))
    return tools


def _check(row: MatrixCase, result: CaseResult) -> tuple[bool, str]:
    exp = row.expect
    if exp.ok:
        if result.ok:
            return True, ""
        return False, f"expected success, got {result.ret_hex} {result.ret_name} in {result.stage}"
    if result.ok:
        return False, "expected a failure, but the handshake and data exchange succeeded"
    if result.ret not in (exp.ret, *exp.any_ret):
        return False, (f"expected {exp.describe()}, got {result.ret_hex} {result.ret_name} "
                       f"in {result.stage}")
    if exp.flags and (result.verify_flags & exp.flags) != exp.flags:
        return False, f"expected verify flags {exp.flags:#x}, got {result.verify_flags:#x}"
    return True, ""


def _run_row(row: MatrixCase, elf: Path) -> TestOutcome:
    try:
        result = run_case(elf, row.case)
    except HarnessError as exc:
        partial = exc.result if isinstance(exc.result, CaseResult) else None
        return TestOutcome(row, False, partial, str(exc).splitlines()[0])
    passed, why = _check(row, result)
    return TestOutcome(row, passed, result, why)


def _tampered_csr_rejected(pem: str, work: Path) -> tuple[bool, str]:
    """The CSR twin: flip one signature byte; `openssl req -verify` must reject it."""
    try:
        done = subprocess.run(["openssl", "req", "-outform", "DER"], input=pem.encode(),
                              capture_output=True, timeout=OPENSSL_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise HarnessError(f"openssl req could not convert the device's CSR: {exc}") from None
    if done.returncode != 0:
        raise HarnessError("openssl req rejected the device's CSR PEM: "
                           + done.stderr.decode(errors="replace").strip()[:300])
    der = done.stdout
    bad = bytearray(der)
    bad[-3] ^= 0x01
    path = work / "tampered-csr.der"
    path.write_bytes(bytes(bad))
    verified, said = csr_signature_verifies(path, der=True)
    if verified:
        return False, f"openssl accepted a tampered CSR: {said}"
    return True, ""


def sizes_of(mem: MemoryMap) -> Sizes:
    groups = sorted({m.module.group for m in mem.modules})
    return Sizes(
        flash=mem.flash, flash_mbedtls=mem.group_flash("mbedtls"), ram_static=mem.ram_static,
        ram_static_mbedtls=mem.group_ram("mbedtls"), sections=tuple(sorted(mem.sections)),
        by_group=tuple((g, mem.group_flash(g), mem.group_ram(g)) for g in groups),
        modules=tuple(ModuleRow(m.module.group, m.module.name, m.flash, m.ram)
                      for m in mem.modules),
        # Mbed TLS's functions and objects (clone suffixes folded), for 'compare --by symbol'.
        symbols=tuple(SymbolRow(m.name, sym, sec, n) for m, sym, sec, n in mem.symbols
                      if m.group == "mbedtls"))


def _prepare(resolution: Resolution, config_dir: Path) -> dict[str, str]:
    refuse_os_entropy(resolution)
    files = render_all(resolution)
    write_outputs(files, config_dir)
    return files


def headline_summary(repeats: list[int]) -> str:
    """One progress line's worth of the headline figure and its precision."""
    est = sampling.estimate(repeats)
    spread = (max(repeats) - min(repeats)) / est.mean * 100 if est.mean else 0.0
    return (f"mean of {len(repeats)} runs {est.mean / 1e6:.2f} M instructions "
            f"(95% interval +-{est.half_width * 100:.2f}%, spread {spread:.2f}%)")


def headline_of(primary: CaseResult, repeats: list[int]) -> Handshake:
    """The headline handshake: the adaptive mean of REPEATS (see tlsfit.measure.sampling)."""
    if repeats:
        est = sampling.estimate(repeats)
        instructions, ci95 = round(est.mean), (round(est.low), round(est.high))
    else:
        instructions, ci95 = primary.hs_instructions, None
    return Handshake(case=primary.name, tls_version=primary.tls_version or None,
                     ciphersuite=primary.ciphersuite or None, instructions=instructions,
                     instructions_runs=tuple(repeats), instructions_ci95=ci95,
                     bytes_tx=primary.bytes_tx, bytes_rx=primary.bytes_rx)


def image_pki(resolution: Resolution, work: Path, own: OwnPki | None) -> tuple[Path | None, Path]:
    """(PKI directory to embed, build directory): the test PKI's image in WORK/fw, or, with
    the user's own certificates or generated expired ones, a composed PKI directory and a
    build directory both named by its content (so images never mix)."""
    expired = expired_spec(resolution, own)
    if own is None and expired is None:
        return None, work / "fw"
    pki = compose_pki_dir(work, own, expired, serves=device_serves(resolution, own))
    return pki, work / f"fw-{pki.name}"


def measure_profile(profile: ProfileSource, tree: MbedtlsTree, build_root: Path,
                    progress: Progress, own: OwnPki | None = None,
                    connections: int | None = None) -> Result:
    """Measure one profile; return its result document (also for failures). OWN: the
    user's own certificates replace the test PKI's certificate cases. CONNECTIONS: also
    N sessions at once (tlsfit.measure.connections), in the image built for it."""
    start = time.monotonic()
    name = profile.name
    resolution = resolve(profile)
    work = build_root / name
    conns_row = None
    if connections is not None:
        check_count(connections)
        conns_row = connections_case(name, build_matrix(resolution))
    files = _prepare(resolution, work / "config")
    manifest = json.loads(files["manifest.json"])
    pki_dir, fw_dir = image_pki(resolution, work, own)
    rows = build_matrix(resolution, own, pki_dir)
    if own is not None:
        how = ("the device serves your chain with your key" if device_serves(resolution, own)
               else "handshakes with your server key" if own.with_server_key
               else "verified on the target: no server key")
        progress(f"[{name}] your own certificates (sha256 {own.sha256[:12]}, host {own.host}, "
                 f"{how}); embedded from {pki_dir}")
    progress(f"[{name}] build ({len(resolution.options)} options)")
    fw = build_firmware(work / "config", fw_dir, mbedtls_src=tree.path, pki_dir=pki_dir,
                        verify_mode=pki_dir is not None)
    mem = parse_map(fw.map_file, fw.sizes)
    progress(f"[{name}] linked: flash {mem.flash} B (Mbed TLS {mem.group_flash('mbedtls')} B), "
             f"static RAM {mem.ram_static} B")

    if not rows:
        raise TlsfitError(f"{name}: the profile gives no handshake or device test to run")
    images = {"": fw.elf}
    if any(row.variant == "no-sni" for row in rows):
        images["no-sni"] = _variant_image(profile, "no-sni", tree, work)

    outcomes: list[TestOutcome] = []
    for row in rows:
        outcome = _run_row(row, images[row.variant])
        if row.case.mode == "csr" and outcome.passed and outcome.result and outcome.result.csr_pem:
            ok, why = _tampered_csr_rejected(outcome.result.csr_pem, work)
            outcomes.append(outcome)
            twin = MatrixCase(Case("csr-p256-tampered", mode="csr"), row.expect.__class__(
                False, note="host-side: a CSR with one flipped signature byte must fail "
                            "openssl req -verify"), twin_of=row.name)
            outcomes.append(TestOutcome(twin, ok, None, why))
        else:
            outcomes.append(outcome)
        seen = outcome.result
        detail = (f"{seen.ret_hex} {seen.ret_name}".strip() if seen and not seen.ok
                  else (seen.tls_version if seen else ""))
        if seen and (seen.negotiated_mfl or seen.peer_record_size_limit):
            detail += (f" mfl={seen.negotiated_mfl}" if seen.negotiated_mfl else "") + \
                (f" peer_rsl={seen.peer_record_size_limit}" if seen.peer_record_size_limit else "")
        progress(f"[{name}]   {row.name:44} {'ok  ' if outcome.passed else 'FAIL'} "
                 f"{row.expect.describe():28} {detail} {outcome.error}".rstrip())

    positives = [o for o in outcomes if o.row.positive and o.result is not None]
    passed = all(o.passed for o in outcomes)
    # The headline is a handshake: verify-only cases (no peer) count for RAM, not for it.
    handshakes = [o for o in positives if o.row.case.mode != "verify"]
    primary = handshakes[0].result if handshakes else None
    repeats: list[int] = []
    if primary is not None and primary.hs_instructions and passed:
        first = handshakes[0]

        def again() -> int | None:
            outcome = _run_row(first.row, images[first.row.variant])
            return outcome.result.hs_instructions if outcome.passed and outcome.result else None

        repeats = sampling.collect(primary.hs_instructions, again)
        progress(f"[{name}] headline handshake {first.row.name}: {headline_summary(repeats)}")
    heap_peak = max((o.result.heap_peak for o in positives if o.result), default=0)
    stack_peak = max((o.result.stack_peak for o in positives if o.result), default=0)
    conns = None
    if conns_row is not None and connections is not None:
        progress(f"[{name}] {connections} session(s) at once: build the connections image")
        conns_elf = build_firmware(work / "config", work / "fw-connections", mbedtls_src=tree.path,
                                   connections=True).elf
        conns = measure_connections(name, conns_elf, conns_row, connections, progress)
        passed = passed and conns.passed
    return Result(
        profile=name, passed=passed, config_sha256=manifest["config_sha256"],
        profile_sha256=manifest["profile_sha256"], tlsfit_version=__version__,
        mbedtls_version=tree.version, tools=tuple(sorted(tool_versions(rows).items())),
        compile_flags=fw.compile_flags, link_flags=fw.link_flags, sizes=sizes_of(mem),
        ram=Ram(static=mem.ram_static, heap_peak=heap_peak, stack_peak=stack_peak,
                total=mem.ram_static + heap_peak + stack_peak),
        handshake=None if primary is None else headline_of(primary, repeats),
        tests=tuple(o.record() for o in outcomes),
        wall_s=round(time.monotonic() - start, 1),
        kept=tuple(o.name for o in resolution.kept_only()),
        pki=None if own is None else tuple(sorted(own.describe().items())),
        connections=conns)


def _variant_image(profile: ProfileSource, variant: str, tree: MbedtlsTree, work: Path) -> Path:
    """The firmware of a twin that needs another config (no-sni: the profile without SNI)."""
    if variant != "no-sni":
        raise TlsfitError(f"no image variant {variant!r}")
    overlay = work / "no-sni.conf"
    overlay.parent.mkdir(parents=True, exist_ok=True)
    overlay.write_text(NO_SNI_OVERLAY, encoding="utf-8")
    resolution = resolve(read_profile([*(f.path for f in profile.fragments), overlay]))
    _prepare(resolution, work / "config-no-sni")
    return build_firmware(work / "config-no-sni", work / "fw-no-sni", mbedtls_src=tree.path).elf


def run_one(profile: ProfileSource, tree: MbedtlsTree, build_root: Path, case_name: str,
            overrides: dict[str, Any], progress: Progress, own: OwnPki | None = None) -> TestOutcome:
    """Build the profile and run one matrix case, with overrides (for debugging a case)."""
    import dataclasses

    resolution = resolve(profile)
    work = build_root / profile.name
    _prepare(resolution, work / "config")
    pki_dir, fw_dir = image_pki(resolution, work, own)
    rows = {row.name: row for row in build_matrix(resolution, own, pki_dir)}
    if case_name not in rows:
        raise TlsfitError(f"{profile.name}: no case {case_name!r}; cases: {', '.join(rows)}")
    row = rows[case_name]
    if overrides.get("connections") is not None:
        check_count(overrides["connections"])
        if not can_open(row):
            raise TlsfitError(f"{profile.name}: {case_name} cannot run with --connections: N "
                              "sessions at once run a TLS client or server case of the profile's "
                              "own image against OpenSSL, with a short answer")
        progress(f"[{profile.name}] {case_name} x{overrides['connections']}: building the "
                 "connections image")
        elf = build_firmware(work / "config", work / "fw-connections", mbedtls_src=tree.path,
                             connections=True).elf
    elif row.variant:
        progress(f"[{profile.name}] {case_name} runs on the {row.variant} image: building it")
        elf = _variant_image(profile, row.variant, tree, work)
    else:
        elf = build_firmware(work / "config", fw_dir, mbedtls_src=tree.path, pki_dir=pki_dir,
                             verify_mode=pki_dir is not None).elf
    changes = {k: v for k, v in overrides.items() if v is not None or k == "peer"}
    case = dataclasses.replace(row.case, **changes)
    progress(f"[{profile.name}] {case_name}: {' '.join(f'{k}={v}' for k, v in case.params().items())}")
    result = run_case(elf, case)   # HarnessError propagates: crash, hang, port, heap
    passed, why = _check(row, result)
    return TestOutcome(row, passed, result, why)


def write_result(result: Result, results_dir: Path) -> Path:
    return write_json(results_dir / f"{result.profile}.json", result.to_json())


def summary_table(results: list[Result]) -> str:
    """The comparison table printed at the end of a run."""
    head = ("profile", "tests", "flash", "mbedtls", "static RAM", "heap peak", "stack peak",
            "total RAM", "hs instr.")
    rows = [head]
    for r in results:
        hs = r.handshake.instructions if r.handshake else 0
        rows.append((r.profile, f"{r.tests_passed}/{r.tests_total}",
                     f"{r.sizes.flash:,}", f"{r.sizes.flash_mbedtls:,}",
                     f"{r.ram.static:,}", f"{r.ram.heap_peak:,}",
                     f"{r.ram.stack_peak:,}", f"{r.ram.total:,}",
                     f"{hs / 1e6:.1f} M" if hs else "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = []
    for index, r in enumerate(rows):
        cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:])]
        lines.append("  ".join(cells))
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
