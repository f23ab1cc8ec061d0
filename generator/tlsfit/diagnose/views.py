"""Text and JSON views of the diagnostics; pure functions of the frozen results."""

from __future__ import annotations

import json
from typing import Any

from tlsfit.diagnose.audit import SCHEMA_VERSION as AUDIT_SCHEMA, Audit, Finding
from tlsfit.diagnose.certs import Derivation
from tlsfit.diagnose.explain import (SCHEMA_VERSION as EXPLAIN_SCHEMA, AlertExplanation, CodeExplanation,
                      FlagExplanation, hex_code)


def _bullets(title: str, items: tuple[str, ...], indent: str = "  ") -> list[str]:
    if not items:
        return []
    return [f"{indent}{title}:"] + [f"{indent}  - {item}" for item in items]


def code_text(exp: CodeExplanation) -> str:
    code = exp.input.code
    lines = [f"{hex_code(code)} ({code}; '{exp.input.text}' read as {exp.input.how})"]
    if exp.function:
        lines.append(f"  in {exp.function}(): the advice below is for that function")
    for other in exp.also:
        lines.append(f"  the number may also be: {other}")
    for part in exp.parts:
        lines.append(f"  {part.level:<10} {hex_code(part.code)}  {part.macro.name}  "
                     f"[{part.macro.header}]")
        if part.macro.doc:
            lines.append(f"             {part.macro.doc}")
    if exp.combined:
        lines.append(f"  together: {exp.combined}")
    lines += _bullets("likely causes", exp.causes)
    if exp.requirements:
        lines.append(f"  profile requirements that fix it: "
                     f"{', '.join('CONFIG_' + r for r in exp.requirements)}")
    if exp.options:
        lines.append(f"  Mbed TLS options involved: {', '.join(exp.options)}")
    lines += _bullets("next", exp.follow_up)
    return "\n".join(lines)


def alert_text(exp: AlertExplanation) -> str:
    lines = [f"alert {exp.number} {exp.rfc_name or '(no RFC name)'}  {exp.macro}"]
    if exp.meaning:
        lines.append(f"  {exp.meaning}")
    lines += _bullets("likely causes", exp.causes)
    if exp.requirements:
        lines.append(f"  requirements to check: "
                     f"{', '.join('CONFIG_' + r for r in exp.requirements)}")
    return "\n".join(lines)


def flags_text(exp: FlagExplanation) -> str:
    lines = [f"verify flags 0x{exp.value:x} = "
             + " | ".join(f"0x{m.value:x}" for m, _ in exp.bits)]
    for macro, advice in exp.bits:
        lines.append(f"  0x{macro.value:06x} {macro.name}: {macro.doc}")
        if advice:
            lines += _bullets("causes", advice.causes, indent="    ")
            if advice.requirements:
                lines.append(f"    requirements: "
                             f"{', '.join('CONFIG_' + r for r in advice.requirements)}")
    return "\n".join(lines)


def explain_json(codes: list[CodeExplanation], alerts: list[AlertExplanation],
                 flags: list[FlagExplanation], version: str) -> str:
    doc: dict[str, Any] = {
        "schema_version": EXPLAIN_SCHEMA,
        "mbedtls_version": version,
        "codes": [{
            "input": c.input.text, "read_as": c.input.how, "code": c.input.code,
            "hex": hex_code(c.input.code),
            "parts": [{"level": p.level, "code": p.code, "hex": hex_code(p.code),
                       "macro": p.macro.name, "meaning": p.macro.doc,
                       "header": p.macro.header} for p in c.parts],
            "combined": c.combined or None, "causes": list(c.causes),
            "requirements": list(c.requirements), "options": list(c.options),
            "follow_up": list(c.follow_up), "also": list(c.also),
            "function": c.function} for c in codes],
        "alerts": [{"number": a.number, "macro": a.macro, "rfc_name": a.rfc_name,
                    "meaning": a.meaning, "causes": list(a.causes),
                    "requirements": list(a.requirements)} for a in alerts],
        "flags": [{"value": f.value, "hex": f"0x{f.value:x}",
                   "bits": [{"value": m.value, "macro": m.name, "meaning": m.doc,
                             "causes": list(a.causes) if a else [],
                             "requirements": list(a.requirements) if a else []}
                            for m, a in f.bits]} for f in flags],
    }
    return json.dumps(doc, indent=2, sort_keys=True)


def derivation_json(d: Derivation, mpi_max_size: int, profile_text: str) -> str:
    doc = {
        "schema_version": 1,
        "requirements": list(d.requirements),
        "mpi_max_size": mpi_max_size,
        "certificates": [{"file": c.source, "index": c.index, "subject": c.subject,
                          "issuer": c.issuer, "key": c.key, "signature": c.signature,
                          "requirement": c.key_requirement, "ca": c.is_ca,
                          "self_signed": c.self_signed} for c in d.certs],
        "warnings": list(d.warnings),
        "lints": [{"certificate": lint.cert, "message": lint.message} for lint in d.lints],
        "profile": profile_text,
    }
    return json.dumps(doc, indent=2, sort_keys=True)


def _table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> list[str]:
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    fmt = "  " + "  ".join(f"{{:<{w}}}" for w in widths[:-1]) + "  {}"
    return [fmt.format(*header).rstrip()] + [fmt.format(*r).rstrip() for r in rows]


def _finding_rows(items: tuple[Finding, ...], with_error: bool) -> list[tuple[str, ...]]:
    rows = []
    for f in items:
        row = (f.option, f.header_value if f.header_value is not None else "-",
               f.profile_value if f.profile_value is not None else "-",
               ", ".join(f.requirements) or "-")
        rows.append(row + ((f.error or "-", f.note) if with_error else (f.note,)))
    return rows


def audit_text(a: Audit) -> str:
    lines = [f"audit of {a.header} against profile {a.profile}"]
    old = [f for f in a.unknown if f.note.startswith("removed in Mbed TLS 3.0")]
    if old:
        lines.append(f"this header is for Mbed TLS 2.x ({len(old)} option(s) 3.0 removed, below): "
                     "tlsfit and this audit are for Mbed TLS 3.6")
    sections = (
        ("missing (the profile needs them, the header lacks them)", a.missing, True),
        ("unnecessary (defined, cost code, the profile does not need them)", a.unnecessary,
         False),
        ("values larger than needed", a.values, False),
        ("tuning and platform differences (no feature lost)", a.tuning, False),
        ("unknown macros (not Mbed TLS 3.6 options)", a.unknown, False),
    )
    for title, items, with_error in sections:
        lines.append("")
        lines.append(f"{title}: {len(items)}")
        if items:
            head = ("option", "header", "profile", "needed by") + \
                (("error at run time", "effect") if with_error else ("note",))
            lines += _table(_finding_rows(items, with_error), head)
    return "\n".join(lines)


def audit_json(a: Audit) -> str:
    def rows(items: tuple[Finding, ...]) -> list[dict[str, Any]]:
        return [{"option": f.option, "header": f.header_value, "profile": f.profile_value,
                 "requirements": list(f.requirements), "note": f.note,
                 "error": f.error or None} for f in items]
    doc = {"schema_version": AUDIT_SCHEMA, "header": a.header, "profile": a.profile,
           "missing": rows(a.missing), "unnecessary": rows(a.unnecessary),
           "values": rows(a.values), "tuning": rows(a.tuning), "unknown": rows(a.unknown)}
    return json.dumps(doc, indent=2, sort_keys=True)
