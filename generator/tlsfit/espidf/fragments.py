"""ESP-IDF sdkconfig.defaults fragments that bring Mbed TLS as close to the proven header
as ESP-IDF's Kconfig can.

ESP-IDF compiles Mbed TLS with its own ``esp_config.h``, which starts from Mbed
TLS's default config and applies ``CONFIG_*``; no Kconfig option names another
config file. So the fragment sets every symbol that stands for a macro the
header needs, turns off every default-on one whose macros it does not need,
picks each choice's member that comes closest, and declares every difference
that remains (``# tlsfit-declared:``), each with its reason: ESP-IDF 5.x keeps
RSA, SHA-256, X.509 and more on whatever sdkconfig says. ESP-IDF 5.x's menus are
legacy Mbed TLS modules, so the fragment stands for the profile's legacy-backend
resolution; Kconfig values come from Kconfiglib over the release's model tree,
the same evaluation the check runs.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tlsfit.errors import TlsfitError
from tlsfit.espidf.check import evaluate
from tlsfit.espidf.model import IdfRelease, load_release, releases
from tlsfit.espidf.tree import IdfTree, open_tree
from tlsfit.generate.resolve import Resolution
from tlsfit.mbedtls4.translate import translate
from tlsfit.platform.releases import rendered_once
from tlsfit.platform.rules import apply_rules, errors_raised, symbol_macros
from tlsfit.platform.solve import Assignment, Menu, solve

FRAGMENT_NAME = "sdkconfig.defaults"
#: ESP-IDF's port: hardware acceleration (*_ALT), its heap and clock. The fragment leaves
#: them as ESP-IDF configures them; they do not change what Mbed TLS can do.
_PORT = re.compile(r"(_ALT|_ALT_FALLBACK|_SOFT_FALLBACK)$|^MBEDTLS_PLATFORM_"
                   r"|^MBEDTLS_PSA_ACCEL_|^MBEDTLS_PSA_BUILTIN_")


#: What a profile cannot do without (a module, a key exchange, a curve, a protocol version);
#: the rest of a header's options tune size, RAM or speed, and Mbed TLS's default stands in.
_FUNCTIONAL = re.compile(r"^(?!MBEDTLS_PSA_P256M_DRIVER_ENABLED$).*(_C|_ENABLED)$"
                         r"|^MBEDTLS_SSL_PROTO_|^MBEDTLS_SSL_SERVER_NAME_INDICATION$")


@dataclass(frozen=True)
class IdfFragment:
    version: str
    tag: str
    mbedtls_version: str
    assignments: tuple[Assignment, ...]
    declared: tuple[tuple[str, str, str], ...]     # (macro, +|-|~, why)
    notes: tuple[str, ...]


def model_tree(version: str) -> IdfTree:
    """tlsfit's model tree of VERSION, rendered once per process."""
    from tlsfit.espidf.fixture import render_tree

    return open_tree(rendered_once("esp-idf", version, render_tree), is_model=True)


def _evaluate(tree: IdfTree, assign: dict[str, str]) -> tuple[dict[str, str], list]:
    with tempfile.TemporaryDirectory(prefix="tlsfit-ef-") as tmp:
        frag = Path(tmp) / FRAGMENT_NAME
        frag.write_text("".join(f"CONFIG_{s}={v}\n" for s, v in assign.items()), encoding="utf-8")
        result = evaluate(tree, [frag])
    return result.values, list(result.problems)


def _macros(rel: IdfRelease, values: dict[str, str]) -> dict[str, str]:
    """The config file's macros for these symbol values (before Mbed TLS's own adjustments)."""
    return apply_rules(rel.after_user, values, apply_rules(rel.before_user, values, rel.baseline))


def menu(rel: IdfRelease) -> Menu:
    tree = model_tree(rel.version)
    return Menu(platform=f"ESP-IDF {rel.version}", rules=rel.before_user,
                symbols=rel.kconfig_symbols, macros=lambda values: _macros(rel, values),
                evaluate=lambda assign: _evaluate(tree, assign), port=_PORT, keep=rel.keep)


def _fragment(resolution: Resolution, rel: IdfRelease) -> IdfFragment:
    if rel.is_4x:   # 6.x: the 4.x translation of the PSA-backend config is what it stands for
        t = translate(resolution, rel.mbedtls4_line or "")
        wanted = {x.name: x.value for x in t.tls + t.crypto}
    else:
        wanted = {o.name: ("" if o.is_bool else o.value) for o in resolution.options}
    solution = solve(menu(rel), wanted)
    assign, why, values, blocked = (solution.assign, solution.why, solution.values,
                                    solution.blocked)
    sym_macros, _ = symbol_macros(rel.before_user)
    raised = errors_raised(rel.before_user + rel.after_user, values, rel.baseline)
    if raised:
        raise TlsfitError(f"ESP-IDF {rel.tag}: the fragment stops esp_config.h: {raised[0]}")
    got = _macros(rel, values)
    sym_of = {m: s for s, ms in sym_macros.items() for m in ms}
    declared = []
    for m in sorted(got.keys() | wanted.keys()):
        if m.endswith("_CONFIG_FILE"):
            continue
        if m in got and m not in wanted:
            sym = sym_of.get(m)
            reason = (rel.keep[m] if m in rel.keep else
                      f"from CONFIG_{sym}: {why[sym]} in ESP-IDF's Kconfig"
                      if sym and "depends on it" in why.get(sym, "") else
                      f"from CONFIG_{sym}, which the fragment cannot turn off here"
                      if sym and sym in blocked else
                      f"ESP-IDF's port (CONFIG_{sym})" if sym else
                      "esp_config.h keeps it; no ESP-IDF symbol turns it off")
            declared.append((m, "+", reason))
        elif m in wanted and m not in got:
            sym = sym_of.get(m)
            reason = (f"CONFIG_{sym} would give it, but {blocked[sym]}" if sym in blocked else
                      f"no ESP-IDF {rel.version} symbol gives it")
            declared.append((m, "-", reason))
        elif got[m] != wanted[m]:
            declared.append((m, "~", f"ESP-IDF gives {got[m]}"))
    lost = [m for m, kind, _ in declared if kind == "-" and _FUNCTIONAL.search(m)]
    if lost:
        raise TlsfitError(f"{resolution.profile.name}: ESP-IDF {rel.version} cannot give "
                          f"{', '.join(lost)}, which the profile needs ("
                          + "; ".join(w for m, k, w in declared if m in lost) + ")")
    notes = [f"ESP-IDF {rel.version} ({rel.tag}, Mbed TLS {rel.mbedtls_version}) compiles Mbed "
             "TLS with its own esp_config.h; sdkconfig cannot name another config file, so "
             "what ESP-IDF keeps on is declared below rather than removed."]
    if rel.is_4x:
        notes.append(f"TRANSLATED: it stands for the Mbed TLS {rel.mbedtls4_line} translation "
                     "of the profile's PSA-backend config (in this directory), which tlsfit "
                     "builds and runs on Mbed TLS 3.6; tlsfit's tests do not build Mbed TLS 4.x.")
    notes += [
             "ESP-IDF's own hardware acceleration and entropy (MBEDTLS_*_ALT or PSA "
             "accelerator drivers, the chip's RNG) are left as ESP-IDF configures them."]
    return IdfFragment(version=rel.version, tag=rel.tag, mbedtls_version=rel.mbedtls_version,
                       assignments=tuple(Assignment(s, v, why.get(s, "")) for s, v in
                                         assign.items()),
                       declared=tuple(declared), notes=tuple(notes))


@lru_cache(maxsize=64)
def idf_fragment(resolution: Resolution, version: str) -> IdfFragment:
    """The sdkconfig.defaults of RESOLUTION for ESP-IDF VERSION (5.x: a legacy-backend
    resolution; 6.x: a PSA-backend one, translated for its Mbed TLS 4.x)."""
    if version not in releases():
        raise TlsfitError(f"unknown ESP-IDF version {version}; known: {', '.join(releases())}")
    return _fragment(resolution, load_release(version))
