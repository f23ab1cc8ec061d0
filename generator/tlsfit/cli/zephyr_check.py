"""The ``tlsfit zephyr-check`` command: find the fragments, check each, print a table."""

from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass
from pathlib import Path

from tlsfit.cli.fragment_inputs import generated_fragments, model_lines, print_results
from tlsfit.errors import TlsfitError
from tlsfit.mbedtls.tree import locate
from tlsfit.platform.check_result import CheckResult
from tlsfit.zephyr.check import check_build_dir, check_fragment
from tlsfit.zephyr.fragments import model_tree
from tlsfit.zephyr.model import releases
from tlsfit.zephyr.tree import ZephyrTree, open_tree, read_version
from tlsfit.mbedtls4.render import CRYPTO_NAME as CRYPTO4
from tlsfit.mbedtls4.render import TLS_NAME as TLS4
from tlsfit.zephyr4.check import check_fragment as check_fragment4
from tlsfit.zephyr4.fragments import model_tree as model_tree4
from tlsfit.zephyr4.model import releases as releases4
from tlsfit.zephyr4.tree import Zephyr4Tree, is_4x_line
from tlsfit.zephyr4.tree import open_tree as open_tree4

_FIRST_LINE = re.compile(r"^# Zephyr (\d+\.\d+)\.\d+ fragment")


@dataclass(frozen=True)
class Job:
    fragment: Path
    line: str | None          # release line the fragment was written for, if known
    header: Path


def _line_of(fragment: Path) -> str | None:
    if fragment.parent.name in releases() + releases4() and \
            fragment.parent.parent.name == "zephyr":
        return fragment.parent.name
    try:
        first = fragment.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0]
    except OSError:
        return None
    m = _FIRST_LINE.match(first)
    return m.group(1) if m else None


def _header_for(fragment: Path, explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    for parent in (fragment.parent, fragment.parent.parent, fragment.parent.parent.parent):
        if (parent / "mbedtls_config.h").is_file() and (parent / "manifest.json").is_file():
            return parent / "mbedtls_config.h"
    raise TlsfitError(f"{fragment}: no generated mbedtls_config.h found next to it or above "
                      "it; pass --header FILE")


def _header_or_none(fragment: Path, explicit: str | None, needed: bool) -> Path:
    """The 3.6-era check compares with a header; a 4.x fragment with the files next to it."""
    if not needed or _line_of(fragment) in releases4():
        return Path(explicit) if explicit else fragment.parent / TLS4
    return _header_for(fragment, explicit)


def _jobs(inputs: list[str], header: str | None, needs_header: bool = True) -> list[Job]:
    jobs = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = generated_fragments(path, "zephyr/*/prj*.conf",
                                        "Zephyr fragments (generate with --zephyr)")
            jobs += [Job(f, _line_of(f), _header_or_none(f, header, needs_header)) for f in found]
        elif path.is_file():
            jobs.append(Job(path, _line_of(path), _header_or_none(path, header, needs_header)))
        else:
            raise TlsfitError(f"{path}: no such fragment or directory")
    return jobs


def _trees(args: argparse.Namespace) -> list[ZephyrTree | Zephyr4Tree]:
    if args.model:
        lines = model_lines(args.model, releases() + releases4(), "Zephyr")
        return [model_tree4(v) if v in releases4() else model_tree(v) for v in lines]
    base = args.zephyr_base or os.environ.get("ZEPHYR_BASE")
    if not base:
        raise TlsfitError("no Zephyr tree: pass --zephyr-base DIR or set ZEPHYR_BASE, use "
                          "--model VERSION for tlsfit's model, or --build-dir DIR")
    line = ".".join(read_version(Path(base)).split(".")[:2])
    return [open_tree4(Path(base)) if is_4x_line(line) else open_tree(Path(base))]


def _ncs_workspace(args: argparse.Namespace) -> Path | None:
    """An nRF Connect SDK workspace given to zephyr-check (--zephyr-base at its zephyr/ or at
    the workspace itself): its fragments are nrf_security's, checked by ncs-check."""
    base = args.zephyr_base
    if not base:
        return None
    for candidate in (Path(base), Path(base).parent):
        if (candidate / "nrf" / "VERSION").is_file() and (candidate / "zephyr").is_dir():
            return candidate
    return None


def run_zephyr_check(args: argparse.Namespace) -> int:
    workspace = _ncs_workspace(args)
    if workspace is not None:
        from tlsfit.cli.ncs_check import run_ncs_check
        print(f"{workspace} is an nRF Connect SDK workspace: checking with nrf_security "
              "(tlsfit ncs-check)")
        return run_ncs_check(argparse.Namespace(
            inputs=args.inputs, ncs_base=str(workspace), model=None, header=args.header,
            mbedtls_src=args.mbedtls_src))
    includes = tuple(Path(i) for i in args.include)
    results: list[CheckResult] = []
    if args.build_dir:
        build = Path(args.build_dir)
        if not build.is_dir():
            raise TlsfitError(f"{build}: no such build directory")
        if len(args.inputs) > 1:
            raise TlsfitError("--build-dir checks one build: give its fragment or the "
                              "generate output directory, not several")
        given = Path(args.inputs[0]) if args.inputs else None
        fragment = given if given is not None and given.is_file() else None
        if given is not None and given.is_dir():
            if not (given / "mbedtls_config.h").is_file():
                raise TlsfitError(f"{given}: not a 'tlsfit generate' output directory "
                                  "(no mbedtls_config.h)")
            header = Path(args.header) if args.header else given / "mbedtls_config.h"
        elif fragment is not None:
            header = _header_for(fragment, args.header)
        elif args.header:
            header = Path(args.header)
        else:
            raise TlsfitError("--build-dir needs the generated header: pass the fragment, "
                              "the generate output directory or --header FILE")
        results.append(check_build_dir(build, header, locate(args.mbedtls_src), fragment))
    else:
        if not args.inputs:
            raise TlsfitError("nothing to check: give fragments or generate output directories")
        trees = _trees(args)
        jobs = _jobs(args.inputs, args.header,
                     needs_header=any(not isinstance(t, Zephyr4Tree) for t in trees))
        mbedtls = locate(args.mbedtls_src) if any(
            not isinstance(t, Zephyr4Tree) for t in trees) else None
        for job in jobs:
            for tree in trees:
                if job.line not in (None, tree.line):
                    continue
                app = includes or (job.fragment.parent.resolve(),)
                if isinstance(tree, Zephyr4Tree):
                    results.append(check_fragment4(job.fragment, tree, job.fragment.parent / TLS4,
                                                   job.fragment.parent / CRYPTO4, app))
                else:
                    assert mbedtls is not None
                    results.append(check_fragment(job.fragment, tree, mbedtls, job.header, app))
        if not results:
            lines = sorted({j.line or "?" for j in jobs})
            raise TlsfitError(f"no fragment is for {', '.join(t.describe() for t in trees)} "
                              f"(the fragments are for Zephyr {', '.join(lines)})")
    print_results(results)
    bad = [r for r in results if not r.ok]
    print(f"\n{len(results) - len(bad)} passed, {len(bad)} failed")
    return 1 if bad else 0
