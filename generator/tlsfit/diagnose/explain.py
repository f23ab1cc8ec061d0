"""``tlsfit explain``: error codes, TLS alerts and X.509 verify flags, explained from the tree.

Input is whatever users paste (``-0x262e``, ``0x262e``, ``262e``, ``0xc680``,
``0xffffc680``, ``-15488``, a macro name). It is normalised to the negative
Mbed TLS code, split into its high-level (``code & 0xFF80``, 0x1000-0x7F80)
and low-level (``code & 0x007F``) parts as include/mbedtls/error.h lays them
out, and each part is named from the tree's headers (headers.py). Causes and
fixes come from the curated table (knowledge.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tlsfit.errors import TlsfitError
from tlsfit.diagnose import knowledge
from tlsfit.mbedtls.headers import Macro, TreeDocs

SCHEMA_VERSION = 1
_HEX_RE = re.compile(r"^[+-]?(0x)?[0-9a-f]+$")


@dataclass(frozen=True)
class CodeInput:
    """A pasted code, normalised."""

    text: str
    code: int           # negative Mbed TLS / PSA code
    how: str            # how the text was read


@dataclass(frozen=True)
class Part:
    """One part of a (possibly combined) code, named from the headers."""

    level: str          # 'high-level', 'low-level' or 'whole'
    code: int
    macro: Macro


@dataclass(frozen=True)
class CodeExplanation:
    """Everything ``explain`` says about one code."""

    input: CodeInput
    parts: tuple[Part, ...]
    combined: str                    # meaning of this high+low pair, '' if none known
    causes: tuple[str, ...]
    requirements: tuple[str, ...]
    options: tuple[str, ...]
    follow_up: tuple[str, ...]
    also: tuple[str, ...] = ()       # other readings of a small number (a TLS alert, an errno)
    function: str | None = None      # where it failed, when known (the advice is for there)


@dataclass(frozen=True)
class PastedLine:
    """What a pasted log line holds: error codes, TLS alerts, the functions it names."""

    text: str
    codes: tuple[str, ...]
    alerts: tuple[str, ...]
    functions: tuple[str, ...]


_LINE_CODE = re.compile(r"(?<![\w.])(-0x[0-9a-fA-F]{1,8}|0x[0-9a-fA-F]{4,8}|-\d{2,5})(?![\w.])")
_LINE_ALERTS = (re.compile(r"\[\s*[12]\s*:\s*(\d{1,3})\s*\]"),      # "[2:46]": level 2, alert 46
                re.compile(r"\balert\b[\s:=#]*(\d{1,3})\b", re.I))
_LINE_FUNCTION = re.compile(r"\b((?:mbedtls|psa)_[a-z0-9_]+)")


def read_line(text: str) -> PastedLine | None:
    """The codes, alerts and function names in a pasted log line; None if it holds none."""
    codes = tuple(dict.fromkeys(_LINE_CODE.findall(text)))
    alerts = tuple(dict.fromkeys(m for rx in _LINE_ALERTS for m in rx.findall(text)))
    if not codes and not alerts:
        return None
    return PastedLine(text, codes, alerts, tuple(dict.fromkeys(_LINE_FUNCTION.findall(text))))


def alert_reading(raw: str) -> int | None:
    """The TLS alert a bare small number ('40', '0x28') may be, if it names one."""
    digits = raw.strip().lstrip("+").lower()
    if not re.fullmatch(r"\d{1,3}|0x[0-9a-f]{1,2}", digits):
        return None
    number = int(digits, 0)
    return number if number and number in knowledge.ALERTS else None   # 0 is "success" first


def _other_readings(raw: str) -> tuple[str, ...]:
    """A small positive number is also a TLS alert ("alert 40") or an errno."""
    import errno
    import os

    digits = raw.strip().lstrip("+").lower()
    if not re.fullmatch(r"\d{1,3}|0x[0-9a-f]{1,2}", digits):
        return ()          # a signed or long code is an Mbed TLS code, nothing else
    number = int(digits, 0)
    out = []
    info = knowledge.ALERTS.get(number)
    if info is not None:
        out.append(f"TLS alert {number} ({info.rfc_name}): tlsfit explain alert:{number}")
    if number in errno.errorcode:
        out.append(f"errno {number} {errno.errorcode[number]} ({os.strerror(number)}), as "
                   "a socket call reports it")
    return tuple(out)


@dataclass(frozen=True)
class AlertExplanation:
    number: int
    macro: str
    rfc_name: str
    meaning: str
    causes: tuple[str, ...]
    requirements: tuple[str, ...]


@dataclass(frozen=True)
class FlagExplanation:
    value: int
    bits: tuple[tuple[Macro, knowledge.Advice | None], ...]
    unknown_bits: int


def is_code_text(text: str) -> bool:
    """A code on its own (-0x262e, 0xc680, -9984, 2700, MBEDTLS_ERR_*), not a log line."""
    raw = text.strip()
    return raw.upper().startswith(("MBEDTLS_ERR_", "PSA_ERROR_")) or \
        bool(_HEX_RE.match(raw.lower().replace("_", "")))


def hex_code(code: int) -> str:
    """-0x262e style, as Mbed TLS programs print codes."""
    return f"-0x{-code:04x}" if code < 0 else f"0x{code:04x}"


def parse_code(text: str, docs: TreeDocs) -> CodeInput:
    """Normalise any pasted form of a code to the negative value Mbed TLS returns."""
    raw = text.strip()
    if raw.upper().startswith(("MBEDTLS_ERR_", "PSA_ERROR_")):
        macro = docs.error_named(raw.upper())
        if macro is None:
            raise TlsfitError(f"unknown error macro {raw} (not defined in the Mbed TLS "
                              f"{docs.version} headers)")
        return CodeInput(raw, macro.value, "macro name")
    low = raw.lower().replace("_", "")
    if not low or not _HEX_RE.match(low):
        raise TlsfitError(f"'{text}' is not an error code (expected e.g. -0x262e, 0xc680, "
                          f"-9984 or a MBEDTLS_ERR_* name)")
    negative = low.startswith("-")
    digits = low.lstrip("+-")
    if digits.startswith("0x"):
        value, how = int(digits, 16), "hex"
    elif re.search(r"[a-f]", digits):
        value, how = int(digits, 16), "hex (it has hex digits)"
    else:
        value, how = int(digits, 10), "decimal"
    if negative:
        value = -value
    if value == 0:
        raise TlsfitError(f"'{text}' is 0, which means success, not an error")
    if value > 0:
        if 0x8000 <= value <= 0xFFFF:
            value, how = value - 0x10000, how + ", unsigned 16-bit"
        elif 0x80000000 <= value <= 0xFFFFFFFF:
            value, how = value - 0x100000000, how + ", unsigned 32-bit"
        elif value <= 0x7FFF:
            value, how = -value, how + ", sign added (Mbed TLS codes are negative)"
    if not -0x7FFF <= value < 0:
        raise TlsfitError(f"'{text}' ({value}) is outside the Mbed TLS error range "
                          f"-0x0001..-0x7fff")
    return CodeInput(text, value, how)


def split_code(code: int, docs: TreeDocs) -> tuple[Part, ...]:
    """Name the parts of CODE: whole if the headers define it, else high + low (error.h)."""
    whole = docs.errors_for(code)
    positive = -code
    high, low = positive & 0xFF80, positive & 0x007F
    if whole and (high == 0 or low == 0 or high < 0x1000):
        return tuple(Part("whole" if high and low else ("high-level" if high else "low-level"),
                          code, m) for m in whole)
    parts: list[Part] = []
    missing: list[str] = []
    if high:
        if high < 0x1000:
            raise TlsfitError(f"{hex_code(code)} is not an Mbed TLS error code: its high part "
                              f"0x{high:04x} is below the high-level range 0x1000-0x7f80 "
                              f"and the headers define no such code")
        found = docs.errors_for(-high)
        parts += [Part("high-level", -high, m) for m in found]
        if not found:
            missing.append(f"high-level part -0x{high:04x}")
    if low:
        found = docs.errors_for(-low)
        parts += [Part("low-level", -low, m) for m in found]
        if not found:
            missing.append(f"low-level part -0x{low:04x}")
    if missing:
        known = "; known: " + ", ".join(f"{hex_code(p.code)} {p.macro.name}" for p in parts) \
            if parts else ""
        raise TlsfitError(f"unknown error code {hex_code(code)}: no MBEDTLS_ERR_* in the "
                          f"Mbed TLS {docs.version} headers for its {' and '.join(missing)}"
                          f"{known}")
    return tuple(parts)


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _advice(macro: str, function: str | None) -> knowledge.Advice | None:
    if function:
        for (name, prefix), advice in knowledge.IN_FUNCTION.items():
            if name == macro and function.startswith(prefix):
                return advice
    return knowledge.ERRORS.get(macro)


def explain_code(text: str, docs: TreeDocs, function: str | None = None) -> CodeExplanation:
    """Normalise, split and explain one pasted code; FUNCTION is where it failed, if known."""
    parsed = parse_code(text, docs)
    try:
        parts = split_code(parsed.code, docs)
    except TlsfitError:
        # Bare digits ("2700") may be hex pasted without its 0x: try that reading too.
        raw = text.strip()
        if not parsed.how.startswith("decimal") or not raw.isdigit():
            raise
        parsed = CodeInput(text, -int(raw, 16), "hex (no decimal reading is an Mbed TLS code)")
        parts = split_code(parsed.code, docs)
    causes: list[str] = []
    reqs: list[str] = []
    opts: list[str] = []
    follow: list[str] = []
    for part in parts:
        advice = _advice(part.macro.name, function)
        if advice:
            causes += advice.causes
            reqs += advice.requirements
            opts += advice.options
            if advice.follow_up:
                follow.append(advice.follow_up)
    names = tuple(p.macro.name for p in parts)
    combined = knowledge.COMBINED.get(names, "") if len(names) == 2 else ""
    if not causes:
        causes.append("no curated advice for this code; the meaning above is the header's")
    also = _other_readings(text)
    return CodeExplanation(parsed, parts, combined, _unique(causes), _unique(reqs),
                           _unique(opts), _unique(follow), also, function)


def parse_alert(text: str, docs: TreeDocs) -> int:
    """An alert number from '40', 'alert:40', '0x28' or an RFC name ('handshake_failure')."""
    raw = text.strip().lower().removeprefix("alert:").removeprefix("alert").strip(" :=")
    by_name = {info.rfc_name: n for n, info in knowledge.ALERTS.items()}
    by_name.update({m.name.lower().removeprefix("mbedtls_ssl_alert_msg_"): m.value
                    for m in docs.alerts})
    if raw in by_name:
        return by_name[raw]
    try:
        number = int(raw, 0)
    except ValueError:
        raise TlsfitError(f"'{text}' is not a TLS alert (expected a number 0-255, e.g. 40, or a "
                          f"name such as handshake_failure)") from None
    if not 0 <= number <= 255:
        raise TlsfitError(f"alert {number} is outside 0-255")
    return number


def explain_alert(number: int, docs: TreeDocs, tls: str | None) -> AlertExplanation:
    """Name an alert from ssl.h, with causes for TLS 1.2 and/or 1.3."""
    macro = docs.alert(number)
    info = knowledge.ALERTS.get(number)
    if macro is None and info is None:
        raise TlsfitError(f"unknown TLS alert {number}: not an MBEDTLS_SSL_ALERT_MSG_* in the "
                          f"Mbed TLS {docs.version} ssl.h and not in RFC 8446/5246")
    causes: tuple[str, ...] = ()
    if info:
        if tls == "1.3" and info.causes_tls13:
            causes = info.causes_tls13
        elif tls == "1.2":
            causes = info.causes
        else:
            causes = info.causes + info.causes_tls13
    return AlertExplanation(
        number=number,
        macro=macro.name if macro else "(not defined in ssl.h)",
        rfc_name=info.rfc_name if info else "",
        meaning=info.meaning if info else "",
        causes=causes,
        requirements=info.requirements if info else (),
    )


def parse_flags(text: str) -> int:
    """Verify flags as printed: hex with 0x, else decimal (flags are unsigned)."""
    raw = text.strip().lower().removeprefix("flags:").strip()
    try:
        value = int(raw, 16) if re.search(r"[a-f]", raw) and not raw.startswith("0x") \
            else int(raw, 0)
    except ValueError:
        raise TlsfitError(f"'{text}' is not a verify-flags value (expected e.g. 0x04 or "
                          f"0x0c)") from None
    if value <= 0 or value > 0xFFFFFFFF:
        raise TlsfitError(f"verify flags {text} must be a non-zero unsigned 32-bit value "
                          f"(0 means the chain verified)")
    return value


def explain_flags(value: int, docs: TreeDocs) -> FlagExplanation:
    """Split VALUE into the x509.h bits it is made of."""
    bits = tuple((m, knowledge.FLAGS.get(m.name)) for m in docs.flags if value & m.value)
    known = 0
    for macro, _ in bits:
        known |= macro.value
    unknown = value & ~known
    if value == 0xFFFFFFFF:
        raise TlsfitError("verify flags 0xffffffff mean the verification never ran "
                          "(mbedtls_ssl_get_verify_result() before a handshake)")
    if unknown:
        raise TlsfitError(f"verify flags 0x{value:x}: bits 0x{unknown:x} are not "
                          f"MBEDTLS_X509_BADCERT_*/BADCRL_* flags of Mbed TLS {docs.version}")
    return FlagExplanation(value, bits, unknown)
