"""nRF Connect SDK prj.conf fragments that bring nrf_security's generated config as close to the
proven header as its Kconfig can.

NCS 2.8 to 3.3 generate ``nrf-config.h`` from Kconfig and have no supported way to supply a
whole header (``CONFIG_GENERATE_MBEDTLS_CFG_FILE`` was removed after 2.7, and
``CONFIG_MBEDTLS_CFG_FILE`` only renames the generated file). So the fragment sets the symbols,
picks nrf_security's path and declares what remains different, each with its reason:

* the PSA path (the default): TLS and X.509 on PSA crypto (``CONFIG_PSA_WANT_*``); the fragment
  stands for the profile's PSA-backend config;
* the legacy path (``CONFIG_MBEDTLS_LEGACY_CRYPTO_C``, deprecated): the only way to
  ``MBEDTLS_RSA_C``, which every RSA key exchange needs in these releases (``Kconfig.tls``:
  ``MBEDTLS_HAS_RSA_CIPHERSUITE_REQUIREMENTS``); the fragment stands for the legacy-backend
  config, and says so.

Kconfig values come from Kconfiglib over the release's model, the evaluation the check runs.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tlsfit.errors import TlsfitError
from tlsfit.generate.resolve import Resolution
from tlsfit.mbedtls4.translate import translate
from tlsfit.ncs.check import evaluate
from tlsfit.ncs.kconfig import NcsTree, render_model
from tlsfit.ncs.model import LEGACY_SWITCH, NcsRelease, keypair_closure, load_release, releases
from tlsfit.platform.releases import rendered_once
from tlsfit.platform.rules import symbol_macros
from tlsfit.platform.solve import Assignment, Menu, solve

FRAGMENT_NAME = "prj.conf"
#: nrf_security's port: its PSA core and drivers, platform, entropy and threading glue. The
#: fragment leaves them as nrf_security configures them for the SoC.
_PORT = re.compile(r"(_ALT)$|^MBEDTLS_PLATFORM_|^MBEDTLS_PSA_CRYPTO_(SPM|CLIENT|KEY_ID_|BUILTIN_"
                   r"|EXTERNAL_RNG|STORAGE_C|ITS_)|^MBEDTLS_THREADING_|^MBEDTLS_ENTROPY_"
                   r"|^MBEDTLS_NO_PLATFORM_ENTROPY$|^MBEDTLS_MEMORY_|^MBEDTLS_(CTR|HMAC)_DRBG_"
                   r"|^MBEDTLS_DEBUG_C$|^MBEDTLS_PSA_ACCEL_|^MBEDTLS_PSA_BUILTIN_"
                   r"|^MBEDTLS_PSA_P256M_DRIVER_ENABLED$|^PSA_WANT_GENERATE_RANDOM$"
                   r"|^MBEDTLS_HAVE_ASM$|^MBEDTLS_VERSION_|^MBEDTLS_ERROR_STRERROR_DUMMY$")
#: What a profile cannot do without (as for ESP-IDF): a module, key exchange, curve, version,
#: PSA algorithm or key type.
_FUNCTIONAL = re.compile(r"^(?!MBEDTLS_PSA_P256M_DRIVER_ENABLED$)MBEDTLS_.*(_C|_ENABLED)$"
                         r"|^MBEDTLS_SSL_PROTO_|^MBEDTLS_SSL_SERVER_NAME_INDICATION$"
                         r"|^PSA_WANT_(ALG|KEY_TYPE|ECC)_")
#: Turned on first: nrf_security itself, Zephyr's Mbed TLS (TLS and X.509 live under it). In
#: 3.4 NRF_SECURITY has no prompt: CONFIG_PSA_CRYPTO (Zephyr's PSA provider, custom on Nordic
#: SoCs) turns it on (nrf_security Kconfig; NCS 3.4 release notes).
_BASE = {"NRF_SECURITY": "y", "MBEDTLS": "y"}
_BASE_4X = {"PSA_CRYPTO": "y", "MBEDTLS": "y"}


def _base(rel: NcsRelease) -> dict[str, str]:
    return _BASE_4X if rel.is_4x else _BASE


@dataclass(frozen=True)
class NcsFragment:
    version: str
    tag: str
    mbedtls_version: str
    path: str                      # "psa" | "legacy"
    assignments: tuple[Assignment, ...]
    declared: tuple[tuple[str, str, str], ...]     # (macro, +|-|~, why)
    notes: tuple[str, ...]
    #: deprecated symbols the fragment must set, each with why (``# tlsfit-deprecated:``)
    deprecated: tuple[tuple[str, str], ...] = ()
    mbedtls4_line: str | None = None               # 3.4+: the 4.x translation it stands for


def model_tree(version: str) -> NcsTree:
    rel = load_release(version)
    where = rendered_once("ncs", version,
                          lambda v, dest: render_model(rel.model_text(), rel.harness, dest))
    return NcsTree(harness=rel.harness, nrf=None, zephyr=None, model=where)


def _evaluate(rel: NcsRelease, assign: dict[str, str]) -> tuple[dict[str, str], list]:
    with tempfile.TemporaryDirectory(prefix="tlsfit-nf-") as tmp:
        frag = Path(tmp) / FRAGMENT_NAME
        frag.write_text("".join(f"CONFIG_{s}={v}\n" for s, v in assign.items()), encoding="utf-8")
        result = evaluate(model_tree(rel.version), rel, [frag])
    return result.values, list(result.problems)


#: nrf_security 2.8 to 3.3 always build X.509 and PK with TLS (Kconfig.tls: MBEDTLS_TLS_LIBRARY
#: selects MBEDTLS_X509_LIBRARY, which selects MBEDTLS_PK_C), and Mbed TLS's check_config.h
#: refuses MBEDTLS_PK_C without a key type: a profile without certificates (PSK) gets the
#: smallest one, an EC public key on P-256.
_PK_NEEDS_A_KEY = {
    "PSA_WANT_KEY_TYPE_ECC_PUBLIC_KEY": "nrf_security's TLS always brings MBEDTLS_PK_C "
    "(TLS_LIBRARY selects X509_LIBRARY, which selects PK_C) and check_config.h refuses PK_C "
    "without a key type: the smallest one",
    "PSA_WANT_ECC_SECP_R1_256": "the curve of that key type"}


def menu(rel: NcsRelease, path: str, extra: dict[str, str] | None = None) -> Menu:
    switch = {} if rel.is_4x else {LEGACY_SWITCH: "y" if path == "legacy" else "n"}
    switch = {**switch, **(extra or {})}
    rules = rel.legacy if path == "legacy" else rel.nrf_config
    return Menu(platform=f"nRF Connect SDK {rel.version}", rules=rules + rel.psa_want,
                symbols=rel.kconfig_symbols,
                macros=lambda values: rel.macros({**values, **switch}),
                evaluate=lambda assign: _evaluate(rel, {**_base(rel), **assign, **switch}),
                port=_PORT, allow_deprecated=True)


def _deprecated_symbols(rel: NcsRelease) -> frozenset[str]:
    """Symbols whose definition selects DEPRECATED (Zephyr's mark)."""
    return frozenset(sym["name"] for sym in rel.kconfig_symbols
                     if any(t == "DEPRECATED" for t, _ in sym.get("selects", ())))


def _wanted(resolution: Resolution, line: str | None = None) -> dict[str, str]:
    """The header's macros; a PSA_WANT flag is 1, as crypto config files define it. For a 4.x
    release (LINE) the macros of the Mbed TLS 4.x translation."""
    if line is not None:
        t = translate(resolution, line)
        return keypair_closure({x.name: x.value for x in t.tls + t.crypto})
    return keypair_closure({
        o.name: ("1" if o.name.startswith("PSA_WANT_") else "") if o.is_bool else o.value
        for o in resolution.options})


def _declare(rel: NcsRelease, menu_: Menu, wanted: dict[str, str], got: dict[str, str],
             why: dict[str, str], blocked: dict[str, str]) -> list[tuple[str, str, str]]:
    sym_macros, _ = symbol_macros(menu_.rules)
    sym_of = {m: s for s, ms in sym_macros.items() for m in ms}
    declared = []
    for m in sorted(got.keys() | wanted.keys()):
        if m.endswith(("_CONFIG_FILE", "_H")):     # file names and include guards
            continue
        sym = sym_of.get(m)
        if m in got and m not in wanted:
            reason = (f"from CONFIG_{sym}: {why[sym]} in nrf_security's Kconfig"
                      if sym and "depends on it" in why.get(sym, "") else
                      f"nrf_security's port (CONFIG_{sym})" if sym and menu_.port.search(m) else
                      f"from CONFIG_{sym}, which the fragment cannot turn off here"
                      if sym else "nrf-config.h always defines it here; no symbol turns it off")
            declared.append((m, "+", reason))
        elif m in wanted and m not in got:
            reason = (f"CONFIG_{sym} would give it, but {blocked[sym]}" if sym in blocked else
                      f"no nRF Connect SDK {rel.version} symbol gives it")
            declared.append((m, "-", reason))
        elif got[m] != wanted[m]:
            declared.append((m, "~", f"nrf_security gives {got[m]}"))
    return declared


def _attempt(rel: NcsRelease, resolution: Resolution, path: str,
             psa_wants: dict[str, str] | None = None) -> tuple[NcsFragment, list[str]]:
    header = _wanted(resolution, rel.mbedtls4_line)   # what the header it stands for has
    wanted = header
    if psa_wants:   # the legacy path still configures the PSA core by PSA_WANT_*
        wanted = keypair_closure({**wanted, **psa_wants})
    keep: dict[str, str] = {}
    if ("MBEDTLS_RSA_C" not in wanted
            and not any(k.startswith("PSA_WANT_KEY_TYPE_ECC_") for k in wanted)):
        keep = _PK_NEEDS_A_KEY
        wanted = {**wanted, **{k: "1" for k in keep}}
    # NCS 3.4: nrf_security's TLS library has no prompt; Zephyr's TLS sockets turn it on
    # (Kconfig.tls: MBEDTLS_TLS_LIBRARY default y if NET_SOCKETS_SOCKOPT_TLS)
    extra = ({"NET_SOCKETS_SOCKOPT_TLS": "y"}
             if rel.is_4x and "MBEDTLS_SSL_TLS_C" in wanted else {})
    m = menu(rel, path, extra)
    solution = solve(m, wanted)
    assign = {**_base(rel), **extra, **({LEGACY_SWITCH: "y"} if path == "legacy" else {}),
              **{k: v for k, v in solution.assign.items() if k != LEGACY_SWITCH}}
    got = m.macros(solution.values)
    declared = _declare(rel, m, keypair_closure(header), got, solution.why, solution.blocked)
    declared = [(n, k, "the PSA core's PSA_WANT_* on the legacy path (its template defines "
                 "MBEDTLS_PSA_CRYPTO_CONFIG): those of the profile's PSA variant")
                if psa_wants and k == "+" and n in psa_wants else
                (n, k, keep[n]) if k == "+" and n in keep else (n, k, w)
                for n, k, w in declared]
    lost = [name for name, kind, _ in declared
            if kind == "-" and _FUNCTIONAL.search(name) and not m.port.search(name)]
    why = {**solution.why, "NRF_SECURITY": "nrf_security builds Mbed TLS and the PSA core",
           "PSA_CRYPTO": "the PSA core; on Nordic SoCs its provider is nrf_security (Oberon)",
           "NET_SOCKETS_SOCKOPT_TLS": "Zephyr's TLS sockets, which turn on nrf_security's TLS "
           "library in NCS 3.4 (it has no prompt); needs CONFIG_NET_SOCKETS",
           "MBEDTLS": "Zephyr's Mbed TLS (TLS and X.509)"}
    for k in resolution.kept:    # an option the rest of the image needs: say whose
        for sym, text in list(why.items()):
            if k.name in text.split("; "):
                why[sym] = f"kept for the rest of the image: {k.reason} ({k.name})"
    deprecated = tuple((s_, why.get(s_, "") or "needed here") for s_, v in assign.items()
                       if v == "y" and s_ in _deprecated_symbols(rel))
    if path == "legacy":
        why[LEGACY_SWITCH] = ("deprecated, but the only way to MBEDTLS_RSA_C, which an RSA key "
                              "exchange needs here (Kconfig.tls: "
                              "MBEDTLS_HAS_RSA_CIPHERSUITE_REQUIREMENTS)")
    notes = [f"nRF Connect SDK {rel.version} ({rel.tag}, Mbed TLS {rel.mbedtls_version}) "
             "generates nrf-config.h from Kconfig; it has no supported way to use a whole "
             "header of your own, so what nrf_security keeps on is declared below."]
    if rel.is_4x:
        notes += [f"TRANSLATED: it stands for the Mbed TLS {rel.mbedtls4_line} translation of "
                  "the profile's PSA-backend config (in this directory), which tlsfit builds "
                  "and runs on Mbed TLS 3.6; tlsfit's tests do not build Mbed TLS 4.x. NCS "
                  f"{rel.version} generates nrf-config.h (TLS) and the TF-PSA-Crypto config "
                  "(PSA_WANT_* and the crypto options) from Kconfig."]
    notes += [
             "nrf_security's PSA core, drivers (Oberon by default on nRF5340/nRF91) and entropy "
             "are left as NCS configures them for the SoC.",
             "CONFIG_MBEDTLS_SSL_CIPHERSUITES is not written: nrf_security maps it with "
             "kconfig_check_and_set_base(), which writes '#define MBEDTLS_SSL_CIPHERSUITES True' "
             "(cmake/nrf_config.cmake); the key-exchange symbols restrict the suites instead."]
    if path == "legacy":
        notes.insert(1, "LEGACY PATH: this profile needs MBEDTLS_RSA_C (an RSA key exchange), "
                        "which nrf_security gives only with the deprecated "
                        "CONFIG_MBEDTLS_LEGACY_CRYPTO_C; the fragment stands for the profile's "
                        "legacy-backend config and nrf-config.h comes from "
                        "legacy_crypto_config.h.template.")
    frag = NcsFragment(version=rel.version, tag=rel.tag, mbedtls_version=rel.mbedtls_version,
                       path=path, assignments=tuple(Assignment(s, v, why.get(s, ""))
                                                    for s, v in assign.items()
                                                    if s != "MBEDTLS_SSL_CIPHERSUITES"),
                       declared=tuple(declared), notes=tuple(notes), deprecated=deprecated,
                       mbedtls4_line=rel.mbedtls4_line)
    return frag, [f"{n} ({w})" for n, k, w in declared if n in lost]


@lru_cache(maxsize=64)
def ncs_fragment(psa: Resolution, legacy: Resolution, version: str) -> NcsFragment:
    """The prj.conf for NCS VERSION: the PSA path for PSA (the profile's PSA-backend
    resolution), else the legacy path for LEGACY (its legacy-backend resolution)."""
    if version not in releases():
        raise TlsfitError(f"unknown nRF Connect SDK version {version}; known: "
                          f"{', '.join(releases())}")
    rel = load_release(version)
    frag, lost = _attempt(rel, psa, "psa")
    if not lost:
        return frag
    if rel.is_4x:       # no legacy path: Mbed TLS 4.x has no legacy crypto
        names = [x.split(" (", 1)[0] for x in lost]
        raise TlsfitError(f"{psa.profile.name.split('+tlsfit-backend')[0]}: nRF Connect SDK "
                          f"{version} cannot give {', '.join(names)}, which the profile needs "
                          f"({lost[0].split(' (', 1)[1].rstrip(')')})")
    # nrf_security's legacy path still defines MBEDTLS_PSA_CRYPTO_CONFIG (its template), so the
    # PSA core is configured by PSA_WANT_* there too: those of the profile's PSA variant, which
    # tlsfit proves with the same profile
    psa_wants = {k: v for k, v in _wanted(psa).items() if k.startswith("PSA_WANT_")}
    frag2, lost2 = _attempt(rel, legacy, "legacy", psa_wants)
    if not lost2:
        return frag2
    def said(lost_: list[str]) -> str:
        names = [x.split(" (", 1)[0] for x in lost_]
        return f"{', '.join(names)} ({lost_[0].split(' (', 1)[1].rstrip(')')})"
    name = psa.profile.name.split('+tlsfit-backend')[0]
    if {x.split(" (", 1)[0] for x in lost} == {x.split(" (", 1)[0] for x in lost2}:
        raise TlsfitError(f"{name}: nRF Connect SDK {version} cannot give {said(lost)}, which "
                          "the profile needs")
    raise TlsfitError(f"{name}: nRF Connect SDK "
                      f"{version} cannot give what the profile needs: on its PSA path "
                      f"{said(lost)}; on its legacy path (the only way to RSA key exchanges) "
                      f"{said(lost2)}")
