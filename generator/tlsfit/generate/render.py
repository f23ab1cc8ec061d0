"""Render a Resolution as tlsfit's config files (Jinja2 templates).

The legacy backend's config is mbedtls_config.h alone; the PSA backend's is
mbedtls_config.h (TLS, X.509, platform and PSA options) plus
tlsfit_crypto_config.h (the PSA_WANT_* macros), which mbedtls_config.h names
in MBEDTLS_PSA_CRYPTO_CONFIG_FILE. The crypto file has a name of tlsfit's
own so that no psa/crypto_config.h of Mbed TLS or a platform on the include
path can shadow it; whoever builds Mbed TLS puts the config directory on the
include path.

Pure functions from the resolution to text; the templates environment and
the banner fields are shared with the platform renderers. Output is
deterministic: no dates, no absolute paths.
"""

from __future__ import annotations

import jinja2

from tlsfit import MBEDTLS_LINE, __version__
import hashlib

from tlsfit.generate.duties import product_duties
from tlsfit.generate.model import is_psa_want
from tlsfit.paths import TEMPLATES_DIR
from tlsfit.generate.resolve import Resolution, ResolvedOption

HEADER_NAME = "mbedtls_config.h"
CRYPTO_CONFIG_NAME = "tlsfit_crypto_config.h"


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


def _width(lines: list[str]) -> int:
    return max((len(line) for line in lines), default=40)


def header_options(resolution: Resolution) -> tuple[ResolvedOption, ...]:
    """The options that go into mbedtls_config.h."""
    return tuple(o for o in resolution.options if not is_psa_want(o.name))


def psa_wants(resolution: Resolution) -> tuple[ResolvedOption, ...]:
    """The PSA_WANT_* macros that go into the crypto config file (PSA backend only)."""
    return tuple(o for o in resolution.options if is_psa_want(o.name))


def backend(resolution: Resolution) -> str:
    return "psa" if resolution.enabled("MBEDTLS_PSA_CRYPTO_CONFIG") else "legacy"


def render_header(resolution: Resolution) -> str:
    options = header_options(resolution)
    crypto_file = CRYPTO_CONFIG_NAME if backend(resolution) == "psa" else None
    lines = [f"#define {o.name}" + ("" if o.is_bool else f" {o.value}") for o in options]
    if crypto_file:
        lines.append(f'#define MBEDTLS_PSA_CRYPTO_CONFIG_FILE "{crypto_file}"')
    return template_env().get_template("mbedtls_config.h.j2").render(
        options=options, duties=product_duties(resolution), width=_width(lines),
        kept=resolution.kept,
        crypto_file=crypto_file, placement=curve_placement(resolution),
        **banner_fields(resolution))


def render_crypto_config(resolution: Resolution) -> str | None:
    """tlsfit_crypto_config.h of the PSA backend; None for the legacy backend."""
    if backend(resolution) != "psa":
        return None
    wants = psa_wants(resolution)
    lines = [f"#define {o.name} 1" for o in wants]
    return template_env().get_template("tlsfit_crypto_config.h.j2").render(
        wants=wants, width=_width(lines), header=HEADER_NAME,
        placement=curve_placement(resolution), **banner_fields(resolution))


def curve_placement(resolution: Resolution) -> tuple[tuple[str, str], ...]:
    """Which implementation does each curve on the PSA backend: (curve, where)."""
    if backend(resolution) != "psa":
        return ()
    placed = []
    if resolution.enabled("PSA_WANT_ECC_SECP_R1_256"):
        placed.append(("P-256", "p256-m driver" if resolution.enabled(
            "MBEDTLS_PSA_P256M_DRIVER_ENABLED") else "built-in ECC (ecp.c)"))
    if resolution.enabled("PSA_WANT_ECC_SECP_R1_384"):
        placed.append(("P-384", "built-in ECC (ecp.c)"))
    if resolution.enabled("PSA_WANT_ECC_MONTGOMERY_255"):
        placed.append(("X25519", "built-in ECC (ecp.c)"))
    return tuple(placed)


def render_config(resolution: Resolution) -> dict[str, str]:
    """The config files of RESOLUTION: name -> text (the header, and the crypto file if any)."""
    files = {HEADER_NAME: render_header(resolution)}
    crypto = render_crypto_config(resolution)
    if crypto is not None:
        files[CRYPTO_CONFIG_NAME] = crypto
    return files


def config_sha256(files: dict[str, str]) -> str:
    """The digest of a config: of the header alone, or of the header then the crypto file."""
    text = files[HEADER_NAME] + files.get(CRYPTO_CONFIG_NAME, "")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
