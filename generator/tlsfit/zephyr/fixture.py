"""Render tlsfit's model of a Zephyr release as a Zephyr-shaped tree.

The tree has what zephyr-check reads from a real Zephyr tree (``VERSION``,
``modules/mbedtls/Kconfig``, the config headers under
``modules/mbedtls/configs/``), so the check runs the same code path,
Kconfiglib and the C preprocessor included, over tlsfit's data as over a
user's Zephyr. It is a model, labelled as such in every file: the Kconfig
is written from the facts (no help texts, one flat file), the headers from
the rules.
"""

from __future__ import annotations

import json
from pathlib import Path
from tlsfit.platform.kconfig_text import render_symbols
from tlsfit.platform.rules import cond_c, rules_c
from tlsfit.zephyr.model import ReleaseModel, load_release

MARKER = "TLSFIT_MODEL"


def render_kconfig(release: ReleaseModel) -> str:
    """The release's Mbed TLS symbols as one Kconfig file (choices keep their members)."""
    return render_symbols(release.kconfig_symbols, release.kconfig_choices, [
        f"{MARKER}: tlsfit's model of Zephyr {release.tag} modules/mbedtls Kconfig,",
        f"rendered from generator/tlsfit/data/zephyr/{release.version}/release.json."])


def _banner(release: ReleaseModel, what: str) -> str:
    return (f"/* {MARKER}: tlsfit's model of Zephyr {release.tag} {what}, rendered from\n"
            f" * tlsfit's data (generator/tlsfit/data/zephyr/{release.version}/). Not Zephyr's file. */\n")


def render_tree(version: str, dest: Path) -> Path:
    """Write the model tree of release line VERSION under DEST; return DEST."""
    release = load_release(version)
    major, minor, patch = release.tag_version.split(".")
    mbed = dest / "modules" / "mbedtls"
    (mbed / "configs").mkdir(parents=True, exist_ok=True)
    (dest / "VERSION").write_text(
        f"# {MARKER}\nVERSION_MAJOR = {major}\nVERSION_MINOR = {minor}\n"
        f"PATCHLEVEL = {patch}\nVERSION_TWEAK = 0\nEXTRAVERSION =\n", encoding="utf-8")
    (mbed / "Kconfig").write_text(render_kconfig(release), encoding="utf-8")
    _, file_sym = release.user_config_symbols
    header = (_banner(release, release.config_header) + rules_c(release.before_user)
              + f"#if {cond_c(release.user_include_when)}\n#include CONFIG_{file_sym}\n#endif\n"
              + rules_c(release.after_user))
    (mbed / "configs" / release.config_header).write_text(header, encoding="utf-8")
    if release.psa_config_header:
        body = (rules_c(release.psa_rules) if release.psa_rules is not None else
                f'#error "tlsfit has no facts about Zephyr {release.tag}\'s '
                f'{release.psa_config_header}: check this fragment against a real Zephyr tree"\n')
        (mbed / "configs" / release.psa_config_header).write_text(
            _banner(release, release.psa_config_header) + body, encoding="utf-8")
    (dest / "tlsfit-model.json").write_text(
        json.dumps({"model_of": release.tag, "provenance": release.provenance}, indent=1) + "\n",
        encoding="utf-8")
    return dest
