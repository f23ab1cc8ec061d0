"""What the platform fact scripts share: Kconfig facts read with Kconfiglib, and a config
header's #if/#define/#undef structure as ordered rules (maintainers' tools; see
zephyr-facts.py and espidf-facts.py)."""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

import kconfiglib as K

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "generator"))
from tlsfit.platform.kconfig_facts import kconfig_facts as read_facts  # noqa: E402


def kconfig_facts(root_text: str, ours_marker: str, skip_prefixes: tuple[str, ...] = ()) -> dict:
    """Every symbol and choice defined in a file whose path holds OURS_MARKER, read with
    Kconfiglib from a root Kconfig (ROOT_TEXT; the caller sets the environment it expands),
    and the symbols they refer to that are defined elsewhere."""
    with tempfile.NamedTemporaryFile("w", suffix=".kconfig", delete=False) as root:
        root.write(root_text)
    kc = K.Kconfig(root.name, warn_to_stderr=False)
    os.unlink(root.name)

    def ours(node: K.MenuNode) -> bool:
        return ours_marker in node.filename

    found = read_facts(kc, ours, lambda node: os.path.basename(node.filename))
    symbols, choices = found["symbols"], found["choices"]
    defined = {s["name"] for s in symbols}
    elsewhere = sorted(n for n, s in kc.syms.items()
                       if n not in defined and not n.isdigit()
                       and not n.startswith(skip_prefixes)
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


def header_rules(path: Path, user_marker: str | None, ignore_includes: tuple[str, ...] = (),
                 rename: dict[str, str] | None = None,
                 substitute: dict[str, str] | None = None) -> tuple[list, object, list]:
    """A config header's #if/#define/#undef structure as ordered rules: those before the
    #include of the user file (USER_MARKER), its condition, and those after. Includes
    named in IGNORE_INCLUDES are skipped; RENAME maps a bare name in an #if to the
    symbol it stands for (ESP-IDF's SOC_X macros are its Kconfig's CONFIG_SOC_X); SUBSTITUTE
    replaces exact texts first (an #if the parser does not read, around an ignored #include)."""
    text = path.read_text(encoding="utf-8")
    for old, new in (substitute or {}).items():
        if old not in text:
            raise SystemExit(f"{path}: {old!r} not found")
        text = text.replace(old, new)
    for old, new in (rename or {}).items():
        text = re.sub(rf"\b{old}", new, text)
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
            elif kw == "error":
                target.append({"when": when, "error": rest.strip('"'), "line": n})
            elif kw == "include" and user_marker and user_marker in rest:
                user_when, target = when, after
            elif kw == "include" and any(name in rest for name in ignore_includes):
                continue
            else:
                raise SystemExit(f"{path}:{n}: unsupported directive: {line.strip()}")
    return before, user_when, after
