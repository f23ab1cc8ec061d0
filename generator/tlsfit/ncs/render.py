"""Render an nRF Connect SDK fragment (Jinja2 template) and its manifest entry."""

from __future__ import annotations

from tlsfit.generate.render import HEADER_NAME, banner_fields, template_env
from tlsfit.mbedtls4.render import CRYPTO_NAME, TLS_NAME
from tlsfit.generate.resolve import Resolution
from tlsfit.ncs.fragments import NcsFragment


def render_prj_conf(resolution: Resolution, f: NcsFragment) -> str:
    text = template_env().get_template("ncs-prj.conf.j2").render(
        f=f, header=f"{TLS_NAME} + {CRYPTO_NAME}" if f.mbedtls4_line else HEADER_NAME,
        **banner_fields(resolution))
    return text.rstrip() + "\n"


def manifest_entry(f: NcsFragment, fragment: str, header: str) -> dict[str, object]:
    return {"fragment": fragment, "header": header, "ncs_tag": f.tag,
            "mbedtls": f.mbedtls_version, "path": f.path,
            **({"translated_for": f.mbedtls4_line} if f.mbedtls4_line else {}),
            "deprecated_set": {name: why for name, why in f.deprecated},
            "assignments": {f"CONFIG_{a.symbol}": a.value for a in f.assignments},
            "declared_differences": [{"macro": m, "kind": k, "why": w} for m, k, w in f.declared],
            "notes": list(f.notes)}
