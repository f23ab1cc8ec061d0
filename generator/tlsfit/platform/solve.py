"""Find the fragment: the platform symbols that bring its config header closest to a wanted
macro set, as the platform's Kconfig evaluates them.

Shared by the platforms whose config header is driven by Kconfig symbols (ESP-IDF, Zephyr on
Mbed TLS 4.x, nRF Connect SDK): every prompted symbol whose own macros the header wants is set;
a wanted symbol whose dependencies are unmet gets them (a menu switch, or a module the
platform's Kconfig makes a prerequisite); every default-on symbol whose macros are not wanted
is turned off; each choice gets the member whose macros come closest. The platform's port
(hardware drivers, its heap, its clock) is left as the platform configures it. Kconfig values
come from Kconfiglib over the release's model tree, the evaluation the platform's check runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from tlsfit.errors import TlsfitError
from tlsfit.platform.kconfig_merge import Problem
from tlsfit.platform.rules import Rule, condition_symbols, fits, symbol_macros

Evaluate = Callable[[dict[str, str]], tuple[dict[str, str], list[Problem]]]


@dataclass(frozen=True)
class Menu:
    """What the solver needs of one platform release."""

    platform: str                          # "ESP-IDF 5.5", in messages
    rules: tuple[Rule, ...]                # the config headers' rules, in order
    symbols: tuple[dict[str, Any], ...]    # the Kconfig facts (prompts, choices)
    macros: Callable[[dict[str, str]], dict[str, str]]   # symbol values -> the headers' macros
    evaluate: Evaluate                     # a fragment's assignments -> values, problems
    port: re.Pattern[str]                  # macros of the platform's port, left alone
    keep: dict[str, str] = field(default_factory=dict)   # macro -> why the platform needs it
    #: choices that pick an implementation, not a feature (the PSA provider): left as they are
    fixed_choices: frozenset[str] = frozenset()
    #: a deprecated symbol may be set when it is the only way (NCS: the fragment declares it)
    allow_deprecated: bool = False

    def prompted(self) -> frozenset[str]:
        return frozenset(s["name"] for s in self.symbols if s.get("prompt"))


@dataclass(frozen=True)
class Assignment:
    """One line of a fragment: CONFIG_<symbol>=<value>, and why it is there."""

    symbol: str          # without CONFIG_
    value: str           # y, n, a number or a quoted string
    why: str


@dataclass(frozen=True)
class Solution:
    assign: dict[str, str]                 # symbol -> value, in the order found
    why: dict[str, str]
    values: dict[str, str]                 # every symbol's value with the fragment
    blocked: dict[str, str]                # wanted symbols that could not be set -> why


def feature_macros(menu: Menu, macros: dict[str, str]) -> dict[str, str]:
    return {m: v for m, v in macros.items() if not menu.port.search(m)}


def distance(menu: Menu, macros: dict[str, str], wanted: dict[str, str]) -> int:
    macros, wanted = feature_macros(menu, macros), feature_macros(menu, wanted)
    return len(macros.keys() ^ wanted.keys()) + sum(
        1 for m in macros.keys() & wanted.keys() if macros[m] != wanted[m])


def _conditions(menu: Menu, name: str) -> list[str]:
    """What turns a symbol without a prompt on: its dependencies, then its y defaults."""
    out = []
    for s in menu.symbols:
        if s["name"] != name:
            continue
        if s.get("depends"):
            out.append(s["depends"])
        out += [cond for value, cond in s.get("defaults", ()) if value == "y" and cond != "y"]
    return out


def _ready(menu: Menu, name: str, values: dict[str, str]) -> bool:
    """NAME's own dependencies are met now (setting it needs nothing more)."""
    for s in menu.symbols:
        if s["name"] == name and s.get("depends"):
            needed = re.findall(r"(?<![!\w])([A-Z][A-Z0-9_]+)", s["depends"])
            if any(values.get(n, "n") == "n" for n in needed):
                return False
    return True


def _deprecated(menu: Menu) -> frozenset[str]:
    return frozenset(s["name"] for s in menu.symbols
                     if any(t == "DEPRECATED" for t, _ in s.get("selects", ())))


def gates(menu: Menu, message: str, values: dict[str, str], wanted: dict[str, str],
          depth: int = 0) -> list[str]:
    """The prompted symbols to turn on for an unmet 'depends on A && (B || C)': each unmet
    conjunct's symbol, or for an alternative the first whose own macros the header wants (else
    the first)."""
    _, _, expr = message.partition("depends on ")
    if not expr:
        return []
    sym_macros, _ = symbol_macros(menu.rules)
    prompted = menu.prompted()
    out = []
    for part in (p.strip() for p in expr.split("&&")):
        names = [n.strip(" ()") for n in part.split("||")]
        if any(not re.fullmatch(r"[A-Z0-9_]+", n) for n in names):
            return []
        if any(values.get(n) == "y" for n in names):
            continue
        candidates = [n for n in names if n in prompted]
        if not candidates and len(names) == 1 and depth < 3:
            # a symbol without a prompt that follows its own dependencies or its default
            # (nrf_security's MBEDTLS_SSL_TLS_C: default y if MBEDTLS_MD_C && ...; NCS 3.4's
            # MBEDTLS_TLS_LIBRARY: default y if NET_SOCKETS_SOCKOPT_TLS): what turns it on
            sub = []
            for cond in _conditions(menu, names[0]):
                sub = gates(menu, f"depends on {cond}", values, wanted, depth + 1)
                if sub:
                    break
            if sub:
                out += [g for g in sub if g not in out]
                continue
        if not candidates:
            return []
        fitting = [n for n in candidates if sym_macros.get(n) and fits(sym_macros[n], wanted)]
        current = [n for n in candidates if n not in _deprecated(menu)]
        ready = [n for n in current if _ready(menu, n, values)]
        out.append((fitting or ready or current or candidates)[0])
    return out


def _settle(menu: Menu, assign: dict[str, str], why: dict[str, str],
            wanted: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    sym_macros, _ = symbol_macros(menu.rules)
    relevant = condition_symbols(menu.rules) & menu.prompted()
    in_choice = {s["name"] for s in menu.symbols if s.get("choice")}
    blocked: dict[str, str] = {}
    stuck: set[str] = set()
    tries: dict[str, int] = {}
    for _ in range(16):
        values, problems = menu.evaluate(assign)
        changed = False
        for p in problems:
            if menu.allow_deprecated and p.message.startswith("deprecated"):
                continue
            if assign.get(p.symbol) == "n":
                del assign[p.symbol]            # selected by a needed symbol: it stays
                stuck.add(p.symbol)
                changed = True
            elif p.symbol in assign:
                found = gates(menu, p.message, values, wanted)
                tries[p.symbol] = tries.get(p.symbol, 0) + 1
                if found and tries[p.symbol] <= 4:
                    for g in found:     # its prerequisites, which may have their own next round
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
            if not feature_macros(menu, sym_macros.get(sym, {})):
                continue        # its y defines nothing, or only the port's: leave it
            assign[sym] = "n"
            why[sym] = f"on by default in {menu.platform.rsplit(' ', 1)[0]}, not needed"
            changed = True
        if not changed:
            return values, blocked
    raise TlsfitError(f"{menu.platform}: the fragment does not settle (model problem)")


def _choose(menu: Menu, assign: dict[str, str], why: dict[str, str],
            wanted: dict[str, str]) -> None:
    members: dict[str, list[str]] = {}
    for s in menu.symbols:
        if s.get("choice") and s.get("prompt") and s["choice"] not in menu.fixed_choices:
            members.setdefault(s["choice"], []).append(s["name"])
    values, _ = menu.evaluate(assign)
    for choice, names in sorted(members.items()):
        current = next((n for n in names if values.get(n) == "y"), None)
        if current is None or any(assign.get(n) == "y" for n in names):
            continue
        best, best_score = None, distance(menu, menu.macros(values), wanted)
        for name in names:
            if name == current:
                continue
            tv, problems = menu.evaluate({**assign, name: "y"})
            if any(p.symbol == name for p in problems):
                continue
            score = distance(menu, menu.macros(tv), wanted)
            if score < best_score:
                best, best_score = name, score
        if best is not None:
            assign[best] = "y"
            why[best] = f"instead of the default {current}: closer to the header"


def _promptless_wanted(menu: Menu, assign: dict[str, str], why: dict[str, str],
                       wanted: dict[str, str]) -> None:
    """A wanted symbol without a prompt (NCS 3.4's MBEDTLS_ASN1_WRITE_C: default y if
    MBEDTLS_PEM_WRITE_C || MBEDTLS_PK_WRITE_C) is turned on by what its default names."""
    sym_macros, _ = symbol_macros(menu.rules)
    prompted = menu.prompted()
    values, _ = menu.evaluate(assign)
    for sym, macros in sorted(sym_macros.items()):
        if sym in prompted or values.get(sym, "n") != "n" or not fits(macros, wanted):
            continue
        if not any(m in wanted for m in macros):
            continue
        for cond in _conditions(menu, sym):
            found = gates(menu, f"depends on {cond}", values, wanted, 1)
            if found:
                for g in found:
                    if g not in assign:
                        assign[g] = "y"
                        why[g] = f"turns on CONFIG_{sym} (no prompt), for " + ", ".join(macros)
                break


def solve(menu: Menu, wanted: dict[str, str]) -> Solution:
    """The fragment that brings MENU's headers closest to WANTED (macro -> value, '' a flag)."""
    wanted_here = {**wanted, **{m: "" for m in menu.keep}}
    sym_macros, int_syms = symbol_macros(menu.rules)
    prompted = menu.prompted()
    assign: dict[str, str] = {}
    why: dict[str, str] = {}
    for sym, macros in sorted(sym_macros.items()):
        hits = sorted(m for m, v in macros.items() if wanted_here.get(m) == v)
        if hits and sym in prompted:
            assign[sym] = "y"
            why[sym] = "; ".join(menu.keep.get(m, m) for m in hits)
    for macro, sym in sorted(int_syms.items()):
        if macro in wanted and sym in prompted:
            if sym in assign and assign[sym].isdigit() and wanted[macro].isdigit():
                # one symbol for several sizes (IN and OUT buffers): the larger, and the user
                # file, where there is one, sets the other
                assign[sym] = str(max(int(assign[sym]), int(wanted[macro])))
                why[sym] += f", {macro}"
            else:
                assign[sym] = wanted[macro]
                why[sym] = macro
    _promptless_wanted(menu, assign, why, wanted_here)
    _, blocked = _settle(menu, assign, why, wanted_here)
    _choose(menu, assign, why, wanted)
    values, more = _settle(menu, assign, why, wanted_here)
    return Solution(assign=assign, why=why, values=values, blocked={**blocked, **more})
