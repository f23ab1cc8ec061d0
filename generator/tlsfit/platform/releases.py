"""Which release lines tlsfit has facts for, and their model trees rendered once a process."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Callable


def release_lines(model_dir: Path, name: str = "release.json") -> tuple[str, ...]:
    """The release lines with a NAME file under MODEL_DIR, oldest first."""
    found = [p.name for p in model_dir.iterdir() if (p / name).is_file()]
    return tuple(sorted(found, key=lambda v: tuple(int(x) for x in v.split("."))))


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
