"""Zephyr's Kconfig over a prj.conf fragment, as Zephyr's build evaluates it.

Kconfiglib (the library Zephyr's own ``scripts/kconfig/kconfig.py`` uses)
loads the tree's ``modules/mbedtls/Kconfig`` under a small root of tlsfit's
own that stands in for the rest of Zephyr (the few symbols defined
elsewhere that the Mbed TLS menus depend on, with the values of a Cortex-M
board that has an entropy driver). The merge and the report of what did not
take effect are ``platform/kconfig_merge.py``'s, shared with the other
platforms.
"""

from __future__ import annotations

from pathlib import Path

from tlsfit.platform.kconfig_merge import ASSIGNMENT, KconfigResult, Problem, merge, root_kconfig
from tlsfit.zephyr.tree import ZephyrTree

__all__ = ["ASSIGNMENT", "KconfigResult", "Problem", "evaluate"]


def evaluate(tree: ZephyrTree, fragments: list[Path]) -> KconfigResult:
    """Merge FRAGMENTS over the tree's Mbed TLS Kconfig, as a Zephyr build does."""
    env = {"ZEPHYR_BASE": str(tree.base), "srctree": str(tree.base),
           "ZEPHYR_TOOLCHAIN_VARIANT": "gnuarmemb", "ARCH": "arm",
           "KCONFIG_WARN_UNDEF_ASSIGN": "y"}
    root = root_kconfig("tlsfit: the Mbed TLS part of Zephyr's Kconfig", tree.externals,
                        tree.kconfig_entry)
    return merge(root, env, fragments, "Zephyr", tree.version, str(tree.base),
                 "prj.conf fragment")
