"""The package's stages import only earlier stages (docs/architecture.md).

The module graph is read with ``ast`` from the sources, so a new import
that points back up the pipeline fails here, naming both modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import tlsfit

PACKAGE = Path(tlsfit.__file__).resolve().parent

#: The stages, in the direction data flows. A module may import its own
#: stage and the ones before it.
STAGES = ("core", "mbedtls", "generate", "platform", "mbedtls4", "zephyr", "zephyr4", "espidf", "ncs", "targets", "outputs", "build", "run", "sizes",
          "results", "measure", "compare", "report", "diagnose", "cli")
CORE = {"tlsfit", "tlsfit.errors", "tlsfit.paths", "tlsfit.user_files"}


def stage_of(module: str) -> str:
    if module in CORE:
        return "core"
    part = module.split(".")[1]
    assert part in STAGES, f"{module} is in no stage: add it to docs/architecture.md and here"
    return part


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        found[".".join(parts)] = path
    return found


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tlsfit"):
            assert node.level == 0, f"{path}: relative import (use absolute tlsfit.* imports)"
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("tlsfit")}
    return out


def graph() -> dict[str, set[str]]:
    return {mod: imports_of(path) for mod, path in modules().items()}


def test_every_module_is_in_a_stage():
    for mod in modules():
        stage_of(mod)


def back_edges(g: dict[str, set[str]]) -> list[str]:
    back = []
    for mod, deps in sorted(g.items()):
        for dep in sorted(deps):
            if STAGES.index(stage_of(dep)) > STAGES.index(stage_of(mod)):
                back.append(f"{mod} ({stage_of(mod)}) imports {dep} ({stage_of(dep)})")
    return back


def test_no_import_goes_back_up_the_stages():
    g = graph()
    assert len(g) > 40
    assert not back_edges(g), "\n".join(back_edges(g))


def test_a_back_edge_is_reported():
    g = {"tlsfit.generate.render": {"tlsfit.errors", "tlsfit.measure.measure"}}
    assert back_edges(g) == ["tlsfit.generate.render (generate) imports "
                             "tlsfit.measure.measure (measure)"]


def test_every_package_is_installed():
    """pyproject.toml lists the packages by hand (it maps tlsfit/_share too): keep it whole."""
    import tomllib
    listed = set(tomllib.loads((PACKAGE.parent.parent / "pyproject.toml").read_text())
                 ["tool"]["setuptools"]["packages"])
    packages = {".".join(p.relative_to(PACKAGE.parent).parts)
                for p in PACKAGE.rglob("__init__.py") for p in [p.parent]}
    assert packages <= listed, f"add to pyproject.toml: {sorted(packages - listed)}"
