#!/usr/bin/env python3
"""Refresh the extracted facts of a tlsfit Zephyr model from a Zephyr tree.

Maintainers' tool (not part of the tlsfit command): when a Zephyr release's
``modules/mbedtls`` files are at hand (a west workspace at the release tag),

    scripts/zephyr-facts.py ZEPHYR_BASE generator/tlsfit/data/zephyr/4.3/release.json

rewrites the file's ``kconfig`` (every symbol and choice defined under
``modules/mbedtls``, read with Kconfiglib: type, prompt condition,
dependencies, defaults, selects, implies, ranges), ``header`` (the config
header's ``#if``/``#define``/``#undef`` structure as ordered rules, and where
the user config file is included) and ``psa_header``, and adds any new
symbol from elsewhere in Zephyr to ``externals`` (value n until a maintainer
decides otherwise). Hand-kept fields (tag, CMake facts, provenance,
decisions, external values) are left as they are: update the provenance to
the tree you read. Then run ``tlsfit zephyr-check --zephyr-base`` on that
tree and ``--model`` on the result: both must agree.

The headers are simple (``defined()``, ``!``, ``&&``, ``||``, parentheses,
``#ifdef``, ``#elif``, ``#else``); anything else stops the script so that a
person looks at it.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path

import kconfiglib as K


def kconfig_facts(base: Path) -> dict:
    os.environ.update(srctree=str(base), ZEPHYR_BASE=str(base),
                      ZEPHYR_TOOLCHAIN_VARIANT="gnuarmemb", ARCH="arm")
    with tempfile.NamedTemporaryFile("w", suffix=".kconfig", delete=False) as root:
        root.write('mainmenu "facts"\nsource "modules/mbedtls/Kconfig"\n')
    kc = K.Kconfig(root.name, warn_to_stderr=False)
    os.unlink(root.name)

    def scs(sc: object) -> str:   # a choice member's dependency on its choice is implied
        return "y" if isinstance(sc, K.Choice) else K.standard_sc_expr_str(sc)

    def es(e: object) -> str | None:
        if e is kc.y:
            return None
        out = K.expr_str(e, scs)
        out = re.sub(r"(^| && )y(?= && |$)", "", out).strip(" &")
        return None if out in ("", "y") else out

    def ours(node: K.MenuNode) -> bool:
        return "modules/mbedtls/" in node.filename

    symbols, choices = [], []
    for node in kc.node_iter():
        if not ours(node):
            continue
        item = node.item
        if isinstance(item, K.Symbol):
            f = {"name": item.name, "type": K.TYPE_TO_STR[item.orig_type],
                 "file": os.path.basename(node.filename)}
            if node.prompt:
                f["prompt"] = es(node.prompt[1]) or "y"
            if es(node.dep):
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
                            "file": os.path.basename(node.filename)})
    defined = {s["name"] for s in symbols}
    elsewhere = sorted(n for n, s in kc.syms.items()
                       if n not in defined and not n.isdigit()
                       and not n.startswith("MBEDTLS_LOG_LEVEL")
                       and (not s.nodes or not any(ours(x) for x in s.nodes)))
    return {"symbols": symbols, "choices": choices, "referenced_elsewhere": elsewhere}


_TOKEN = re.compile(r"defined|\(|\)|!|&&|\|\||[A-Za-z_][A-Za-z0-9_]*|\d+|\S")


class _Cond:
    """``#if`` expressions of the config headers as tlsfit conditions."""

    def __init__(self, text: str) -> None:
        self.t, self.i, self.text = _TOKEN.findall(text), 0, text

    def parse(self) -> object:
        e = self._or()
        if self.i != len(self.t):
            raise SystemExit(f"unsupported #if expression: {self.text!r}")
        return e

    def _peek(self) -> str | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def _take(self) -> str:
        self.i += 1
        return self.t[self.i - 1]

    def _or(self) -> object:
        parts = [self._and()]
        while self._peek() == "||":
            self._take()
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else {"any": parts}

    def _and(self) -> object:
        parts = [self._unary()]
        while self._peek() == "&&":
            self._take()
            parts.append(self._unary())
        return parts[0] if len(parts) == 1 else {"all": parts}

    def _unary(self) -> object:
        tok = self._peek()
        if tok == "!":
            self._take()
            return negate(self._unary())
        if tok == "(":
            self._take()
            e = self._or()
            if self._take() != ")":
                raise SystemExit(f"unbalanced #if expression: {self.text!r}")
            return e
        if tok == "defined":
            self._take()
            if self._peek() == "(":
                self._take()
                name = self._take()
                self._take()
                return name
            return self._take()
        name = self._take()
        if not re.fullmatch(r"[A-Za-z_]\w*", name) or self._peek() not in (None, "&&", "||", ")"):
            raise SystemExit(f"unsupported #if expression: {self.text!r}")
        return name   # '#if CONFIG_X': a Kconfig bool is 1 when set


def negate(c: object) -> object:
    if isinstance(c, str):
        return c[1:] if c.startswith("!") else "!" + c
    return {"not": c}


def _flatten(c: object) -> object:
    if isinstance(c, dict) and "all" in c:
        parts: list = []
        for p in (_flatten(x) for x in c["all"]):
            parts += p["all"] if isinstance(p, dict) and "all" in p else [p]
        return parts[0] if len(parts) == 1 else {"all": parts}
    return c


def header_rules(path: Path, user_marker: str | None) -> tuple[list, object, list]:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text).replace("\\\n", " ")
    stack: list[tuple[list, object]] = []
    before: list = []
    after: list = []
    target, guard, user_when = before, None, None
    for n, line in enumerate(text.split("\n"), 1):
        m = re.match(r"\s*#\s*(\w+)\s*(.*?)\s*$", line)
        if not m:
            continue
        kw, rest = m.groups()
        if kw == "ifndef" and guard is None and not stack and rest.endswith("_H"):
            guard = rest
            stack.append(([], {"all": []}))
        elif kw in ("if", "ifdef", "ifndef"):
            c = _Cond(rest).parse() if kw == "if" else (rest if kw == "ifdef" else "!" + rest)
            stack.append(([c], c))
        elif kw == "elif":
            prev, _ = stack.pop()
            c = _Cond(rest).parse()
            stack.append((prev + [c], {"all": [negate(p) for p in prev] + [c]}))
        elif kw == "else":
            prev, _ = stack.pop()
            stack.append((prev, {"all": [negate(p) for p in prev]}))
        elif kw == "endif":
            stack.pop()
        else:
            when = _flatten({"all": [c for _, c in stack[1 if guard else 0:]]})
            if kw == "define":
                d = re.match(r"(\w+)(?:\s+(.*))?$", rest)
                if d.group(1) != guard:
                    target.append({"when": when, "define": {d.group(1): (d.group(2) or "").strip()},
                                   "line": n})
            elif kw == "undef":
                target.append({"when": when, "undef": [rest], "line": n})
            elif kw == "include" and user_marker and user_marker in rest:
                user_when, target = when, after
            else:
                raise SystemExit(f"{path}:{n}: unsupported directive: {line.strip()}")
    return before, user_when, after


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    base, out = Path(argv[1]).resolve(), Path(argv[2])
    doc = json.loads(out.read_text(encoding="utf-8"))
    configs = base / "modules" / "mbedtls" / "configs"
    before, user_when, after = header_rules(configs / doc["config_header"],
                                            "CONFIG_" + doc["user_config_symbols"][1])
    if user_when is None:
        raise SystemExit(f"{doc['config_header']}: no #include of the user config file")
    doc["kconfig"] = kconfig_facts(base)
    doc["header"] = {"before_user": before, "user_include_when": user_when, "after_user": after}
    psa = configs / (doc.get("psa_config_header") or "-")
    doc["psa_header"] = header_rules(psa, None)[0] if psa.is_file() else None
    known = {e["name"] for e in doc.get("externals", [])}
    typeless = [s["name"] for s in doc["kconfig"]["symbols"] if s["type"] == "unknown"]
    for name in doc["kconfig"]["referenced_elsewhere"] + typeless:
        if name not in known:
            doc.setdefault("externals", []).append(
                {"name": name, "type": "bool", "value": "n",
                 "why": "not part of the TLS image tlsfit describes"})
            known.add(name)
    out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"{out}: {len(doc['kconfig']['symbols'])} symbol definitions, {len(before)} rules "
          f"before the user file, {len(after)} after")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
