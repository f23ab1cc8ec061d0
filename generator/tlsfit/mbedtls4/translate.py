"""Translate a PSA-backend resolution, proven on Mbed TLS 3.6, into Mbed TLS 4.x config files.

Mbed TLS 4.x splits the configuration: TLS and X.509 options in Mbed TLS's
config file, everything about crypto (``PSA_WANT_*``, PK, PEM, ASN.1, platform,
entropy, size tunings) in TF-PSA-Crypto's. Each option of the 3.6 config goes
to the file whose option list (``facts.json``) has it; an option 4.x does not
have follows its recorded fate (always on, internal, renamed, its ``PSA_WANT_*``)
or, if 4.x cannot express it, the translation fails naming it. What changed,
and why, is part of the result, for the banner and the manifest.

This is a translation, not a build: tlsfit's tests do not build Mbed TLS 4.x
(not in Debian). ``compile-check --mbedtls-src`` with a 4.x tree builds it.
"""

from __future__ import annotations

from dataclasses import dataclass

from tlsfit.errors import TlsfitError
from tlsfit.generate.duties import Duty, product_duties
from tlsfit.generate.model import is_psa_want
from tlsfit.generate.render import backend
from tlsfit.generate.resolve import Resolution
from tlsfit.mbedtls4.facts import Mbedtls4Facts, load_facts

SUITE_LIST = "MBEDTLS_SSL_CIPHERSUITES"


@dataclass(frozen=True)
class Line:
    """One #define of a translated file."""

    name: str
    value: str          # "" for a flag
    why: str            # the requirements, or what it stands for


@dataclass(frozen=True)
class Translated:
    facts: Mbedtls4Facts
    tls: tuple[Line, ...]           # Mbed TLS's config file
    crypto: tuple[Line, ...]        # TF-PSA-Crypto's config file
    changes: tuple[tuple[str, str, str], ...]    # (3.6 option, what became of it, why; source)
    duties: tuple[Duty, ...]

    def names(self) -> frozenset[str]:
        return frozenset(x.name for x in self.tls + self.crypto)


def translate(resolution: Resolution, line: str) -> Translated:
    """RESOLUTION (PSA backend) as Mbed TLS LINE's two config files."""
    facts = load_facts(line)
    profile = resolution.profile.name
    if backend(resolution) != "psa":
        raise TlsfitError(f"{profile}: the Mbed TLS 4.x translation takes the PSA-backend "
                          "configuration (4.x configures crypto with PSA_WANT_* only)")
    tls: list[Line] = []
    crypto: dict[str, Line] = {}
    changes: list[tuple[str, str, str]] = []
    lost: list[str] = []
    for o in resolution.options:
        value = "1" if is_psa_want(o.name) else "" if o.is_bool else o.value
        why = ", ".join(o.roots)
        if o.name in facts.tls_options:
            tls.append(Line(o.name, value, why))
        elif o.name in facts.crypto_options:
            crypto.setdefault(o.name, Line(o.name, value, why))
        elif o.name in facts.fates:
            fate = facts.fates[o.name]
            note = f"{fate.why} ({fate.source})"
            if fate.fate in ("always", "internal"):
                changes.append((o.name, "dropped: " + ("always on in 4.x" if fate.fate == "always"
                                                       else "internal to 4.x"), note))
            elif fate.fate == "gone":
                lost.append(f"{o.name} ({why}): {note}")
            else:
                for new in fate.to:
                    if new not in facts.crypto_options | facts.tls_options:
                        raise TlsfitError(f"Mbed TLS {line} facts: {o.name} -> {new}, which is "
                                          "not a 4.x option (model problem)")
                    crypto.setdefault(new, Line(new, "1" if is_psa_want(new) else "",
                                                f"{o.name} in 3.6 ({why})"))
                changes.append((o.name, ("renamed" if fate.fate == "renamed" else "as")
                                + f" {' + '.join(fate.to)}", note))
        else:
            lost.append(f"{o.name} ({why}): not an Mbed TLS {line} option, and tlsfit has no "
                        "fact about what replaces it")
    if lost:
        raise TlsfitError(f"{profile}: Mbed TLS {facts.mbedtls} cannot express: "
                          + "; ".join(lost))
    present = {x.name for x in tls} | set(crypto)
    for name, (added, why) in facts.requires.items():
        if name in present:
            for new in added:
                if new not in present:
                    crypto[new] = Line(new, "1" if is_psa_want(new) else "",
                                       f"Mbed TLS 4.x asks it with {name}")
                    changes.append((new, f"added: 4.x asks it with {name}", why))
    for name, (other, why) in facts.conflicts.items():
        if name in present and other in present:
            tls = [x for x in tls if x.name != name]
            crypto.pop(name, None)
            changes.append((name, f"dropped: cannot stay with {other} in 4.x", why))
    suites = next((x for x in tls if x.name == SUITE_LIST), None)
    if suites is not None:
        unknown = [s.strip() for s in suites.value.split(",")
                   if s.strip() and s.strip() not in facts.ciphersuites]
        if unknown:
            raise TlsfitError(f"{profile}: Mbed TLS {facts.mbedtls} has no ciphersuite "
                              f"{', '.join(unknown)}")
    return Translated(facts=facts, tls=tuple(tls), crypto=tuple(crypto.values()),
                      changes=tuple(changes), duties=_duties(resolution))


def _duties(resolution: Resolution) -> tuple[Duty, ...]:
    """The 3.6 duties as 4.x has them: entropy through mbedtls_platform_get_entropy(), no RNG
    callbacks (every function takes PSA's RNG), psa_crypto_init() always."""
    out = []
    for d in product_duties(resolution):
        if d.key == "entropy":
            out.append(Duty("entropy", "implement mbedtls_platform_get_entropy() "
                                       "(MBEDTLS_PSA_DRIVER_GET_ENTROPY) on a real TRNG; never a "
                                       "constant or a clock"))
        elif d.key == "psa_init":
            out.append(Duty("psa_init", "call psa_crypto_init() once before the first TLS, "
                                        "X.509, PK or PSA call"))
        elif d.key == "f_rng":
            continue        # 4.x functions take no RNG: PSA's generator is used throughout
        else:
            out.append(d)
    return tuple(out)
