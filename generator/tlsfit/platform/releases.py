"""Which release lines tlsfit has facts for, and their model trees rendered once a process."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable

from tlsfit.errors import TlsfitError


def release_lines(model_dir: Path, name: str = "release.json") -> tuple[str, ...]:
    """The release lines with a NAME file under MODEL_DIR, oldest first."""
    found = [p.name for p in model_dir.iterdir() if (p / name).is_file()]
    return tuple(sorted(found, key=lambda v: tuple(int(x) for x in v.split("."))))


def release_document(model_dir: Path, version: str, what: str,
                     name: str = "release.json") -> tuple[Path, dict[str, Any]]:
    """The facts file of release line VERSION under MODEL_DIR, read; WHAT names the platform
    in the message when there is none."""
    path = model_dir / version / name
    if not path.is_file():
        known = ", ".join(release_lines(model_dir, name))
        raise TlsfitError(f"no {what} {version} model; known: {known}")
    return path, json.loads(path.read_text(encoding="utf-8"))


_TREES: dict[tuple[str, str], Path] = {}


def rendered_once(platform: str, version: str, render: Callable[[str, Path], Path]) -> Path:
    """The model tree of PLATFORM's release line VERSION, rendered by RENDER once per process
    into a temporary directory removed at exit."""
    key = (platform, version)
    if key not in _TREES:
        path = Path(tempfile.mkdtemp(prefix=f"tlsfit-{platform}-{version}-"))
        atexit.register(shutil.rmtree, path, True)
        _TREES[key] = render(version, path)
    return _TREES[key]
