"""A platform's Kconfig symbols, kept as data, rendered back as Kconfig text.

tlsfit keeps each platform release's Mbed TLS symbols as facts (type, prompt
condition, dependencies, defaults, selects, implies, ranges, choice), read
with Kconfiglib from the platform's files. Rendered back here as one flat
Kconfig file (no help texts), Kconfiglib evaluates them as it evaluates the
platform's own files.
"""

from __future__ import annotations

from typing import Any


def _entry(sym: dict[str, Any]) -> list[str]:
    t = "\t"
    lines = [f"config {sym['name']}"]
    prompt = sym.get("prompt")
    head = "" if sym["type"] == "unknown" else f"{t}{sym['type']}"   # unknown: typed elsewhere
    if prompt and head:
        head += f' "{sym["name"]}"' + ("" if prompt == "y" else f" if {prompt}")
    if head:
        lines.append(head)
    if sym.get("depends"):
        lines.append(f"{t}depends on {sym['depends']}")
    for key, word in (("defaults", "default"), ("selects", "select"), ("implies", "imply")):
        for value, cond in sym.get(key, ()):
            lines.append(f"{t}{word} {value}" + ("" if cond == "y" else f" if {cond}"))
    for lo, hi, cond in sym.get("ranges", ()):
        lines.append(f"{t}range {lo} {hi}" + ("" if cond == "y" else f" if {cond}"))
    return lines + [""]


def render_symbols(symbols: tuple[dict[str, Any], ...], choices: tuple[dict[str, Any], ...],
                   heading: list[str]) -> str:
    """SYMBOLS and CHOICES (choices keep their members) as one Kconfig file."""
    out = [f"# {line}" if line else "#" for line in heading] + [""]
    members: dict[str, list[dict[str, Any]]] = {}
    for sym in symbols:
        if sym.get("choice"):
            members.setdefault(sym["choice"], []).append(sym)
    for ch in choices:
        out.append(f"choice {ch['name']}")
        out.append(f'\tprompt "{ch["name"]}"' + ("" if ch.get("prompt") in (None, "y")
                                                  else f" if {ch['prompt']}"))
        if ch.get("depends"):
            out.append(f"\tdepends on {ch['depends']}")
        for sym, cond in ch.get("defaults", ()):
            out.append(f"\tdefault {sym}" + ("" if cond == "y" else f" if {cond}"))
        out.append("")
        for sym in members.get(ch["name"], ()):
            out += _entry(sym)
        out += ["endchoice", ""]
    for sym in symbols:
        if not sym.get("choice"):
            out += _entry(sym)
    return "\n".join(out)
