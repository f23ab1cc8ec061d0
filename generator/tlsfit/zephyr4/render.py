"""Render a Zephyr 4.4+ fragment, its two user files and its manifest entry (Jinja2)."""

from __future__ import annotations

from tlsfit.generate.render import banner_fields, template_env
from tlsfit.generate.resolve import Resolution
from tlsfit.mbedtls4.render import CRYPTO_NAME, TLS_NAME
from tlsfit.zephyr4.fragments import CRYPTO_USER_NAME, TLS_USER_NAME, Zephyr4Fragment
from tlsfit.zephyr4.model import load_release


def render_prj_conf(resolution: Resolution, z: Zephyr4Fragment) -> str:
    text = template_env().get_template("prj4.conf.j2").render(z=z, **banner_fields(resolution))
    return text.rstrip() + "\n"


def render_user_files(resolution: Resolution, z: Zephyr4Fragment) -> dict[str, str]:
    rel = load_release(z.version)
    env = template_env()
    out = {}
    for name, what, library, symbol, header, fixes, stands_for in (
            (TLS_USER_NAME, "Mbed TLS user config", "Mbed TLS", rel.file_symbols["tls_user"],
             rel.config_headers["tls"], z.tls_fixes, TLS_NAME),
            (CRYPTO_USER_NAME, "TF-PSA-Crypto user config", "TF-PSA-Crypto",
             rel.file_symbols["crypto_user"], rel.config_headers["crypto"], z.crypto_fixes,
             CRYPTO_NAME)):
        out[name] = env.get_template("tlsfit_user_config4.h.j2").render(
            z=z, what=what, library=library, symbol=symbol, header=header, fixes=fixes,
            stands_for=stands_for, **banner_fields(resolution)).rstrip() + "\n"
    return out


def manifest_entry(z: Zephyr4Fragment, base: str) -> dict[str, object]:
    return {"fragment": f"{base}/prj.conf", "user_files": [f"{base}/{TLS_USER_NAME}",
                                                           f"{base}/{CRYPTO_USER_NAME}"],
            "stands_for": [f"{base}/{TLS_NAME}", f"{base}/{CRYPTO_NAME}"],
            "zephyr_tag": z.tag, "released": z.released, "mbedtls": z.mbedtls4_line,
            "assignments": {f"CONFIG_{a.symbol}": a.value for a in z.assignments},
            "tls_user_fixes": [m for m, _, _ in z.tls_fixes],
            "crypto_user_fixes": [m for m, _, _ in z.crypto_fixes],
            "notes": list(z.notes)}
