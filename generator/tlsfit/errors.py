"""The one error type tlsfit raises for anything a user can fix."""


class TlsfitError(Exception):
    """A problem with the user's input or environment.

    The command line prints it as ``tlsfit: <message>`` and exits non-zero;
    it is never shown as a traceback.
    """
