"""The firmware's side of the contract, read from the C header that defines it.

``c_harness/board/tlsfit_contract.h`` holds the exit codes, the tags of the
result and fault lines, the TEST-ONLY PSK and identity and the test host
name. The firmware compiles it; this module reads the same file through the
C preprocessor (``-dM``), so the two sides cannot drift apart.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tlsfit.errors import HarnessError
from tlsfit.paths import HARNESS_DIR

CONTRACT_HEADER = HARNESS_DIR / "board" / "tlsfit_contract.h"
_DEFINE = re.compile(r"^#define (TLSFIT_\w+) (.+)$")


@dataclass(frozen=True)
class Contract:
    exit_ok: int
    exit_tls_failure: int
    exit_bad_params: int
    exit_fault: int
    exit_heap: int
    exit_internal: int
    result_tag: str
    fault_tag: str
    psk: bytes
    psk_identity: str
    host: str
    result_schema: int
    result_keys: tuple[str, ...]
    max_connections: int = 8                  # N sessions at once (-DTLSFIT_CONNECTIONS=ON)
    frame_data: int = 0x44
    frame_read: int = 0x52
    frame_header: int = 4
    connections_keys: tuple[str, ...] = ()    # the result line's extra keys in that mode

    @property
    def psk_hex(self) -> str:
        return self.psk.hex()


def read_contract(header: Path = CONTRACT_HEADER) -> Contract:
    """The contract as the preprocessor sees HEADER."""
    cc = next((c for c in ("gcc", "cc", "arm-none-eabi-gcc") if shutil.which(c)), None)
    if cc is None:
        raise HarnessError("reading the firmware contract needs a C preprocessor (gcc)")
    try:
        done = subprocess.run([cc, "-E", "-dM", "-x", "c", str(header)], capture_output=True,
                              text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise HarnessError(f"{header}: the preprocessor failed ({exc})") from None
    if done.returncode != 0:
        raise HarnessError(f"{header}: does not preprocess: {done.stderr.strip()[:300]}")
    values: dict[str, object] = {}
    for line in done.stdout.splitlines():
        m = _DEFINE.match(line)
        if m:
            # an int, a C string literal, or adjacent literals (joined, as C joins them)
            values[m.group(1)] = ast.literal_eval(m.group(2))
    try:
        return Contract(
            exit_ok=values["TLSFIT_EXIT_OK"], exit_tls_failure=values["TLSFIT_EXIT_TLS_FAILURE"],
            exit_bad_params=values["TLSFIT_EXIT_BAD_PARAMS"], exit_fault=values["TLSFIT_EXIT_FAULT"],
            exit_heap=values["TLSFIT_EXIT_HEAP"], exit_internal=values["TLSFIT_EXIT_INTERNAL"],
            result_tag=values["TLSFIT_RESULT_TAG"], fault_tag=values["TLSFIT_FAULT_TAG"],
            psk=str(values["TLSFIT_TEST_PSK"]).encode("ascii"),
            psk_identity=values["TLSFIT_TEST_PSK_IDENTITY"], host=values["TLSFIT_TEST_HOST"],
            result_schema=values["TLSFIT_RESULT_SCHEMA"],
            result_keys=tuple(str(values["TLSFIT_RESULT_KEYS"]).split(",")),
            max_connections=values["TLSFIT_MAX_CONNECTIONS"],
            frame_data=values["TLSFIT_FRAME_DATA"], frame_read=values["TLSFIT_FRAME_READ"],
            frame_header=values["TLSFIT_FRAME_HEADER"],
            connections_keys=tuple(str(values["TLSFIT_CONNECTIONS_KEYS"]).split(",")),
        )  # type: ignore[arg-type]
    except KeyError as exc:
        raise HarnessError(f"{header}: {exc.args[0]} is not defined") from None


@cache
def contract() -> Contract:
    """The harness's contract, read once per process."""
    return read_contract()
