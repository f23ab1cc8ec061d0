"""The ``tlsfit ncs-check`` command: find the fragments, check each, print a table."""

from __future__ import annotations

import argparse
from pathlib import Path

from tlsfit.cli.fragment_inputs import fragment_paths, model_lines, print_results
from tlsfit.errors import TlsfitError
from tlsfit.mbedtls.tree import locate
from tlsfit.mbedtls4.render import CRYPTO_NAME as CRYPTO4_NAME
from tlsfit.mbedtls4.render import TLS_NAME as TLS4_NAME
from tlsfit.ncs.check import check_fragment, check_fragment_4x
from tlsfit.ncs.fragments import FRAGMENT_NAME, model_tree
from tlsfit.ncs.kconfig import NcsTree
from tlsfit.ncs.model import NcsRelease, load_release, releases
from tlsfit.platform.check_result import CheckResult


def _fragments(inputs: list[str]) -> list[Path]:
    return fragment_paths(inputs, f"ncs/*/{FRAGMENT_NAME}",
                          "nRF Connect SDK fragments (generate with --target ncs-VERSION)")


def open_workspace(base: Path) -> tuple[NcsTree, NcsRelease]:
    """A west workspace of NCS (nrf/ and zephyr/), of a release line tlsfit knows."""
    base = base.resolve()
    version_file = base / "nrf" / "VERSION"
    if not version_file.is_file():
        raise TlsfitError(f"{base} is not an nRF Connect SDK workspace: nrf/VERSION is missing "
                          "(pass the directory that holds nrf/ and zephyr/)")
    version = version_file.read_text(encoding="utf-8").strip()
    line = ".".join(version.split(".")[:2])
    if line not in releases():
        raise TlsfitError(f"{base} is nRF Connect SDK {version}; tlsfit knows "
                          f"{', '.join(releases())}")
    rel = load_release(line)
    return NcsTree(harness=rel.harness, nrf=base / "nrf", zephyr=base / "zephyr"), rel


def _trees(args: argparse.Namespace) -> list[tuple[NcsTree, NcsRelease]]:
    if args.model:
        return [(model_tree(v), load_release(v))
                for v in model_lines(args.model, releases(), "nRF Connect SDK")]
    if not args.ncs_base:
        raise TlsfitError("no nRF Connect SDK tree: pass --ncs-base DIR (the west workspace), "
                          "or --model VERSION for tlsfit's model")
    return [open_workspace(Path(args.ncs_base))]


def run_ncs_check(args: argparse.Namespace) -> int:
    trees = _trees(args)
    mbedtls = locate(args.mbedtls_src) if any(not rel.is_4x for _, rel in trees) else None
    results: list[CheckResult] = []
    for fragment in _fragments(args.inputs):
        header = Path(args.header) if args.header else fragment.parent / "mbedtls_config.h"
        line = fragment.parent.name if fragment.parent.parent.name == "ncs" else None
        for tree, rel in trees:
            if line is not None and line != rel.version:
                continue        # a fragment is checked against the release it was written for
            if rel.is_4x:
                results.append(check_fragment_4x(fragment, tree, rel, fragment.parent / TLS4_NAME,
                                                 fragment.parent / CRYPTO4_NAME))
            else:
                assert mbedtls is not None
                results.append(check_fragment(fragment, tree, rel, mbedtls, header))
    if not results:
        raise TlsfitError("no fragment was written for the given nRF Connect SDK release(s)")
    print_results(results)
    bad = sum(1 for r in results if not r.ok)
    print(f"\n{len(results) - bad} passed, {bad} failed")
    return 1 if bad else 0
