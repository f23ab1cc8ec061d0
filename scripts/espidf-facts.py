#!/usr/bin/env python3
"""Refresh the extracted facts of a tlsfit ESP-IDF model from an ESP-IDF tree.

Maintainers' tool (not part of the tlsfit command): with an ESP-IDF tree at a
release tag (a checkout, or ``git archive TAG components/mbedtls
components/soc/esp32 | tar -x``) and the Mbed TLS 3.6 tree that release builds,

    scripts/espidf-facts.py IDF_PATH MBEDTLS_DIR generator/tlsfit/data/esp-idf/5.5/release.json

rewrites the file's ``kconfig`` (every symbol and choice of
``components/mbedtls/Kconfig``, read with Kconfiglib), ``header`` (the rules
of ``port/include/mbedtls/esp_config.h``, which starts from Mbed TLS's own
default config and then defines and undefines by ``CONFIG_*``; its ``#if
SOC_X`` tests are the target's ``CONFIG_SOC_X``), ``baseline`` (the macros of
Mbed TLS's default ``include/mbedtls/mbedtls_config.h``, through the
preprocessor) and the ``externals`` the menus refer to: the ESP32's SoC
capabilities from ``components/soc/esp32/include/soc/Kconfig.soc_caps.in``,
the rest from DECISIONS below. Hand-kept fields (tag, provenance, decisions)
stay as they are. Then ``tlsfit platform-check --esp-idf IDF_PATH`` on that
tree and on the model must agree.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from facts_lib import header_rules, kconfig_facts  # noqa: E402

#: Symbols from elsewhere in ESP-IDF that are not SoC capabilities: their value for a
#: plain ESP32 application build, and why.
DECISIONS = {
    "IDF_TARGET_ESP32": ("y", "the chip: ESP32 (the ESP32 AWS IoT user's board)"),
    "IDF_TARGET_LINUX": ("n", "a chip build, not the Linux host target"),
    "VFS_SUPPORT_IO": ("y", "ESP-IDF's default (vfs component)"),
    "VFS_SUPPORT_DIR": ("y", "ESP-IDF's default (vfs component)"),
    "ESP_TIME_FUNCS_USE_NONE": ("n", "ESP-IDF's default: time functions are available"),
}
_SOC = re.compile(r"^config (SOC_\w+)\s*\n\s*(bool|int|hex|string)\s*\n\s*default (.+)$", re.M)


def soc_caps(path: Path) -> dict[str, tuple[str, str]]:
    return {m.group(1): (m.group(2), m.group(3).strip())
            for m in _SOC.finditer(path.read_text(encoding="utf-8"))}


def baseline(mbedtls: Path) -> dict[str, str]:
    """Mbed TLS's default config file alone, through the preprocessor: mbedtls_config.h for
    3.6; for 4.x, where esp_config.h is TF-PSA-Crypto's user config file and replaces
    mbedtls_config.h, TF-PSA-Crypto's default crypto_config.h."""
    cfg = mbedtls / "include" / "mbedtls" / "mbedtls_config.h"
    if (mbedtls / "tf-psa-crypto").is_dir():
        cfg = mbedtls / "tf-psa-crypto" / "include" / "psa" / "crypto_config.h"
    out = subprocess.run(["gcc", "-E", "-dM", "-undef", "-nostdinc", str(cfg)],
                         check=True, capture_output=True, text=True).stdout
    macros = {}
    for line in out.splitlines():
        m = re.match(r"#define (\w+)(?: (.*))?$", line)
        if m and m.group(1).startswith(("MBEDTLS_", "PSA_")) \
                and m.group(1) not in ("MBEDTLS_CONFIG_H", "PSA_CRYPTO_CONFIG_H"):
            macros[m.group(1)] = (m.group(2) or "").strip()
    return dict(sorted(macros.items()))


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    idf, mbedtls, out = Path(argv[1]).resolve(), Path(argv[2]).resolve(), Path(argv[3])
    doc = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    comp = idf / "components" / "mbedtls"
    os.environ.update(IDF_PATH=str(idf), IDF_TARGET="esp32")
    doc["kconfig"] = kconfig_facts(f'mainmenu "facts"\nsource "{comp / "Kconfig"}"\n',
                                   "components/mbedtls/")
    before, user_when, after = header_rules(
        comp / "port" / "include" / "mbedtls" / "esp_config.h", "MBEDTLS_USER_CONFIG_FILE",
        ignore_includes=('"sdkconfig.h"', '"mbedtls/mbedtls_config.h"', '"soc/soc_caps.h"',
                         '"mbedtls/target_config.h"', '"esp_mem.h"'),
        rename={"SOC_": "CONFIG_SOC_"},
        substitute={"(defined(MBEDTLS_MAJOR_VERSION) && (MBEDTLS_MAJOR_VERSION < 4))":
                    "defined(TLSFIT_MBEDTLS_3)"} if (mbedtls / "tf-psa-crypto").is_dir() else None)
    if user_when is None:
        raise SystemExit("esp_config.h: no #include of MBEDTLS_USER_CONFIG_FILE")
    doc["header"] = {"before_user": before, "user_include_when": user_when, "after_user": after}
    doc["baseline"] = baseline(mbedtls)
    caps = soc_caps(idf / "components" / "soc" / "esp32" / "include" / "soc" /
                    "Kconfig.soc_caps.in")
    externals = []
    referenced = set(doc["kconfig"]["referenced_elsewhere"])

    def walk(c: object) -> None:
        if isinstance(c, str):
            name = c.lstrip("!")
            if name.startswith("CONFIG_") and name[7:] not in {
                    s["name"] for s in doc["kconfig"]["symbols"]}:
                referenced.add(name[7:])
        elif isinstance(c, dict):
            for v in c.values():
                for part in (v if isinstance(v, list) else [v]):
                    walk(part)
    for rule in before + after:
        walk(rule["when"])
    for name in sorted(referenced):
        if name in caps:
            typ, value = caps[name]
            externals.append({"name": name, "type": typ, "value": value,
                              "why": "ESP32 SoC capability (Kconfig.soc_caps.in)"})
        elif name in DECISIONS:
            value, why = DECISIONS[name]
            externals.append({"name": name, "type": "bool", "value": value, "why": why})
        elif name.startswith("SOC_"):
            externals.append({"name": name, "type": "bool", "value": "n",
                              "why": "not an ESP32 SoC capability (absent from its "
                                     "Kconfig.soc_caps.in)"})
        else:
            externals.append({"name": name, "type": "bool", "value": "n",
                              "why": "not part of the TLS image tlsfit describes "
                                     "(PSRAM, TEE, ROM crypto, other chips' options)"})
    doc["externals"] = externals
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"{out}: {len(doc['kconfig']['symbols'])} symbols, {len(doc['kconfig']['choices'])} "
          f"choices, {len(before)} header rules before the user file, {len(after)} after, "
          f"{len(doc['baseline'])} baseline macros, {len(externals)} externals")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
