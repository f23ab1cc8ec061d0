"""Check an sdkconfig.defaults fragment the way ESP-IDF builds Mbed TLS.

ESP-IDF merges ``sdkconfig.defaults`` over ``components/mbedtls/Kconfig``
(Kconfiglib here: every assignment must take effect), writes ``sdkconfig.h``,
and compiles Mbed TLS with ``MBEDTLS_CONFIG_FILE="mbedtls/esp_config.h"``.
The preprocessor then runs over Mbed TLS's ``build_info.h`` with that file,
``sdkconfig.h`` and the chip's SoC capabilities (a ``soc/soc_caps.h`` written
from the release's facts for its chip, as the real one holds ``#define
SOC_X 1`` for each capability): ``check_config.h`` must accept it, and the
config file's macros are compared with the generated header's (config file
against config file: Mbed TLS derives the same from both): every difference
must be declared in the fragment (``# tlsfit-declared:`` lines).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tlsfit.espidf.model import CONFIG_HEADER
from tlsfit.espidf.tree import IdfTree
from tlsfit.mbedtls.tree import MbedtlsTree
from tlsfit.platform.kconfig_merge import KconfigResult, merge, root_kconfig
from tlsfit.errors import TlsfitError
from tlsfit.platform.macros import (CppError, MacroSet, Preprocess, PreprocessFailed, compare,
                                   macro_set)
from tlsfit.platform.check_result import (COMPILER, TARGET_FLAGS, CheckResult,
                                          preprocess as _preprocess, read_declared)


def evaluate(tree: IdfTree, fragments: list[Path]) -> KconfigResult:
    """Merge FRAGMENTS over the tree's Mbed TLS Kconfig, as idf.py does with sdkconfig.defaults."""
    root = root_kconfig("tlsfit: the Mbed TLS part of ESP-IDF's Kconfig", tree.release.externals,
                        tree.component / "Kconfig")
    env = {"IDF_PATH": str(tree.base), "IDF_TARGET": tree.release.chip}
    return merge(root, env, fragments, "ESP-IDF", tree.version, str(tree.base),
                 "sdkconfig.defaults file")


def soc_caps_h(tree: IdfTree) -> str:
    lines = [f"/* tlsfit: the {tree.release.chip}'s SoC capabilities the Mbed TLS port tests, "
             "from tlsfit's facts */"]
    for ext in tree.release.externals:
        if ext.name.startswith("SOC_") and ext.value not in ("n", ""):
            lines.append(f"#define {ext.name} {'1' if ext.value == 'y' else ext.value}")
    return "\n".join(lines) + "\n"


def _stubs(tree: IdfTree, kres: KconfigResult, where: Path) -> Path:
    (where / "soc").mkdir()
    (where / "sdkconfig.h").write_text(kres.autoconf, encoding="utf-8")
    (where / "soc" / "soc_caps.h").write_text(soc_caps_h(tree), encoding="utf-8")
    (where / "esp_mem.h").write_text("/* tlsfit: declares nothing Mbed TLS's config uses */\n",
                                     encoding="utf-8")
    return where


def check_fragment_4x(fragment: Path, tree: IdfTree, tls: Path, crypto: Path) -> CheckResult:
    """ESP-IDF 6.x: esp_config.h is TF-PSA-Crypto's user config over its default crypto_config.h
    (from the tree's mbedtls submodule) and Mbed TLS's config file. The macros of that pair are
    compared with those of tlsfit's two translated 4.x files: config files against config files.
    Mbed TLS 4.x's own config checks run when it is built (compile-check with a 4.x tree)."""
    kres = evaluate(tree, [fragment])
    for f in (tls, crypto):
        if not f.is_file():
            raise TlsfitError(f"{f}: no such file (the translated 4.x config the fragment "
                              "stands for)")
    if not (tree.crypto_include / "psa" / "crypto_config.h").is_file():
        raise TlsfitError(f"{tree.base}: {tree.crypto_include}/psa/crypto_config.h is missing "
                          "(ESP-IDF's mbedtls submodule: git submodule update --init)")
    with tempfile.TemporaryDirectory(prefix="tlsfit-ec4-") as tmp:
        stubs = _stubs(tree, kres, Path(tmp))
        (stubs / "tlsfit_probe_idf.h").write_text(
            '#include <psa/crypto_config.h>\n#include "mbedtls/esp_config.h"\n', encoding="utf-8")
        (stubs / "tlsfit_probe_mine.h").write_text(
            f'#include "{crypto.resolve()}"\n#include "{tls.resolve()}"\n', encoding="utf-8")
        pp = Preprocess(COMPILER, (stubs, tree.port_include, tree.crypto_include),
                        ("MBEDTLS_MAJOR_VERSION=4",), extra=TARGET_FLAGS)
        try:
            actual = macro_set(pp, entry="tlsfit_probe_idf.h")
            mine = macro_set(pp, entry="tlsfit_probe_mine.h")
            errors: tuple = ()
        except PreprocessFailed as exc:
            actual = mine = MacroSet(values={})
            errors = exc.errors or (CppError(str(fragment), 0, str(exc)),)
    differences = () if errors else compare(mine, actual)
    return CheckResult(fragment=fragment, where=tree.describe(), mode="sdkconfig",
                       kconfig_problems=kres.problems, cpp_errors=errors, shadowed=(),
                       differences=differences, declared=read_declared(fragment))


def check_fragment(fragment: Path, tree: IdfTree, mbedtls: MbedtlsTree,
                   header: Path) -> CheckResult:
    """Check FRAGMENT as an ESP-IDF build of TREE would use it, against HEADER."""
    kres = evaluate(tree, [fragment])
    with tempfile.TemporaryDirectory(prefix="tlsfit-ec-") as tmp:
        stubs = _stubs(tree, kres, Path(tmp))
        pp = Preprocess(COMPILER, (stubs, tree.port_include, mbedtls.include_dir),
                        (f'MBEDTLS_CONFIG_FILE="{CONFIG_HEADER}"',), extra=TARGET_FLAGS)
        _, errors = _preprocess(pp, fragment)
        differences: tuple = ()
        if not errors:
            actual = macro_set(pp, entry=CONFIG_HEADER)
            if not header.is_file():
                raise TlsfitError(f"{header}: no such header (the generated mbedtls_config.h "
                                  "to compare with)")
            mine = macro_set(Preprocess(COMPILER, (header.resolve().parent, mbedtls.include_dir),
                                        extra=TARGET_FLAGS), entry=header.name)
            differences = compare(mine, actual)
    return CheckResult(fragment=fragment, where=tree.describe(), mode="sdkconfig",
                       kconfig_problems=kres.problems, cpp_errors=errors, shadowed=(),
                       differences=differences, declared=read_declared(fragment))
