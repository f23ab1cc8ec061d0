"""Reading a file the user named on the command line.

Why one place: a missing file, a directory or an unreadable file must be one
``TlsfitError`` naming the path (and the option it came from), never a traceback,
whichever command read it.
"""

from __future__ import annotations

from pathlib import Path

from tlsfit.errors import TlsfitError


def read_user_bytes(path: Path, what: str | None = None) -> bytes:
    """The bytes at PATH; WHAT (an option or a role) is added to the message when given."""
    tail = f" ({what})" if what else ""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise TlsfitError(f"{path}: no such file{tail}") from None
    except IsADirectoryError:
        raise TlsfitError(f"{path}: a directory, not a file{tail}") from None
    except OSError as exc:
        raise TlsfitError(f"{path}: cannot read ({exc.strerror}){tail}") from None
