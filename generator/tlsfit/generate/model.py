"""Load the Kconfig model (requirements + Mbed TLS options) with Kconfiglib.

A warning while parsing the model is a bug in tlsfit's model, so it is an
error here. Kconfig objects are mutable: each resolution gets a fresh one.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import kconfiglib

from tlsfit.errors import TlsfitError
from tlsfit.paths import KCONFIG_TOP

MODEL_PREFIXES = ("MBEDTLS_", "PSA_WANT_")
DERIVED_PREFIX = "TLSFIT_"


def load_model(extra: str = "") -> kconfiglib.Kconfig:
    """A fresh Kconfig tree with tlsfit's settings for loading profiles; EXTRA is Kconfig text
    added after the model (the requirements that keep options for the rest of the image)."""
    try:
        if not extra:
            kconf = kconfiglib.Kconfig(str(KCONFIG_TOP), warn_to_stderr=False)
        else:
            with tempfile.TemporaryDirectory(prefix="tlsfit-model-") as tmp:
                top = Path(tmp) / "Kconfig"
                text = KCONFIG_TOP.read_text(encoding="utf-8").replace(
                    'rsource "', f'source "{KCONFIG_TOP.parent}/')
                top.write_text(text + "\n" + extra, encoding="utf-8")
                kconf = kconfiglib.Kconfig(str(top), warn_to_stderr=False)
    except kconfiglib.KconfigError as exc:
        raise TlsfitError(f"the Kconfig model does not parse: {exc}") from None
    if kconf.warnings:
        raise TlsfitError("the Kconfig model has warnings:\n" + "\n".join(kconf.warnings))
    # Overlays override earlier fragments on purpose; duplicates inside one
    # file are reported by resolve.py with both lines.
    kconf.warn_assign_override = False
    kconf.warn_assign_redun = False
    kconf.warn_assign_undef = True
    return kconf


def is_option(sym: kconfiglib.Symbol) -> bool:
    """An Mbed TLS option or PSA_WANT_* macro of the model (name == macro name)."""
    return sym.name.startswith(MODEL_PREFIXES)


def is_psa_want(name: str) -> bool:
    """A PSA_WANT_* macro: it goes to the crypto config file, not mbedtls_config.h."""
    return name.startswith("PSA_WANT_")


def is_requirement(sym: kconfiglib.Symbol) -> bool:
    """A symbol a profile may set: it has a prompt."""
    return not is_option(sym) and any(node.prompt for node in sym.nodes)


def requirement_symbols(kconf: kconfiglib.Kconfig) -> list[kconfiglib.Symbol]:
    return [s for s in kconf.unique_defined_syms if is_requirement(s)]


def option_names() -> frozenset[str]:
    """Every option and PSA_WANT_* macro the model knows."""
    return frozenset(s.name for s in option_symbols(load_model()))


def option_symbols(kconf: kconfiglib.Kconfig) -> list[kconfiglib.Symbol]:
    return [s for s in kconf.unique_defined_syms if is_option(s)]
