"""Render tlsfit's model of an ESP-IDF release as an ESP-IDF-shaped tree.

The tree has what the check reads from a real ESP-IDF (``version.cmake``,
``components/mbedtls/Kconfig``, ``port/include/mbedtls/esp_config.h``), so the
check runs the same path (Kconfiglib, then the C preprocessor) over tlsfit's
data as over a user's ESP-IDF. Every file says it is a model.
"""

from __future__ import annotations

import json
from pathlib import Path

from tlsfit.espidf.model import load_release
from tlsfit.platform.kconfig_text import render_symbols
from tlsfit.platform.rules import cond_c, rules_c

MARKER = "TLSFIT_MODEL"


def render_tree(version: str, dest: Path) -> Path:
    """Write the model tree of ESP-IDF release line VERSION under DEST; return DEST."""
    rel = load_release(version)
    major, minor, patch = rel.tag_version.split(".")
    (dest / "tools" / "cmake").mkdir(parents=True, exist_ok=True)
    (dest / "tools" / "cmake" / "version.cmake").write_text(
        f"# {MARKER}\nset(IDF_VERSION_MAJOR {major})\nset(IDF_VERSION_MINOR {minor})\n"
        f"set(IDF_VERSION_PATCH {patch})\n", encoding="utf-8")
    comp = dest / "components" / "mbedtls"
    (comp / "port" / "include" / "mbedtls").mkdir(parents=True, exist_ok=True)
    (comp / "Kconfig").write_text(render_symbols(rel.kconfig_symbols, rel.kconfig_choices, [
        f"{MARKER}: tlsfit's model of ESP-IDF {rel.tag} components/mbedtls/Kconfig,",
        f"rendered from generator/tlsfit/data/esp-idf/{rel.version}/release.json."]),
        encoding="utf-8")
    header = (f"/* {MARKER}: tlsfit's model of ESP-IDF {rel.tag} esp_config.h, rendered from\n"
              f" * tlsfit's data (generator/tlsfit/data/esp-idf/{rel.version}/). Not ESP-IDF's "
              "file. */\n#ifndef ESP_CONFIG_H\n#define ESP_CONFIG_H\n#include \"sdkconfig.h\"\n"
              + ("" if rel.is_4x else "#include \"mbedtls/mbedtls_config.h\"\n")
              + rules_c(rel.before_user)
              + f"#if {cond_c(rel.user_include_when)}\n#include MBEDTLS_USER_CONFIG_FILE\n#endif\n"
              + rules_c(rel.after_user) + "#endif\n")
    (comp / "port" / "include" / "mbedtls" / "esp_config.h").write_text(header, encoding="utf-8")
    if rel.is_4x:   # the mbedtls submodule's TF-PSA-Crypto default config, as the baseline
        crypto = comp / "mbedtls" / "tf-psa-crypto" / "include" / "psa"
        crypto.mkdir(parents=True, exist_ok=True)
        (crypto / "crypto_config.h").write_text(
            f"/* {MARKER}: TF-PSA-Crypto {rel.tf_psa_crypto_version}'s default crypto_config.h "
            "as its macros, from tlsfit's data. Not TF-PSA-Crypto's file. */\n"
            "#ifndef PSA_CRYPTO_CONFIG_H\n#define PSA_CRYPTO_CONFIG_H\n"
            + "".join(f"#define {k} {v}".rstrip() + "\n" for k, v in rel.baseline.items())
            + "#endif\n", encoding="utf-8")
    (dest / "tlsfit-model.json").write_text(
        json.dumps({"model_of": f"ESP-IDF {rel.tag}", "provenance": rel.provenance}, indent=1)
        + "\n", encoding="utf-8")
    return dest
