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
from .zephyr.fragments import (CUSTOM_HEADER_NAME, DEFAULT_VERSION, USER_CONFIG_NAME,
                               ZephyrFragment, versions, zephyr_fragment)
from .zephyr.model import load_release

SCHEMA_VERSION = 1


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["split_lines"] = lambda text: text.splitlines()
    return env


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


def render_prj_conf(resolution: Resolution, z: ZephyrFragment) -> str:
    return _env().get_template("prj.conf.j2").render(z=z, **_common(resolution)).rstrip() + "\n"


def render_user_config(resolution: Resolution, z: ZephyrFragment) -> str:
    return _env().get_template("tlsfit_user_config.h.j2").render(
        z=z, config_header=load_release(z.version).config_header, **_common(resolution))


def _zephyr_entry(z: ZephyrFragment, fragment: str) -> dict[str, object]:
    return {"fragment": fragment, "header": f"zephyr/{z.version}/{z.header_name}",
            "zephyr_tag": z.tag,
            "assignments": {f"CONFIG_{a.symbol}": a.value for a in z.assignments},
            "user_defines": [m for m, _, _ in z.user_defines],
            "user_undefs": [m for m, _ in z.user_undefs],
            "declared_differences": [{"macro": m, "kind": k, "why": w} for m, k, w in z.declared],
            "notes": list(z.notes)}


def render_manifest(resolution: Resolution, header: str,
                    zephyr: dict[str, dict[str, object]] | None = None) -> str:
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
        "zephyr": zephyr or {},
    }
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"


def render_all(resolution: Resolution,
               zephyr_versions: tuple[str, ...] = (DEFAULT_VERSION,)) -> dict[str, str]:
    """Every output file of one profile: relative path -> text."""
    header = render_header(resolution)
    files = {"mbedtls_config.h": header}
    zephyr: dict[str, dict[str, object]] = {}
    for version in zephyr_versions:
        kconf = zephyr_fragment(resolution, version, "kconfig")
        custom = zephyr_fragment(resolution, version, "custom-file")
        base = f"zephyr/{version}"
        files[f"{base}/prj.conf"] = render_prj_conf(resolution, kconf)
        files[f"{base}/{USER_CONFIG_NAME}"] = render_user_config(resolution, kconf)
        files[f"{base}/prj-custom-file.conf"] = render_prj_conf(resolution, custom)
        files[f"{base}/{CUSTOM_HEADER_NAME}"] = header
        zephyr[version] = {"kconfig": _zephyr_entry(kconf, f"{base}/prj.conf"),
                           "custom-file": _zephyr_entry(custom, f"{base}/prj-custom-file.conf")}
    files["manifest.json"] = render_manifest(resolution, header, zephyr)
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
