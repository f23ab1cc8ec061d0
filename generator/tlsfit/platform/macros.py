"""What Mbed TLS sees: the configuration macros after its own build_info.h.

The C preprocessor is the consumer, so it is the judge: every set here comes
from running the compiler's preprocessor over ``mbedtls/build_info.h`` with
the include paths, ``-imacros`` and ``-D`` flags of the build in question,
never from reading headers. ``check_config.h`` runs as part of it, so its
``#error``s surface as a failed run. Values are compared after expansion
(a second preprocessor pass), so ``CONFIG_MBEDTLS_SSL_MAX_CONTENT_LEN``
and ``4096`` are the same value.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tlsfit.errors import TlsfitError

#: Macros that name files or guard headers: they differ by construction
#: between two ways of configuring and say nothing about the configuration.
_NOT_CONFIG = re.compile(r"(_H|_H_|_H__|_CONFIG_FILE|_FILES_READ|_IS_FINALIZED|_CONFIG_VERSION)$")
_CONFIG_PREFIXES = ("MBEDTLS_", "PSA_WANT_")
_DEFINE = re.compile(r"#define ([A-Za-z_][A-Za-z0-9_]*)(\([^)]*\))?(?: (.*))?$")
_ERROR = re.compile(r"^(?P<file>[^:\s]+):(?P<line>\d+):(?:\d+:)? (?:fatal )?error: (?P<msg>.*)$")
_MARK = "__tlsfit_value__"
_VALUE = re.compile(_MARK + r' "(?P<name>[A-Za-z0-9_]+)" =(?P<value>.*)$')


@dataclass(frozen=True)
class Preprocess:
    """One preprocessor invocation's inputs, in the order the compiler takes them."""

    compiler: str
    includes: tuple[Path, ...]
    defines: tuple[str, ...] = ()          # NAME or NAME=VALUE, as after -D
    imacros: tuple[Path, ...] = ()
    extra: tuple[str, ...] = ()            # target flags (-mcpu=..., -std=...)

    def argv(self) -> list[str]:
        args = [self.compiler, "-E", *self.extra]
        for m in self.imacros:
            args += ["-imacros", str(m)]
        args += [f"-D{d}" for d in self.defines]
        args += [f"-I{i}" for i in self.includes]
        return args


@dataclass(frozen=True)
class MacroSet:
    """The configuration macros Mbed TLS sees, NAME -> expanded value ('' for a flag)."""

    values: dict[str, str]
    included: tuple[Path, ...] = field(default=())   # every header read, in order

    def names(self) -> frozenset[str]:
        return frozenset(self.values)


@dataclass(frozen=True)
class CppError:
    """A preprocessor failure: an #error (check_config.h) or a missing file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PreprocessFailed(TlsfitError):
    def __init__(self, errors: tuple[CppError, ...], stderr: str) -> None:
        self.errors = errors
        text = "\n".join(f"  {e}" for e in errors) or stderr.strip()[-2000:]
        super().__init__(f"the preprocessor stopped:\n{text}")


def _run(argv: list[str], source: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which(argv[0]) is None:
        raise TlsfitError(f"{argv[0]} not found: run 'make setup' (or pass the compiler)")
    src = workdir / "tlsfit_probe.c"
    src.write_text(source, encoding="utf-8")
    return subprocess.run([*argv, str(src)], capture_output=True, text=True, cwd=workdir)


def _errors(stderr: str) -> tuple[CppError, ...]:
    found = []
    for line in stderr.splitlines():
        m = _ERROR.match(line.strip())
        if m:
            found.append(CppError(m["file"], int(m["line"]), m["msg"].strip()))
    return tuple(found)


def _included(stderr: str) -> tuple[Path, ...]:
    """Headers from ``-H`` output ('. path', '.. path', ...), in inclusion order."""
    paths = []
    for line in stderr.splitlines():
        m = re.match(r"^\.+ (.+)$", line)
        if m:
            paths.append(Path(m.group(1)))
    return tuple(paths)


def is_config_macro(name: str) -> bool:
    return name.startswith(_CONFIG_PREFIXES) and not _NOT_CONFIG.search(name)


def macro_set(pp: Preprocess, entry: str = "mbedtls/build_info.h") -> MacroSet:
    """Run PP over ENTRY and return the configuration macros, expanded.

    Raises PreprocessFailed with each ``#error`` (file, line, text) when the
    configuration is rejected, as a compiler would.
    """
    with tempfile.TemporaryDirectory(prefix="tlsfit-cpp-") as tmp:
        work = Path(tmp)
        first = _run([*pp.argv(), "-dM", "-H"], f"#include <{entry}>\n", work)
        if first.returncode != 0:
            raise PreprocessFailed(_errors(first.stderr), first.stderr)
        objects: list[str] = []
        values: dict[str, str] = {}
        for line in first.stdout.splitlines():
            m = _DEFINE.match(line)
            if not m or not is_config_macro(m.group(1)):
                continue
            if m.group(2):                      # function-like: compare its text
                values[m.group(1)] = f"{m.group(2)} {m.group(3) or ''}".strip()
            else:
                objects.append(m.group(1))
        probe = f"#include <{entry}>\n" + "".join(
            f'{_MARK} "{name}" = {name}\n' for name in objects)
        second = _run([*pp.argv(), "-P"], probe, work)
        if second.returncode != 0:
            raise PreprocessFailed(_errors(second.stderr), second.stderr)
        for line in second.stdout.splitlines():
            m = _VALUE.match(line)
            if m:
                values[m["name"]] = " ".join(m["value"].split())
        return MacroSet(values=dict(sorted(values.items())), included=_included(first.stderr))


@dataclass(frozen=True)
class Difference:
    """One macro that differs: only in one set, or with another value."""

    name: str
    expected: str | None     # in the reference (generated header); None = absent
    actual: str | None       # in the build under check; None = absent

    @property
    def kind(self) -> str:
        if self.expected is None:
            return "extra"
        if self.actual is None:
            return "missing"
        return "value"

    def describe(self) -> str:
        if self.kind == "extra":
            return f"+ {self.name}{' = ' + self.actual if self.actual else ''}" \
                   "  (only in the Zephyr build)"
        if self.kind == "missing":
            return f"- {self.name}{' = ' + self.expected if self.expected else ''}" \
                   "  (only in the generated header)"
        return f"~ {self.name}: generated {self.expected}, Zephyr build {self.actual}"


def compare(expected: MacroSet, actual: MacroSet) -> tuple[Difference, ...]:
    names = sorted(expected.names() | actual.names())
    return tuple(Difference(n, expected.values.get(n), actual.values.get(n)) for n in names
                 if expected.values.get(n) != actual.values.get(n))
