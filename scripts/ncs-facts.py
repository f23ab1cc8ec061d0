#!/usr/bin/env python3
"""Write tlsfit's facts about one nRF Connect SDK release's nrf_security (maintainers' tool).

    /usr/bin/python3 scripts/ncs-facts.py LINE TREE [PRJ.conf ...]

TREE holds sdk-nrf's ``subsys/nrf_security`` at the release commit (and Zephyr's
``modules/mbedtls/Kconfig.psa*`` under ``TREE/zephyr``), plus ``MANIFEST.tsv`` (path, git blob,
source, last-change commit of every file). The harness that loads it with Kconfiglib is tlsfit's
own, kept in ``generator/tlsfit/data/ncs/LINE/`` (``externals.kconfig``: the symbols from the rest
of NCS and Zephyr with an nRF5340 application core's values; ``zephyr-mbedtls.kconfig``: the part of
Zephyr's ``modules/mbedtls/Kconfig`` nrf_security builds on). Written to ``release.json``:

* ``kconfig``: every symbol and choice nrf_security and Zephyr's PSA files define (Kconfiglib);
* ``headers``: how nrf_security's CMake turns ``CONFIG_*`` into the macros of the headers it
  generates (``configs/*.template`` + ``cmake/*.cmake``; ``kconfig_check_and_set_base(X)`` makes
  ``#cmakedefine X`` a ``#define`` when ``CONFIG_X`` is set), as tlsfit's rules: ``nrf_config``
  (nrf-config.h, PSA path), ``legacy`` (nrf-config.h with ``CONFIG_MBEDTLS_LEGACY_CRYPTO_C``) and
  ``psa_want`` (the PSA crypto config file: ``PSA_WANT_*``);
* ``cmake_forced``: the ``CONFIG_*`` values nrf_security's CMakeLists.txt forces on a build
  without TF-M.

The rules are then tested against nrf_security's own CMake (``cmake -P`` over the release's
templates and ``.cmake`` files) for each PRJ.conf given: the macros of the headers tlsfit's rules
give and of those the CMake writes must be the same; a difference stops the script.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "generator"))
sys.path.insert(0, str(HERE))

from facts_lib import _Cond  # noqa: E402
from tlsfit.ncs.kconfig import NcsTree, load_kconfig  # noqa: E402
from tlsfit.ncs.check import evaluate, generated_headers, header_macros  # noqa: E402
from tlsfit.ncs.cmake import run_cmake  # noqa: E402
from tlsfit.ncs.model import load_release  # noqa: E402
from tlsfit.platform.rules import apply_rules, parse_rules  # noqa: E402

DATA = HERE.parent / "generator" / "tlsfit" / "data" / "ncs"

#: What each release line is: the commit its files were read at and what it ships. Sources:
#: sdk-nrf's annotated tags (v2.8.0 .. v3.2.0, read from a fork mirror carrying Nordic's tags);
#: 3.3 from v3.3-branch after "Set to 3.3.0-rc1" (no tag readable); west.yml / release notes
#: for the Mbed TLS version.
RELEASES = {
    "2.8": {"tag": "v2.8.0", "commit": "a2386bfc84016fa571f997ac871b25bd67ca481a",
            "mbedtls_version": "3.6.2", "confidence": "exact (release tag)"},
    "2.9": {"tag": "v2.9.0", "commit": "7787b2649840", "mbedtls_version": "3.6.2",
            "confidence": "exact (release tag)"},
    "3.0": {"tag": "v3.0.0", "commit": "3bfc46578e42", "mbedtls_version": "3.6.3",
            "confidence": "exact (release tag)"},
    "3.1": {"tag": "v3.1.0", "commit": "6c6e5b32496e", "mbedtls_version": "3.6.4",
            "confidence": "exact (release tag)"},
    "3.2": {"tag": "v3.2.0", "commit": "5dcc6bd39b0f", "mbedtls_version": "3.6.5",
            "confidence": "exact (release tag)"},
    "3.3": {"tag": "v3.3.0", "commit": "b72fb7070507", "mbedtls_version": "3.6.6",
            "confidence": "v3.3-branch after 3.3.0-rc1 (2026-04-13), no tag readable; only "
                          "CRACEN sources changed on the branch after rc1"},
    "3.4": {"tag": "v3.4.0", "commit": "142362511ea9", "mbedtls_version": "4.1.0",
            "mbedtls4_line": "4.1",
            "confidence": "v3.4-branch after 3.4.0-rc1 (2026-06-16), no tag readable; medium. "
                          "Zephyr's side (Kconfig.tf-psa-crypto, the PSA files) from upstream "
                          "candidates older than Zephyr 4.4: low"},
}

#: Which template each header comes from and which CMake file sets its variables.
HEADERS = {"nrf_config": ("nrf-config.h.template", "nrf_config.cmake"),
           "legacy": ("legacy_crypto_config.h.template", "legacy_crypto_config.cmake"),
           "psa_want": ("psa_crypto_want_config.h.template", "psa_crypto_want_config.cmake")}

_CALL = re.compile(r"(\w+)\s*\(((?:[^()]|\([^()]*\))*)\)", re.S)


def _cmake_cond(text: str) -> object:
    """A CMake if() condition over CONFIG_* (NOT/AND/OR) as a tlsfit condition. A bare name
    X is the variable kconfig_check_and_set_base(X) sets: CONFIG_X."""
    c = text.replace(" AND ", " && ").replace(" OR ", " || ")
    c = re.sub(r"\bNOT\s+", "!", c)
    c = re.sub(r"(?<![\w])(?!CONFIG_)([A-Z][A-Z0-9_]+)", r"CONFIG_\1", c)
    return _Cond(c).parse()


def _setters(cmake: Path) -> dict[str, list[tuple[object, str]]]:
    """Variable -> [(condition, value)] for each kconfig_check_and_set_* or set() in CMAKE."""
    out: dict[str, list[tuple[object, str]]] = {}
    stack: list[object] = []
    text = re.sub(r"#[^\n]*", "", cmake.read_text(encoding="utf-8"))
    for cmd, args in _CALL.findall(text):
        c, toks = cmd.lower(), args.split()
        if c == "if":
            stack.append(_cmake_cond(" ".join(toks)))
        elif c == "elseif":
            stack[-1] = {"all": [{"not": stack[-1]}, _cmake_cond(" ".join(toks))]}
        elif c == "else":
            stack[-1] = {"not": stack[-1]}
        elif c == "endif":
            stack.pop()
        elif c.startswith("kconfig_check_and_set_base"):
            name, rest = toks[0], toks[1:]
            if c.endswith("_depends"):
                cond: object = {"all": [f"CONFIG_{d}" for d in rest]}
                value = "1" if "to_one" in c else "True"
            else:
                cond = f"CONFIG_{name}"
                value = {"kconfig_check_and_set_base": "True",
                         "kconfig_check_and_set_base_to_one": "1",
                         "kconfig_check_and_set_base_int": f"CONFIG_{name}",
                         "kconfig_check_and_set_base_val": rest[-1] if rest else "True"}[c]
            out.setdefault(name, []).append(({"all": [*stack, cond]}, value))
        elif c == "set" and toks and not toks[0].startswith("CONFIG_") and len(toks) == 2:
            out.setdefault(toks[0], []).append(({"all": list(stack)}, toks[1]))
    return out


def _flat(cond: object) -> object:
    """Nested all-of conditions as one; a single condition as itself."""
    if isinstance(cond, dict) and "all" in cond:
        parts: list[object] = []
        for c in cond["all"]:
            c = _flat(c)
            parts += c["all"] if isinstance(c, dict) and "all" in c else [c]
        return parts[0] if len(parts) == 1 else {"all": parts}
    return cond


#: Macros an NCS application build never defines (TF-M's own build, the secure image).
_NEVER = ("INSIDE_TFM_BUILD", "MBEDTLS_PSA_CRYPTO_SPM")


def _simplify(cond: object, forced: dict[str, str]) -> object:
    """Drop the terms a build without TF-M always satisfies (a forced CONFIG_* value, a macro
    only TF-M's build defines), so that each rule names the symbol that gives it."""
    def true(t: object) -> bool:
        if not isinstance(t, str):
            return False
        neg, name = t.startswith("!"), t.lstrip("!")
        if name in _NEVER:
            return neg
        if name.startswith("CONFIG_") and name[7:] in forced:
            return (forced[name[7:]] == "y") != neg
        return False
    if isinstance(cond, dict) and "all" in cond:
        parts = [c for c in cond["all"] if not true(c)]
        return parts[0] if len(parts) == 1 else {"all": parts}
    return cond


def _template_rules(template: Path, setters: dict[str, list[tuple[object, str]]]
                    ) -> list[dict[str, object]]:
    """The template's #cmakedefine/#define lines, with their #if conditions and setters."""
    rules: list[dict[str, object]] = []
    stack: list[object] = []
    text = re.sub(r"/\*.*?\*/", "", template.read_text(encoding="utf-8"), flags=re.S)
    text = re.sub(r"\\\n", " ", text)
    guard = None
    for line in text.splitlines():
        s = line.strip()
        m = re.match(r"#\s*(ifndef|ifdef|if|elif|else|endif)\b(.*)", s)
        if m:
            kw, rest = m.group(1), m.group(2).strip()
            if kw == "ifndef" and guard is None and rest.endswith("_H"):
                guard = rest
                stack.append("1")
            elif kw in ("if", "ifdef", "ifndef"):
                stack.append(_Cond({"if": rest, "ifdef": f"defined({rest})",
                                    "ifndef": f"!defined({rest})"}[kw]).parse())
            elif kw == "elif":
                stack[-1] = {"all": [{"not": stack[-1]}, _Cond(rest).parse()]}
            elif kw == "else":
                stack[-1] = {"not": stack[-1]}
            else:
                stack.pop()
            continue
        m = re.match(r"#\s*(cmakedefine|define)\s+(\w+)\s*(.*)$", s)
        if not m:
            continue
        kind, name, value = m.groups()
        when = [c for c in stack if c != "1"]
        if kind == "define":
            rules.append({"when": _flat({"all": when}), "define": {name: value}})
            continue
        for cond, setter_value in setters.get(name, []):
            if setter_value in ("False", "FALSE", "OFF", "0", "NO"):
                rules.append({"when": _flat({"all": [*when, cond]}), "undef": [name]})
                continue
            v = setter_value if value == f"@{name}@" else value
            rules.append({"when": _flat({"all": [*when, cond]}), "define": {name: v}})
    return rules


def _forced(cmakelists: Path) -> dict[str, str]:
    """CONFIG_* values CMakeLists.txt sets on a build without TF-M or SSF."""
    forced: dict[str, str] = {}
    stack: list[bool] = []
    text = re.sub(r"#[^\n]*", "", cmakelists.read_text(encoding="utf-8"))
    for cmd, args in _CALL.findall(text):
        c, toks = cmd.lower(), args.split()
        if c == "if":
            stack.append(False)      # every if() there tests TF-M, SSF or a TF-M-only path
        elif c == "else":
            stack[-1] = not stack[-1]
        elif c == "endif":
            stack.pop()
        elif c == "set" and toks and toks[0].startswith("CONFIG_") and all(stack):
            forced[toks[0][len("CONFIG_"):]] = "y" if toks[1] in ("True", "TRUE", "1") else "n"
    return forced


def _provenance(tree: Path, info: dict[str, str]) -> dict[str, object]:
    files = {}
    for line in (tree / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        path, blob, source, *rest = line.split("\t")
        files[path] = {"blob": blob, "source": source,
                       **({"last_change": rest[0]} if rest and rest[0] != "-" else {})}
    return {"repository": "nrfconnect/sdk-nrf", "commit": info["commit"],
            "confidence": info["confidence"], "files": files,
            "zephyr_side": "Zephyr's modules/mbedtls/Kconfig.psa* are candidates read from "
                           "zephyrproject-rtos/zephyr (sdk-zephyr could not be read per release); "
                           "zephyr-mbedtls.kconfig is tlsfit's stand-in for the rest of "
                           "modules/mbedtls/Kconfig"}


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] not in RELEASES:
        print(__doc__, file=sys.stderr)
        return 2
    line, tree = argv[1], Path(argv[2]).resolve()
    info = RELEASES[line]
    nrf = tree / "subsys" / "nrf_security"
    facts = load_kconfig(NcsTree(DATA / line, tree, tree / "zephyr")).facts()
    forced = _forced(nrf / "CMakeLists.txt")
    headers = {}
    for key, (template, cmake) in HEADERS.items():
        if not (nrf / "configs" / template).is_file():    # 3.4: no legacy path
            headers[key] = []
            continue
        headers[key] = [{**r, "when": _simplify(r["when"], forced)} for r in
                        _template_rules(nrf / "configs" / template, _setters(nrf / "cmake" / cmake))]
        parse_rules(headers[key], key)
    doc = {"schema": 1, "version": line, "tag": info["tag"], "commit": info["commit"],
           "mbedtls_version": info["mbedtls_version"],
           **({"mbedtls4_line": info["mbedtls4_line"]} if "mbedtls4_line" in info else {}),
           "soc": "nRF5340 application core, no TF-M (the externals' values)",
           "kconfig": facts, "headers": headers, "cmake_forced": forced,
           "provenance": _provenance(tree, info)}
    (DATA / line / "release.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"NCS {line}: {len(facts['symbols'])} symbol nodes, "
          + ", ".join(f"{k} {len(v)} rules" for k, v in headers.items())
          + f", forced {forced}")
    load_release.cache_clear()
    rel = load_release(line)
    real = NcsTree(DATA / line, tree, tree / "zephyr")
    failed = 0
    for conf in argv[3:]:
        values = evaluate(real, rel, [Path(conf)]).values
        ours = header_macros(generated_headers(NcsTree(DATA / line, None, None, DATA / line),
                                               rel, values), values)
        theirs = header_macros(run_cmake(nrf, values, rel.forced), values)
        diff = sorted(n for n in ours.keys() | theirs.keys() if ours.get(n) != theirs.get(n))
        path = "legacy" if values.get("MBEDTLS_LEGACY_CRYPTO_C") == "y" else "PSA"
        print(f"  {conf} ({path} path): {len(theirs)} macros from nrf_security's CMake, "
              + ("same as tlsfit's rules" if not diff else f"{len(diff)} differ: "
                 + ", ".join(f"{n} rules={ours.get(n)!r} cmake={theirs.get(n)!r}"
                             for n in diff[:12])))
        failed += bool(diff)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
