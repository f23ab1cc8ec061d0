"""Zephyr prj.conf fragments that make Mbed TLS see exactly the generated header.

Two modes, for each Zephyr release line tlsfit has facts for (model.py):

custom-file
    ``CONFIG_CUSTOM_MBEDTLS_CFG_FILE`` with tlsfit's header under a name
    nothing shadows (Mbed TLS's ``build_info.h`` includes the file in
    quotes, so a file called ``mbedtls_config.h`` is found in Mbed TLS's own
    ``include/mbedtls/`` first). Zephyr then ignores its Mbed TLS menus.
kconfig
    Zephyr's own symbols: every one that stands for a needed macro is set,
    every default-on one that would add an unneeded macro is turned off,
    and a user config header (included last by Zephyr's config header)
    ``#undef``s what Zephyr still forces and ``#define``s what Kconfig
    cannot say, computed from the release's header rules so that the final
    set of macros is the generated header's.

Kconfig values come from Kconfiglib over the release's model tree, the same
evaluation ``zephyr-check`` runs, so a symbol whose dependencies fail is
seen here, not in the user's build.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tlsfit.errors import TlsfitError
from tlsfit.generate.model import is_psa_want
from tlsfit.generate.psa_implied import implied_closure
from tlsfit.generate.resolve import Resolution
from tlsfit.zephyr.kconfig_eval import evaluate
from tlsfit.platform.releases import rendered_once
from tlsfit.platform.rules import condition_symbols, fits, symbol_macros
from tlsfit.zephyr.model import ReleaseModel, apply_rules, load_release, releases
from tlsfit.zephyr.tree import ZephyrTree, open_tree
from tlsfit.platform.solve import Assignment

DEFAULT_VERSION = "4.3"
USER_CONFIG_NAME = "tlsfit_user_config.h"
#: The header's name in custom-file mode: not in Mbed TLS's include/mbedtls/
#: or include/psa/, nor in Zephyr's modules/mbedtls/configs/.
CUSTOM_HEADER_NAME = "tlsfit_mbedtls_config.h"


class NotGenerated(TlsfitError):
    """This release cannot build this config in this mode: no fragment is written, the
    manifest says why."""


def versions() -> tuple[str, ...]:
    return releases()


@dataclass(frozen=True)
class ZephyrFragment:
    """One prj.conf (and, in Kconfig mode, its user header)."""

    version: str
    tag: str
    mode: str                                   # kconfig | custom-file
    assignments: tuple[Assignment, ...]
    user_defines: tuple[tuple[str, str, str], ...]   # (MBEDTLS_X, value, why)
    user_undefs: tuple[tuple[str, str], ...]         # (MBEDTLS_X, why)
    declared: tuple[tuple[str, str, str], ...]       # (name, +|-|~, why)
    notes: tuple[str, ...]
    header_name: str                            # the header this fragment names


def model_tree(version: str) -> ZephyrTree:
    """tlsfit's model tree of VERSION, rendered once per process."""
    from tlsfit.zephyr.fixture import render_tree

    return open_tree(rendered_once("zephyr", version, render_tree), is_model=True)


def _text(assign: dict[str, str]) -> str:
    return "".join(f"# CONFIG_{s} is not set\n" if v == "n" else f"CONFIG_{s}={v}\n"
                   for s, v in assign.items())


def _rules(release: ReleaseModel, psa: bool) -> tuple:
    """The config header's rules before the user file, and config-psa.h's on the PSA backend."""
    return release.before_user + ((release.psa_rules or ()) if psa else ())


def _symbol_macros(release: ReleaseModel, psa: bool = False
                   ) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    return symbol_macros(_rules(release, psa))


def _condition_symbols(release: ReleaseModel, psa: bool = False) -> set[str]:
    return condition_symbols(_rules(release, psa))


def _evaluate(tree: ZephyrTree, assign: dict[str, str]) -> tuple[dict[str, str], list]:
    with tempfile.TemporaryDirectory(prefix="tlsfit-zf-") as tmp:
        frag = Path(tmp) / "prj.conf"
        frag.write_text(_text(assign), encoding="utf-8")
        result = evaluate(tree, [frag])
    return result.values, list(result.problems)


def _kconfig_mode(resolution: Resolution, release: ReleaseModel) -> ZephyrFragment:
    tree = model_tree(release.version)
    # PSA_WANT_* are defined as 1, by tlsfit's crypto file and by Zephyr's config-psa.h.
    wanted = {o.name: ("1" if is_psa_want(o.name) else "" if o.is_bool else o.value)
              for o in resolution.options}
    psa = "MBEDTLS_PSA_CRYPTO_CONFIG" in wanted
    if psa and release.psa_rules is None:
        raise NotGenerated(f"Zephyr {release.tag}: tlsfit has no facts about its "
                           f"{release.psa_config_header or 'PSA config header'}")
    sym_macros, int_syms = _symbol_macros(release, psa)
    known = release.symbol_names()
    enable, file_sym = release.user_config_symbols
    assign: dict[str, str] = dict(release.fixed)
    why: dict[str, str] = {s: release.why.get(s, "Zephyr's Mbed TLS, built in") for s in assign}
    for sym, macros in sorted(sym_macros.items()):
        hits = sorted(m for m, v in macros.items() if wanted.get(m) == v)
        if hits and sym in known:
            assign[sym] = "y"
            why[sym] = ", ".join(hits)
    for macro, sym in sorted(int_syms.items()):
        if macro in wanted and sym in known:
            value = max(int(wanted[macro]), int(assign.get(sym, "0")))
            assign[sym] = str(value)
            why[sym] = f"{macro} (the user header sets each direction)" \
                if "CONTENT_LEN" in macro else macro
    assign[enable] = "y"
    assign[file_sym] = f'"{USER_CONFIG_NAME}"'
    why[enable] = why[file_sym] = "what Kconfig cannot say, in the user header"
    notes: list[str] = []
    members: dict[str, list[str]] = {}
    for s in release.kconfig_symbols:
        if s.get("choice"):
            members.setdefault(s["choice"], []).append(s["name"])
    in_choice = {m: c for c, ms in members.items() for m in ms}
    prompted = {s["name"] for s in release.kconfig_symbols if s.get("prompt")}
    relevant = _condition_symbols(release, psa)
    history: list[dict[str, str]] = []
    stuck: set[str] = set()
    blocked: dict[str, str] = {}
    for _ in range(8):
        values, problems = _evaluate(tree, assign)
        changed = False
        for p in problems:
            if assign.get(p.symbol) == "n":
                del assign[p.symbol]          # selected by a needed symbol: it stays
                stuck.add(p.symbol)
                changed = True
            elif p.symbol in assign:
                need = p.message.partition("depends on ")[2].split(" && ")[0]
                blocked[p.symbol] = f"needs {need}" if need else p.message
                del assign[p.symbol]
                changed = True
        for sym in sorted(relevant & prompted):
            if values.get(sym) != "y" or sym in assign or sym in stuck:
                continue
            if sym in in_choice:
                choice = in_choice[sym]
                alt = next((m for m in members[choice] if m != sym and m in prompted
                            and fits(sym_macros.get(m, {}), wanted)), None)
                if alt and alt not in assign and not fits(sym_macros.get(sym, {}), wanted):
                    assign[alt] = "y"
                    why[alt] = f"instead of {sym}, whose macros the profile does not need"
                    changed = True
                continue
            if sym_macros.get(sym) and fits(sym_macros[sym], wanted):
                continue
            assign[sym] = "n"
            why[sym] = "on by default in Zephyr, not needed"
            changed = True
        if not changed:
            break
        history.append(dict(assign))
    else:
        last = history[-1].items() ^ history[-2].items()
        raise TlsfitError(f"Zephyr {release.tag}: the fragment does not settle "
                          f"(model problem): {sorted(last)}")
    zephyr = apply_rules(release.before_user, values, {})
    # A *_CONFIG_FILE macro names a file; the macros in it are what counts (Zephyr's
    # config-psa.h gives the PSA_WANT_* from CONFIG_PSA_WANT_*, checked below).
    undefs = tuple((m, "Zephyr's header defines it; the profile does not need it")
                   for m in sorted(zephyr) if m not in wanted and not m.endswith("_CONFIG_FILE"))
    # Compared by what they mean to Mbed TLS: a key pair's BASIC that Zephyr's Kconfig sets
    # is the one Mbed TLS derives from GENERATE anyway.
    psa_zephyr = apply_rules(release.psa_rules or (), values, {}) if psa else {}
    mine = implied_closure({m for m in wanted if is_psa_want(m)}) if psa else frozenset()
    theirs = implied_closure(set(psa_zephyr)) if psa else frozenset()
    psa_extra = sorted(theirs - mine)
    psa_missing = sorted(mine - theirs)
    if psa_extra or psa_missing:
        raise NotGenerated(f"Zephyr {release.tag}: CONFIG_PSA_WANT_* cannot give exactly the "
                           f"profile's PSA_WANT_* (extra: {', '.join(psa_extra) or '-'}; "
                           f"missing: {', '.join(psa_missing) or '-'})")
    giver = {m: sym for sym, ms in sym_macros.items() for m, v in ms.items() if wanted.get(m) == v}

    def why_define(m: str) -> str:
        if m in zephyr:
            return f"Zephyr's header gives {zephyr[m]}"
        if giver.get(m) in blocked:
            return f"CONFIG_{giver[m]} would, but it {blocked[giver[m]]}"
        return f"no Zephyr {release.version} symbol gives it"
    defines = tuple((m, wanted[m], why_define(m)) for m in wanted
                    if not is_psa_want(m) and zephyr.get(m) != wanted[m])
    final = {**{m: v for m, v in zephyr.items() if m in wanted}, **{m: v for m, v, _ in defines}}
    after = apply_rules(release.after_user, values, final)
    declared = tuple((m, "+" if m not in final else "~",
                      "Zephyr's header sets it after the user header")
                     for m in sorted(after) if after.get(m) != final.get(m))
    if any(s.endswith(("ZEPHYR_ENTROPY", "ENTROPY_POLL_ZEPHYR")) and v == "y"
           for s, v in assign.items()):
        notes.append("Zephyr's entropy driver supplies mbedtls_hardware_poll() for the "
                     "header's MBEDTLS_ENTROPY_HARDWARE_ALT: the board's driver must be a "
                     "real TRNG (a test driver is not).")
    notes.append("Mbed TLS allocates with calloc()/free() from the C library heap, as in "
                 "tlsfit's measurements: give the C library a heap "
                 "(CONFIG_COMMON_LIBC_MALLOC_ARENA_SIZE) of at least the heap peak that "
                 "'tlsfit measure' reports, per connection.")
    if "MBEDTLS_PSA_CRYPTO_CONFIG" in zephyr and "MBEDTLS_PSA_CRYPTO_CONFIG" not in wanted:
        notes.append("Zephyr's header would take PSA crypto from CONFIG_PSA_WANT_* "
                     f"({release.psa_config_header}); the user header undefines "
                     "MBEDTLS_PSA_CRYPTO_CONFIG so that Mbed TLS derives PSA_WANT_* from the "
                     "options, as in tlsfit's proven build (a PSA_WANT_*-driven build of the "
                     "same options differs: PSA_WANT_ALG_ECB_NO_PADDING conflicts with "
                     "MBEDTLS_BLOCK_CIPHER_NO_DECRYPT in check_config.h). No CONFIG_PSA_WANT_* "
                     "symbol is needed.")
    if psa:
        notes.append(f"PSA crypto comes from CONFIG_PSA_WANT_* through Zephyr's "
                     f"{release.psa_config_header}: this fragment sets exactly the profile's "
                     f"PSA_WANT_* (those of tlsfit_crypto_config.h, which Kconfig mode does "
                     f"not use) and turns off the ones Zephyr would add.")
    if "MBEDTLS_PSA_CRYPTO_C" in wanted and assign.get("MBEDTLS_PSA_CRYPTO_C") == "y":
        notes.append("Zephyr calls psa_crypto_init() at boot (CONFIG_MBEDTLS_INIT, "
                     "default y), which the header's banner asks of the product.")
    ordered = [(s, assign[s]) for s in assign]
    return ZephyrFragment(
        version=release.version, tag=release.tag, mode="kconfig",
        assignments=tuple(Assignment(s, v, why.get(s, "")) for s, v in ordered),
        user_defines=defines, user_undefs=undefs, declared=declared,
        notes=tuple(notes), header_name=USER_CONFIG_NAME)


def _custom_mode(resolution: Resolution, release: ReleaseModel) -> ZephyrFragment:
    """Only the custom-file symbols, and those that still act outside Zephyr's menus."""
    tree = model_tree(release.version)
    wanted = {o.name for o in resolution.options}
    sym_macros, _ = _symbol_macros(release)
    custom, file_sym = release.cfg_file_symbols
    assign = {**release.fixed, custom: "y", file_sym: f'"{CUSTOM_HEADER_NAME}"'}
    why = {s: release.why.get(s, "Zephyr's Mbed TLS, built in") for s in release.fixed}
    why[custom] = why[file_sym] = "tlsfit's header as it is"
    # Zephyr's glue that the header relies on (its entropy source for
    # MBEDTLS_ENTROPY_HARDWARE_ALT), where its symbol is visible in this mode.
    for sym, macros in sorted(sym_macros.items()):
        if sym.endswith(("ZEPHYR_ENTROPY", "ENTROPY_POLL_ZEPHYR")) and macros.keys() & wanted:
            trial = {**assign, sym: "y"}
            _, problems = _evaluate(tree, trial)
            if not any(p.symbol == sym for p in problems):
                assign[sym] = "y"
                why[sym] = "Zephyr supplies mbedtls_hardware_poll() from its entropy driver"
    # Zephyr's CMake compiles some sources only when their symbol is y (PSA core, p256-m),
    # whatever the header says: turn those on whose code the header enables.
    for group in release.conditional_sources:
        if group.guard in wanted:
            trial = {**assign, group.symbol: "y"}
            _, problems = _evaluate(tree, trial)
            blocked = next((p for p in problems if p.symbol == group.symbol), None)
            if blocked is not None:
                raise NotGenerated(
                    f"Zephyr {release.tag} compiles {Path(group.files[0]).name}"
                    f"{' and the rest' if len(group.files) > 1 else ''} only with "
                    f"{group.when}=y, which custom-file mode cannot set "
                    f"({blocked.message.split(': ', 1)[-1]}); the header needs that code "
                    f"({group.guard})")
            assign[group.symbol] = "y"
            why[group.symbol] = (f"Zephyr compiles {Path(group.files[0]).name}"
                                 f"{' and the rest' if len(group.files) > 1 else ''} only with "
                                 f"it; the header defines {group.guard}")
    _, problems = _evaluate(tree, assign)
    if problems:
        raise TlsfitError(f"Zephyr {release.tag} model: custom-file fragment: {problems[0]}")
    notes = []
    if not any(s.endswith(("ZEPHYR_ENTROPY", "ENTROPY_POLL_ZEPHYR")) for s in assign) \
            and "MBEDTLS_ENTROPY_HARDWARE_ALT" in wanted:
        notes.append("Zephyr's entropy glue is inside the menus this mode hides: the "
                     "product supplies mbedtls_hardware_poll() (see the header's banner)")
    if "MBEDTLS_PSA_CRYPTO_C" in wanted:
        notes.append("CONFIG_MBEDTLS_PSA_CRYPTO_C only makes Zephyr compile the PSA core; "
                     "the header decides the config. The product calls psa_crypto_init() "
                     "before the first handshake (see the header's banner).")
    notes.append("Mbed TLS allocates with calloc()/free() from the C library heap: give "
                 "the C library a heap (CONFIG_COMMON_LIBC_MALLOC_ARENA_SIZE) of at least "
                 "the heap peak that 'tlsfit measure' reports, per connection.")
    return ZephyrFragment(
        version=release.version, tag=release.tag, mode="custom-file",
        assignments=tuple(Assignment(s, v, why.get(s, "")) for s, v in assign.items()),
        user_defines=(), user_undefs=(), declared=(), notes=tuple(notes),
        header_name=CUSTOM_HEADER_NAME)


@lru_cache(maxsize=64)
def _cached(version: str, mode: str, resolution: Resolution) -> ZephyrFragment:
    """Kconfiglib runs once per resolution, release and mode in a process."""
    release = load_release(version)
    return _kconfig_mode(resolution, release) if mode == "kconfig" \
        else _custom_mode(resolution, release)


def zephyr_fragment(resolution: Resolution, version: str, mode: str) -> ZephyrFragment:
    if version not in releases():
        raise TlsfitError(f"unknown Zephyr version {version}; known: {', '.join(releases())}")
    if mode not in ("kconfig", "custom-file"):
        raise TlsfitError(f"unknown fragment mode {mode}")
    return _cached(version, mode, resolution)
