"""A platform's Kconfig symbols read with Kconfiglib into tlsfit's facts (type, prompt
condition, dependencies, defaults, selects, implies, ranges, choice), one entry per definition.
The fact scripts (``scripts/*-facts.py``) write them into each release's data;
``kconfig_text.py`` renders them back."""

from __future__ import annotations

import re
from typing import Any, Callable

import kconfiglib as K

Node = K.MenuNode


def kconfig_facts(kc: K.Kconfig, ours: Callable[[Node], bool], file_of: Callable[[Node], str],
                  is_configdefault: Callable[[Node], bool] | None = None) -> dict[str, Any]:
    """The symbols and choices of KC whose definition OURS accepts. A Zephyr ``configdefault``
    (IS_CONFIGDEFAULT) is kept as a definition that depends on what the symbol's other
    definitions depend on, so that, rendered back, it weakens nothing."""
    def scs(sc: object) -> str:   # a choice member's dependency on its choice is implied
        return "y" if isinstance(sc, K.Choice) else K.standard_sc_expr_str(sc)

    def es(e: object) -> str | None:
        if e is kc.y:
            return None
        out = K.expr_str(e, scs)
        out = re.sub(r"(^| && )y(?= && |$)", "", out).strip(" &")
        return None if out in ("", "y") else out

    symbols, choices = [], []
    for node in kc.node_iter():
        if not ours(node):
            continue
        item = node.item
        if isinstance(item, K.Symbol):
            f: dict[str, Any] = {"name": item.name, "type": K.TYPE_TO_STR[item.orig_type],
                                 "file": file_of(node)}
            if node.prompt:
                f["prompt"] = es(node.prompt[1]) or "y"
            if is_configdefault is not None and is_configdefault(node):
                others = [es(n.dep) for n in item.nodes if not is_configdefault(n)]
                f["configdefault"] = True
                if others and all(others):
                    f["depends"] = " || ".join(f"({o})" for o in others)
            elif es(node.dep):
                f["depends"] = es(node.dep)
            for key, items in (("defaults", node.defaults), ("selects", node.selects),
                               ("implies", node.implies)):
                if items:
                    f[key] = [[K.expr_str(v, scs), es(c) or "y"] for v, c in items]
            if node.ranges:
                f["ranges"] = [[K.expr_str(a), K.expr_str(b), es(c) or "y"]
                               for a, b, c in node.ranges]
            if item.choice is not None:
                f["choice"] = item.choice.name
            symbols.append(f)
        elif isinstance(item, K.Choice):
            choices.append({"name": item.name,
                            "prompt": (es(node.prompt[1]) or "y") if node.prompt else None,
                            "depends": es(node.dep),
                            "defaults": [[s.name, es(c) or "y"] for s, c in node.defaults],
                            "file": file_of(node)})
    return {"symbols": symbols, "choices": choices}
