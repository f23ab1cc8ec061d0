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
from tlsfit.platform.rules import apply_rules, condition_symbols, errors_raised, fits, symbol_macros

FRAGMENT_NAME = "sdkconfig.defaults"
#: ESP-IDF's port: hardware acceleration (*_ALT), its heap and clock. The fragment leaves
#: them as ESP-IDF configures them; they do not change what Mbed TLS can do.
_PORT = re.compile(r"(_ALT|_ALT_FALLBACK|_SOFT_FALLBACK)$|^MBEDTLS_PLATFORM_"
                   r"|^MBEDTLS_PSA_ACCEL_|^MBEDTLS_PSA_BUILTIN_")


#: What a profile cannot do without (a module, a key exchange, a curve, a protocol version);
#: the rest of a header's options tune size, RAM or speed, and Mbed TLS's default stands in.
_FUNCTIONAL = re.compile(r"^(?!MBEDTLS_PSA_P256M_DRIVER_ENABLED$).*(_C|_ENABLED)$"
                         r"|^MBEDTLS_SSL_PROTO_|^MBEDTLS_SSL_SERVER_NAME_INDICATION$")


def _feature_macros(macros: dict[str, str]) -> dict[str, str]:
    return {m: v for m, v in macros.items() if not _PORT.search(m)}


@dataclass(frozen=True)
class Assignment:
    symbol: str          # without CONFIG_
    value: str
    why: str


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


def _distance(macros: dict[str, str], wanted: dict[str, str]) -> int:
    macros, wanted = _feature_macros(macros), _feature_macros(wanted)
    names = macros.keys() ^ wanted.keys()
    return len(names) + sum(1 for m in macros.keys() & wanted.keys() if macros[m] != wanted[m])


def _settle(tree: IdfTree, rel: IdfRelease, assign: dict[str, str], why: dict[str, str],
            wanted: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Turn off what is not needed until the assignments take effect; returns the values and
    the symbols that could not be set (symbol -> why)."""
    sym_macros, _ = symbol_macros(rel.before_user)
    relevant = condition_symbols(rel.before_user) & rel.prompted()
    in_choice = {s["name"] for s in rel.kconfig_symbols if s.get("choice")}
    blocked: dict[str, str] = {}
    stuck: set[str] = set()
    tries: dict[str, int] = {}
    for _ in range(16):
        values, problems = _evaluate(tree, assign)
        changed = False
        for p in problems:
            if assign.get(p.symbol) == "n":
                del assign[p.symbol]
                stuck.add(p.symbol)
                changed = True
            elif p.symbol in assign:
                gates = _gates(p.message, rel, values, wanted)
                tries[p.symbol] = tries.get(p.symbol, 0) + 1
                if gates and tries[p.symbol] <= 4:
                    for g in gates:     # its prerequisites, which may have their own next round
                        if assign.get(g) != "y":
                            assign[g] = "y"
                            why[g] = f"CONFIG_{p.symbol} depends on it"
                else:
                    blocked[p.symbol] = p.message.split(": ", 1)[-1]
                    del assign[p.symbol]
                changed = True
        for sym in sorted(relevant - in_choice):
            if values.get(sym) != "y" or sym in assign or sym in stuck:
                continue
            if sym_macros.get(sym) and fits(sym_macros[sym], wanted):
                continue
            if not _feature_macros(sym_macros.get(sym, {})):
                continue        # its y defines nothing, or only the port's: leave it
            assign[sym] = "n"
            why[sym] = "on by default in ESP-IDF, not needed"
            changed = True
        if not changed:
            return values, blocked
    raise TlsfitError(f"ESP-IDF {rel.tag}: the fragment does not settle (model problem)")


def _gates(message: str, rel: IdfRelease, values: dict[str, str],
           wanted: dict[str, str]) -> list[str]:
    """The prompted symbols to turn on for an unmet 'depends on A && (B || C)': each unmet
    conjunct's symbol, or for an alternative the first whose own macros the header wants (else
    the first): a menu switch such as MBEDTLS_PSK_MODES, or a module ESP-IDF's Kconfig makes a
    prerequisite, such as MBEDTLS_ECDH_C for MBEDTLS_ECDSA_C."""
    _, _, expr = message.partition("depends on ")
    if not expr:
        return []
    sym_macros, _ = symbol_macros(rel.before_user)
    prompted = rel.prompted()
    out = []
    for part in (p.strip() for p in expr.split("&&")):
        names = [n.strip(" ()") for n in part.split("||")]
        if any(not re.fullmatch(r"[A-Z0-9_]+", n) for n in names):
            return []
        if any(values.get(n) == "y" for n in names):
            continue
        candidates = [n for n in names if n in prompted]
        if not candidates:
            return []
        fitting = [n for n in candidates if sym_macros.get(n) and fits(sym_macros[n], wanted)]
        out.append((fitting or candidates)[0])
    return out


def _choose(tree: IdfTree, rel: IdfRelease, assign: dict[str, str], why: dict[str, str],
            wanted: dict[str, str]) -> None:
    """For each choice, the member whose macros come closest to the header's (ties: ESP-IDF's
    default, left unassigned)."""
    members: dict[str, list[str]] = {}
    for s in rel.kconfig_symbols:
        if s.get("choice") and s.get("prompt"):
            members.setdefault(s["choice"], []).append(s["name"])
    values, _ = _evaluate(tree, assign)
    for choice, names in sorted(members.items()):
        current = next((n for n in names if values.get(n) == "y"), None)
        if current is None:
            continue
        best, best_score = None, _distance(_macros(rel, values), wanted)
        for name in names:
            if name == current:
                continue
            trial = {**assign, name: "y"}
            tv, problems = _evaluate(tree, trial)
            if any(p.symbol == name for p in problems):
                continue
            score = _distance(_macros(rel, tv), wanted)
            if score < best_score:
                best, best_score = name, score
        if best is not None:
            assign[best] = "y"
            why[best] = f"instead of ESP-IDF's default {current}: closer to the header"


def _fragment(resolution: Resolution, rel: IdfRelease) -> IdfFragment:
    tree = model_tree(rel.version)
    if rel.is_4x:   # 6.x: the 4.x translation of the PSA-backend config is what it stands for
        t = translate(resolution, rel.mbedtls4_line or "")
        wanted = {x.name: x.value for x in t.tls + t.crypto}
    else:
        wanted = {o.name: ("" if o.is_bool else o.value) for o in resolution.options}
    wanted_here = {**wanted, **{m: "" for m in rel.keep}}
    sym_macros, int_syms = symbol_macros(rel.before_user)
    prompted = rel.prompted()
    assign: dict[str, str] = {}
    why: dict[str, str] = {}
    for sym, macros in sorted(sym_macros.items()):
        hits = sorted(m for m, v in macros.items() if wanted_here.get(m) == v)
        if hits and sym in prompted:
            assign[sym] = "y"
            why[sym] = "; ".join(rel.keep.get(m, m) for m in hits)
    for macro, sym in sorted(int_syms.items()):
        if macro in wanted and sym in prompted:
            assign[sym] = wanted[macro]
            why[sym] = macro
    values, blocked = _settle(tree, rel, assign, why, wanted_here)
    _choose(tree, rel, assign, why, wanted)
    values, more = _settle(tree, rel, assign, why, wanted_here)
    blocked.update(more)
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
