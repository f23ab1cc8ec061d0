"""Render Zephyr fragments and their user header (Jinja2 templates)."""

from __future__ import annotations

from tlsfit.generate.render import banner_fields, template_env
from tlsfit.generate.resolve import Resolution
from tlsfit.zephyr.fragments import ZephyrFragment
from tlsfit.zephyr.model import load_release


def render_prj_conf(resolution: Resolution, z: ZephyrFragment) -> str:
    text = template_env().get_template("prj.conf.j2").render(z=z, **banner_fields(resolution))
    return text.rstrip() + "\n"


def render_user_config(resolution: Resolution, z: ZephyrFragment) -> str:
    return template_env().get_template("tlsfit_user_config.h.j2").render(
        z=z, config_header=load_release(z.version).config_header, **banner_fields(resolution))


def manifest_entry(z: ZephyrFragment, fragment: str) -> dict[str, object]:
    return {"fragment": fragment, "header": f"zephyr/{z.version}/{z.header_name}",
            "zephyr_tag": z.tag,
            "assignments": {f"CONFIG_{a.symbol}": a.value for a in z.assignments},
            "user_defines": [m for m, _, _ in z.user_defines],
            "user_undefs": [m for m, _ in z.user_undefs],
            "declared_differences": [{"macro": m, "kind": k, "why": w} for m, k, w in z.declared],
            "notes": list(z.notes)}
