#!/usr/bin/env python3
"""Refresh tlsfit's facts about an Mbed TLS 4.x release from its source tree.

Maintainers' tool (not part of the tlsfit command): with an Mbed TLS 4.x tree
whose ``tf-psa-crypto/`` holds the TF-PSA-Crypto it ships with,

    scripts/mbedtls4-facts.py MBEDTLS4_DIR generator/tlsfit/data/mbedtls4/4.0/facts.json

rewrites the file's ``versions`` (from the two ``build_info.h``), ``tls_options``
(every option of ``include/mbedtls/mbedtls_config.h``), ``ciphersuites`` (the suite
macros of ``ssl_ciphersuites.h``) and ``crypto_options``
(every option and ``PSA_WANT_*`` of ``tf-psa-crypto/include/psa/crypto_config.h``),
each with whether the default file enables it, and the config-version macros.
Hand-kept fields (``fates``: what becomes of each Mbed TLS 3.6 option tlsfit
emits that 4.x does not have, with the source of each fact; ``provenance``)
stay as they are. ``--tls-only`` reads only the TLS side (when the matching
TF-PSA-Crypto is not at hand; the crypto side then stays as it is).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

_OPTION = re.compile(r"^\s*(//)?\s*#define\s+((?:MBEDTLS|PSA_WANT|TF_PSA_CRYPTO)_\w+)(?:\s+(\S.*?))?\s*$")
_SUITE = re.compile(r"#define\s+(MBEDTLS_TLS1?_3?_?\w*_WITH_\w+|MBEDTLS_TLS1_3_\w+)\s+0x")
_VERSION = re.compile(r"#define\s+(\w+_VERSION_STRING)\s+\"([0-9.]+)\"")


def options(path: Path) -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _OPTION.match(line)
        if not m or m.group(2).endswith(("_CONFIG_H", "_FILE")) or m.group(2) in found:
            continue
        found[m.group(2)] = {"default": m.group(1) is None,
                             **({"value": m.group(3).split("/*")[0].strip()} if m.group(3) else {})}
    return dict(sorted(found.items()))


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if a != "--tls-only"]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tree, out = Path(args[0]).resolve(), Path(args[1])
    doc = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    tls = options(tree / "include" / "mbedtls" / "mbedtls_config.h")
    doc.setdefault("versions", {})["mbedtls"] = _VERSION.search(
        (tree / "include" / "mbedtls" / "build_info.h").read_text(encoding="utf-8")).group(2)
    doc.setdefault("config_versions", {}).update(
        {k: v["value"] for k, v in tls.items() if k.endswith("CONFIG_VERSION")})
    doc["tls_options"] = {k: v for k, v in tls.items() if not k.endswith("CONFIG_VERSION")}
    doc["ciphersuites"] = sorted(set(_SUITE.findall(
        (tree / "include" / "mbedtls" / "ssl_ciphersuites.h").read_text(encoding="utf-8"))))
    if "--tls-only" not in argv:
        crypto = options(tree / "tf-psa-crypto" / "include" / "psa" / "crypto_config.h")
        doc["versions"]["tf_psa_crypto"] = _VERSION.search(
            (tree / "tf-psa-crypto" / "include" / "tf-psa-crypto" / "build_info.h")
            .read_text(encoding="utf-8")).group(2)
        doc["config_versions"].update(
            {k: v["value"] for k, v in crypto.items() if k.endswith("CONFIG_VERSION")})
        doc["crypto_options"] = {k: v for k, v in crypto.items()
                                 if not k.endswith("CONFIG_VERSION")}
    doc.setdefault("fates", {})
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{out}: Mbed TLS {doc['versions']['mbedtls']}, TF-PSA-Crypto "
          f"{doc['versions'].get('tf_psa_crypto', '?')}: {len(doc['tls_options'])} TLS options, "
          f"{len(doc.get('crypto_options', {}))} crypto options")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
