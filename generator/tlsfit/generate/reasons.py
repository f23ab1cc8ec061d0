"""Why is an option on? Walk Kconfig's select and default expressions.

Every enabled option must trace back to a requirement: that is how the
generator proves the header enables nothing that no requirement needs, and
what the header's comments and ``tlsfit show`` print.
"""

from __future__ import annotations

from collections import deque

import kconfiglib
from kconfiglib import AND, OR, NOT, expr_value, split_expr

from tlsfit.generate.model import is_requirement


# The crypto backend routes a need to legacy modules or PSA_WANT_* ("select X
# if TLSFIT_PSA"); as a condition it is not a reason. Options that exist only
# because of the backend (MBEDTLS_USE_PSA_CRYPTO, ...) still name it: there
# TLSFIT_PSA is the selector.
_ROUTING = frozenset({"TLSFIT_LEGACY", "TLSFIT_PSA"})


def _true_symbols(expr: object) -> list[kconfiglib.Symbol]:
    """Symbols that make EXPR true: positive literals that are y (or set ints)."""
    found: list[kconfiglib.Symbol] = []
    if isinstance(expr, kconfiglib.Symbol):
        if expr.is_constant:
            return found
        if expr.orig_type in (kconfiglib.BOOL, kconfiglib.TRISTATE):
            if expr.tri_value == 2:
                found.append(expr)
        elif expr.str_value:
            found.append(expr)
    elif isinstance(expr, tuple):
        if expr[0] == NOT:
            return found
        if expr[0] in (AND, OR):
            for sub in expr[1:]:
                if expr[0] == AND or expr_value(sub):
                    found.extend(_true_symbols(sub))
        else:  # comparison: (op, a, b)
            for sub in expr[1:]:
                found.extend(_true_symbols(sub))
    return found


def _dedupe(symbols: list[kconfiglib.Symbol]) -> list[kconfiglib.Symbol]:
    seen: set[str] = set()
    out = []
    for sym in symbols:
        if sym.name not in seen:
            seen.add(sym.name)
            out.append(sym)
    return out


def direct_causes(sym: kconfiglib.Symbol) -> list[kconfiglib.Symbol]:
    """The symbols that directly turn SYM on (selectors, or its default's inputs)."""
    causes: list[kconfiglib.Symbol] = []
    if sym.orig_type in (kconfiglib.BOOL, kconfiglib.TRISTATE):
        for term in split_expr(sym.rev_dep, OR):
            if expr_value(term) != 2:
                continue
            parts = split_expr(term, AND)
            selector = parts[0]
            if isinstance(selector, kconfiglib.Symbol) and not (
                    selector.name == "TLSFIT_WIRING"):
                causes.append(selector)
            for cond in parts[1:]:
                causes.extend(c for c in _true_symbols(cond) if c.name not in _ROUTING)
    for value, cond in sym.defaults:
        if expr_value(cond):
            causes.extend(_true_symbols(cond))
            causes.extend(_true_symbols(value))
            break
    if sym.orig_type in (kconfiglib.INT, kconfiglib.HEX, kconfiglib.STRING):
        # A value's unconditional default is explained by what enabled it.
        causes.extend(_true_symbols(sym.direct_dep))
    return [c for c in _dedupe(causes) if c is not sym]


def root_requirements(sym: kconfiglib.Symbol) -> list[str]:
    """Requirements that SYM traces back to, in model order of discovery."""
    roots: list[str] = []
    seen = {sym.name}
    queue = deque([sym])
    while queue:
        current = queue.popleft()
        for cause in direct_causes(current):
            if cause.name in seen:
                continue
            seen.add(cause.name)
            if is_requirement(cause):
                roots.append(cause.name)
            else:
                queue.append(cause)
    return roots


def chains(sym: kconfiglib.Symbol) -> list[list[str]]:
    """One shortest cause chain per root requirement: [SYM, ..., REQUIREMENT]."""
    parent: dict[str, str | None] = {sym.name: None}
    by_name = {sym.name: sym}
    queue = deque([sym])
    ends: list[str] = []
    while queue:
        current = queue.popleft()
        for cause in direct_causes(current):
            if cause.name in parent:
                continue
            parent[cause.name] = current.name
            by_name[cause.name] = cause
            if is_requirement(cause):
                ends.append(cause.name)
            else:
                queue.append(cause)
    result = []
    for end in ends:
        chain = [end]
        while parent[chain[-1]] is not None:
            chain.append(parent[chain[-1]])  # type: ignore[arg-type]
        result.append(list(reversed(chain)))
    return result
