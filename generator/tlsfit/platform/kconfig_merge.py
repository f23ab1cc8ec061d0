"""A platform's Kconfig over a fragment, as the platform's build evaluates it.

Kconfiglib (the library Zephyr's build uses; ESP-IDF's esp-idf-kconfig
follows the same language) loads a root Kconfig that defines the few symbols
from elsewhere in the platform that the Mbed TLS menus refer to, then the
menus. The fragment is merged as ``prj.conf`` or ``sdkconfig.defaults`` is
merged; then every assignment that did not take effect is reported (unknown
symbol, unmet dependency, no prompt, deprecated), and the C header the build
would write (``autoconf.h``, ``sdkconfig.h``) is produced.
"""

from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import kconfiglib

from tlsfit.errors import TlsfitError
from tlsfit.platform.rules import External

#: A fragment assignment: CONFIG_X=value or "# CONFIG_X is not set".
ASSIGNMENT = re.compile(r"^(?:CONFIG_([A-Za-z0-9_]+)=(.*)|# CONFIG_([A-Za-z0-9_]+) is not set)\s*$")


@dataclass(frozen=True)
class Problem:
    """An assignment of the fragment that the platform's build would not honour."""

    file: str
    line: int
    symbol: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: CONFIG_{self.symbol}: {self.message}"


@dataclass(frozen=True)
class KconfigResult:
    """Symbol values after the merge, what did not take effect, and the C header."""

    values: dict[str, str]            # NAME (no CONFIG_) -> value as in .config
    problems: tuple[Problem, ...]
    autoconf: str
    dotconfig: str                    # the .config / sdkconfig the build would write


@contextmanager
def environment(wanted: dict[str, str]) -> Iterator[None]:
    """Set the variables the platform's Kconfig files expand, and restore them."""
    saved = {k: os.environ.get(k) for k in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def root_kconfig(title: str, externals: Iterable[External], entry: Path) -> str:
    """A root Kconfig: the externals with their values, then the platform's menus."""
    lines = [f'mainmenu "{title}"', ""]
    for ext in externals:
        lines += [f"# {ext.why}", f"config {ext.name}", f"\t{ext.type}",
                  f"\tdefault {ext.value}", ""]
    lines.append(f'source "{entry}"')
    return "\n".join(lines) + "\n"


def _locate(fragments: list[Path]) -> dict[str, tuple[str, int, str]]:
    """Last assignment of each symbol: NAME -> (file, line, value as written)."""
    where: dict[str, tuple[str, int, str]] = {}
    for frag in fragments:
        for n, line in enumerate(frag.read_text(encoding="utf-8").splitlines(), 1):
            m = ASSIGNMENT.match(line.strip())
            if m:
                name = m.group(1) or m.group(3)
                where[name] = (str(frag), n, m.group(2) if m.group(1) else "n")
    return where


def _why_not(sym: kconfiglib.Symbol) -> str:
    if not any(node.prompt for node in sym.nodes):
        return "has no prompt, so a fragment cannot set it (it follows its defaults and selects)"
    if sym.direct_dep is not None and kconfiglib.expr_value(sym.direct_dep) == 0:
        return f"its dependencies are not met: depends on {kconfiglib.expr_str(sym.direct_dep)}"
    if sym.rev_dep is not None and kconfiglib.expr_value(sym.rev_dep) != 0:
        return f"it is selected by {kconfiglib.expr_str(sym.rev_dep)}"
    if sym.choice is not None and sym.choice.selection is not None:
        return f"its choice {sym.choice.name} has {sym.choice.selection.name} selected"
    return "its prompt is not visible here"


def _deprecated(sym: kconfiglib.Symbol) -> bool:
    return any(getattr(target, "name", "") == "DEPRECATED" for target, _ in sym.selects)


_LOADED: dict[tuple[str, tuple[tuple[str, str], ...], type], kconfiglib.Kconfig] = {}


def _loaded(root_text: str, env: dict[str, str], tmp: str, kconfig_name: str,
            platform: str, kconfig_class: type = kconfiglib.Kconfig) -> kconfiglib.Kconfig:
    """The Kconfig tree ROOT_TEXT sources, parsed once a process (the solver merges hundreds
    of candidate fragments over the same tree; each merge replaces the previous values)."""
    key = (root_text, tuple(sorted(env.items())), kconfig_class)
    if key not in _LOADED:
        root = Path(tmp) / "Kconfig"
        root.write_text(root_text, encoding="utf-8")
        try:
            _LOADED[key] = kconfig_class(str(root), warn_to_stderr=False)
        except kconfiglib.KconfigError as exc:
            raise TlsfitError(f"{kconfig_name}: {platform}'s Mbed TLS Kconfig does not "
                              f"load: {str(exc).strip().splitlines()[0]}") from None
    return _LOADED[key]


def merge(root_text: str, env: dict[str, str], fragments: list[Path], platform: str,
          release: str, kconfig_name: str = "Kconfig", kind: str = "fragment",
          kconfig_class: type = kconfiglib.Kconfig) -> KconfigResult:
    """Merge FRAGMENTS over the Kconfig tree ROOT_TEXT sources, as PLATFORM (at RELEASE)
    builds. KCONFIG_NAME names the tree and KIND the fragment in errors."""
    for frag in fragments:
        if not frag.is_file():
            raise TlsfitError(f"{frag}: no such fragment")
    with tempfile.TemporaryDirectory(prefix="tlsfit-kconfig-") as tmp:
        with environment({**env, "KCONFIG_BINARY_DIR": tmp}):
            kconf = _loaded(root_text, env, tmp, kconfig_name, platform, kconfig_class)
            kconf.warnings.clear()
            for n, frag in enumerate(fragments):
                kconf.load_config(str(frag), replace=n == 0)
            malformed = [w for w in kconf.warnings if "malformed" in w or "not a valid" in w]
            if malformed:
                where, _, what = malformed[0].partition(": warning: ")
                what = what.replace("ignoring malformed line", "not a Kconfig line:")
                raise TlsfitError(f"{where}: {what} (a {kind} has CONFIG_X=value "
                                  "lines and # comments)")
            problems: list[Problem] = []
            where = _locate(fragments)
            for name, val in kconf.missing_syms:
                file, line, _ = where.get(name, (str(fragments[-1]), 0, val))
                problems.append(Problem(file, line, name, f"no such symbol in {platform} {release}"))
            for name, (file, line, written) in sorted(where.items(), key=lambda i: i[1][:2]):
                sym = kconf.syms.get(name)
                if sym is None or not sym.nodes:
                    continue
                if _deprecated(sym):
                    problems.append(Problem(file, line, name, f"deprecated in {platform} {release}"))
                want = written.strip('"') if sym.orig_type is kconfiglib.STRING else written
                if sym.orig_type in (kconfiglib.BOOL, kconfiglib.TRISTATE):
                    want = want[:1]
                if sym.str_value != want:
                    problems.append(Problem(
                        file, line, name,
                        f"set to {written} but {platform}'s Kconfig gives "
                        f"{sym.str_value or 'n'}: " + _why_not(sym)))
            autoconf = Path(tmp) / "autoconf.h"
            kconf.write_autoconf(str(autoconf), header="/* tlsfit platform check */\n")
            dotconfig = Path(tmp) / ".config"
            kconf.write_config(str(dotconfig), header="", save_old=False)
            values = {s.name: s.str_value for s in kconf.unique_defined_syms
                      if s.orig_type is not kconfiglib.UNKNOWN}
            problems.sort(key=lambda p: (p.file, p.line))
            return KconfigResult(values=values, problems=tuple(problems),
                                 autoconf=autoconf.read_text(encoding="utf-8"),
                                 dotconfig=dotconfig.read_text(encoding="utf-8"))
