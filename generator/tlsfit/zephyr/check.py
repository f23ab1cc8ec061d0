"""``tlsfit zephyr-check``: what Mbed TLS sees in a Zephyr build, against the header.

For a fragment and a Zephyr tree: Zephyr's Kconfig over the fragment
(``kconfig_eval``), then the preprocessor over Mbed TLS's ``build_info.h``
with ``-imacros autoconf.h``, ``MBEDTLS_CONFIG_FILE`` as Zephyr's CMake
passes it and Zephyr's include path order (``macros``); the generated
header goes through the same preprocessor. Every macro that differs is a
finding unless the fragment declares it (``# tlsfit-declared:`` lines, also
in the manifest). For a real build directory, the flags come from its
``compile_commands.json`` and the symbols from its ``autoconf.h``.
"""

from __future__ import annotations

import json
import re
import shlex
import tempfile
from pathlib import Path

from tlsfit.errors import TlsfitError
from tlsfit.mbedtls.tree import MbedtlsTree
from tlsfit.platform.check_result import (COMPILER, TARGET_FLAGS, CheckResult,
                                          preprocess as _preprocess, read_declared)
from tlsfit.zephyr.kconfig_eval import ASSIGNMENT, Problem, evaluate
from tlsfit.platform.macros import MacroSet, Preprocess, PreprocessFailed, compare, macro_set
from tlsfit.zephyr.tree import ZephyrTree
from tlsfit.zephyr.model import ReleaseModel

def reference_set(header: Path, mbedtls: MbedtlsTree) -> MacroSet:
    """What Mbed TLS sees with the generated header alone (the harness's build: the header's
    directory, with a PSA backend's crypto file, first on the include path)."""
    if not header.is_file():
        raise TlsfitError(f"{header}: no such header (the generated mbedtls_config.h to compare with)")
    pp = Preprocess(COMPILER, (header.resolve().parent, mbedtls.include_dir),
                    (f'MBEDTLS_CONFIG_FILE="{header.resolve()}"',),
                    extra=TARGET_FLAGS)
    try:
        return macro_set(pp)
    except PreprocessFailed as exc:
        raise TlsfitError(f"{header}: the generated header itself fails: {exc}") from None


def _included_as(included: tuple[Path, ...], name: str) -> Path | None:
    for path in included:
        if path.name == Path(name).name:
            return path.resolve()
    return None


def check_fragment(fragment: Path, tree: ZephyrTree, mbedtls: MbedtlsTree, header: Path,
                   app_dirs: tuple[Path, ...]) -> CheckResult:
    """Check FRAGMENT as a build of TREE would use it, against HEADER."""
    kres = evaluate(tree, [fragment])
    release = tree.release
    custom_sym, file_sym = release.cfg_file_symbols
    custom = kres.values.get(custom_sym) == "y"
    cfg_file = kres.values.get(file_sym, "")
    enable_user, user_sym = release.user_config_symbols
    user_file = kres.values.get(user_sym, "") if kres.values.get(enable_user) == "y" else ""
    with tempfile.TemporaryDirectory(prefix="tlsfit-zc-") as tmp:
        autoconf = Path(tmp) / "autoconf.h"
        autoconf.write_text(kres.autoconf, encoding="utf-8")
        subst = {"zephyr": str(tree.base), "mbedtls": str(mbedtls.path)}
        includes: list[Path] = []
        for pattern in release.include_dirs:
            if pattern == "{app}":
                includes += list(app_dirs)
            else:
                includes.append(Path(pattern.format(**subst)))
        pp = Preprocess(COMPILER, tuple(includes),
                        (release.config_file_define.format(file=cfg_file),),
                        imacros=(autoconf,), extra=TARGET_FLAGS)
        actual, errors = _preprocess(pp, fragment)
    shadowed = []
    if not errors:
        wanted = [(cfg_file, "CONFIG_" + file_sym)] if custom else []
        if user_file:
            wanted.append((user_file, "CONFIG_" + user_sym))
        for name, sym in wanted:
            mine = [d / name for d in app_dirs if (d / name).is_file()]
            got = _included_as(actual.included, name)
            in_app = got is not None and any(got.is_relative_to(d.resolve()) for d in app_dirs)
            if mine and got != mine[0].resolve():
                shadowed.append(f'{sym}="{name}": the build includes '
                                f"{got or 'nothing of that name'} instead of {mine[0]}")
            elif not mine and got is not None and not in_app:
                shadowed.append(f'{sym}="{name}": the build includes {got}, not a file of the '
                                f"app's ({', '.join(str(d) for d in app_dirs)})")
    differences = () if errors else compare(reference_set(header, mbedtls), actual)
    return CheckResult(fragment=fragment, where=tree.describe(),
                       mode="custom-file" if custom else "kconfig",
                       kconfig_problems=kres.problems, cpp_errors=errors,
                       shadowed=tuple(shadowed), differences=differences,
                       declared=read_declared(fragment),
                       missing_sources=() if errors else
                       uncompiled_sources(release, kres.values, actual.names()))


def uncompiled_sources(release: ReleaseModel, values: dict[str, str],
                       macros: frozenset[str]) -> tuple[str, ...]:
    """Source groups whose code the final config enables (their guard macro is defined) but
    which Zephyr's CMake leaves out because their symbol is not y: the link would fail."""
    out = []
    for group in release.conditional_sources:
        if group.guard in macros and values.get(group.symbol) != "y":
            out.append(f"{group.guard} is defined, but Zephyr compiles "
                       f"{', '.join(Path(f).name for f in group.files[:3])}"
                       f"{' ...' if len(group.files) > 3 else ''} only with {group.when}=y, "
                       f"which this fragment leaves off: the link misses that code")
    return tuple(out)


# --- a real build directory -------------------------------------------------

_KEEP_WITH_ARG = ("-I", "-isystem", "-iquote", "-imacros", "-include", "-D", "-U")
_KEEP_FLAG = re.compile(r"^(-m[a-z0-9-]+(=.*)?|-std=.*|-f(un)?signed-char|-nostdinc)$")


def _build_flags(build_dir: Path) -> tuple[str, tuple[str, ...], Path]:
    """Compiler, preprocessor flags and source of one Mbed TLS file in the build."""
    db = build_dir / "compile_commands.json"
    if not db.is_file():
        raise TlsfitError(f"{build_dir}: no compile_commands.json (is it a Zephyr build "
                          "directory? west build writes one)")
    try:
        entries = json.loads(db.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise TlsfitError(f"{db}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    for entry in entries:
        src = entry.get("file", "")
        if src.endswith("/library/ssl_tls.c") or src.endswith("/library/x509_crt.c"):
            argv = entry.get("arguments") or shlex.split(entry.get("command", ""))
            break
    else:
        raise TlsfitError(f"{db}: no Mbed TLS library file (library/ssl_tls.c) is compiled "
                          "in this build; is CONFIG_MBEDTLS_BUILTIN set?")
    flags: list[str] = []
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg in _KEEP_WITH_ARG and i + 1 < len(argv):
            flags += [arg, argv[i + 1]]
            i += 2
            continue
        if arg.startswith(_KEEP_WITH_ARG) and arg not in ("-include",):
            flags.append(arg)
        elif _KEEP_FLAG.match(arg):
            flags.append(arg)
        i += 1
    return argv[0], tuple(flags), Path(src)


def check_build_dir(build_dir: Path, header: Path, mbedtls: MbedtlsTree,
                    fragment: Path | None) -> CheckResult:
    """What a real Zephyr build compiled Mbed TLS with, against HEADER."""
    compiler, flags, _ = _build_flags(build_dir)
    actual, errors = _preprocess(Preprocess(compiler, (), extra=flags), build_dir)
    problems: list[Problem] = []
    dotconfig = build_dir / "zephyr" / ".config"
    if fragment is not None and dotconfig.is_file():
        problems = _unhonoured(fragment, dotconfig)
    differences = () if errors else compare(reference_set(header, mbedtls), actual)
    return CheckResult(fragment=fragment or build_dir, where=f"build {build_dir}", mode="build",
                       kconfig_problems=tuple(problems), cpp_errors=errors, shadowed=(),
                       differences=differences,
                       declared=read_declared(fragment) if fragment else ())


def _unhonoured(fragment: Path, dotconfig: Path) -> list[Problem]:
    """Assignments of FRAGMENT whose value the build's .config does not have."""
    final: dict[str, str] = {}
    for line in dotconfig.read_text(encoding="utf-8").splitlines():
        m = ASSIGNMENT.match(line.strip())
        if m:
            final[m.group(1) or m.group(3)] = m.group(2) if m.group(1) else "n"
    out = []
    for n, line in enumerate(fragment.read_text(encoding="utf-8").splitlines(), 1):
        m = ASSIGNMENT.match(line.strip())
        if not m:
            continue
        name, value = (m.group(1) or m.group(3)), (m.group(2) if m.group(1) else "n")
        got = final.get(name, "n")
        if got != value:
            out.append(Problem(str(fragment), n, name,
                               f"set to {value} but the build's .config has {got}"))
    return out
