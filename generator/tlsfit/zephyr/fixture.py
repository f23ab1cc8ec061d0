"""Render tlsfit's model of a Zephyr release as a Zephyr-shaped tree.

The tree has what zephyr-check reads from a real Zephyr tree (``VERSION``,
``modules/mbedtls/Kconfig``, the config headers under
``modules/mbedtls/configs/``), so the check runs the same code path,
Kconfiglib and the C preprocessor included, over tlsfit's data as over a
user's Zephyr. It is a model, labelled as such in every file: the Kconfig
is written from the facts (no help texts, one flat file), the headers from
the rules.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tlsfit.zephyr.model import Cond, ReleaseModel, Rule, load_release

MARKER = "TLSFIT_MODEL"


def cond_c(cond: Cond) -> str:
    if isinstance(cond, str):
        if cond.startswith("!"):
            return f"!{cond_c(cond[1:])}"
        return f"defined({cond})"
    if "not" in cond:
        return f"!{cond_c(cond['not'])}"
    op, parts = ("&&", cond["all"]) if "all" in cond else ("||", cond["any"])
    if not parts:
        return "1" if op == "&&" else "0"
    return "(" + f" {op} ".join(cond_c(c) for c in parts) + ")"


def rules_c(rules: tuple[Rule, ...]) -> str:
    out = []
    for rule in rules:
        out.append(f"#if {cond_c(rule.when)}")
        for name, value in rule.defines:
            out.append(f"#define {name} {value}".rstrip())
        out += [f"#undef {name}" for name in rule.undefines]
        out.append("#endif")
    return "\n".join(out) + "\n"


def _entry(sym: dict[str, Any], indent: str = "") -> list[str]:
    t = "\t"
    lines = [f"{indent}config {sym['name']}"]
    prompt = sym.get("prompt")
    if sym["type"] == "unknown":   # adds to a symbol typed elsewhere (an external)
        head = ""
    else:
        head = f"{indent}{t}{sym['type']}"
    if prompt and head:
        head += f' "{sym["name"]}"' + ("" if prompt == "y" else f" if {prompt}")
    if head:
        lines.append(head)
    if sym.get("depends"):
        lines.append(f"{indent}{t}depends on {sym['depends']}")
    for key, word in (("defaults", "default"), ("selects", "select"), ("implies", "imply")):
        for value, cond in sym.get(key, ()):
            lines.append(f"{indent}{t}{word} {value}" + ("" if cond == "y" else f" if {cond}"))
    for lo, hi, cond in sym.get("ranges", ()):
        lines.append(f"{indent}{t}range {lo} {hi}" + ("" if cond == "y" else f" if {cond}"))
    return lines + [""]


def render_kconfig(release: ReleaseModel) -> str:
    """The release's Mbed TLS symbols as one Kconfig file (choices keep their members)."""
    out = [f"# {MARKER}: tlsfit's model of Zephyr {release.tag} modules/mbedtls Kconfig,",
           f"# rendered from generator/tlsfit/data/zephyr/{release.version}/release.json.", ""]
    members: dict[str, list[dict[str, Any]]] = {}
    for sym in release.kconfig_symbols:
        if sym.get("choice"):
            members.setdefault(sym["choice"], []).append(sym)
    for ch in release.kconfig_choices:
        out.append(f"choice {ch['name']}")
        out.append(f'\tprompt "{ch["name"]}"' + ("" if ch.get("prompt") in (None, "y")
                                                  else f" if {ch['prompt']}"))
        if ch.get("depends"):
            out.append(f"\tdepends on {ch['depends']}")
        for sym, cond in ch.get("defaults", ()):
            out.append(f"\tdefault {sym}" + ("" if cond == "y" else f" if {cond}"))
        out.append("")
        for sym in members.get(ch["name"], ()):
            out += _entry(sym, "")
        out += ["endchoice", ""]
    for sym in release.kconfig_symbols:
        if not sym.get("choice"):
            out += _entry(sym)
    return "\n".join(out)


def _banner(release: ReleaseModel, what: str) -> str:
    return (f"/* {MARKER}: tlsfit's model of Zephyr {release.tag} {what}, rendered from\n"
            f" * tlsfit's data (generator/tlsfit/data/zephyr/{release.version}/). Not Zephyr's file. */\n")


def render_tree(version: str, dest: Path) -> Path:
    """Write the model tree of release line VERSION under DEST; return DEST."""
    release = load_release(version)
    major, minor, patch = release.tag_version.split(".")
    mbed = dest / "modules" / "mbedtls"
    (mbed / "configs").mkdir(parents=True, exist_ok=True)
    (dest / "VERSION").write_text(
        f"# {MARKER}\nVERSION_MAJOR = {major}\nVERSION_MINOR = {minor}\n"
        f"PATCHLEVEL = {patch}\nVERSION_TWEAK = 0\nEXTRAVERSION =\n", encoding="utf-8")
    (mbed / "Kconfig").write_text(render_kconfig(release), encoding="utf-8")
    _, file_sym = release.user_config_symbols
    header = (_banner(release, release.config_header) + rules_c(release.before_user)
              + f"#if {cond_c(release.user_include_when)}\n#include CONFIG_{file_sym}\n#endif\n"
              + rules_c(release.after_user))
    (mbed / "configs" / release.config_header).write_text(header, encoding="utf-8")
    if release.psa_config_header:
        body = (rules_c(release.psa_rules) if release.psa_rules is not None else
                f'#error "tlsfit has no facts about Zephyr {release.tag}\'s '
                f'{release.psa_config_header}: check this fragment against a real Zephyr tree"\n')
        (mbed / "configs" / release.psa_config_header).write_text(
            _banner(release, release.psa_config_header) + body, encoding="utf-8")
    (dest / "tlsfit-model.json").write_text(
        json.dumps({"model_of": release.tag, "provenance": release.provenance}, indent=1) + "\n",
        encoding="utf-8")
    return dest
