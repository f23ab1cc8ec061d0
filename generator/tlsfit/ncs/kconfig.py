"""nrf_security's Kconfig, loaded with Kconfiglib the way an NCS build reads it.

An NCS build reads sdk-nrf's ``subsys/nrf_security/Kconfig`` (sourced before Zephyr's
``modules/mbedtls/Kconfig``), which sources Zephyr's ``modules/mbedtls/Kconfig.psa*``. tlsfit
loads either a real tree (the user's NCS workspace: ``nrf/`` and ``zephyr/``) or its model (the
facts in ``data/ncs/<line>/release.json`` rendered back), each between tlsfit's two harness files
of that release: ``externals.kconfig`` (the rest of NCS and Zephyr, as an nRF5340 application core
without TF-M has it) and ``zephyr-mbedtls.kconfig`` (the part of Zephyr's mbedtls Kconfig that
nrf_security builds on: MBEDTLS, the implementation choice, the heap).
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kconfiglib as K

from tlsfit.errors import TlsfitError
from tlsfit.platform.kconfig_facts import kconfig_facts
from tlsfit.platform.kconfig_merge import environment

#: Where a symbol is "ours" (nrf_security's or Zephyr's mbedtls Kconfig) rather than a harness stub.
_MARKERS = ("/subsys/nrf_security/", "modules/mbedtls/", "tlsfit-ncs-model")


class ConfigdefaultKconfig(K.Kconfig):
    """Kconfiglib with Zephyr's ``configdefault`` (used by NCS 3.4's nrf_security): a default
    for a symbol defined elsewhere that does not weaken its dependencies (Zephyr's Kconfig
    docs). Parsed as ``config``; afterwards the symbol's direct dependencies are those of its
    other definitions, and the configdefault's defaults apply only where they hold."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.configdefault_lines: set[tuple[str, int]] = set()
        super().__init__(*args, **kwargs)
        self._apply_configdefaults()

    def _open(self, filename: str, mode: str) -> Any:   # Kconfiglib's own file hook
        f = super()._open(filename, mode)
        if "r" not in mode:
            return f
        text = f.read()
        f.close()
        if "configdefault" in text:
            lines = text.split("\n")
            for i, line in enumerate(lines):
                m = re.match(r"^(\s*)configdefault(\s+\w+.*)$", line)
                if m:
                    self.configdefault_lines.add((os.path.abspath(filename), i + 1))
                    lines[i] = m.group(1) + "config" + m.group(2)
            text = "\n".join(lines)
        return io.StringIO(text)

    def is_configdefault(self, node: K.MenuNode) -> bool:
        name = node.filename if os.path.isabs(node.filename) else \
            os.path.join(self.srctree, node.filename)
        return (os.path.abspath(name), node.linenr) in self.configdefault_lines

    def _apply_configdefaults(self) -> None:
        if not self.configdefault_lines:
            return
        for sym in self.unique_defined_syms:
            cd = [n for n in sym.nodes if self.is_configdefault(n)]
            if not cd:
                continue
            others = [n for n in sym.nodes if n not in cd]
            dep = self.n if others else self.y
            for n in others:
                dep = self._make_or(dep, n.dep)
            sym.direct_dep = dep
            cd_defaults = {id(d) for n in cd for d in n.defaults}
            sym.defaults = [(d[0], self._make_and(d[1], dep)) if id(d) in cd_defaults else d
                            for d in sym.defaults]
        self._invalidate_all()


@dataclass
class NcsKconfig:
    """A loaded nrf_security Kconfig (Kconfiglib) and what it was loaded from."""

    kconf: K.Kconfig
    where: str

    def facts(self) -> dict[str, Any]:
        """Every symbol and choice defined by nrf_security or Zephyr's mbedtls Kconfig files."""
        kc = self.kconf
        configdefault = kc.is_configdefault if isinstance(kc, ConfigdefaultKconfig) else None
        return kconfig_facts(
            kc, lambda node: any(m in node.filename for m in _MARKERS),
            lambda node: node.filename.split("/subsys/nrf_security/")[-1]
            .split("modules/mbedtls/")[-1], configdefault)


def _without_sources(text: str) -> str:
    return "\n".join(line for line in text.splitlines()
                     if not re.match(r"\s*(o|r)?source\b", line)) + "\n"


@dataclass(frozen=True)
class NcsTree:
    """An NCS tree to read nrf_security from: the user's (sdk-nrf and Zephyr), or tlsfit's model
    of a release (a directory holding the rendered Kconfig)."""

    harness: Path                 # data/ncs/<line>: externals.kconfig, zephyr-mbedtls.kconfig
    nrf: Path | None              # sdk-nrf checkout (the west workspace's nrf/)
    zephyr: Path | None
    model: Path | None = None     # the rendered model's directory

    @property
    def nrf_security(self) -> Path | None:
        return self.nrf / "subsys" / "nrf_security" if self.nrf else None

    def describe(self) -> str:
        return f"sdk-nrf at {self.nrf}" if self.nrf else "tlsfit's model"


def render_model(model_text: str, harness: Path, dest: Path) -> Path:
    """Write tlsfit's model Kconfig (and the stand-in without its sources) under DEST."""
    (dest / "tlsfit-ncs-model.kconfig").write_text(model_text, encoding="utf-8")
    stand_in = (harness / "zephyr-mbedtls.kconfig").read_text(encoding="utf-8")
    (dest / "zephyr-mbedtls.kconfig").write_text(_without_sources(stand_in), encoding="utf-8")
    return dest


def root_text(tree: NcsTree) -> tuple[str, dict[str, str]]:
    """The root Kconfig an NCS build of TREE amounts to, and the environment it expands."""
    parts = ['mainmenu "tlsfit: nrf_security and Zephyr\'s mbedtls Kconfig"',
             f'source "{tree.harness / "externals.kconfig"}"']
    if tree.model is not None:
        parts += [f'source "{tree.model / "tlsfit-ncs-model.kconfig"}"',
                  f'source "{tree.model / "zephyr-mbedtls.kconfig"}"']
        srctree = str(tree.model)
    else:
        assert tree.nrf is not None and tree.zephyr is not None
        kconfig = tree.nrf / "subsys" / "nrf_security" / "Kconfig"
        if not kconfig.is_file():
            raise TlsfitError(f"{tree.nrf} is not an sdk-nrf tree: subsys/nrf_security/Kconfig "
                              "is missing")
        if not (tree.zephyr / "modules" / "mbedtls").is_dir():
            raise TlsfitError(f"{tree.zephyr} is not a Zephyr tree: modules/mbedtls is missing")
        parts += [f'source "{kconfig}"', f'source "{tree.harness / "zephyr-mbedtls.kconfig"}"']
        srctree = str(tree.zephyr)
    env = {"srctree": srctree, "ZEPHYR_BASE": srctree, "ARCH": "arm",
           "ZEPHYR_TOOLCHAIN_VARIANT": "zephyr", "NCS_NRF": str(tree.nrf or srctree),
           "ZEPHYR_OBERON_PSA_CRYPTO_MODULE_DIR": "/oberon-psa-crypto"}
    return "\n".join(parts) + "\n", env


def load_kconfig(tree: NcsTree) -> NcsKconfig:
    """Kconfiglib over TREE (for reading facts: scripts/ncs-facts.py)."""
    text, env = root_text(tree)
    with tempfile.TemporaryDirectory(prefix="tlsfit-ncs-k-") as tmp:
        root = Path(tmp) / "Kconfig.root"
        root.write_text(text, encoding="utf-8")
        with environment(env):
            try:
                kc = ConfigdefaultKconfig(str(root), warn_to_stderr=False)
            except K.KconfigError as exc:
                raise TlsfitError(f"nrf_security Kconfig does not load: {exc}") from None
    return NcsKconfig(kconf=kc, where=tree.describe())
