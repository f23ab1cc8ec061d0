"""Options a profile keeps for the rest of the image (``KEEP_OPTIONS``).

Another component of the product can need an Mbed TLS option the device's TLS
does not (a Wi-Fi supplicant writes keys: ``MBEDTLS_PK_WRITE_C``). The
profile names it with a reason; each kept option becomes a requirement of its
own (``KEPT_<NAME>``, selecting the option) in the model that resolves the
profile, so that what it needs comes with it and every reason chain ends at
the name the user wrote.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from tlsfit.errors import TlsfitError
from tlsfit.generate.profile import ProfileSource

SYMBOL = "KEEP_OPTIONS"
PREFIX = "KEPT_"
_NAME = re.compile(r"^(MBEDTLS_|PSA_WANT_)[A-Z0-9_]+$")


@dataclass(frozen=True)
class Kept:
    name: str          # MBEDTLS_PK_WRITE_C
    reason: str

    @property
    def symbol(self) -> str:
        return PREFIX + self.name


def kept_options(profile: ProfileSource, known: frozenset[str]) -> tuple[Kept, ...]:
    """The profile's KEEP_OPTIONS (its last assignment), checked against the model's option
    names KNOWN; one error naming the file and line for anything wrong."""
    locs = profile.assignments().get(SYMBOL)
    if not locs:
        return ()
    loc = locs[-1]
    if loc.text.startswith("#"):
        return ()
    raw = loc.text.split("=", 1)[1].strip()
    if len(raw) < 2 or raw[0] != '"' or raw[-1] != '"':
        raise TlsfitError(f'{loc}: error: CONFIG_{SYMBOL} takes a quoted string: '
                          f'"NAME: reason; NAME: reason"')
    kept: list[Kept] = []
    for n, entry in enumerate(p.strip() for p in raw[1:-1].split(";")):
        if not entry:
            continue
        name, sep, reason = (part.strip() for part in entry.partition(":"))
        if not _NAME.match(name):
            raise TlsfitError(f"{loc}: error: CONFIG_{SYMBOL} entry {n + 1} '{entry}': expected "
                              "'MBEDTLS_NAME: reason' or 'PSA_WANT_NAME: reason'")
        if not sep or not reason:
            raise TlsfitError(f"{loc}: error: CONFIG_{SYMBOL}: {name} has no reason (write "
                              f"'{name}: what in the image needs it')")
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise TlsfitError(f"{loc}: error: CONFIG_{SYMBOL}: {name} is not an option tlsfit's "
                              f"model of Mbed TLS 3.6 knows{hint}")
        if any(k.name == name for k in kept):
            raise TlsfitError(f"{loc}: error: CONFIG_{SYMBOL}: {name} is named twice")
        kept.append(Kept(name, reason))
    return tuple(kept)


def kconfig_text(kept: tuple[Kept, ...]) -> str:
    """The requirements that keep each option, for the model that resolves the profile."""
    out = []
    for k in kept:
        out += [f"config {k.symbol}", f'\tbool "keep {k.name} for the rest of the image"',
                "\tdefault y", f"\tselect {k.name}", ""]
    return "\n".join(out)
