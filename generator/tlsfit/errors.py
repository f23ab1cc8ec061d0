"""The one error type tlsfit raises for anything a user can fix."""


class TlsfitError(Exception):
    """A problem with the user's input or environment.

    The command line prints it as ``tlsfit: <message>`` and exits non-zero;
    it is never shown as a traceback.
    """


class HarnessError(TlsfitError):
    """A firmware build or run failed for a reason the user can act on.

    Build failed, firmware crashed, peer or QEMU hung, port in use, heap
    exhausted, bad case: the message says what happened and what to look
    at. ``result`` carries the parsed ``tlsfit.run.runner.CaseResult`` when
    the firmware got far enough to report one (e.g. heap exhaustion).
    """

    def __init__(self, message: str, *, result: object = None) -> None:
        super().__init__(message)
        self.result = result
