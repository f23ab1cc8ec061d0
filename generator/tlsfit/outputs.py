"""Every output file of one profile: the header, the platform fragments, the manifest.

``render_all`` composes the stages' renderers (the header from
``generate``, each target's fragments from ``zephyr`` or ``espidf``) and the
manifest that lists them; ``write_outputs`` writes them only after every text rendered, and
rewrites a file only when it changed. Deterministic: no dates, no absolute
paths, sorted JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

from tlsfit import MBEDTLS_LINE, __version__
from tlsfit.generate.duties import max_fragment_length, product_duties
from tlsfit.generate.render import (CRYPTO_CONFIG_NAME, HEADER_NAME, backend, config_sha256,
                                    curve_placement, render_config)
from tlsfit.espidf.fragments import FRAGMENT_NAME as IDF_FRAGMENT
from tlsfit.espidf.fragments import idf_fragment
from tlsfit.espidf.render import manifest_entry as idf_manifest_entry
from tlsfit.espidf.render import render_sdkconfig
from tlsfit.errors import TlsfitError
from tlsfit.generate.profile import Fragment, ProfileSource
from tlsfit.ncs.fragments import FRAGMENT_NAME as NCS_FRAGMENT
from tlsfit.ncs.fragments import ncs_fragment
from tlsfit.ncs.render import manifest_entry as ncs_manifest_entry
from tlsfit.ncs.render import render_prj_conf as render_ncs_prj
from tlsfit.generate.resolve import Resolution, resolve
from tlsfit.generate.variants import overlay_text
from tlsfit.targets.registry import DEFAULT_TARGETS, Target, find
from tlsfit.mbedtls.tree import PINNED_VERSION
from tlsfit.mbedtls4.render import CRYPTO_NAME as CRYPTO4_NAME
from tlsfit.mbedtls4.render import TLS_NAME as TLS4_NAME
from tlsfit.mbedtls4.render import render_translation
from tlsfit.mbedtls4.translate import translate
from tlsfit.zephyr.fragments import (CUSTOM_HEADER_NAME, USER_CONFIG_NAME,
                                     NotGenerated, zephyr_fragment)
from tlsfit.zephyr.render import manifest_entry, render_prj_conf, render_user_config
from tlsfit.zephyr4.fragments import CRYPTO_USER_NAME as CRYPTO_USER4_NAME
from tlsfit.zephyr4.fragments import TLS_USER_NAME as TLS_USER4_NAME
from tlsfit.zephyr4.fragments import zephyr4_fragment
from tlsfit.zephyr4.render import manifest_entry as zephyr4_manifest_entry
from tlsfit.zephyr4.render import render_prj_conf as render_zephyr4_prj
from tlsfit.zephyr4.render import render_user_files as render_zephyr4_user_files

SCHEMA_VERSION = 1


def _without_dirs(message: str, profile: ProfileSource) -> str:
    """A warning names its profile file: by name only, so that the manifest does not depend on
    where the profile lives (same inputs, same bytes)."""
    for f in profile.fragments:
        message = message.replace(str(f.path), f.path.name)
    return message


def render_manifest(resolution: Resolution, config: dict[str, str],
                    zephyr: dict[str, object] | None = None,
                    platforms: dict[str, dict[str, object]] | None = None) -> str:
    profile = resolution.profile
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "profile": profile.name,
        "fragments": [{"file": f.path.name, "sha256": f.sha256} for f in profile.fragments],
        "profile_sha256": profile.sha256,
        "config_sha256": config_sha256(config),
        "config_files": sorted(config),
        "crypto": {"backend": backend(resolution),
                   "curves": {curve: where for curve, where in curve_placement(resolution)}},
        "tlsfit_version": __version__,
        "mbedtls": {"line": MBEDTLS_LINE, "model_checked_against": PINNED_VERSION},
        "requirements": {k: v for k, v in resolution.requirements if v not in ("", "n")},
        "options": [{"name": o.name, "value": o.value, "requirements": list(o.roots)}
                    for o in resolution.options],
        "runtime": {
            "duties": {d.key: d.text for d in product_duties(resolution)},
            "max_fragment_length": max_fragment_length(resolution),
        },
        "warnings": [_without_dirs(w, profile) for w in resolution.warnings],
        "kept": {
            "options": [{"name": k.name, "reason": k.reason} for k in resolution.kept],
            "on_only_for_them": [o.name for o in resolution.kept_only()],
        },
        "zephyr": zephyr or {},
        **(platforms or {}),
    }
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"


def backend_variant(resolution: Resolution, wanted: str) -> Resolution:
    """RESOLUTION's profile on backend WANTED (a platform whose menus are legacy modules)."""
    if backend(resolution) == wanted:
        return resolution
    profile = resolution.profile
    overlay = Fragment(Path(f"tlsfit-backend-{wanted}.conf"),
                       overlay_text(backend=wanted))
    return resolve(ProfileSource(fragments=(*profile.fragments, overlay)))


def _zephyr_files(resolution: Resolution, config: dict[str, str], version: str,
                  files: dict[str, str]) -> dict[str, object]:
    base = f"zephyr/{version}"
    entry: dict[str, object] = {}
    psa = backend(resolution) == "psa"
    for mode, fragment_name in (("custom-file", "prj-custom-file.conf"), ("kconfig", "prj.conf")):
        try:
            frag = zephyr_fragment(resolution, version, mode)
        except NotGenerated as exc:
            entry[mode] = {"not_generated": str(exc)}
            continue
        files[f"{base}/{fragment_name}"] = render_prj_conf(resolution, frag)
        if mode == "kconfig":
            files[f"{base}/{USER_CONFIG_NAME}"] = render_user_config(resolution, frag)
        else:
            files[f"{base}/{CUSTOM_HEADER_NAME}"] = config[HEADER_NAME]
            if psa:   # the header names the crypto file: next to it on the include path
                files[f"{base}/{CRYPTO_CONFIG_NAME}"] = config[CRYPTO_CONFIG_NAME]
        entry[mode] = manifest_entry(frag, f"{base}/{fragment_name}")
    return entry


def _esp_idf_files(resolution: Resolution, target: Target, files: dict[str, str]
                   ) -> dict[str, object]:
    variant = backend_variant(resolution, target.backend or "legacy")
    frag = idf_fragment(variant, target.release)
    base = target.directory
    files[f"{base}/{IDF_FRAGMENT}"] = render_sdkconfig(variant, frag)
    if target.translated:   # 6.x: the 4.x translation it stands for, next to it
        translated = render_translation(variant, translate(variant, target.mbedtls_line))
        for name, text in translated.items():
            files[f"{base}/{name}"] = text
        header = f"{base}/{TLS4_NAME} + {base}/{CRYPTO4_NAME}"
    else:
        files[f"{base}/{HEADER_NAME}"] = render_config(variant)[HEADER_NAME]
        header = f"{base}/{HEADER_NAME}"
    return idf_manifest_entry(frag, f"{base}/{IDF_FRAGMENT}", header)


def _ncs_files(resolution: Resolution, target: Target, files: dict[str, str]
               ) -> dict[str, object]:
    """prj.conf and the header it stands for (the PSA-backend one, or on the legacy path the
    legacy-backend one); a profile the release cannot express gets no fragment, and the
    manifest says why."""
    psa, legacy = backend_variant(resolution, "psa"), backend_variant(resolution, "legacy")
    try:
        frag = ncs_fragment(psa, legacy, target.release)
    except TlsfitError as exc:
        return {"not_generated": str(exc)}
    variant = psa if frag.path == "psa" else legacy
    base = target.directory
    files[f"{base}/{NCS_FRAGMENT}"] = render_ncs_prj(variant, frag)
    if target.translated:   # 3.4: the 4.x translation it stands for, next to it
        for name, text in render_translation(psa, translate(psa, target.mbedtls_line)).items():
            files[f"{base}/{name}"] = text
        return ncs_manifest_entry(frag, f"{base}/{NCS_FRAGMENT}",
                                  f"{base}/{TLS4_NAME} + {base}/{CRYPTO4_NAME}")
    for name, text in render_config(variant).items():
        files[f"{base}/{name}"] = text
    return ncs_manifest_entry(frag, f"{base}/{NCS_FRAGMENT}", f"{base}/{HEADER_NAME}")


def _mbedtls4_files(resolution: Resolution, target: Target, files: dict[str, str]
                    ) -> dict[str, object]:
    psa = backend_variant(resolution, "psa")
    translated = translate(psa, target.release)
    base = target.directory
    for name, text in render_translation(psa, translated).items():
        files[f"{base}/{name}"] = text
    return {"files": [f"{base}/{TLS4_NAME}", f"{base}/{CRYPTO4_NAME}"],
            "mbedtls": translated.facts.mbedtls, "tf_psa_crypto": translated.facts.tf_psa_crypto,
            "crypto_options_read_at": translated.facts.crypto_read_at,
            "changes": [{"option": n, "became": f, "why": w} for n, f, w in translated.changes],
            "duties": {d.key: d.text for d in translated.duties}}


def _zephyr4_files(resolution: Resolution, target: Target, files: dict[str, str]
                   ) -> dict[str, object]:
    psa = backend_variant(resolution, "psa")
    frag = zephyr4_fragment(psa, target.release)
    base = target.directory
    files[f"{base}/prj.conf"] = render_zephyr4_prj(psa, frag)
    for name, text in render_zephyr4_user_files(psa, frag).items():
        files[f"{base}/{name}"] = text
    for name, text in render_translation(psa, translate(psa, target.mbedtls_line)).items():
        files[f"{base}/{name}"] = text
    return zephyr4_manifest_entry(frag, base)


def render_all(resolution: Resolution,
               targets: tuple[Target, ...] | None = None) -> dict[str, str]:
    """Every output file of one profile for TARGETS (default: Zephyr 4.3): path -> text."""
    chosen = targets if targets is not None else find(list(DEFAULT_TARGETS))
    config = render_config(resolution)
    files = dict(config)
    zephyr: dict[str, object] = {}
    platforms: dict[str, dict[str, object]] = {"targets": {}}
    for target in chosen:
        if target.platform == "Zephyr" and target.translated:
            zephyr[target.release] = _zephyr4_files(resolution, target, files)
        elif target.platform == "Zephyr":
            zephyr[target.release] = _zephyr_files(resolution, config, target.release, files)
        elif target.platform == "nRF Connect SDK":
            platforms.setdefault("ncs", {})[target.release] = \
                _ncs_files(resolution, target, files)
        elif target.platform == "Mbed TLS":
            platforms.setdefault("mbedtls4", {})[target.release] = \
                _mbedtls4_files(resolution, target, files)
        else:
            platforms.setdefault(target.platform_key, {})[target.release] = \
                _esp_idf_files(resolution, target, files)
        platforms["targets"][target.id] = {
            "platform": target.platform, "release": target.release,
            "facts_read_at": target.facts_tag, "mbedtls": target.mbedtls,
            "directory": target.directory,
            "stands_for": ("the profile's own config" if target.backend is None
                           or target.backend == backend(resolution) else
                           f"the profile's {target.backend}-backend variant"),
            "proven": (f"translated from the PSA-backend config built and run on Mbed TLS "
                       f"{PINNED_VERSION}; not built by tlsfit's tests" if target.translated else
                       f"built and run on Mbed TLS {PINNED_VERSION} by tlsfit's harness "
                       "(the header it stands for)"),
            "verified_against": target.verified}
        if target.platform == "nRF Connect SDK":
            entry = platforms["ncs"][target.release]
            path = entry.get("path")
            platforms["targets"][target.id]["stands_for"] = (
                "no fragment: " + str(entry["not_generated"]) if path is None else
                "the profile's own config" if path == backend(resolution) else
                f"the profile's {path}-backend variant")
    files["manifest.json"] = render_manifest(resolution, config, zephyr, platforms)
    return files


#: The names tlsfit writes into an output directory (and its zephyr/<line>/ directories).
_TOP_NAMES = (HEADER_NAME, CRYPTO_CONFIG_NAME, "manifest.json")
_ZEPHYR_NAMES = ("prj.conf", "prj-custom-file.conf", USER_CONFIG_NAME, CUSTOM_HEADER_NAME,
                 CRYPTO_CONFIG_NAME, TLS_USER4_NAME, CRYPTO_USER4_NAME, TLS4_NAME, CRYPTO4_NAME)
_IDF_NAMES = (IDF_FRAGMENT, HEADER_NAME, TLS4_NAME, CRYPTO4_NAME)
_MBEDTLS4_NAMES = (TLS4_NAME, CRYPTO4_NAME)
_NCS_NAMES = (NCS_FRAGMENT, HEADER_NAME, CRYPTO_CONFIG_NAME, TLS4_NAME, CRYPTO4_NAME)


def _stale(files: dict[str, str], out_dir: Path) -> list[Path]:
    """tlsfit's own files from an earlier run that this run does not write (another backend,
    a fragment a release can no longer build): left behind they would be used by mistake.
    Only in a directory that holds a tlsfit manifest, and only the names tlsfit writes."""
    if not (out_dir / "manifest.json").is_file():
        return []
    candidates = [out_dir / name for name in _TOP_NAMES]
    for platform, names in (("zephyr", _ZEPHYR_NAMES), ("esp-idf", _IDF_NAMES),
                            ("mbedtls4", _MBEDTLS4_NAMES), ("ncs", _NCS_NAMES)):
        where = out_dir / platform
        if where.is_dir():
            candidates += [d / name for d in sorted(where.iterdir()) if d.is_dir()
                           for name in names]
    keep = {out_dir / rel for rel in files}
    return [path for path in dict.fromkeys(candidates) if path.is_file() and path not in keep]


def write_outputs(files: dict[str, str], out_dir: Path) -> list[Path]:
    """Write FILES under OUT_DIR; leave unchanged files untouched and remove tlsfit's files of an
    earlier run that this one does not write. Returns what changed."""
    changed = []
    for path in _stale(files, out_dir):
        path.unlink()
        changed.append(path)
    for rel, text in sorted(files.items()):
        path = out_dir / rel
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        changed.append(path)
    return changed
