"""Zephyr 4.4+ prj.conf fragments for Mbed TLS 4.x, with the two user config files.

Zephyr's symbols where they exist (TLS and X.509 ``CONFIG_MBEDTLS_*``,
``CONFIG_PSA_WANT_*``, TF-PSA-Crypto options), found by the shared solver over
the release's two config headers; what Kconfig cannot say goes to the user
files, which the libraries include last: the TF-PSA-Crypto one fixes crypto
options, the Mbed TLS one TLS options (an ``#undef`` of a TLS option in the
crypto file would be redefined by Zephyr's Mbed TLS config file after it). The
macros the fragment gives are then exactly the translated 4.x config's. The
fragment stands for the Mbed TLS 4.x translation of the profile's PSA-backend
config and says so.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tlsfit.errors import TlsfitError
from tlsfit.generate.resolve import Resolution
from tlsfit.mbedtls4.translate import Translated, translate
from tlsfit.platform.releases import rendered_once
from tlsfit.platform.rules import apply_rules
from tlsfit.platform.solve import Assignment, Menu, solve
from tlsfit.zephyr4.check import evaluate
from tlsfit.zephyr4.model import Zephyr4Release, load_release, releases
from tlsfit.zephyr4.tree import Zephyr4Tree, open_tree

TLS_USER_NAME = "tlsfit_mbedtls_user_config.h"
CRYPTO_USER_NAME = "tlsfit_tf_psa_crypto_user_config.h"
#: Nothing of Zephyr's is a port the fragment leaves alone: every macro is the header's.
_NO_PORT = re.compile(r"(?!)")


@dataclass(frozen=True)
class Zephyr4Fragment:
    version: str
    tag: str
    released: bool
    mbedtls4_line: str
    assignments: tuple[Assignment, ...]
    tls_fixes: tuple[tuple[str, str | None, str], ...]     # (macro, value or None=undef, why)
    crypto_fixes: tuple[tuple[str, str | None, str], ...]
    notes: tuple[str, ...]


def model_tree(version: str) -> Zephyr4Tree:
    from tlsfit.zephyr4.fixture import render_tree

    return open_tree(rendered_once("zephyr4", version, render_tree), is_model=True)


def _evaluate(tree: Zephyr4Tree, assign: dict[str, str]) -> tuple[dict[str, str], list]:
    with tempfile.TemporaryDirectory(prefix="tlsfit-z4f-") as tmp:
        frag = Path(tmp) / "prj.conf"
        frag.write_text("".join(f"CONFIG_{s}={v}\n" for s, v in assign.items()), encoding="utf-8")
        result = evaluate(tree, [frag])
    return result.values, list(result.problems)


def zephyr_macros(rel: Zephyr4Release, values: dict[str, str]) -> tuple[dict[str, str],
                                                                        dict[str, str]]:
    """What Zephyr's two config headers give for these values: (crypto file, TLS file)."""
    crypto = apply_rules(rel.crypto_rules, values, {})
    tls = apply_rules(rel.tls_rules, values, crypto)
    return crypto, {k: v for k, v in tls.items() if k not in crypto or crypto[k] != v}


def _menu(rel: Zephyr4Release, fixed: dict[str, str]) -> Menu:
    tree = model_tree(rel.version)

    def macros(values: dict[str, str]) -> dict[str, str]:
        crypto, tls = zephyr_macros(rel, values)
        return {**crypto, **tls}
    return Menu(platform=f"Zephyr {rel.version}", rules=rel.crypto_rules + rel.tls_rules,
                symbols=rel.kconfig_symbols, macros=macros,
                evaluate=lambda assign: _evaluate(tree, {**fixed, **assign}), port=_NO_PORT,
                fixed_choices=frozenset(rel.fixed_choices))


def _fixes(zephyr: dict[str, str], wanted: dict[str, str],
           why_missing: str) -> tuple[tuple[str, str | None, str], ...]:
    out: list[tuple[str, str | None, str]] = []
    for m in sorted(zephyr.keys() | wanted.keys()):
        if m.endswith("_CONFIG_FILE"):
            continue
        if m in zephyr and m not in wanted:
            out.append((m, None, f"Zephyr's header defines it ({zephyr[m] or 'on'}); the "
                                 "config does not have it"))
        elif m in wanted and zephyr.get(m) != wanted[m]:
            out.append((m, wanted[m], f"Zephyr's header gives {zephyr[m]}" if m in zephyr
                        else why_missing))
    return tuple(out)


def _fragment(resolution: Resolution, rel: Zephyr4Release) -> Zephyr4Fragment:
    t: Translated = translate(resolution, rel.mbedtls4_line)
    wanted_tls = {x.name: x.value for x in t.tls}
    wanted_crypto = {x.name: x.value for x in t.crypto}
    syms = rel.file_symbols
    fixed = {**rel.fixed, syms["tls_user"]: f'"{TLS_USER_NAME}"',
             syms["crypto_user"]: f'"{CRYPTO_USER_NAME}"'}
    fixed = {k: v for k, v in fixed.items() if k in rel.symbol_names()}
    solution = solve(_menu(rel, fixed), {**wanted_crypto, **wanted_tls})
    crypto, tls = zephyr_macros(rel, {**solution.values})
    # a TLS option Zephyr's crypto header gives, or the reverse, is fixed in the file of its kind
    tls_side = t.facts.tls_options
    all_zephyr = {**crypto, **tls}
    z_tls = {m: v for m, v in all_zephyr.items() if m in tls_side}
    z_crypto = {m: v for m, v in all_zephyr.items() if m not in tls_side}
    missing = f"no Zephyr {rel.version} symbol gives it"
    tls_fixes = _fixes(z_tls, wanted_tls, missing)
    crypto_fixes = _fixes(z_crypto, wanted_crypto, missing)
    assign = {**fixed, **solution.assign}
    why = {**{k: rel.why.get(k, "the user file: what Kconfig cannot say") for k in fixed},
           **solution.why}
    notes = [f"TRANSLATED: this fragment stands for the Mbed TLS {rel.mbedtls4_line} "
             "translation of the profile's PSA-backend config (the two files in this directory), "
             "which tlsfit builds and runs on Mbed TLS 3.6; tlsfit's tests do not build Mbed TLS "
             "4.x.",
             "Mbed TLS allocates with calloc()/free() from the C library heap, as in tlsfit's "
             "measurements: give the C library a heap (CONFIG_COMMON_LIBC_MALLOC_ARENA_SIZE) of at "
             "least the heap peak 'tlsfit measure' reports, per connection."]
    if not rel.released:
        notes.insert(0, f"Zephyr {rel.version} was not released when tlsfit's facts were read: "
                        "they are Zephyr main of that cycle (low confidence; see the manifest).")
    for key, text in ((d.key, d.text) for d in t.duties):
        if key == "entropy":
            notes.append("Zephyr's entropy glue provides mbedtls_platform_get_entropy() for "
                         "MBEDTLS_PSA_DRIVER_GET_ENTROPY: the board's driver must be a real TRNG.")
        elif key == "psa_init":
            notes.append("Zephyr calls psa_crypto_init() at boot; the product must not use TLS "
                         "before it.")
    return Zephyr4Fragment(
        version=rel.version, tag=rel.tag, released=rel.released,
        mbedtls4_line=rel.mbedtls4_line,
        assignments=tuple(Assignment(s, v, why.get(s, "")) for s, v in assign.items()),
        tls_fixes=tls_fixes, crypto_fixes=crypto_fixes, notes=tuple(notes))


@lru_cache(maxsize=64)
def zephyr4_fragment(resolution: Resolution, version: str) -> Zephyr4Fragment:
    """The prj.conf and user files of RESOLUTION (PSA backend) for Zephyr VERSION (4.4+)."""
    if version not in releases():
        raise TlsfitError(f"unknown Zephyr version {version}; known on Mbed TLS 4.x: "
                          f"{', '.join(releases())}")
    return _fragment(resolution, load_release(version))
