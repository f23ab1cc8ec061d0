"""Render a translation as Mbed TLS 4.x's two config files (Jinja2), labelled as translated."""

from __future__ import annotations

import re

from tlsfit.generate.render import banner_fields, template_env
from tlsfit.generate.resolve import Resolution
from tlsfit.mbedtls.tree import PINNED_VERSION
from tlsfit.mbedtls4.translate import Line, Translated

TLS_NAME = "tlsfit_mbedtls4_config.h"
CRYPTO_NAME = "tlsfit_tf_psa_crypto_config.h"


def _file(resolution: Resolution, t: Translated, lines: tuple[Line, ...], what: str,
          guard: str, version: tuple[str, str]) -> str:
    all_lines = (Line(version[0], version[1], "the config format"),) + lines
    width = max(len(f"#define {x.name} {x.value}".rstrip()) for x in all_lines)
    return template_env().get_template("mbedtls4_config.h.j2").render(
        t=t, what=what, lines=all_lines, width=width, guard=guard, tls_name=TLS_NAME,
        crypto_name=CRYPTO_NAME, duties=t.duties if what.startswith("TLS") else (),
        changes=t.changes if not what.startswith("TLS") else (), proven_on=PINNED_VERSION,
        command_profile=re.sub(r"\+tlsfit-backend-\w+$", "", resolution.profile.name),
        **banner_fields(resolution))


def render_translation(resolution: Resolution, t: Translated) -> dict[str, str]:
    """The two files: name -> text."""
    return {
        TLS_NAME: _file(resolution, t, t.tls, "TLS/X.509 configuration (MBEDTLS_CONFIG_FILE)",
                        "TLSFIT_MBEDTLS4_CONFIG_H",
                        ("MBEDTLS_CONFIG_VERSION", t.facts.config_versions["MBEDTLS_CONFIG_VERSION"])),
        CRYPTO_NAME: _file(resolution, t, t.crypto,
                           f"crypto configuration for TF-PSA-Crypto {t.facts.tf_psa_crypto} "
                           "(TF_PSA_CRYPTO_CONFIG_FILE)", "TLSFIT_TF_PSA_CRYPTO_CONFIG_H",
                           ("TF_PSA_CRYPTO_CONFIG_VERSION",
                            t.facts.config_versions["TF_PSA_CRYPTO_CONFIG_VERSION"])),
    }
