"""Profile texts shared by the test tiers."""

BASE_CLIENT = """\
CONFIG_ROLE_CLIENT=y
CONFIG_TLS_1_2=y
CONFIG_PEER_ECDSA_P256=y
CONFIG_SIG_SHA256=y
CONFIG_GROUP_P256=y
CONFIG_CIPHER_AES_128_GCM=y
"""


def fragment_assignments(fragment) -> dict[str, str]:
    """A Kconfig fragment's assignments: NAME -> value ('n' for '# CONFIG_NAME is not set')."""
    import re
    found = {}
    for line in fragment.read_text().splitlines():
        m = re.match(r"CONFIG_(\w+)=(.*)$", line) or re.match(r"# CONFIG_(\w+) is not set$", line)
        if m:
            found[m.group(1)] = m.group(2) if m.lastindex == 2 else "n"
    return found


def run_tlsfit(*args: str) -> tuple[int, str]:
    """The real command line in-process, for module-scoped fixtures (capsys is per test):
    (exit code, stdout and stderr together)."""
    import contextlib
    import io
    from tlsfit.cli.main import main
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(list(args))
    return code, out.getvalue()
