"""Render a Resolution into files: header, Zephyr fragments, manifest.

Pure functions from the resolution to text; ``write_outputs`` writes them,
only after every text rendered, and rewrites a file only when it changed.
Output is deterministic: no dates, no absolute paths, sorted JSON.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jinja2

from . import MBEDTLS_LINE, __version__
from .duties import max_fragment_length, product_duties
from .mbedtls_tree import PINNED_VERSION
from .paths import TEMPLATES_DIR
from .resolve import Resolution
from .zephyr import DEFAULT_VERSION, USER_CONFIG_NAME, ZephyrOutput, versions, zephyr_output

SCHEMA_VERSION = 1


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def _common(resolution: Resolution) -> dict[str, object]:
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
    return _env().get_template("mbedtls_config.h.j2").render(
        options=resolution.options, duties=product_duties(resolution), width=width,
        **_common(resolution))


def render_prj_conf(resolution: Resolution, z: ZephyrOutput, mode: str) -> str:
    return _env().get_template("prj.conf.j2").render(
        z=z, mode=mode, user_header=USER_CONFIG_NAME, **_common(resolution))


def render_user_config(resolution: Resolution, z: ZephyrOutput) -> str:
    return _env().get_template("tlsfit_user_config.h.j2").render(z=z, **_common(resolution))


def render_manifest(resolution: Resolution, header: str) -> str:
    profile = resolution.profile
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "profile": profile.name,
        "fragments": [{"file": f.path.name, "sha256": f.sha256} for f in profile.fragments],
        "profile_sha256": profile.sha256,
        "config_sha256": hashlib.sha256(header.encode("utf-8")).hexdigest(),
        "tlsfit_version": __version__,
        "mbedtls": {"line": MBEDTLS_LINE, "model_checked_against": PINNED_VERSION},
        "requirements": {k: v for k, v in resolution.requirements if v not in ("", "n")},
        "options": [{"name": o.name, "value": o.value, "requirements": list(o.roots)}
                    for o in resolution.options],
        "runtime": {
            "duties": {d.key: d.text for d in product_duties(resolution)},
            "max_fragment_length": max_fragment_length(resolution),
        },
        "warnings": list(resolution.warnings),
    }
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"


def render_all(resolution: Resolution, zephyr_default: str = DEFAULT_VERSION) -> dict[str, str]:
    """Every output file of one profile: relative path -> text."""
    header = render_header(resolution)
    files = {"mbedtls_config.h": header}
    for version in versions():
        z = zephyr_output(resolution, version)
        files[f"zephyr/{version}/prj.conf"] = render_prj_conf(resolution, z, "kconfig")
        files[f"zephyr/{version}/prj-custom-file.conf"] = render_prj_conf(
            resolution, z, "custom-file")
        files[f"zephyr/{version}/{USER_CONFIG_NAME}"] = render_user_config(resolution, z)
    files["prj.conf"] = files[f"zephyr/{zephyr_default}/prj-custom-file.conf"]
    files["manifest.json"] = render_manifest(resolution, header)
    return files


def write_outputs(files: dict[str, str], out_dir: Path) -> list[Path]:
    """Write FILES under OUT_DIR; leave unchanged files untouched. Returns what changed."""
    changed = []
    for rel, text in sorted(files.items()):
        path = out_dir / rel
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        changed.append(path)
    return changed
