"""``tlsfit minimize``: prove that every option of a generated config earns its place.

For each boolean option the config enables, build the harness without it
(``#undef`` at the end of the generated header, or of tlsfit_crypto_config.h
for a PSA_WANT_* macro) and run the profile's positive cases.
The option is justified when:
  - needed: the build fails (check_config.h or a compile/link error) or a
    positive handshake fails, with the error seen;
  - smaller: without it the image is larger (flash or static RAM), e.g.
    MBEDTLS_BLOCK_CIPHER_NO_DECRYPT, MBEDTLS_AES_FEWER_TABLES;
  - faster: without it the handshake takes over 5 % more guest instructions
    (the profile asked for OPTIMIZE_SPEED), e.g. MBEDTLS_ECP_NIST_OPTIM;
  - security: a baseline tlsfit keeps although handshakes work without it
    (SECURITY_BASELINE below, each with its reason).
An option justified by none of these is unnecessary: the model must change.
Value options (buffer sizes, MPI size, ECP window) are reported, not removed;
options on only because the profile keeps them for the rest of the image
(KEEP_OPTIONS) are reported as kept, never removed: this TLS cannot judge them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from tlsfit import __version__
from tlsfit.results.io import read_document
from tlsfit.errors import TlsfitError
from tlsfit.errors import HarnessError
from tlsfit.build.firmware import build_firmware, refuse_os_entropy
from tlsfit.run.runner import run_case
from tlsfit.sizes.mapfile import parse_map
from tlsfit.run.matrix import build_matrix
from tlsfit.mbedtls.tree import MbedtlsTree
from tlsfit.generate.profile import ProfileSource
from tlsfit.generate.model import is_psa_want
from tlsfit.generate.render import CRYPTO_CONFIG_NAME, config_sha256, render_config
from tlsfit.generate.resolve import resolve

SCHEMA = 1
SPEED_MARGIN = 0.05

#: Options kept for security although handshakes pass without them.
SECURITY_BASELINE: dict[str, str] = {
    "MBEDTLS_SSL_EXTENDED_MASTER_SECRET": "RFC 7627: without it TLS 1.2 is open to the triple "
                                          "handshake attack; peers still connect without it",
    "MBEDTLS_SSL_ENCRYPT_THEN_MAC": "RFC 7366: the fix for CBC padding oracles (LEGACY_CBC)",
}

#: Options whose effect the OpenSSL 3.0 peer cannot show.
PEER_CANNOT_SHOW: dict[str, str] = {
    "MBEDTLS_SSL_RECORD_SIZE_LIMIT": "asks TLS 1.3 servers for records that fit the receive "
                                     "buffer (RFC 8449); OpenSSL 3.0 ignores the extension, so "
                                     "no handshake here can show the need",
}

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Verdict:
    option: str
    justified: bool
    why: str            # needed / smaller / faster / security / unnecessary / value / kept
    detail: str
    flash_delta: int | None = None      # flash without the option minus with it
    ram_delta: int | None = None
    instructions_delta_pct: float | None = None
    seconds: float = 0.0


def judged_without_building(resolution: Any) -> dict[str, Verdict]:
    """The options minimize reports without removing them: values (reported), and options on
    only because the rest of the image needs them (KEEP_OPTIONS: not this TLS's to judge)."""
    kept_only = {o.name for o in resolution.kept_only()}
    out = {}
    for opt in resolution.options:
        if opt.name in kept_only:
            out[opt.name] = Verdict(opt.name, True, "kept", "kept for the rest of the image ("
                                    + ", ".join(r.removeprefix("KEPT_") for r in opt.roots) + ")")
        elif not opt.is_bool:
            out[opt.name] = Verdict(opt.name, True, "value", f"= {opt.value} "
                                    f"({', '.join(opt.roots)})")
    return out


def _positives(resolution: Any) -> list[Any]:
    return [row for row in build_matrix(resolution) if row.positive and not row.variant]


def _run_positives(elf: Path, rows: list[Any]) -> tuple[str, list[int]]:
    """'' when every positive case passes, else what failed; instruction counts."""
    counts = []
    for row in rows:
        try:
            result = run_case(elf, row.case)
        except HarnessError as exc:
            return f"{row.name}: {str(exc).splitlines()[0]}", counts
        if not result.ok:
            return f"{row.name}: {result.ret_hex} {result.ret_name} in {result.stage}", counts
        counts.append(result.hs_instructions)
    return "", counts


def load_minimality(path: Path) -> dict[str, Any]:
    """results/minimality.json, or an empty document when there is none yet."""
    if not path.exists():
        return {"schema_version": SCHEMA, "profiles": {}}
    return read_document(path, "tlsfit minimality results", SCHEMA)


def minimize_profile(profile: ProfileSource, tree: MbedtlsTree, build_root: Path,
                     progress: Progress) -> dict[str, Any]:
    start = time.monotonic()
    resolution = resolve(profile)
    refuse_os_entropy(resolution)
    files = render_config(resolution)
    rows = _positives(resolution)
    if not rows:
        raise TlsfitError(f"{profile.name}: no positive case to check options against")
    work = build_root / profile.name
    config = work / "config"
    config.mkdir(parents=True, exist_ok=True)

    def build(undef: str | None) -> tuple[Any, Any]:
        for name, text in files.items():
            guard = "TLSFIT_CRYPTO_CONFIG_H" if name == CRYPTO_CONFIG_NAME else \
                "TLSFIT_MBEDTLS_CONFIG_H"
            if undef is not None and (name == CRYPTO_CONFIG_NAME) == is_psa_want(undef):
                text = text.replace(f"#endif /* {guard} */",
                                    f"#undef {undef} /* tlsfit minimize */\n#endif /* {guard} */")
            target = config / name
            if not target.exists() or target.read_text() != text:
                target.write_text(text, encoding="utf-8")
        fw = build_firmware(config, work / "fw", mbedtls_src=tree.path)
        return fw, parse_map(fw.map_file, fw.sizes)

    fw, mem = build(None)
    failure, base_counts = _run_positives(fw.elf, rows)
    if failure:
        raise TlsfitError(f"{profile.name}: the full config fails its own positive case "
                          f"({failure}); run 'tlsfit measure' first")
    base_instr = base_counts
    speed = resolution.requirement("OPTIMIZE_SPEED") == "y"
    progress(f"[{profile.name}] full config: flash {mem.flash} B, {len(rows)} positive case(s)")

    verdicts: list[Verdict] = []
    settled = judged_without_building(resolution)
    for opt in resolution.options:
        t0 = time.monotonic()
        if opt.name in settled:
            verdicts.append(settled[opt.name])
            continue
        try:
            fw_without, mem_without = build(opt.name)
        except HarnessError as exc:
            first = next((line.strip() for line in str(exc).splitlines()
                          if "#error" in line or "error:" in line), str(exc).splitlines()[0])
            verdict = Verdict(opt.name, True, "needed", f"build fails: {first[:160]}",
                              seconds=time.monotonic() - t0)
        else:
            flash_delta = mem_without.flash - mem.flash
            ram_delta = mem_without.ram_static - mem.ram_static
            trial = rows
            if opt.name == "MBEDTLS_SSL_MAX_FRAGMENT_LENGTH":
                # Without the option the device cannot ask for smaller records.
                trial = [replace(r, case=replace(r.case, mfl=None)) for r in rows]
            failure, counts = _run_positives(fw_without.elf, trial)
            # The slowest case decides: a curve optimisation matters to the ECDHE
            # handshakes even when RSA cases dominate the total.
            instr_pct = (max(100.0 * (c - b) / b for c, b in zip(counts, base_instr) if b)
                         if counts and any(base_instr) else None)
            common = dict(flash_delta=flash_delta, ram_delta=ram_delta,
                          instructions_delta_pct=instr_pct, seconds=time.monotonic() - t0)
            if failure:
                verdict = Verdict(opt.name, True, "needed", f"handshake fails: {failure}", **common)
            elif flash_delta > 0 or ram_delta > 0:
                verdict = Verdict(opt.name, True, "smaller", f"without it: flash {flash_delta:+,} B, "
                                  f"static RAM {ram_delta:+,} B", **common)
            elif speed and instr_pct is not None and instr_pct > 100 * SPEED_MARGIN:
                verdict = Verdict(opt.name, True, "faster", f"without it: {instr_pct:+.1f}% "
                                  f"handshake instructions (OPTIMIZE_SPEED)", **common)
            elif opt.name in PEER_CANNOT_SHOW:
                verdict = Verdict(opt.name, True, "protocol", PEER_CANNOT_SHOW[opt.name], **common)
            elif opt.name in SECURITY_BASELINE:
                verdict = Verdict(opt.name, True, "security", SECURITY_BASELINE[opt.name], **common)
            else:
                verdict = Verdict(opt.name, False, "unnecessary",
                                  f"builds and passes without it (flash {flash_delta:+,} B)",
                                  **common)
        verdicts.append(verdict)
        progress(f"[{profile.name}]   {opt.name:52} {verdict.why:11} {verdict.detail[:90]}")
    build(None)  # leave the build directory with the real config
    return {
        "schema_version": SCHEMA,
        "profile": profile.name,
        # provenance: a later change to the profile or model makes this row stale
        "profile_sha256": profile.sha256,
        "config_sha256": config_sha256(files),
        "tlsfit_version": __version__,
        "mbedtls_version": tree.version,
        "minimal": all(v.justified for v in verdicts),
        "options": [v.__dict__ | {"instructions_delta_pct": None if v.instructions_delta_pct is None
                                  else round(v.instructions_delta_pct, 2),
                                  "seconds": round(v.seconds, 1)} for v in verdicts],
        "positive_cases": [r.name for r in rows],
        "flash": mem.flash,
        "seconds": round(time.monotonic() - start, 1),
    }


def table(doc: dict[str, Any]) -> str:
    width = max(len(o["option"]) for o in doc["options"])
    lines = [f"{'option'.ljust(width)}  needed  why          detail"]
    for o in doc["options"]:
        lines.append(f"{o['option'].ljust(width)}  {'yes' if o['justified'] else 'NO ':6}  "
                     f"{o['why']:11}  {o['detail']}")
    return "\n".join(lines)
