"""What a platform check finds, shared by every platform's check (Zephyr, ESP-IDF, nRF Connect
SDK): the Kconfig problems, the preprocessor's #errors, the macro differences, and the
differences the fragment declares (``# tlsfit-declared: NAME +|-|~ why`` lines)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tlsfit.platform.kconfig_merge import Problem
from tlsfit.platform.macros import (CppError, Difference, MacroSet, Preprocess, PreprocessFailed,
                                   macro_set)

COMPILER = "arm-none-eabi-gcc"
TARGET_FLAGS = ("-mcpu=cortex-m33", "-mthumb")
_DECLARED = re.compile(r"^#\s*tlsfit-declared:\s*([A-Z0-9_]+)\s+([+\-~])\s*(.*)$")
_KIND = {"+": "extra", "-": "missing", "~": "value"}


@dataclass(frozen=True)
class Declared:
    """A difference the fragment says it leaves, and why."""

    name: str
    kind: str          # extra | missing | value
    why: str


@dataclass(frozen=True)
class CheckResult:
    fragment: Path
    where: str                          # "Zephyr 4.2.0 at ..." or the build directory
    mode: str                           # kconfig | custom-file | build
    kconfig_problems: tuple[Problem, ...]
    cpp_errors: tuple[CppError, ...]
    shadowed: tuple[str, ...]           # "NAME: included X instead of Y"
    differences: tuple[Difference, ...]
    declared: tuple[Declared, ...]
    #: code the config needs that Zephyr's CMake would not compile (the link fails)
    missing_sources: tuple[str, ...] = ()

    def undeclared(self) -> tuple[Difference, ...]:
        keys = {(d.name, d.kind) for d in self.declared}
        return tuple(d for d in self.differences if (d.name, d.kind) not in keys)

    def unseen(self) -> tuple[Declared, ...]:
        seen = {(d.name, d.kind) for d in self.differences}
        return tuple(d for d in self.declared if (d.name, d.kind) not in seen)

    @property
    def ok(self) -> bool:
        return not (self.kconfig_problems or self.cpp_errors or self.shadowed
                    or self.undeclared() or self.missing_sources)

    def verdict(self) -> str:
        if self.cpp_errors:
            return f"#error ({len(self.cpp_errors)})"
        if self.shadowed:
            return "shadowed header"
        if self.missing_sources:
            return "sources not compiled"
        parts = []
        if self.kconfig_problems:
            parts.append(f"{len(self.kconfig_problems)} assignment(s) without effect")
        if self.undeclared():
            parts.append(f"{len(self.undeclared())} undeclared difference(s)")
        if parts:
            return "; ".join(parts)
        return f"ok ({len(self.differences)} declared)" if self.differences else "ok (identical)"


def read_declared(fragment: Path) -> tuple[Declared, ...]:
    found = []
    for line in fragment.read_text(encoding="utf-8").splitlines():
        m = _DECLARED.match(line.strip())
        if m:
            found.append(Declared(m.group(1), _KIND[m.group(2)], m.group(3).strip()))
    return tuple(found)


def preprocess(pp: Preprocess, subject: Path) -> tuple[MacroSet, tuple[CppError, ...]]:
    """The macro set, or the preprocessor's errors (#error in check_config.h)."""
    try:
        return macro_set(pp), ()
    except PreprocessFailed as exc:
        return MacroSet(values={}), exc.errors or (CppError(str(subject), 0, str(exc)),)


