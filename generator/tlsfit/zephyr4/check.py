"""Check a Zephyr 4.4+ prj.conf the way Zephyr builds Mbed TLS 4.x.

Kconfiglib over the release's ``modules/mbedtls`` Kconfig (every assignment
must take effect), ``autoconf.h`` as Zephyr writes it, then the preprocessor
over the config files in the order the libraries include them: Zephyr's
TF-PSA-Crypto config file and its user file, then its Mbed TLS config file and
its user file (``build_info.h`` of TF-PSA-Crypto, then of Mbed TLS). Their
macros are compared with tlsfit's two translated 4.x files (config files with
config files: Mbed TLS 4.x's own checks run when it is built, which
``compile-check`` with a 4.x tree does for the translation).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tlsfit.errors import TlsfitError
from tlsfit.platform.kconfig_merge import KconfigResult, merge, root_kconfig
from tlsfit.platform.macros import (CppError, MacroSet, Preprocess, PreprocessFailed, compare,
                                   macro_set)
from tlsfit.platform.check_result import COMPILER, TARGET_FLAGS, CheckResult, read_declared
from tlsfit.zephyr4.tree import Zephyr4Tree


def evaluate(tree: Zephyr4Tree, fragments: list[Path]) -> KconfigResult:
    env = {"ZEPHYR_BASE": str(tree.base), "srctree": str(tree.base),
           "ZEPHYR_TOOLCHAIN_VARIANT": "gnuarmemb", "ARCH": "arm",
           "KCONFIG_WARN_UNDEF_ASSIGN": "y"}
    root = root_kconfig("tlsfit: the Mbed TLS part of Zephyr's Kconfig", tree.release.externals,
                        tree.kconfig_entry)
    return merge(root, env, fragments, "Zephyr", tree.version, str(tree.base),
                 "prj.conf fragment")


_PROBE_ZEPHYR = """#include CONFIG_{crypto}
#if defined(TF_PSA_CRYPTO_USER_CONFIG_FILE)
#include TF_PSA_CRYPTO_USER_CONFIG_FILE
#endif
#include CONFIG_{tls}
#if defined(MBEDTLS_USER_CONFIG_FILE)
#include MBEDTLS_USER_CONFIG_FILE
#endif
"""


def check_fragment(fragment: Path, tree: Zephyr4Tree, tls: Path, crypto: Path,
                   app_dirs: tuple[Path, ...]) -> CheckResult:
    """Check FRAGMENT as a build of TREE would use it, against the translated TLS and CRYPTO."""
    kres = evaluate(tree, [fragment])
    for f in (tls, crypto):
        if not f.is_file():
            raise TlsfitError(f"{f}: no such file (the translated 4.x config the fragment "
                              "stands for)")
    syms = tree.release.file_symbols
    with tempfile.TemporaryDirectory(prefix="tlsfit-z4c-") as tmp:
        work = Path(tmp)
        autoconf = work / "autoconf.h"
        autoconf.write_text(kres.autoconf, encoding="utf-8")
        (work / "tlsfit_probe_zephyr.h").write_text(
            _PROBE_ZEPHYR.format(crypto=syms["crypto"], tls=syms["tls"]), encoding="utf-8")
        (work / "tlsfit_probe_mine.h").write_text(
            f'#include "{crypto.resolve()}"\n#include "{tls.resolve()}"\n', encoding="utf-8")
        pp = Preprocess(COMPILER, (work, tree.configs_dir, *app_dirs), imacros=(autoconf,),
                        extra=TARGET_FLAGS)
        try:
            actual = macro_set(pp, entry="tlsfit_probe_zephyr.h")
            mine = macro_set(Preprocess(COMPILER, (work,), extra=TARGET_FLAGS),
                             entry="tlsfit_probe_mine.h")
            errors: tuple = ()
        except PreprocessFailed as exc:
            actual = mine = MacroSet(values={})
            errors = exc.errors or (CppError(str(fragment), 0, str(exc)),)
    differences = () if errors else compare(mine, actual)
    return CheckResult(fragment=fragment, where=tree.describe(), mode="kconfig",
                       kconfig_problems=kres.problems, cpp_errors=errors, shadowed=(),
                       differences=differences, declared=read_declared(fragment))
