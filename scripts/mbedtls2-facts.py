#!/usr/bin/env python3
"""Refresh tlsfit's list of Mbed TLS 2.x options that Mbed TLS 3.x removed or renamed.

Maintainers' tool (not part of the tlsfit command): with Mbed TLS 2.28's
``include/mbedtls/config.h``, Mbed TLS 3.6's ``include/mbedtls/mbedtls_config.h`` and
3.6's ``docs/3.0-migration-guide.md``,

    scripts/mbedtls2-facts.py CONFIG_2_28.h MBEDTLS_CONFIG_3_6.h MIGRATION_GUIDE.md \\
        generator/tlsfit/data/mbedtls2/removed.json

writes every option of the 2.28 file that the 3.6 file does not have, with the
migration guide section that names it (the guide's ``###`` heading) when there
is one. The replacements (``REPLACED`` below) are written by hand from those
sections.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

_OPTION = re.compile(r"^\s*(?://)?\s*#define\s+(MBEDTLS_\w+)", re.M)

#: What replaces an option, from the migration guide's section on it.
REPLACED = {
    "MBEDTLS_SHA512_NO_SHA384": "MBEDTLS_SHA384_C (inverted: enable SHA-384 with it)",
    "MBEDTLS_SSL_PROTO_TLS1_3_EXPERIMENTAL": "MBEDTLS_SSL_PROTO_TLS1_3",
    "MBEDTLS_SSL_CID_PADDING_GRANULARITY": "MBEDTLS_SSL_CID_TLS1_3_PADDING_GRANULARITY",
    "MBEDTLS_SSL_TLS1_3_PADDING_GRANULARITY": "MBEDTLS_SSL_CID_TLS1_3_PADDING_GRANULARITY",
    "MBEDTLS_SSL_MAX_CONTENT_LEN": "MBEDTLS_SSL_IN_CONTENT_LEN and MBEDTLS_SSL_OUT_CONTENT_LEN",
    "MBEDTLS_X509_CHECK_KEY_USAGE": "nothing: the check is always on",
    "MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE": "nothing: the check is always on",
    "MBEDTLS_SSL_RECORD_CHECKING": "nothing: always on",
    "MBEDTLS_SSL_DTLS_BADMAC_LIMIT": "nothing: always on",
    "MBEDTLS_X509_ALLOW_UNSUPPORTED_CRITICAL_EXTENSION":
        "mbedtls_x509_crt_parse_der_with_ext_cb() at run time",
    "MBEDTLS_SSL_SRV_RESPECT_CLIENT_PREFERENCE":
        "mbedtls_ssl_conf_preference_order() at run time",
    "MBEDTLS_SSL_DEFAULT_TICKET_LIFETIME": "the lifetime argument of mbedtls_ssl_ticket_setup()",
    "MBEDTLS_CERTS_C": "nothing: the test certificates left the library; load your own",
    "MBEDTLS_SSL_PROTO_SSL3": "nothing: TLS 1.2 and 1.3 only",
    "MBEDTLS_SSL_PROTO_TLS1": "nothing: TLS 1.2 and 1.3 only",
    "MBEDTLS_SSL_PROTO_TLS1_1": "nothing: TLS 1.2 and 1.3 only",
}


#: Options a section is about without naming them: a part of the option name -> a part of the
#: section's heading.
ABOUT = {
    "ARC4": "RC4", "MD2": "MD2", "MD4": "MD4", "BLOWFISH": "Blowfish", "XTEA": "XTEA",
    "CERTS_C": "certs module", "SSL_PROTO_SSL3": "SSL 3.0", "SSL_PROTO_TLS1": "TLS 1.0, 1.1",
    "TRUNCATED_HMAC": "truncated HMAC", "ZLIB": "compression", "HAVEGE": "HAVEGE",
    "CHECK_PARAMS": "CHECK_PARAMS", "PARAM_FAILED": "CHECK_PARAMS",
    "TEST_NULL_ENTROPY": "TEST_NULL_ENTROPY", "PKCS11": "pkcs11", "SSLV2": "SSLv2",
    "CBC_RECORD_SPLITTING": "TLS 1.0, 1.1",
}


def main(argv: list[str]) -> int:
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    old, new, guide, out = (Path(a) for a in argv[1:])
    gone = sorted(set(_OPTION.findall(old.read_text(encoding="utf-8")))
                  - set(_OPTION.findall(new.read_text(encoding="utf-8"))) - {"MBEDTLS_CONFIG_H"})
    heading = ""
    sections: dict[str, str] = {}
    headings: list[str] = []
    for line in guide.read_text(encoding="utf-8").splitlines():
        if line.startswith("### "):
            heading = line[4:].strip().replace("`", "")
            headings.append(heading)
        for name in re.findall(r"MBEDTLS_\w+", line):
            sections.setdefault(name, heading)
    for name in gone:
        for part, words in ABOUT.items():
            if part in name and name not in sections:
                found = next((h for h in headings if words.lower() in h.lower()), None)
                if found:
                    sections[name] = found
    doc = {
        "source": "options of Mbed-TLS/mbedtls v2.28.10 include/mbedtls/config.h that "
                  "v3.6.6 include/mbedtls/mbedtls_config.h does not have; sections of v3.6.6 "
                  "docs/3.0-migration-guide.md",
        "removed": {n: {"section": sections.get(n) or None, "replaced_by": REPLACED.get(n)}
                    for n in gone},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{out}: {len(gone)} options, {sum(1 for n in gone if sections.get(n))} with a section")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
