"""Render an ESP-IDF fragment (Jinja2 template) and its manifest entry."""

from __future__ import annotations

from tlsfit.espidf.fragments import IdfFragment
from tlsfit.generate.render import HEADER_NAME, banner_fields, template_env
from tlsfit.generate.resolve import Resolution


def render_sdkconfig(resolution: Resolution, f: IdfFragment) -> str:
    text = template_env().get_template("sdkconfig.defaults.j2").render(
        f=f, header=HEADER_NAME, **banner_fields(resolution))
    return text.rstrip() + "\n"


def manifest_entry(f: IdfFragment, fragment: str, header: str) -> dict[str, object]:
    return {"fragment": fragment, "header": header, "esp_idf_tag": f.tag,
            "mbedtls": f.mbedtls_version,
            "assignments": {f"CONFIG_{a.symbol}": a.value for a in f.assignments},
            "declared_differences": [{"macro": m, "kind": k, "why": w} for m, k, w in f.declared],
            "notes": list(f.notes)}
