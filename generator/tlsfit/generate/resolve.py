"""Resolve a profile into Mbed TLS options with Kconfiglib.

Kconfiglib reads the fragments and evaluates the model; this module turns
every Kconfiglib warning into an error that names the file and line, checks
the profile rules (profile_rules.py) and the security policy (policy.py), and
returns a frozen Resolution for the renderers.
"""

from __future__ import annotations

import difflib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import kconfiglib
from kconfiglib import expr_value, expr_str

from tlsfit.generate import policy, reasons
from tlsfit.generate import profile_rules
from tlsfit.errors import TlsfitError
from tlsfit.generate.keep import PREFIX as KEPT_PREFIX
from tlsfit.generate.keep import Kept, kept_options
from tlsfit.generate.keep import kconfig_text as kept_kconfig
from tlsfit.generate.model import (is_option, is_requirement, load_model, option_names,
                                   option_symbols, requirement_symbols)
from tlsfit.generate.profile import Location, ProfileSource

_DEFINED_AT = re.compile(r"\s*\(defined at [^)]*\)")
_UNDEF = re.compile(r"attempt to assign the value '(.*)' to the undefined symbol (\w+)")
_BAD_BOOL = re.compile(r"'(.*)' is not a valid value for the (\w+) symbol (\w+)")
_NO_PROMPT = re.compile(r"^(\w+) has no prompt")
_MALFORMED = re.compile(r"ignoring malformed line '(.*)'")
_INVALID_VALUE = re.compile(r"the value '(.*)' is invalid for (\w+), which has type (\w+)")
_OUT_OF_RANGE = re.compile(r"user value (\S+) on the (\w+) symbol (\w+) ignored due to being "
                           r"outside the active range \(\[(\S+), (\S+)\]\)")
_LOCATED = re.compile(r"^(.*?):(\d+): warning: (.*)$", re.S)


@dataclass(frozen=True)
class ResolvedOption:
    """One Mbed TLS option in the generated config."""

    name: str
    value: str                  # "y" for booleans, the number for values
    roots: tuple[str, ...]      # the requirements that need it
    chains: tuple[tuple[str, ...], ...]  # option <- ... <- requirement
    help: str

    @property
    def is_bool(self) -> bool:
        return self.value == "y"


@dataclass(frozen=True)
class Resolution:
    """A profile resolved: requirement values and the options they need."""

    profile: ProfileSource
    requirements: tuple[tuple[str, str], ...]   # every requirement, model order
    assigned: tuple[str, ...]                    # requirements the profile sets
    options: tuple[ResolvedOption, ...]          # enabled options, model order
    warnings: tuple[str, ...] = field(default=())
    kept: tuple[Kept, ...] = field(default=())   # KEEP_OPTIONS: for the rest of the image

    def option(self, name: str) -> ResolvedOption | None:
        return next((o for o in self.options if o.name == name), None)

    def enabled(self, name: str) -> bool:
        return self.option(name) is not None

    def requirement(self, name: str) -> str:
        return dict(self.requirements)[name]

    def kept_only(self) -> tuple[ResolvedOption, ...]:
        """Options on only because the rest of the image needs them (no requirement of the
        device's TLS does): shown apart, never removed by minimize."""
        return tuple(o for o in self.options if o.roots and all(r.startswith(KEPT_PREFIX)
                                                               for r in o.roots))


def resolve(profile: ProfileSource) -> Resolution:
    """Resolve PROFILE; raise TlsfitError with every problem found."""
    kept = kept_options(profile, option_names())
    kconf = load_model(kept_kconfig(kept))
    assignments = profile.assignments()
    errors: list[str] = []
    errors.extend(_duplicates_in_one_file(profile))

    # Kconfiglib reads the text the profile was read (and hashed) from, not the
    # file again: the manifest's profile hash always describes what was resolved.
    with tempfile.TemporaryDirectory(prefix="tlsfit-profile-") as tmp:
        for index, frag in enumerate(profile.fragments):
            copy = Path(tmp) / f"{index}.conf"
            copy.write_text(frag.text, encoding="utf-8")
            before = len(kconf.warnings)
            try:
                kconf.load_config(str(copy), replace=(index == 0))
            except (OSError, kconfiglib.KconfigError) as exc:
                raise TlsfitError(f"{frag.path}: cannot load: "
                                  f"{str(exc).replace(str(copy), str(frag.path))}") from None
            errors.extend(_explain_load_warning(w.replace(str(copy), str(frag.path)), kconf,
                                                assignments)
                          for w in kconf.warnings[before:])
    before = len(kconf.warnings)
    for sym in requirement_symbols(kconf):
        sym.str_value  # evaluating reports out-of-range values as warnings
    errors.extend(_explain_load_warning(w, kconf, assignments) for w in kconf.warnings[before:])
    errors.extend(_choice_conflicts(kconf, assignments))
    errors.extend(_not_requirements(kconf, assignments))
    if errors:
        raise TlsfitError(_join(errors))

    errors.extend(_contradictions(kconf, assignments))
    if errors:
        raise TlsfitError(_join(errors))

    values = _requirement_values(kconf, assignments)
    warnings: list[str] = []
    for rule in profile_rules.RULES:
        if rule.applies(values):
            where = _where(rule.symbols, assignments)
            text = f"{where}: {rule.severity}: {rule.message}" if where else \
                f"{profile.name}: {rule.severity}: {rule.message}"
            (errors if rule.severity == "error" else warnings).append(text)
    if errors:
        raise TlsfitError(_join(errors))

    options = _collect_options(kconf)
    suites = _ciphersuites(kconf)
    if suites is not None:
        options.append(suites)
    problems = _unmet_model_dependencies(kconf) + _suiteless_key_exchanges(kconf)
    problems += [w for w in kconf.warnings if "has direct dependencies" not in w]
    problems += policy.violations({o.name: list(o.roots) for o in options}, KEPT_PREFIX)
    warnings += [f"{profile.name}: warning: {k.name} is kept for the rest of the image "
                 f"({k.reason}); TLS does not use it (signature algorithms from SHA-256, the "
                 "ciphersuites the requirements name)"
                 for k in kept if k.name in policy.KEEPABLE_WEAK]
    if problems:
        raise TlsfitError(f"{profile.name}: the model cannot satisfy this profile:\n"
                          + _join(problems))
    return Resolution(
        profile=profile,
        requirements=tuple((s.name, s.str_value) for s in requirement_symbols(kconf)),
        assigned=tuple(n for n in assignments if n in kconf.syms),
        options=tuple(options),
        warnings=tuple(warnings),
        kept=kept,
    )


def _join(messages: list[str]) -> str:
    return "\n".join(messages)


def _first(locs: list[Location] | None) -> Location | None:
    return locs[-1] if locs else None


def _where(names: tuple[str, ...], assignments: dict[str, list[Location]]) -> str:
    """'file:line' of the first of NAMES the profile sets (the rule's subject)."""
    for name in names:
        loc = _first(assignments.get(name))
        if loc:
            return str(loc)
    return ""


def _duplicates_in_one_file(profile: ProfileSource) -> list[str]:
    errors = []
    for name, locs in profile.assignments().items():
        seen: dict[str, Location] = {}
        for loc in locs:
            key = str(loc.path)
            if key in seen:
                errors.append(f"{loc}: error: CONFIG_{name} is set twice in one file "
                              f"(first at line {seen[key].line})")
            else:
                seen[key] = loc
    return errors


def _explain_load_warning(warning: str, kconf: kconfiglib.Kconfig,
                          assignments: dict[str, list[Location]]) -> str:
    """Turn one Kconfiglib load warning into an error a user can act on."""
    match = _LOCATED.match(warning)
    if match:
        where, msg = f"{match.group(1)}:{match.group(2)}", match.group(3)
    else:
        where, msg = "", warning.removeprefix("warning: ")
    msg = _DEFINED_AT.sub("", msg)

    if m := _UNDEF.search(msg):
        name = m.group(2)
        if name.startswith(("MBEDTLS_", "PSA_WANT_")):
            close = difflib.get_close_matches(name, [s.name for s in option_symbols(kconf)], n=1,
                                              cutoff=0.85)
            hint = (f"(nearest tlsfit option: {close[0]}; " + _use_instead(kconf, close[0]) + ")"
                    if close else "('tlsfit requirements')")
            return (f"{where}: error: CONFIG_{name} is {_kind(name)} that tlsfit does not "
                    f"manage, and not a requirement; profiles state what the device must do "
                    f"{hint}")
        close = difflib.get_close_matches(
            name, [s.name for s in requirement_symbols(kconf)], n=1)
        hint = f" (did you mean CONFIG_{close[0]}?)" if close else \
            " (see 'tlsfit requirements' for the list)"
        return f"{where}: error: unknown requirement CONFIG_{name}{hint}"
    if m := _BAD_BOOL.search(msg):
        return (f"{where}: error: CONFIG_{m.group(3)}={m.group(1)}: {m.group(3)} is a "
                f"yes/no requirement; write y or n")
    if m := _MALFORMED.search(msg):
        return (f"{where}: error: malformed line '{m.group(1)}' (expected CONFIG_NAME=value, "
                f"'# CONFIG_NAME is not set' or a # comment)")
    if m := _NO_PROMPT.search(msg):
        name = m.group(1)
        loc = _first(assignments.get(name))
        return (f"{loc or where}: error: CONFIG_{name} is {_kind(name)}, not a requirement; "
                f"{_use_instead(kconf, name)}")
    if m := _INVALID_VALUE.search(msg):
        loc = _first(assignments.get(m.group(2)))
        return (f"{loc or where}: error: CONFIG_{m.group(2)}={m.group(1)}: "
                f"{m.group(2)} takes a{'n' if m.group(3) == 'int' else ''} {m.group(3)}")
    if m := _OUT_OF_RANGE.search(msg):
        loc = _first(assignments.get(m.group(3)))
        return (f"{loc or where}: error: CONFIG_{m.group(3)}={m.group(1)} is outside "
                f"{m.group(4)}..{m.group(5)}")
    return f"{where + ': ' if where else ''}error: {msg}"


def requirements_for(kconf: kconfiglib.Kconfig, name: str, limit: int = 3) -> list[str]:
    """The requirements that turn option NAME on, nearest first: up its selectors (and the
    symbols its default names), stopping at requirements (a user who pastes a platform's
    CONFIG_MBEDTLS_SSL_SERVER_NAME_INDICATION needs CONFIG_SNI)."""
    start = kconf.syms.get(name)
    if start is None:
        return []
    found: list[str] = []
    seen = {name}
    frontier = [start]
    while frontier and len(found) < limit:
        nxt = []
        for sym in frontier:
            parents = [s for s in kconfiglib.expr_items(sym.rev_dep)
                       if isinstance(s, kconfiglib.Symbol) and not s.is_constant]
            for parent in parents:
                if parent.name in seen:
                    continue
                seen.add(parent.name)
                if is_requirement(parent):
                    if parent.name not in found:
                        found.append(parent.name)
                elif not parent.name.startswith(("TLSFIT_LEGACY", "TLSFIT_PSA", "KEPT_")):
                    nxt.append(parent)
        frontier = nxt
    return found[:limit]


def _use_instead(kconf: kconfiglib.Kconfig, name: str) -> str:
    reqs = [r for r in requirements_for(kconf, name) if not r.startswith(("OPTIMIZE_", "CRYPTO_"))]
    keep = f"; to keep it for another part of the image: CONFIG_KEEP_OPTIONS=\"{name}: why\""
    if not reqs:
        return "set the requirement that needs it instead ('tlsfit requirements')" + keep
    return "the requirement that turns it on: " + " or ".join(f"CONFIG_{r}" for r in reqs) + keep


def _kind(name: str) -> str:
    if name.startswith("PSA_WANT_"):
        return "a PSA crypto option (tlsfit_crypto_config.h)"
    if name.startswith("MBEDTLS_"):
        return "an Mbed TLS option"
    return "derived by tlsfit"


def _not_requirements(kconf: kconfiglib.Kconfig,
                      assignments: dict[str, list[Location]]) -> list[str]:
    """Assignments to model or derived symbols (Kconfiglib ignores them silently)."""
    errors = []
    for name, locs in assignments.items():
        sym = kconf.syms.get(name)
        if sym is not None and sym.nodes and not is_requirement(sym):
            errors.append(f"{locs[-1]}: error: CONFIG_{name} is {_kind(name)}, not a requirement; "
                          f"{_use_instead(kconf, name)}")
    return errors


def _choice_conflicts(kconf: kconfiglib.Kconfig,
                      assignments: dict[str, list[Location]]) -> list[str]:
    """Two members of one choice set to y in the profile: name both lines."""
    errors = []
    for choice in kconf.unique_choices:
        # Within one file two choices contradict; a later fragment overrides an earlier one.
        per_file: dict[str, list[tuple[str, Location]]] = {}
        for sym in choice.syms:
            for loc in assignments.get(sym.name, []):
                if loc.text.split("=", 1)[-1].strip() == "y":
                    per_file.setdefault(str(loc.path), []).append((sym.name, loc))
        for chosen in per_file.values():
            if len(chosen) > 1:
                chosen.sort(key=lambda item: item[1].line)
                (a, la), (b, lb) = chosen[0], chosen[1]
                errors.append(f"{lb}: error: CONFIG_{b}=y contradicts CONFIG_{a}=y at {la}: "
                              f"choose one {choice.name.lower().replace('_', ' ')}")
    return errors


def _contradictions(kconf: kconfiglib.Kconfig,
                    assignments: dict[str, list[Location]]) -> list[str]:
    """A requirement set by the profile that its dependencies force off."""
    errors = []
    for sym in requirement_symbols(kconf):
        if sym.name not in assignments or sym.user_value is None or sym.choice is not None:
            continue  # choices: see _choice_conflicts
        wanted = kconfiglib.TRI_TO_STR[sym.user_value] if isinstance(sym.user_value, int) \
            else str(sym.user_value)
        if sym.str_value == wanted or sym.orig_type not in (kconfiglib.BOOL,):
            continue
        loc = assignments[sym.name][-1]
        blockers = [s for s in kconfiglib.expr_items(sym.direct_dep)
                    if isinstance(s, kconfiglib.Symbol) and not s.is_constant]
        parts = []
        for other in blockers:
            other_loc = _first(assignments.get(other.name))
            state = f"CONFIG_{other.name}={other.str_value}"
            parts.append(f"{state} at {other_loc}" if other_loc
                         else f"{state} (not set)")
        errors.append(f"{loc}: error: CONFIG_{sym.name}={wanted} contradicts "
                      f"{' and '.join(parts)}: {sym.name} needs "
                      f"{expr_str(sym.direct_dep)}")
    return errors


def _requirement_values(kconf: kconfiglib.Kconfig,
                        assignments: dict[str, list[Location]]) -> dict[str, str]:
    values = {s.name: s.str_value for s in requirement_symbols(kconf)}
    for name, locs in assignments.items():
        text = locs[-1].text
        if text.startswith("#"):
            values[f"assigned:{name}"] = "n"
        else:
            values[f"assigned:{name}"] = text.split("=", 1)[1].strip()
    return values


def _collect_options(kconf: kconfiglib.Kconfig) -> list[ResolvedOption]:
    options = []
    for sym in option_symbols(kconf):
        if sym.orig_type == kconfiglib.BOOL:
            if sym.tri_value != 2:
                continue
            value = "y"
        else:
            if not sym.str_value or expr_value(sym.direct_dep) == 0:
                continue
            value = sym.str_value
        help_text = next((n.help for n in sym.nodes if n.help), "") or ""
        options.append(ResolvedOption(
            name=sym.name,
            value=value,
            roots=tuple(reasons.root_requirements(sym)),
            chains=tuple(tuple(c) for c in reasons.chains(sym)),
            help=" ".join(help_text.split()),
        ))
    return options


SUITE_PREFIX = "TLSFIT_SUITE_"
_KEX_SUITES = {  # key exchange option -> the prefix of its suites' symbols
    "MBEDTLS_SSL_PROTO_TLS1_3": "TLS1_3_",
    "MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED": "TLS_ECDHE_ECDSA_WITH_",
    "MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED": "TLS_ECDHE_RSA_WITH_",
    "MBEDTLS_KEY_EXCHANGE_PSK_ENABLED": "TLS_PSK_WITH_",
    "MBEDTLS_KEY_EXCHANGE_ECDHE_PSK_ENABLED": "TLS_ECDHE_PSK_WITH_",
}


def _suite_symbols(kconf: kconfiglib.Kconfig) -> list[kconfiglib.Symbol]:
    return [s for s in kconf.unique_defined_syms
            if s.name.startswith(SUITE_PREFIX) and s.tri_value == 2]


def _ciphersuites(kconf: kconfiglib.Kconfig) -> ResolvedOption | None:
    """MBEDTLS_SSL_CIPHERSUITES: the suites the requirements name (suites.kconfig), in order."""
    if kconf.syms["MBEDTLS_SSL_TLS_C"].tri_value != 2:
        return None
    suites = _suite_symbols(kconf)
    if not suites:
        return None
    roots: list[str] = []
    chains: list[tuple[str, ...]] = []
    for sym in suites:
        roots += [r for r in reasons.root_requirements(sym) if r not in roots]
        chains += [("MBEDTLS_SSL_CIPHERSUITES", *c) for c in reasons.chains(sym)]
    return ResolvedOption(
        name="MBEDTLS_SSL_CIPHERSUITES",
        value=", ".join("MBEDTLS_" + s.name.removeprefix(SUITE_PREFIX) for s in suites),
        roots=tuple(roots), chains=tuple(chains),
        help="The ciphersuites offered and accepted: exactly those the requirements name "
             "(no preference list of every suite Mbed TLS knows).")


def _suiteless_key_exchanges(kconf: kconfiglib.Kconfig) -> list[str]:
    """A key exchange the profile needs for which no required cipher makes a suite."""
    enabled = {s.name for s in _suite_symbols(kconf)}
    problems = []
    for kex, prefix in _KEX_SUITES.items():
        sym = kconf.syms[kex]
        if sym.tri_value != 2:
            continue
        if not any(name.startswith(SUITE_PREFIX + prefix) for name in enabled):
            possible = sorted({_cipher_of(s) for s in kconf.unique_defined_syms
                               if s.name.startswith(SUITE_PREFIX + prefix)})
            roots = ", ".join(reasons.root_requirements(sym)) or "?"
            problems.append(f"  {kex} (needed by {roots}) has no ciphersuite with the ciphers "
                            f"required; Mbed TLS 3.6 has it with: {', '.join(possible)}")
    return problems


def _cipher_of(suite: kconfiglib.Symbol) -> str:
    """The cipher requirement a suite symbol stands on (suites.kconfig: KEX && CIPHER)."""
    for value, _ in suite.defaults:
        for item in kconfiglib.expr_items(value):
            if isinstance(item, kconfiglib.Symbol) and is_requirement(item):
                return item.name
    raise TlsfitError(f"the model's {suite.name} names no cipher requirement")


def _unmet_model_dependencies(kconf: kconfiglib.Kconfig) -> list[str]:
    """Options selected although their 'depends on' is false (a model conflict)."""
    problems = []
    for sym in option_symbols(kconf):
        if sym.orig_type == kconfiglib.BOOL and sym.tri_value == 2 \
                and expr_value(sym.direct_dep) != 2:
            roots = ", ".join(reasons.root_requirements(sym)) or "?"
            problems.append(f"  {sym.name} is needed by {roots} but requires "
                            f"{expr_str(sym.direct_dep)}, which does not hold")
    return problems


__all__ = ["Resolution", "ResolvedOption", "resolve", "is_option", "is_requirement"]
