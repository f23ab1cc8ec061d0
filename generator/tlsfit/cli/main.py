"""The ``tlsfit`` command line: argparse subcommands over the pipeline stages.

Every TlsfitError is printed as ``tlsfit: <message>`` with exit status 1;
Ctrl-C exits 130. Nothing is written unless the whole step succeeded.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from tlsfit import __version__
from tlsfit.errors import TlsfitError
from tlsfit.paths import shipped_profiles
from tlsfit.generate.profile import ProfileSource, profile_path, read_profile

if False:  # for type annotations only
    from tlsfit.mbedtls.tree import MbedtlsTree  # noqa: F401
    from tlsfit.results.model import Result  # noqa: F401


def _profiles_from_args(args: argparse.Namespace) -> list[ProfileSource]:
    """One profile (base + overlays) from PROFILE args, or every shipped one with --all."""
    if getattr(args, "all", False):
        if args.profiles:
            raise TlsfitError("give profiles or --all, not both")
        return [read_profile([p]) for p in shipped_profiles()]
    if not args.profiles:
        raise TlsfitError("no profile given (use PROFILE... or --all)")
    return [read_profile([profile_path(p) for p in args.profiles])]


def cmd_generate(args: argparse.Namespace) -> int:
    from tlsfit.mbedtls.tree import locate
    from tlsfit.outputs import render_all, write_outputs
    from tlsfit.generate.resolve import resolve

    from tlsfit.targets.registry import DEFAULT_TARGETS, find
    from tlsfit.zephyr.fragments import versions
    from tlsfit.zephyr4.model import releases as versions4

    if args.mbedtls_src:
        locate(args.mbedtls_src)  # refuse a wrong tree early
    known = versions()
    requested = list(args.target or [])
    for v in args.zephyr or []:
        if v != "all" and v not in known + versions4():
            raise TlsfitError(f"--zephyr {v}: tlsfit writes fragments for Zephyr "
                              f"{', '.join(known + versions4())}, or 'all' (the Mbed TLS 3.6 "
                              "lines)")
        requested += [f"zephyr-{k}" for k in known] if v == "all" else [f"zephyr-{v}"]
    chosen = find(requested or list(DEFAULT_TARGETS))
    start = time.perf_counter()
    profiles = _profiles_from_args(args)
    rendered = []
    for profile in profiles:
        resolution = resolve(profile)
        rendered.append((profile, resolution, render_all(resolution, chosen)))
    named = {t for t in (args.target or []) if t != "all"}
    for profile, resolution, files in rendered:
        manifest = json.loads(files["manifest.json"])
        for tid, entry in sorted(manifest.get("targets", {}).items()):
            if str(entry.get("stands_for", "")).startswith("no fragment: "):
                why = f"--target {tid}: {entry['stands_for'][len('no fragment: '):]}"
                if tid in named and len(rendered) == 1:
                    raise TlsfitError(why)
                # 'all' or several profiles: the rest is written; the manifest says why
                print(f"tlsfit: {why}; no fragment written", file=sys.stderr)
    out = Path(args.output)
    for profile, resolution, files in rendered:
        target = out / profile.name if len(rendered) > 1 or args.all else out
        changed = write_outputs(files, target)
        for warning in resolution.warnings:
            print(f"tlsfit: {warning}", file=sys.stderr)
        print(f"{profile.name}: {len(resolution.options)} options -> {target} "
              f"({len(changed)} file(s) changed)")
    print(f"generated {len(rendered)} profile(s) in {time.perf_counter() - start:.2f} s")
    return 0


def cmd_targets(args: argparse.Namespace) -> int:
    from tlsfit.targets.registry import DEFAULT_TARGETS, targets

    rows = [("target", "platform", "facts read at", "Mbed TLS", "fragment stands for", "files")]
    for t in targets():
        rows.append((t.id + (" (default)" if t.id in DEFAULT_TARGETS else ""), t.platform,
                     t.facts_tag, t.mbedtls,
                     "the profile's config" if t.backend is None else f"its {t.backend} variant",
                     t.files))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])
    if args.verbose:
        print()
        for t in targets():
            print(f"{t.id}: verified with {t.verified}")
    return 0


def cmd_ncs_check(args: argparse.Namespace) -> int:
    from tlsfit.cli.ncs_check import run_ncs_check

    return run_ncs_check(args)


def cmd_esp_idf_check(args: argparse.Namespace) -> int:
    from tlsfit.cli.esp_idf_check import run_esp_idf_check

    return run_esp_idf_check(args)


def cmd_zephyr_check(args: argparse.Namespace) -> int:
    from tlsfit.cli.zephyr_check import run_zephyr_check

    return run_zephyr_check(args)


def cmd_show(args: argparse.Namespace) -> int:
    from tlsfit.generate.resolve import resolve

    for profile in _profiles_from_args(args):
        resolution = resolve(profile)
        print(f"profile {profile.name}")
        print("requirements:")
        for name, value in resolution.requirements:
            if value not in ("", "n"):
                print(f"  {name}={value}")
        print("options:")
        for opt in resolution.options:
            value = "" if opt.is_bool else f" = {opt.value}"
            print(f"  {opt.name}{value}    # {opt.help}")
            for chain in opt.chains:
                print(f"      because {' <- '.join(chain)}")
        if resolution.kept:
            only = resolution.kept_only()
            print(f"kept for the rest of the image ({len(resolution.kept)} named, "
                  f"{len(only)} option(s) on only for them):")
            for k in resolution.kept:
                print(f"  {k.name}: {k.reason}")
            if only:
                print(f"  on only for them: {', '.join(o.name for o in only)}")
        for warning in resolution.warnings:
            print(f"warning: {warning}")
    return 0


def cmd_requirements(args: argparse.Namespace) -> int:
    from tlsfit.generate.model import load_model, requirement_symbols

    kconf = load_model()
    for sym in requirement_symbols(kconf):
        node = sym.nodes[0]
        prompt = node.prompt[0] if node.prompt else ""
        print(f"CONFIG_{sym.name}: {prompt}")
        if args.verbose and node.help:
            for line in node.help.splitlines():
                print(f"    {line}")
    return 0


def cmd_menuconfig(args: argparse.Namespace) -> int:
    from tlsfit.generate.menu import edit_profile

    edit_profile(Path(args.profile))
    return 0


def cmd_check_tree(args: argparse.Namespace) -> int:
    from tlsfit.mbedtls.tree import locate

    tree = locate(args.mbedtls_src)
    print(f"Mbed TLS {tree.version} at {tree.path}")
    return 0


def cmd_compile_check(args: argparse.Namespace) -> int:
    import tempfile

    from tlsfit.build.compile_check import TARGETS, compile_library
    from tlsfit.mbedtls.tree import locate
    from tlsfit.generate.render import HEADER_NAME, render_config
    from tlsfit.generate.resolve import resolve

    tree = locate(args.mbedtls_src, allow_4x=True)
    targets = [TARGETS[t] for t in args.target] if args.target else list(TARGETS.values())
    if tree.is_4x:
        return _compile_check_4x(args, tree, targets)
    with tempfile.TemporaryDirectory(prefix="tlsfit-") as tmp:
        for profile in _profiles_from_args(args):
            config_dir = Path(tmp) / profile.name
            config_dir.mkdir(parents=True)
            for name, text in render_config(resolve(profile)).items():
                (config_dir / name).write_text(text, encoding="utf-8")
            header = config_dir / HEADER_NAME
            for target in targets:
                count = compile_library(header, tree, target)
                print(f"{profile.name}: {count} Mbed TLS {tree.version} sources compile "
                      f"for {target.name}")
    return 0


def _compile_check_4x(args: argparse.Namespace, tree: Any, targets: list[Any]) -> int:
    """Translate each profile's PSA-backend config for the tree's 4.x line and build the tree's
    libraries with it."""
    import tempfile

    from tlsfit.build.compile_check4 import build_mbedtls4
    from tlsfit.generate.resolve import resolve
    from tlsfit.mbedtls4.facts import lines
    from tlsfit.mbedtls4.render import CRYPTO_NAME, TLS_NAME, render_translation
    from tlsfit.mbedtls4.translate import translate
    from tlsfit.outputs import backend_variant

    if tree.line not in lines():
        raise TlsfitError(f"{tree.path} is Mbed TLS {tree.version}; tlsfit has 4.x facts for "
                          f"{', '.join(lines())}")
    with tempfile.TemporaryDirectory(prefix="tlsfit-") as tmp:
        for profile in _profiles_from_args(args):
            psa = backend_variant(resolve(profile), "psa")
            files = render_translation(psa, translate(psa, tree.line))
            config_dir = Path(tmp) / profile.name
            config_dir.mkdir(parents=True)
            for name, text in files.items():
                (config_dir / name).write_text(text, encoding="utf-8")
            for target in targets:
                built = build_mbedtls4(config_dir / TLS_NAME, config_dir / CRYPTO_NAME, tree,
                                       target)
                print(f"{profile.name}: translated for Mbed TLS {tree.line}; Mbed TLS "
                      f"{tree.version} builds for {target.name} ({built.objects} objects, "
                      f"{len(built.warnings)} compiler warning(s) in Mbed TLS's code)")
                for w in built.warnings[:5]:
                    print(f"  {w}")
    return 0


def cmd_minimize(args: argparse.Namespace) -> int:
    from tlsfit.mbedtls.tree import locate
    from tlsfit.measure.minimize import load_minimality, minimize_profile, table
    from tlsfit.results.io import write_json
    from tlsfit.paths import REPO_ROOT, RESULTS_DIR

    out = Path(args.output) if args.output else RESULTS_DIR / "minimality.json"
    existing = load_minimality(out)
    tree = locate(args.mbedtls_src)
    start = time.perf_counter()
    failed = []
    for profile in _profiles_from_args(args):
        doc = minimize_profile(profile, tree, REPO_ROOT / "build" / "minimize",
                               progress=lambda m: print(m, flush=True))
        print(table(doc))
        print(f"[{profile.name}] {'1-minimal' if doc['minimal'] else 'NOT minimal'}: "
              f"{len(doc['options'])} options checked in {doc['seconds']:.0f} s\n", flush=True)
        existing["profiles"][profile.name] = doc
        write_json(out, existing)
        if not doc["minimal"]:
            failed.append(profile.name)
    print(f"minimality checked in {time.perf_counter() - start:.0f} s -> {out}"
          + (f"; not minimal: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def cmd_goals(args: argparse.Namespace) -> int:
    """Measure a profile under each optimisation goal and crypto backend (an overlay each)."""
    from tlsfit.mbedtls.tree import locate
    from tlsfit.generate.variants import BACKENDS
    from tlsfit.measure.goals import backend_choice, load_goals, measure_goals, save_goals
    from tlsfit.paths import REPO_ROOT, RESULTS_DIR

    out = Path(args.output) if args.output else RESULTS_DIR / "goals.json"
    doc = load_goals(out)
    tree = locate(args.mbedtls_src)

    def show(profile: str, goal: str, backend: str, row: dict[str, object]) -> None:
        print(f"{profile:26} {goal:5} {backend:6}  tests {row['tests']:>5}  Mbed TLS flash "
              f"{row['flash_mbedtls']:>7,}  static RAM {row['ram_static']:>6,}"
              f"  heap {row['heap_peak']:>6,}  stack {row['stack_peak']:>5,}"
              f"  total RAM {row['ram_total']:>6,}  handshake "
              f"{int(row['hs_instructions']) / 1e6:7.1f} M", flush=True)  # type: ignore[call-overload]

    failed = False
    for base in _profiles_from_args(args):
        backends = tuple(args.backend) if args.backend else BACKENDS
        rows = measure_goals(base, tree, REPO_ROOT / "build" / "goals", show, backends)
        failed |= not all(r["passed"] for of in rows.values() for r in of.values())
        kept = doc["profiles"].get(base.name, {})
        for goal, by_backend in rows.items():     # other backends' rows stay as measured
            kept.setdefault(goal, {}).update(by_backend)
        doc["profiles"][base.name] = kept
        save_goals(doc, out)
    print("backend each goal picks (measured):")
    for choice in backend_choice(doc).values():
        print(f"  {choice.sentence()}")
    print(f"-> {out}")
    return 1 if failed else 0


def _measure_reference(args: argparse.Namespace, tree: "MbedtlsTree", build_root: Path,
                       results_dir: Path) -> int:
    """measure --reference HEADER --like PROFILE: a foreign config on the same harness."""
    from tlsfit.measure.measure import summary_table, write_result
    from tlsfit.measure.reference import measure_reference

    if not args.like:
        raise TlsfitError("--reference needs --like PROFILE (whose handshakes to run)")
    header = Path(args.reference)
    name = args.as_name or f"reference-{header.stem}"
    doc = measure_reference(header, read_profile([profile_path(args.like)]), name, tree,
                            build_root, progress=lambda m: print(m, flush=True))
    path = write_result(doc, results_dir)
    print(f"[{name}] {doc.tests_passed}/{doc.tests_total} handshakes passed -> {path}\n")
    print(summary_table([doc]))
    return 0 if doc.passed else 1


def _own_pki(args: argparse.Namespace) -> Any:
    """The user's own certificates from --pki/--ca/--server-chain/... (None: the test PKI)."""
    from tlsfit.run.own_pki import files_from_dir, load_own_pki

    def path(value: str | None) -> Path | None:
        return Path(value) if value else None

    files = files_from_dir(path(args.pki), ca=path(args.ca), server_chain=path(args.server_chain),
                           server_key=path(args.server_key), client_cert=path(args.client_cert),
                           client_key=path(args.client_key), host=args.host)
    return None if files is None else load_own_pki(files)


def _own_results_dir(args: argparse.Namespace, own: Any) -> Path:
    """Results measured with the user's certificates never land among the test-PKI figures:
    by default results/own-pki/<sha12>/; --results results/ itself is refused."""
    from tlsfit.paths import RESULTS_DIR
    if not args.results:
        return RESULTS_DIR / "own-pki" / own.sha256[:12]
    chosen = Path(args.results)
    if chosen.resolve() == RESULTS_DIR.resolve():
        raise TlsfitError(f"--results {args.results}: results/ holds the test-PKI figures (README, "
                          "baseline); measurements with your own certificates go elsewhere "
                          "(default results/own-pki/<sha12>/)")
    return chosen


def _refuse_overwriting_test_pki(path: Path) -> None:
    from tlsfit.results.load import load_results
    if path.is_file():
        try:
            existing = next(iter(load_results([path]).values()))
        except TlsfitError:
            return
        if existing.pki is None:
            raise TlsfitError(f"{path}: holds a test-PKI measurement of {existing.profile}; a "
                              "measurement with your own certificates does not replace it "
                              "(give another --results DIR)")


def cmd_measure(args: argparse.Namespace) -> int:
    import json as _json

    from tlsfit.mbedtls.tree import locate
    from tlsfit.measure.measure import measure_profile, summary_table, write_result
    from tlsfit.paths import REPO_ROOT, RESULTS_DIR

    own = _own_pki(args)
    if own is not None and args.reference:
        raise TlsfitError("--reference measures Mbed TLS's configs with the test PKI; your own "
                          "certificates go with a profile")
    results_dir = _own_results_dir(args, own) if own is not None else \
        (Path(args.results) if args.results else RESULTS_DIR)
    if args.connections is not None:
        from tlsfit.measure.connections import check_count
        check_count(args.connections)
        if args.all or args.reference:
            raise TlsfitError("--connections measures the profiles you name (not --all or "
                              "--reference): e.g. tlsfit measure https-server-ecdsa --connections 4")
    if args.connections is not None and own is not None:
        raise TlsfitError("--connections runs the test PKI's first case; give your own "
                          "certificates without it")
    tree = locate(args.mbedtls_src)
    build_root = Path(args.build_dir) if args.build_dir else REPO_ROOT / "build" / "measure"
    if args.reference:
        return _measure_reference(args, tree, build_root, results_dir)
    profiles = _profiles_from_args(args) if (args.all or len(args.profiles) <= 1 or args.merge) \
        else [read_profile([profile_path(p)]) for p in args.profiles]
    if args.connections is not None:
        # Every profile must have a case to open N times before anything is built.
        from tlsfit.generate.resolve import resolve
        from tlsfit.measure.connections import connections_case
        from tlsfit.run.matrix import build_matrix
        for profile in profiles:
            connections_case(profile.name, build_matrix(resolve(profile)))
    start = time.perf_counter()
    docs = []
    if args.as_name and len(profiles) != 1:
        raise TlsfitError("--as names one profile")
    for profile in profiles:
        doc = measure_profile(profile, tree, build_root, progress=lambda m: print(m, flush=True),
                              own=own, connections=args.connections)
        if args.as_name:
            doc = doc.renamed(args.as_name)
        if own is not None:
            _refuse_overwriting_test_pki(results_dir / f"{doc.profile}.json")
        path = write_result(doc, results_dir)
        mark = f" (your own certificates, sha256 {own.sha256[:12]})" if own is not None else ""
        print(f"[{profile.name}] {doc.tests_passed}/{doc.tests_total} tests passed{mark} -> {path}",
              flush=True)
        docs.append(doc)
    if args.json:
        Path(args.json).write_text(_json.dumps([d.to_json() for d in docs], indent=2,
                                               sort_keys=True) + "\n")
    print()
    print(summary_table(docs))
    for doc in docs:
        if doc.connections is not None:
            from tlsfit.measure.connections import connections_table
            print()
            print(connections_table(doc.profile, doc.connections))
    failed = [d.profile for d in docs if not d.passed]
    print(f"\nmeasured {len(docs)} profile(s) in {time.perf_counter() - start:.0f} s"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def cmd_run(args: argparse.Namespace) -> int:
    from tlsfit.mbedtls.tree import locate
    from tlsfit.measure.measure import run_one
    from tlsfit.paths import REPO_ROOT

    own = _own_pki(args)
    tree = locate(args.mbedtls_src)
    profile = read_profile([profile_path(args.profile)])
    if args.connections is not None:
        from tlsfit.measure.connections import check_count
        check_count(args.connections)
    overrides = {"heap_limit": args.heap_limit, "crash": args.crash, "port": args.port,
                 "timeout_s": args.timeout, "io_timeout_ms": args.io_timeout_ms,
                 "connections": args.connections}
    if args.no_peer:
        overrides["peer"] = None
    outcome = run_one(profile, tree, REPO_ROOT / "build" / "measure", args.case, overrides,
                      progress=lambda m: print(m, flush=True), own=own)
    r = outcome.result
    assert r is not None
    print(f"{args.case}: {'ok' if r.ok else 'failed'} stage={r.stage} ret={r.ret_hex} "
          f"{r.ret_name} verify_flags={r.verify_flags:#x} {r.tls_version} {r.ciphersuite} "
          f"heap_peak={r.heap_peak} stack_peak={r.stack_peak} hs_instructions={r.hs_instructions} "
          f"negotiated_mfl={r.negotiated_mfl} peer_record_size_limit={r.peer_record_size_limit}")
    if r.connections is not None:
        c = r.connections
        print(f"{c.connections} session(s) at once: {c.ok} completed, heap_peak={r.heap_peak} "
              f"heap_open={c.heap_open} heap_setup={c.heap_setup} heap_config={c.heap_config} "
              f"ssl_context_bytes={c.ssl_context_bytes}")
    print(f"expected {outcome.row.expect.describe()}: {'PASS' if outcome.passed else 'FAIL'} "
          f"{outcome.error}".rstrip())
    return 0 if outcome.passed else 1


def _result_paths(args_paths: list[str]) -> list[Path]:
    """Result files or directories; a bare profile name means results/<name>.json."""
    from tlsfit.paths import RESULTS_DIR
    if not args_paths:
        return [RESULTS_DIR]
    paths = []
    for arg in args_paths:
        path = Path(arg)
        named = RESULTS_DIR / f"{arg}.json"
        paths.append(named if not path.exists() and "/" not in arg and named.exists() else path)
    return paths


def _emit_markdown(path: str | None, text: str) -> None:
    if path:
        Path(path).write_text(text, encoding="utf-8")
        print(f"markdown written to {path}")


def cmd_compare(args: argparse.Namespace) -> int:
    from tlsfit.compare.provenance import stale_results
    from tlsfit.compare.tables import (compare_table, format_markdown, format_text,
                                       module_table, sessions_table, symbol_table)
    from tlsfit.results.load import load_results

    docs = load_results(_result_paths(args.results))
    if args.by == "module":
        table = module_table(docs, args.region)
    elif args.by == "symbol":
        table = symbol_table(docs, args.top, args.region)
    else:
        table = compare_table(docs, stale_results(docs))
    print(format_text(table))
    markdown = format_markdown(table) + "\n"
    sessions = sessions_table(docs)
    if args.by == "profile" and sessions.rows:
        print("\nsessions at once (measure --connections N), heap in bytes:")
        print(format_text(sessions))
        markdown += "\nSessions at once (`measure --connections N`), heap in bytes:\n\n" + \
            format_markdown(sessions) + "\n"
    for name, r in docs.items():
        if r.kept:
            print(f"{name}: kept for the rest of the image, not needed by its TLS: "
                  f"{', '.join(r.kept)}")
    _emit_markdown(args.markdown, markdown)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from tlsfit.paths import RESULTS_DIR
    from tlsfit.results.load import load_results
    from tlsfit.report.document import write_report

    paths = _result_paths(args.results)
    docs = load_results(paths)
    results_dir = paths[0] if len(paths) == 1 and paths[0].is_dir() else None
    out = Path(args.output) if args.output else RESULTS_DIR
    for path in write_report(docs, out, results_dir):
        print(f"written: {path}")
    if args.readme:
        from tlsfit.report.readme_figures import update_readme
        from tlsfit.report.document import load_optional

        goals = load_optional(results_dir, "goals.json")
        changed = update_readme(Path(args.readme), docs, goals)
        print(f"{'updated' if changed else 'up to date'}: {args.readme} figure tables")
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from tlsfit.compare.diff import diff, diff_table
    from tlsfit.compare.tables import format_markdown, format_text
    from tlsfit.results.load import load_results

    d = diff(load_results([Path(args.base)]), load_results([Path(args.head)]))
    table = diff_table(d, args.limit)
    print(format_text(table) if table.rows else "no change")
    _emit_markdown(args.markdown, format_markdown(table) + "\n")
    return 0


def _measure_for_gate(args: argparse.Namespace) -> tuple[dict[str, "Result"], set[str] | None]:
    """Measure the product's profiles and references (or tlsfit's shipped profiles), or
    one shard of them; returns the results and, for a shard, the names it covers."""
    from tlsfit.mbedtls.tree import locate
    from tlsfit.measure.measure import measure_profile
    from tlsfit.measure.reference import measure_reference
    from tlsfit.measure.selection import items, parse_shard, profiles_in, shard
    from tlsfit.results.model import Result
    from tlsfit.paths import REPO_ROOT, shipped_profiles

    paths = [profile_path(p) for p in args.profiles]
    for d in args.profiles_dir or []:
        paths += profiles_in(Path(d))
    headers, likes, names = args.reference or [], args.like or [], args.as_name or []
    if len(headers) != len(likes) or len(names) > len(headers):
        raise TlsfitError("each --reference HEADER needs its --like PROFILE (and at most one --as)")
    refs = [(Path(h), profile_path(like), names[i] if i < len(names) else None)
            for i, (h, like) in enumerate(zip(headers, likes))]
    for header, _, _ in refs:
        if not header.is_file():
            raise TlsfitError(f"--reference {header}: no such header")
    chosen = items(paths or ([] if refs else shipped_profiles()), refs)
    subset = None
    if args.shard:
        index, count = parse_shard(args.shard)
        chosen = shard(chosen, index, count)
        subset = {item.name for item in chosen}
        print(f"shard {index}/{count}: {', '.join(sorted(subset)) or 'nothing'}", flush=True)
    tree = locate(args.mbedtls_src)
    build_root = Path(args.build_dir) if args.build_dir else REPO_ROOT / "build" / "measure"
    head: dict[str, Result] = {}
    for item in chosen:
        say = lambda m: print(m, flush=True)  # noqa: E731
        if item.profile is not None:
            doc = measure_profile(read_profile([item.profile]), tree, build_root, progress=say)
        else:
            assert item.reference is not None and item.like is not None
            doc = measure_reference(item.reference, read_profile([item.like]), item.name, tree,
                                    build_root, progress=say)
        head[doc.profile] = doc
    return head, subset


def cmd_merge(args: argparse.Namespace) -> int:
    from tlsfit.results.load import load_results
    from tlsfit.results.io import write_json
    from tlsfit.results.merge import merge_results

    merged = merge_results([(p, load_results([Path(p)])) for p in args.inputs])
    out = Path(args.output)
    for name, doc in merged.items():
        write_json(out / f"{name}.json", doc.to_json())
    print(f"merged {len(merged)} result(s) from {len(args.inputs)} shard(s) -> {out}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    import dataclasses
    import json as _json

    from tlsfit.compare.gate import (Thresholds, check, gate_json, gate_junit, gate_markdown,
                                     gate_table)
    from tlsfit.compare.tables import format_text
    from tlsfit.results.load import baseline_document, load_results

    baseline_path = Path(args.baseline)
    subset: set[str] | None = None        # a shard judges only its own items
    if args.results:
        if args.profiles or args.profiles_dir or args.reference or args.shard:
            raise TlsfitError("--results checks results already measured: give no profiles, "
                              "--profiles, --reference or --shard with it")
        head = load_results([Path(p) for p in args.results])
    else:
        head, subset = _measure_for_gate(args)
    if args.save_results:
        from tlsfit.results.io import write_json
        for name, doc in head.items():
            write_json(Path(args.save_results) / f"{name}.json", doc.to_json())
        print(f"{len(head)} result(s) written to {args.save_results}")
    if args.update_baseline:
        baseline_path.parent.mkdir(parents=True, exist_ok=True)
        baseline_path.write_text(_json.dumps(baseline_document(head), indent=2, sort_keys=True)
                                 + "\n", encoding="utf-8")
        print(f"baseline written: {baseline_path} ({len(head)} profiles)")
        return 0
    if not baseline_path.exists():
        raise TlsfitError(f"{baseline_path}: no baseline; create one with --update-baseline")
    limits = Thresholds(args.fail_bytes, args.fail_percent, args.runtime_bytes,
                        args.runtime_percent)
    base = load_results([baseline_path])
    if subset is not None:
        base = {n: d for n, d in base.items() if n in subset}
    result = check(base, head, limits)
    shown = [f for f in result.findings if f.level != "info" or args.verbose
             or f.region in ("flash", "flash_mbedtls", "ram_static", "-")]
    table = gate_table(dataclasses.replace(result, findings=tuple(shown)))
    print(format_text(table) if table.rows else "no change against the baseline")
    print("size gate: FAILED" if result.failed else "size gate: passed")
    _emit_markdown(args.markdown, gate_markdown(result))
    if args.junit:
        Path(args.junit).write_text(gate_junit(result), encoding="utf-8")
    if args.json:
        Path(args.json).write_text(gate_json(result, limits), encoding="utf-8")
    return 1 if result.failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tlsfit",
        description="Minimal Mbed TLS 3.6 configurations for Cortex-M devices.")
    parser.add_argument("--version", action="version", version=f"tlsfit {__version__}")
    parser.add_argument("--mbedtls-src", metavar="DIR",
                        help="Mbed TLS 3.6 source tree (default: $TLSFIT_MBEDTLS_SRC, "
                             "else the tree 'make mbedtls' fetched)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int], help_text: str
            ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    gen = add("generate", cmd_generate,
              "resolve a profile (base + overlays, merged in order) and write "
              "mbedtls_config.h, prj.conf, Zephyr fragments and manifest.json")
    gen.add_argument("profiles", nargs="*", metavar="PROFILE")
    gen.add_argument("--all", action="store_true", help="every shipped profile, one directory each")
    gen.add_argument("-o", "--output", required=True, metavar="DIR")
    gen.add_argument("--target", action="append", metavar="TARGET",
                     help="platform release(s) to write fragments for, e.g. zephyr-4.3, "
                          "esp-idf-5.5, or all (repeatable; 'tlsfit targets' lists them; "
                          "default zephyr-4.3)")
    gen.add_argument("--zephyr", action="append", metavar="VERSION",
                     help="Zephyr release line(s) to write fragments for: 3.7, 4.1, 4.2, 4.3, "
                          "4.4, 4.5, or all (the Mbed TLS 3.6 lines); repeatable; the same as "
                          "--target zephyr-VERSION")

    tg = add("targets", cmd_targets, "list the platform releases tlsfit writes fragments for")
    tg.add_argument("-v", "--verbose", action="store_true",
                    help="with what each target's fragments are verified against")

    ec = add("esp-idf-check", cmd_esp_idf_check,
             "check ESP-IDF sdkconfig.defaults fragments the way ESP-IDF builds Mbed TLS: its "
             "Kconfig over the fragment, then the preprocessor over esp_config.h, compared "
             "with the header the fragment stands for")
    ec.add_argument("inputs", nargs="+", metavar="FRAGMENT_OR_DIR",
                    help="sdkconfig.defaults fragments, or 'tlsfit generate' output directories")
    ec.add_argument("--idf-path", metavar="DIR", help="an ESP-IDF tree (default $IDF_PATH)")
    ec.add_argument("--model", metavar="VERSION",
                    help="check against tlsfit's own model of ESP-IDF VERSION (or all) "
                         "instead of an ESP-IDF tree")
    ec.add_argument("--header", metavar="FILE",
                    help="the header to compare with (default: mbedtls_config.h next to "
                         "the fragment)")

    nc = add("ncs-check", cmd_ncs_check,
             "check nRF Connect SDK prj.conf fragments the way NCS builds Mbed TLS: "
             "nrf_security's Kconfig over the fragment, its CMake generating nrf-config.h, "
             "then the preprocessor over build_info.h, compared with the header")
    nc.add_argument("inputs", nargs="+", metavar="FRAGMENT_OR_DIR",
                    help="prj.conf fragments, or 'tlsfit generate' output directories")
    nc.add_argument("--ncs-base", metavar="DIR",
                    help="an NCS west workspace (the directory holding nrf/ and zephyr/)")
    nc.add_argument("--model", metavar="VERSION",
                    help="check against tlsfit's own model of NCS VERSION (or all) instead of "
                         "an NCS workspace")
    nc.add_argument("--header", metavar="FILE",
                    help="the header to compare with (default: mbedtls_config.h next to "
                         "the fragment)")

    zc = add("zephyr-check", cmd_zephyr_check,
             "check Zephyr fragments the way Zephyr builds Mbed TLS: its Kconfig over the "
             "fragment, then the preprocessor over build_info.h, compared with the header")
    zc.add_argument("inputs", nargs="*", metavar="FRAGMENT_OR_DIR",
                    help="prj.conf fragments, or 'tlsfit generate' output directories")
    zc.add_argument("--zephyr-base", metavar="DIR",
                    help="a Zephyr tree (default $ZEPHYR_BASE)")
    zc.add_argument("--model", metavar="VERSION",
                    help="check against tlsfit's own model of Zephyr VERSION (3.7, 4.1, 4.2, "
                         "4.3, 4.4, 4.5 or all) instead of a Zephyr tree")
    zc.add_argument("--build-dir", metavar="DIR",
                    help="a Zephyr build directory: what it really compiled "
                         "(compile_commands.json, zephyr/.config)")
    zc.add_argument("--header", metavar="FILE",
                    help="the generated header to compare with (default: the output "
                         "directory's mbedtls_config.h)")
    zc.add_argument("--include", action="append", default=[], metavar="DIR",
                    help="the app's include directories (default: the fragment's directory)")

    show = add("show", cmd_show, "print the resolved options and why each is needed")
    show.add_argument("profiles", nargs="*", metavar="PROFILE")
    show.add_argument("--all", action="store_true")

    req = add("requirements", cmd_requirements, "list the requirements a profile may set")
    req.add_argument("-v", "--verbose", action="store_true", help="with help texts")

    menu = add("menuconfig", cmd_menuconfig,
               "edit a profile in Kconfiglib's menuconfig and save it as a minimal fragment")
    menu.add_argument("profile", metavar="PROFILE")

    cc = add("compile-check", cmd_compile_check,
             "compile Mbed TLS's library against the generated header (host and Cortex-M33)")
    cc.add_argument("profiles", nargs="*", metavar="PROFILE")
    cc.add_argument("--all", action="store_true")
    cc.add_argument("--target", action="append", choices=("host", "cortex-m33"))

    goals = add("goals", cmd_goals,
                "measure profiles under each optimisation goal (size, RAM, speed) and crypto "
                "backend (legacy, PSA): the trade-off table and the backend each goal picks "
                "(results/goals.json)")
    goals.add_argument("profiles", nargs="*", metavar="PROFILE")
    goals.add_argument("--all", action="store_true")
    goals.add_argument("--backend", action="append", choices=("legacy", "psa"),
                       help="measure only this backend (repeatable); the other backend's rows "
                            "stay as they are in the file")
    goals.add_argument("-o", "--output", metavar="FILE")

    mini = add("minimize", cmd_minimize,
               "prove each option of a profile's config needed: build without it and run the "
               "positive handshakes (slow: minutes per profile)")
    mini.add_argument("profiles", nargs="*", metavar="PROFILE")
    mini.add_argument("--all", action="store_true")
    mini.add_argument("-o", "--output", metavar="FILE",
                      help="JSON to update (default results/minimality.json)")

    meas = add("measure", cmd_measure,
               "generate, build for Cortex-M33, run the handshake matrix under QEMU against "
               "OpenSSL, and write one result per profile to results/")
    meas.add_argument("profiles", nargs="*", metavar="PROFILE",
                      help="profiles to measure, each on its own (--merge: one profile from "
                           "base + overlays)")
    meas.add_argument("--all", action="store_true", help="every shipped profile")
    meas.add_argument("--merge", action="store_true",
                      help="treat the PROFILE arguments as base + overlays of one profile")
    meas.add_argument("--json", metavar="FILE", help="also write all results to FILE")
    meas.add_argument("--results", metavar="DIR", help="results directory (default results/)")
    meas.add_argument("--build-dir", metavar="DIR", help="build directory (default build/measure)")
    meas.add_argument("--reference", metavar="HEADER",
                      help="measure an existing mbedtls_config.h (adapted only for the "
                           "harness's entropy and I/O) with the handshakes of --like")
    meas.add_argument("--like", metavar="PROFILE",
                      help="with --reference: the profile whose positive handshakes to run")
    meas.add_argument("--connections", type=int, metavar="N",
                      help="also run the profile's first OpenSSL case with 1..N sessions open at "
                           "once (its own image) and report the heap peak and per-connection RAM")
    meas.add_argument("--as", dest="as_name", metavar="NAME",
                      help="store the result under NAME (e.g. a shipped profile + your overlay "
                           "measured as that profile)")

    _own_pki_options(meas)

    run = add("run", cmd_run, "build a profile and run one case of its matrix (for debugging)")
    run.add_argument("profile", metavar="PROFILE")
    run.add_argument("--case", required=True, help="case name, as 'tlsfit measure' prints it")
    run.add_argument("--heap-limit", type=int, metavar="BYTES",
                     help="refuse allocations beyond BYTES (heap exhaustion)")
    run.add_argument("--crash", choices=("udf", "stack", "bus"), help="make the firmware fault")
    run.add_argument("--port", type=int, help="TCP port for the peer (default: a free one)")
    run.add_argument("--timeout", type=float, metavar="S", help="wall-clock limit (default 60)")
    run.add_argument("--io-timeout-ms", type=int, metavar="MS",
                     help="guest receive timeout (default 5000 ms of guest time)")
    run.add_argument("--connections", type=int, metavar="N",
                     help="N sessions of the case at once (the connections image, N OpenSSL peers)")
    run.add_argument("--no-peer", action="store_true",
                     help="leave the TLS UART unconnected: a peer that never answers")
    _own_pki_options(run)

    comp = add("compare", cmd_compare,
               "profiles side by side from results/ (or the given result files/directories)")
    comp.add_argument("results", nargs="*", metavar="RESULT")
    comp.add_argument("--by", choices=("profile", "module", "symbol"), default="profile",
                      help="module: flash (or --region ram) by Mbed TLS source file, harness, "
                           "libc; symbol: the largest Mbed TLS functions")
    comp.add_argument("--region", choices=("flash", "ram"), default="flash")
    comp.add_argument("--top", type=int, default=40, help="rows for --by symbol")
    comp.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown")

    rep = add("report", cmd_report,
              "a self-contained HTML report (inline SVG) and its Markdown twin from results/")
    rep.add_argument("results", nargs="*", metavar="RESULT")
    rep.add_argument("-o", "--output", metavar="DIR", help="where to write (default results/)")
    rep.add_argument("--readme", metavar="FILE",
                     help="also rewrite the <!-- tlsfit:NAME --> figure tables in FILE "
                          "(README.md) from the results")

    dif = add("diff", cmd_diff, "what changed between two result sets, largest change first")
    dif.add_argument("base", metavar="BASE", help="result file, directory or baseline")
    dif.add_argument("head", metavar="HEAD", help="result file, directory or baseline")
    dif.add_argument("--limit", type=int, default=30, help="rows to show")
    dif.add_argument("--markdown", metavar="FILE")

    chk = add("check", cmd_check,
              "the CI size gate: measure your profiles (or read --results) and compare with "
              "your baseline")
    chk.add_argument("profiles", nargs="*", metavar="PROFILE",
                     help="the product's profiles to measure (default: tlsfit's shipped ones)")
    chk.add_argument("--profiles", dest="profiles_dir", action="append", metavar="DIR",
                     help="every *.conf in DIR is a profile to measure (repeatable)")
    chk.add_argument("--reference", action="append", metavar="HEADER",
                     help="also measure an existing mbedtls_config.h ...")
    chk.add_argument("--like", action="append", metavar="PROFILE",
                     help="... with this profile's handshakes (one --like per --reference)")
    chk.add_argument("--as", dest="as_name", action="append", metavar="NAME",
                     help="the reference's result name (default reference-<header stem>)")
    chk.add_argument("--shard", metavar="I/N",
                     help="measure and judge only shard I of N (deterministic by name); merge "
                          "the shards' --save-results with 'tlsfit merge' for the full verdict")
    chk.add_argument("--save-results", metavar="DIR",
                     help="also write each fresh result to DIR (for 'tlsfit merge')")
    chk.add_argument("--build-dir", metavar="DIR", help="build directory (default build/measure)")
    chk.add_argument("--baseline", required=True, metavar="FILE")
    chk.add_argument("--results", nargs="+", metavar="RESULT",
                     help="results already measured (files or directories, e.g. merged shards) "
                          "to check instead of measuring")
    chk.add_argument("--update-baseline", action="store_true",
                     help="write the (fresh) results as the new baseline and exit")
    chk.add_argument("--fail-bytes", type=int, default=64,
                     help="flash/static RAM growth that fails, in bytes (default 64) ...")
    chk.add_argument("--fail-percent", type=float, default=0.25,
                     help="... and in percent (default 0.25); both must be exceeded")
    chk.add_argument("--runtime-bytes", type=int, default=256,
                     help="the same for heap and stack peaks (default 256 B ...)")
    chk.add_argument("--runtime-percent", type=float, default=2.0, help="... and 2%%)")
    chk.add_argument("--markdown", metavar="FILE", help="Markdown summary (PR comment, job summary)")
    chk.add_argument("--junit", metavar="FILE", help="JUnit XML for CI systems")
    chk.add_argument("--json", metavar="FILE", help="every finding and change as JSON")
    chk.add_argument("-v", "--verbose", action="store_true", help="also list shrinks of run-time figures")

    mrg = add("merge", cmd_merge,
              "merge the results of 'tlsfit check --shard I/N --save-results DIR' jobs into "
              "one directory, for 'tlsfit check --results DIR'")
    mrg.add_argument("inputs", nargs="+", metavar="DIR")
    mrg.add_argument("-o", "--output", required=True, metavar="DIR")

    add("check-tree", cmd_check_tree, "check the Mbed TLS source tree and print its version")

    from tlsfit.cli.diagnose import register as register_diagnostics
    register_diagnostics(add)
    return parser


def _own_pki_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "your own certificates (instead of the test PKI's certificate cases; the image embeds "
        "them, built apart)")
    group.add_argument("--ca", metavar="FILE", help="the CA the device trusts (PEM or DER)")
    group.add_argument("--server-chain", metavar="FILE",
                       help="the server's chain, leaf first (PEM bundle, or one DER leaf)")
    group.add_argument("--server-key", metavar="FILE",
                       help="the server leaf's private key: handshakes against an OpenSSL server "
                            "with your chain; without it the chain is verified on the target")
    group.add_argument("--client-cert", metavar="FILE",
                       help="the device's certificate for mutual TLS (with --client-key)")
    group.add_argument("--client-key", metavar="FILE", help="the device's private key")
    group.add_argument("--pki", metavar="DIR",
                       help="a directory with ca.pem, server-chain.pem, server.key.pem, "
                            "client.pem, client.key.pem (.crt/.key/.der accepted; options given "
                            "explicitly win)")
    group.add_argument("--host", metavar="NAME",
                       help="the server's host name (default: the leaf's first DNS name)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except TlsfitError as exc:
        print(f"tlsfit: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. piped into head
        sys.stderr.close()
        return 0
    except OSError as exc:  # e.g. an output directory that cannot be written
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"tlsfit: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("tlsfit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
