"""Render a Resolution as tlsfit's mbedtls_config.h (Jinja2 templates).

Pure functions from the resolution to text; the templates environment and
the banner fields are shared with the platform renderers. Output is
deterministic: no dates, no absolute paths.
"""

from __future__ import annotations

import jinja2

from tlsfit import MBEDTLS_LINE, __version__
from tlsfit.generate.duties import product_duties
from tlsfit.paths import TEMPLATES_DIR
from tlsfit.generate.resolve import Resolution


def template_env() -> jinja2.Environment:
    """Jinja2 over templates/: strict (an unknown field is an error), no escaping."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["split_lines"] = lambda text: text.splitlines()
    return env


def banner_fields(resolution: Resolution) -> dict[str, object]:
    """What every generated file says about where it came from."""
    profile = resolution.profile
    return {
        "profile": profile.name,
        "profile_sha256": profile.sha256,
        "fragments": [f.path.name for f in profile.fragments],
        "tlsfit_version": __version__,
        "mbedtls_line": MBEDTLS_LINE,
    }


def render_header(resolution: Resolution) -> str:
    width = max((len(f"#define {o.name}" + ("" if o.is_bool else f" {o.value}"))
                 for o in resolution.options), default=40)
    return template_env().get_template("mbedtls_config.h.j2").render(
        options=resolution.options, duties=product_duties(resolution), width=width,
        **banner_fields(resolution))
