"""Command-line registration of the diagnostics subcommands (explain, from-cert, audit)."""

from __future__ import annotations

import argparse
from typing import Callable

AddCommand = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def register(add: AddCommand) -> None:
    """Add the diagnostics subcommands through the CLI's ``add`` helper."""
