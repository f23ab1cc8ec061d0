#!/usr/bin/env python3
"""Refresh the extracted facts of a tlsfit model of Zephyr on Mbed TLS 4.x (4.4 and later).

Maintainers' tool (not part of the tlsfit command): with a Zephyr tree's
``modules/mbedtls`` at hand,

    scripts/zephyr4-facts.py ZEPHYR_BASE generator/tlsfit/data/zephyr4/4.4/release.json

rewrites the file's ``kconfig`` (every symbol and choice of ``modules/mbedtls``,
read with Kconfiglib) and the rules of the two config headers: ``tls_rules``
(``configs/config-mbedtls.h``, Mbed TLS's config file; its leading ``#include
CONFIG_TF_PSA_CRYPTO_CONFIG_FILE`` is the crypto file, modelled separately) and
``crypto_rules`` (``configs/config-psa.h``, which ``config-tf-psa-crypto.h``
includes, then ``config-tf-psa-crypto.h``), and adds any new symbol from
elsewhere in Zephyr to ``externals`` (value n until a maintainer decides). In
4.x the user files are not included by Zephyr's headers: they forward them as
``MBEDTLS_USER_CONFIG_FILE`` / ``TF_PSA_CRYPTO_USER_CONFIG_FILE`` and the
libraries' ``build_info.h`` include them last. Hand-kept fields stay.
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
    doc = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
    os.environ.update(srctree=str(base), ZEPHYR_BASE=str(base),
                      ZEPHYR_TOOLCHAIN_VARIANT="gnuarmemb", ARCH="arm")
    doc["kconfig"] = kconfig_facts('mainmenu "facts"\nsource "modules/mbedtls/Kconfig"\n',
                                   "modules/mbedtls/", ("MBEDTLS_LOG_LEVEL",))
    configs = base / "modules" / "mbedtls" / "configs"
    tls, _, _ = header_rules(configs / "config-mbedtls.h", None,
                             ignore_includes=("CONFIG_TF_PSA_CRYPTO_CONFIG_FILE",))
    psa, _, _ = header_rules(configs / "config-psa.h", None)
    crypto, _, _ = header_rules(configs / "config-tf-psa-crypto.h", None,
                                ignore_includes=('"config-psa.h"',))
    doc["tls_rules"] = tls
    doc["crypto_rules"] = psa + crypto
    known = {e["name"]: e for e in doc.get("externals", [])}
    for name in doc["kconfig"]["referenced_elsewhere"]:
        known.setdefault(name, {"name": name, "type": "bool", "value": "n",
                                "why": "not part of the TLS image tlsfit describes"})
    doc["externals"] = [known[n] for n in sorted(known)]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"{out}: {len(doc['kconfig']['symbols'])} symbol definitions, {len(tls)} TLS rules, "
          f"{len(psa) + len(crypto)} crypto rules")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
