"""What the platform check commands share: the fragments named on the command line, and the
model release lines asked for with --model."""

from __future__ import annotations

from pathlib import Path

from tlsfit.errors import TlsfitError
from tlsfit.platform.check_result import CheckResult


def model_lines(arg: str, known: tuple[str, ...], platform: str) -> tuple[str, ...]:
    """The release lines --model ARG names ('all' or one of KNOWN)."""
    wanted = known if arg == "all" else (arg,)
    for v in wanted:
        if v not in known:
            raise TlsfitError(f"--model {v}: tlsfit models {platform} {', '.join(known)} (or all)")
    return wanted


def generated_fragments(path: Path, pattern: str, hint: str) -> list[Path]:
    """The fragments matching PATTERN in a 'tlsfit generate' output directory."""
    if not (path / "manifest.json").is_file():
        raise TlsfitError(f"{path}: not a 'tlsfit generate' output directory (no manifest.json)")
    found = sorted(path.glob(pattern))
    if not found:
        raise TlsfitError(f"{path}: no {hint}")
    return found


def fragment_paths(inputs: list[str], pattern: str, hint: str) -> list[Path]:
    """The fragments named on the command line: files as given, 'tlsfit generate' output
    directories by PATTERN (HINT names what is missing)."""
    found = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found += generated_fragments(path, pattern, hint)
        elif path.is_file():
            found.append(path)
        else:
            raise TlsfitError(f"{path}: no such fragment or directory")
    return found


def print_results(results: list[CheckResult]) -> None:
    """The table every platform check prints, then what each failing fragment got wrong."""
    rows = [(str(r.fragment), r.where.split(" at ")[0], r.mode, r.verdict()) for r in results]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in
              enumerate(("fragment", "checked against", "mode", "result"))]
    print("  ".join(h.ljust(w) for h, w in zip(("fragment", "checked against", "mode", "result"),
                                                widths)))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    for r in results:
        if r.ok and not r.unseen():
            continue
        print(f"\n{r.fragment} ({r.where.split(' at ')[0]}, {r.mode}):")
        for p in r.kconfig_problems:
            print(f"  kconfig: {p}")
        for e in r.cpp_errors:
            print(f"  #error: {e}")
        for s in r.shadowed:
            print(f"  shadowed: {s}")
        for s in r.missing_sources:
            print(f"  not compiled: {s}")
        extra = r.undeclared()
        if r.shadowed and len(extra) > 12:
            print(f"  ({len(extra)} macros differ: the build got another header)")
            extra = ()
        for d in extra:
            print(f"  {d.describe()}")
        for d in r.unseen():
            print(f"  note: declared {d.name} ({d.kind}) does not differ here")
