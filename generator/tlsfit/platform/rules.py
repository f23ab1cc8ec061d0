"""Config headers as data: ordered rules over Kconfig symbols and macros.

A platform's config header (Zephyr's ``config-mbedtls.h``, ESP-IDF's
``esp_config.h``) turns ``CONFIG_*`` symbols into Mbed TLS macros with
``#if``/``#define``/``#undef``. tlsfit keeps that structure as data of its own
(written from the header, never copied): an ordered list of rules, *when*
these conditions hold, *define* or *undef* these. The same rules are evaluated
in Python (to compute the macros a fragment gives) and rendered back as C
(so that the preprocessor checks them the way the platform's build does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from tlsfit.errors import TlsfitError

#: A condition over CONFIG_* symbols and macros defined so far: a name
#: (``CONFIG_X`` or ``MBEDTLS_X``), ``!name``, {"not": cond}, {"all": [...]}, {"any": [...]}.
Cond = Union[str, dict[str, list[Any]]]


@dataclass(frozen=True)
class External:
    """A symbol defined elsewhere in the platform that its Mbed TLS menus refer to."""

    name: str
    type: str
    value: str
    why: str


@dataclass(frozen=True)
class Rule:
    """``#if <when>`` then ``#define`` each of DEFINES (NAME -> value, '' = flag)."""

    when: Cond
    defines: tuple[tuple[str, str], ...]
    undefines: tuple[str, ...] = ()
    error: str | None = None          # an #error: the build stops with this text


def parse_rules(raw: list[dict[str, Any]], where: str) -> tuple[Rule, ...]:
    """Rules from their JSON form; WHERE names the file and key for errors."""
    rules = []
    for i, r in enumerate(raw):
        if "when" not in r or not ({"define", "undef", "error"} & r.keys()):
            raise TlsfitError(f"{where}[{i}]: a rule needs 'when' and 'define', 'undef' "
                              "or 'error'")
        rules.append(Rule(when=r["when"],
                          defines=tuple((k, str(v)) for k, v in r.get("define", {}).items()),
                          undefines=tuple(r.get("undef", ())), error=r.get("error")))
    return tuple(rules)


def holds(cond: Cond, config: dict[str, str], macros: dict[str, str]) -> bool:
    """Evaluate COND as the preprocessor would: CONFIG_X is defined when the
    symbol is y or has a value (autoconf.h / sdkconfig.h), MBEDTLS_X when defined so far."""
    if isinstance(cond, str):
        if cond.startswith("!"):
            return not holds(cond[1:], config, macros)
        if cond.startswith("CONFIG_"):
            value = config.get(cond[len("CONFIG_"):], "n")
            return value not in ("n", "")
        return cond in macros
    if "not" in cond:
        return not holds(cond["not"], config, macros)
    if "all" in cond:
        return all(holds(c, config, macros) for c in cond["all"])
    if "any" in cond:
        return any(holds(c, config, macros) for c in cond["any"])
    raise TlsfitError(f"malformed condition in a platform model: {cond!r}")


def errors_raised(rules: tuple[Rule, ...], config: dict[str, str],
                  macros: dict[str, str]) -> list[str]:
    """The #error texts RULES stop the build with, run in order over MACROS."""
    out, raised = dict(macros), []
    for rule in rules:
        if holds(rule.when, config, out):
            if rule.error is not None:
                raised.append(rule.error)
            out = apply_rules((rule,), config, out)
    return raised


def apply_rules(rules: tuple[Rule, ...], config: dict[str, str],
                macros: dict[str, str]) -> dict[str, str]:
    """Run RULES in order over MACROS (a copy is returned)."""
    out = dict(macros)
    for rule in rules:
        if holds(rule.when, config, out):
            for name, value in rule.defines:
                out[name] = _expand(value, config)
            for name in rule.undefines:
                out.pop(name, None)
    return out


def _expand(value: str, config: dict[str, str]) -> str:
    """A rule value may name a CONFIG_ symbol (``CONFIG_MBEDTLS_SSL_MAX_CONTENT_LEN``)."""
    if value.startswith("CONFIG_"):
        return config.get(value[len("CONFIG_"):], "")
    return value


def cond_c(cond: Cond) -> str:
    """COND as a preprocessor expression."""
    if isinstance(cond, str):
        if cond.startswith("!"):
            return f"!{cond_c(cond[1:])}"
        return f"defined({cond})"
    if "not" in cond:
        return f"!{cond_c(cond['not'])}"
    op, parts = ("&&", cond["all"]) if "all" in cond else ("||", cond["any"])
    if not parts:
        return "1" if op == "&&" else "0"
    return "(" + f" {op} ".join(cond_c(c) for c in parts) + ")"


def rules_c(rules: tuple[Rule, ...]) -> str:
    """RULES as C: one #if block each."""
    out = []
    for rule in rules:
        out.append(f"#if {cond_c(rule.when)}")
        for name, value in rule.defines:
            out.append(f"#define {name} {value}".rstrip())
        out += [f"#undef {name}" for name in rule.undefines]
        if rule.error is not None:
            out.append(f'#error "{rule.error}"')
        out.append("#endif")
    return "\n".join(out) + "\n"


def symbol_macros(rules: tuple[Rule, ...]
                  ) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Symbol -> the macros (with values) its own rules define; macro -> int symbol."""
    defines: dict[str, dict[str, str]] = {}
    ints: dict[str, str] = {}
    for rule in rules:
        sym = _giver(rule.when)
        for name, value in rule.defines:
            if value.startswith("CONFIG_"):
                ints.setdefault(name, value[len("CONFIG_"):])
            elif sym:
                defines.setdefault(sym, {})[name] = value
    return defines, ints


def _giver(when: object) -> str | None:
    """The symbol a rule's condition turns on: ``CONFIG_X``, or ``CONFIG_X`` with macros
    defined earlier (``MBEDTLS_X509_CRT_PARSE_C`` for SNI and PEM) or with the symbols it
    needs first."""
    if isinstance(when, str):
        return when[len("CONFIG_"):] if when.startswith("CONFIG_") else None
    if isinstance(when, dict) and "all" in when:
        parts = when["all"]
        syms = [p for p in parts if isinstance(p, str) and p.startswith("CONFIG_")]
        rest = [p for p in parts if p not in syms]
        if syms and all(isinstance(p, str) and p.startswith("MBEDTLS_") for p in rest):
            # With several symbols the last is the one that names the feature; the first
            # are its prerequisites (CONFIG_MBEDTLS_PSA_CRYPTO_C for p256-m on 3.7 and 4.1).
            return syms[-1][len("CONFIG_"):]
    return None


def fits(macros: dict[str, str], wanted: dict[str, str]) -> bool:
    """Every macro the symbol defines is wanted, with that value."""
    return all(wanted.get(m) == v for m, v in macros.items())


def condition_symbols(rules: tuple[Rule, ...]) -> set[str]:
    """The CONFIG_* symbols RULES test."""
    found: set[str] = set()

    def walk(c: object) -> None:
        if isinstance(c, str):
            name = c.lstrip("!")
            if name.startswith("CONFIG_"):
                found.add(name[len("CONFIG_"):])
        elif isinstance(c, dict):
            for v in c.values():
                for part in (v if isinstance(v, list) else [v]):
                    walk(part)
    for rule in rules:
        walk(rule.when)
    return found
