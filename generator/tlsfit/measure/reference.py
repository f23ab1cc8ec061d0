"""Measure a config tlsfit did not generate (a user's, a vendor's, Mbed TLS's own
samples) on the same harness, with the same flags and handshakes.

The header is used through a wrapper that includes it unchanged and then
adjusts only what bare metal and the harness require, each line commented:
  - host-only I/O is removed (MBEDTLS_NET_C, MBEDTLS_TIMING_C, MBEDTLS_FS_IO,
    PSA file storage): the harness does TLS I/O over a UART;
  - the entropy source is the harness's TEST-ONLY hardware poll
    (MBEDTLS_ENTROPY_HARDWARE_ALT, MBEDTLS_NO_PLATFORM_ENTROPY);
  - MBEDTLS_HAVE_TIME needs mbedtls_ms_time() from the platform on bare metal
    (MBEDTLS_PLATFORM_C, MBEDTLS_PLATFORM_MS_TIME_ALT).
Everything else (buffers, ciphersuites, optimisations) stays as the header has it.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterable

from tlsfit.errors import TlsfitError
from tlsfit.errors import HarnessError
from tlsfit.build.firmware import build_firmware
from tlsfit.run.runner import run_case
from tlsfit.build.firmware import Firmware
from tlsfit.sizes.mapfile import MemoryMap, parse_map
from tlsfit.run.peer import GnutlsServerPeer
from tlsfit.run.matrix import MatrixCase, build_matrix
from tlsfit.mbedtls.tree import MbedtlsTree
from tlsfit.generate.profile import ProfileSource
from tlsfit.generate.resolve import resolve

HOST_ONLY = ("MBEDTLS_NET_C", "MBEDTLS_TIMING_C", "MBEDTLS_FS_IO", "MBEDTLS_PSA_ITS_FILE_C",
             "MBEDTLS_PSA_CRYPTO_STORAGE_C")
_MFL = (4096, 2048, 1024, 512)

Progress = Callable[[str], None]


def harness_config_text(original: Path, undefs: Iterable[str] = ()) -> str:
    """The wrapper header: the original, then the harness adjustments (see module doc)."""
    lines = [
        "/* tlsfit: a foreign config adapted to the Cortex-M33 harness.",
        f" * Original: {original.name} (included unchanged below). */",
        f'#include "{original.resolve()}"',
        "",
        "/* Host-only I/O: the harness does TLS over UART1. */",
        *[f"#undef {name}" for name in HOST_ONLY],
        "/* Entropy: the harness's TEST-ONLY mbedtls_hardware_poll(). */",
        "#undef MBEDTLS_ENTROPY_NV_SEED",
        "#define MBEDTLS_NO_PLATFORM_ENTROPY",
        "#define MBEDTLS_ENTROPY_HARDWARE_ALT",
        "/* Bare metal has no clock for Mbed TLS: the harness supplies mbedtls_ms_time(). */",
        "#if defined(MBEDTLS_HAVE_TIME)",
        "#define MBEDTLS_PLATFORM_C",
        "#define MBEDTLS_PLATFORM_MS_TIME_ALT",
        "#endif",
    ]
    extra = list(undefs)
    if extra:
        lines += ["/* Options removed for this measurement. */",
                  *[f"#undef {name}" for name in extra]]
    return "\n".join(lines) + "\n"


def build_header(original: Path, work: Path, tree: MbedtlsTree,
                 undefs: Iterable[str] = ()) -> tuple[Firmware, MemoryMap]:
    """Build the harness with ORIGINAL (adapted) in WORK; parse its link map."""
    if not original.is_file():
        raise TlsfitError(f"{original}: no such header")
    config = work / "config"
    config.mkdir(parents=True, exist_ok=True)
    text = harness_config_text(original, undefs)
    target = config / "mbedtls_config.h"
    if not target.exists() or target.read_text() != text:
        target.write_text(text, encoding="utf-8")
    fw = build_firmware(config, work / "fw", mbedtls_src=tree.path)
    return fw, parse_map(fw.map_file, fw.sizes)


def _macros(original: Path, tree: MbedtlsTree) -> dict[str, str]:
    from tlsfit.mbedtls.config_header import read_header
    return read_header(original, tree).as_dict()


def _adapt_case(row: MatrixCase, macros: dict[str, str]) -> MatrixCase:
    """Same handshake, fitted to the reference's buffers: request max fragment
    length when it has it, else let the server limit its records (how Mbed TLS's
    1 KB sample configs are meant to be used)."""
    case = row.case
    if case.mode != "client":
        return row
    inbuf = int(macros.get("MBEDTLS_SSL_IN_CONTENT_LEN", "16384").split()[0])
    outbuf = int(macros.get("MBEDTLS_SSL_OUT_CONTENT_LEN", "16384").split()[0])
    limit = min(inbuf, outbuf)
    mfl = None
    peer = case.peer
    if limit < 16384:
        if "MBEDTLS_SSL_MAX_FRAGMENT_LENGTH" in macros:
            mfl = next((m for m in _MFL if m <= limit), None)
        elif peer is not None:
            peer = replace(peer, max_send_frag=max(512, inbuf))
    elif "MBEDTLS_SSL_MAX_FRAGMENT_LENGTH" not in macros:
        mfl = None
    return replace(row, case=replace(case, mfl=mfl, peer=peer))


def measure_reference(original: Path, like: ProfileSource, name: str, tree: MbedtlsTree,
                      build_root: Path, progress: Progress) -> "Result":
    """Build ORIGINAL and run LIKE's positive cases against it; a result document
    of the same schema as tlsfit measure's, marked ``"kind": "reference"``."""
    from tlsfit.measure.measure import (_check, headline_of, headline_summary, seen_of,
                                        sizes_of, tool_versions)
    from tlsfit.results.model import ReferenceInfo, Ram, Result, TestRecord
    from tlsfit.measure import sampling
    from tlsfit import __version__

    start = time.monotonic()
    work = build_root / f"reference-{name}"
    progress(f"[{name}] build {original.name} (adapted, see tlsfit.measure.reference)")
    fw, mem = build_header(original, work, tree)
    progress(f"[{name}] linked: flash {mem.flash} B (Mbed TLS {mem.group_flash('mbedtls')} B)")
    macros = _macros(original, tree)
    # OpenSSL's cases only: GnuTLS cannot be told to send smaller records (it ignores max
    # fragment length), so a reference config's small buffers cannot be adapted to it
    rows = [_adapt_case(r, macros) for r in build_matrix(resolve(like)) if r.positive
            and not r.variant and not isinstance(r.case.peer, GnutlsServerPeer)]
    if not rows:
        raise TlsfitError(f"{like.name}: no positive case to run against {original.name}")
    outcomes = []
    for row in rows:
        try:
            result = run_case(fw.elf, row.case)
            passed, why = _check(row, result)
        except HarnessError as exc:
            result, passed, why = exc.result, False, str(exc).splitlines()[0]
        outcomes.append((row, result, passed, why))
        progress(f"[{name}]   {row.name:44} {'ok  ' if passed else 'FAIL'} {why}".rstrip())
    ok = [(row, r) for row, r, p, _ in outcomes if p and r is not None]
    repeats: list[int] = []
    if ok and ok[0][1].hs_instructions:
        def again() -> int | None:
            try:
                result = run_case(fw.elf, ok[0][0].case)
            except HarnessError:
                return None
            return result.hs_instructions if result.ok else None

        repeats = sampling.collect(ok[0][1].hs_instructions, again)
        progress(f"[{name}] headline handshake {ok[0][0].name}: {headline_summary(repeats)}")
    heap = max((r.heap_peak for _, r in ok), default=0)
    stack = max((r.stack_peak for _, r in ok), default=0)
    primary = ok[0][1] if ok else None
    tests = tuple(TestRecord(
        name=row.name, kind="positive", twin_of=None, variant="reference",
        expect=row.expect.describe(), note=None, passed=p,
        seen=None if r is None else seen_of(r), error=why or None)
        for row, r, p, why in outcomes)
    return Result(
        profile=name, passed=all(p for _, _, p, _ in outcomes),
        config_sha256=hashlib.sha256(original.read_bytes()).hexdigest(),
        tlsfit_version=__version__, mbedtls_version=tree.version,
        tools=tuple(sorted(tool_versions().items())),
        compile_flags=fw.compile_flags, link_flags=fw.link_flags, sizes=sizes_of(mem),
        ram=Ram(static=mem.ram_static, heap_peak=heap, stack_peak=stack,
                total=mem.ram_static + heap + stack),
        handshake=None if primary is None else headline_of(primary, repeats),
        tests=tests,
        reference=ReferenceInfo(original.name, like.name,
                                tuple(harness_config_text(original).splitlines()[4:])),
        wall_s=round(time.monotonic() - start, 1))


def option_costs(original: Path, options: list[str], tree: MbedtlsTree, work: Path,
                 progress: Progress) -> tuple[dict[str, int], int, int]:
    """Flash each option costs in ORIGINAL's linked image, and what all of them cost.

    One build of the header as it is, one without all OPTIONS: the difference is
    the measured saving of removing them together. Per option, the linked size of
    the Mbed TLS modules it enables (MBEDTLS_FOO_C -> foo.c, with the server and
    TLS 1.3 state machines for their options) in the first image; options without a
    module of their own get 0 here and are covered by the total.
    """
    fw, full = build_header(original, work / "as-is", tree)
    progress(f"{original.name}: flash {full.flash} B, Mbed TLS {full.group_flash('mbedtls')} B")
    _, without = build_header(original, work / "without", tree, undefs=options)
    progress(f"without the {len(options)} unnecessary options: Mbed TLS "
             f"{without.group_flash('mbedtls')} B")
    module_flash = {m.module.name: m.flash for m in full.modules if m.module.group == "mbedtls"}
    costs = {}
    for option in options:
        costs[option] = sum(module_flash.get(mod, 0) for mod in modules_of(option))
    return costs, full.group_flash("mbedtls"), without.group_flash("mbedtls")


_EXTRA_MODULES = {
    "MBEDTLS_SSL_SRV_C": ("ssl_tls12_server.c", "ssl_tls13_server.c"),
    "MBEDTLS_SSL_CLI_C": ("ssl_tls12_client.c", "ssl_tls13_client.c"),
    "MBEDTLS_SSL_PROTO_TLS1_3": ("ssl_tls13_generic.c", "ssl_tls13_keys.c",
                                 "ssl_tls13_client.c", "ssl_tls13_server.c"),
    "MBEDTLS_PSA_CRYPTO_C": ("psa_crypto.c", "psa_crypto_slot_management.c",
                             "psa_crypto_random.c", "psa_crypto_ecp.c", "psa_crypto_rsa.c",
                             "psa_crypto_hash.c", "psa_crypto_mac.c", "psa_crypto_aead.c",
                             "psa_crypto_cipher.c", "psa_crypto_driver_wrappers_no_static.c",
                             "psa_crypto_client.c", "psa_util.c"),
    "MBEDTLS_ERROR_C": ("error.c",),
    "MBEDTLS_RSA_C": ("rsa.c", "rsa_alt_helpers.c"),
    "MBEDTLS_ECP_C": ("ecp.c", "ecp_curves.c"),
    "MBEDTLS_DEBUG_C": ("debug.c",),
    "MBEDTLS_X509_CRL_PARSE_C": ("x509_crl.c",),
    "MBEDTLS_X509_CSR_PARSE_C": ("x509_csr.c",),
    "MBEDTLS_X509_CRT_WRITE_C": ("x509write_crt.c",),
    "MBEDTLS_X509_CSR_WRITE_C": ("x509write_csr.c",),
    "MBEDTLS_SSL_TICKET_C": ("ssl_ticket.c",),
    "MBEDTLS_SSL_CACHE_C": ("ssl_cache.c",),
    "MBEDTLS_SSL_COOKIE_C": ("ssl_cookie.c",),
    "MBEDTLS_VERSION_C": ("version.c", "version_features.c"),
}


def modules_of(option: str) -> tuple[str, ...]:
    """The library sources an option enables (MBEDTLS_FOO_C -> foo.c)."""
    if option in _EXTRA_MODULES:
        return _EXTRA_MODULES[option]
    if option.endswith("_C"):
        return (option[len("MBEDTLS_"):-2].lower() + ".c",)
    return ()
