"""The harness's single error type.

Every failure a user can act on (build failed, firmware crashed, peer or QEMU hung, port in use,
heap exhausted, bad case) is raised as :class:`HarnessError` with a message that says what happened
and what to look at; callers print ``tlsfit: <message>`` and never a traceback.
"""
from __future__ import annotations

from typing import Any

from ..errors import TlsfitError


class HarnessError(TlsfitError):
    """A harness run failed for a reason the user can act on.

    ``result`` carries the parsed :class:`~tlsfit.harness.runner.CaseResult` when the firmware got
    far enough to report one (e.g. heap exhaustion), else ``None``.
    """

    def __init__(self, message: str, *, result: Any = None) -> None:
        super().__init__(message)
        self.result = result
