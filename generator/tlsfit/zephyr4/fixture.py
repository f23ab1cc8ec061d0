"""Render tlsfit's model of a Zephyr 4.4+ release as a Zephyr-shaped tree (labelled a model)."""

from __future__ import annotations

import json
from pathlib import Path

from tlsfit.platform.kconfig_text import render_symbols
from tlsfit.platform.rules import rules_c
from tlsfit.zephyr4.model import load_release

MARKER = "TLSFIT_MODEL"


def render_tree(version: str, dest: Path) -> Path:
    rel = load_release(version)
    major, minor, patch = rel.tag_version.split(".")
    mbed = dest / "modules" / "mbedtls"
    (mbed / "configs").mkdir(parents=True, exist_ok=True)
    (dest / "VERSION").write_text(
        f"# {MARKER}\nVERSION_MAJOR = {major}\nVERSION_MINOR = {minor}\n"
        f"PATCHLEVEL = {patch}\nVERSION_TWEAK = 0\nEXTRAVERSION =\n", encoding="utf-8")
    (mbed / "Kconfig").write_text(render_symbols(rel.kconfig_symbols, rel.kconfig_choices, [
        f"{MARKER}: tlsfit's model of Zephyr {rel.tag} modules/mbedtls Kconfig,",
        f"rendered from generator/tlsfit/data/zephyr4/{rel.version}/release.json."]),
        encoding="utf-8")
    banner = (f"/* {MARKER}: tlsfit's model of Zephyr {rel.tag} {{}}, rendered from tlsfit's "
              f"data (generator/tlsfit/data/zephyr4/{rel.version}/). Not Zephyr's file. */\n")
    crypto_sym = rel.file_symbols["crypto"]
    (mbed / "configs" / rel.config_headers["tls"]).write_text(
        banner.format(rel.config_headers["tls"]) + "#ifndef MBEDTLS_CONFIG_H\n"
        f"#define MBEDTLS_CONFIG_H\n#include CONFIG_{crypto_sym}\n" + rules_c(rel.tls_rules)
        + "#endif\n", encoding="utf-8")
    (mbed / "configs" / rel.config_headers["crypto"]).write_text(
        banner.format(rel.config_headers["crypto"]) + "#ifndef TF_PSA_CRYPTO_CONFIG_H\n"
        "#define TF_PSA_CRYPTO_CONFIG_H\n" + rules_c(rel.crypto_rules) + "#endif\n",
        encoding="utf-8")
    (dest / "tlsfit-model.json").write_text(
        json.dumps({"model_of": rel.tag, "provenance": rel.provenance}, indent=1) + "\n",
        encoding="utf-8")
    return dest
