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
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from facts_lib import header_rules, kconfig_facts  # noqa: E402


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
    os.environ.update(srctree=str(base), ZEPHYR_BASE=str(base),
                      ZEPHYR_TOOLCHAIN_VARIANT="gnuarmemb", ARCH="arm")
    doc["kconfig"] = kconfig_facts('mainmenu "facts"\nsource "modules/mbedtls/Kconfig"\n',
                                   "modules/mbedtls/", ("MBEDTLS_LOG_LEVEL",))
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
