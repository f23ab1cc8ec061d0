"""The ``tlsfit esp-idf-check`` command: find the fragments, check each, print a table."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tlsfit.cli.fragment_inputs import fragment_paths, model_lines, print_results
from tlsfit.errors import TlsfitError
from tlsfit.espidf.check import check_fragment, check_fragment_4x
from tlsfit.espidf.fragments import FRAGMENT_NAME, model_tree
from tlsfit.espidf.model import releases
from tlsfit.espidf.tree import IdfTree, open_tree
from tlsfit.mbedtls.tree import locate
from tlsfit.mbedtls4.render import CRYPTO_NAME as CRYPTO4_NAME
from tlsfit.mbedtls4.render import TLS_NAME as TLS4_NAME
from tlsfit.platform.check_result import CheckResult


def _fragments(inputs: list[str]) -> list[Path]:
    return fragment_paths(inputs, f"esp-idf/*/{FRAGMENT_NAME}",
                          "ESP-IDF fragments (generate with --target esp-idf-VERSION)")


def _trees(args: argparse.Namespace) -> list[IdfTree]:
    if args.model:
        return [model_tree(v) for v in model_lines(args.model, releases(), "ESP-IDF")]
    base = args.idf_path or os.environ.get("IDF_PATH")
    if not base:
        raise TlsfitError("no ESP-IDF tree: pass --idf-path DIR or set IDF_PATH, or use "
                          "--model VERSION for tlsfit's model")
    return [open_tree(Path(base))]


def _release_of(fragment: Path) -> str | None:
    return fragment.parent.name if fragment.parent.parent.name == "esp-idf" else None


def run_esp_idf_check(args: argparse.Namespace) -> int:
    trees = _trees(args)
    mbedtls = locate(args.mbedtls_src) if any(not t.release.is_4x for t in trees) else None
    results: list[CheckResult] = []
    for fragment in _fragments(args.inputs):
        header = Path(args.header) if args.header else fragment.parent / "mbedtls_config.h"
        line = _release_of(fragment)
        for tree in trees:
            if line is not None and line != tree.release.version:
                continue        # a fragment is checked against the release it was written for
            if tree.release.is_4x:
                results.append(check_fragment_4x(fragment, tree, fragment.parent / TLS4_NAME,
                                                 fragment.parent / CRYPTO4_NAME))
            else:
                assert mbedtls is not None
                results.append(check_fragment(fragment, tree, mbedtls, header))
    if not results:
        raise TlsfitError("no fragment was written for the given ESP-IDF release(s)")
    print_results(results)
    bad = sum(1 for r in results if not r.ok)
    print(f"\n{len(results) - bad} passed, {bad} failed")
    return 1 if bad else 0
