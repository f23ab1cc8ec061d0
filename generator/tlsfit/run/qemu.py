"""The QEMU command line for one firmware run on ``-M mps2-an505``.

API::

    qemu_argv(elf, params, *, port=None, listen=False, icount=True) -> list[str]
    format_params(params) -> str      # {"k": "v"} -> 'k=v k=v' for -append

UART0 (log, TLSFIT-RESULT) goes to QEMU's stdout; UART1 (the TLS transport) is a socket chardev:
with ``listen=False`` QEMU connects to a peer listening on 127.0.0.1:port (firmware = TLS client);
with ``listen=True`` QEMU listens there with ``wait=on`` and starts the guest only once the peer has
connected (firmware = TLS server). ``-icount shift=0`` makes one guest instruction 1 ns of virtual
time, so SysTick (20 MHz) ticks once per 50 guest instructions. Semihosting carries the run
parameters in (``-append``, read with SYS_GET_CMDLINE) and the exit code out (SYS_EXIT_EXTENDED).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Mapping

from tlsfit.errors import HarnessError

QEMU_BINARY = "qemu-system-arm"
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9._:/@+-]*$")


def format_params(params: Mapping[str, str]) -> str:
    """Run parameters as the firmware parses them; values may not contain spaces."""
    parts = []
    for key, value in params.items():
        if not re.fullmatch(r"[a-z_]+", key) or not _SAFE_VALUE.match(value):
            raise HarnessError(f"run parameter {key}={value!r}: only [A-Za-z0-9._:/@+-] allowed")
        parts.append(f"{key}={value}")
    return " ".join(parts)


def qemu_argv(elf: Path, params: Mapping[str, str], *, port: int | None = None,
              listen: bool = False, icount: bool = True) -> list[str]:
    """Full QEMU command: UART0 on stdout, UART1 on a TCP socket (or nowhere when port is None)."""
    argv = [QEMU_BINARY, "-M", "mps2-an505", "-cpu", "cortex-m33", "-display", "none",
            "-nodefaults", "-monitor", "none",
            "-semihosting-config", "enable=on,target=native",
            "-serial", "stdio"]
    if port is None:
        argv += ["-serial", "null"]
    else:
        chardev = f"socket,id=tls,host=127.0.0.1,port={port}"
        if listen:
            chardev += ",server=on,wait=on"
        argv += ["-chardev", chardev, "-serial", "chardev:tls"]
    if icount:
        argv += ["-icount", "shift=0"]
    argv += ["-kernel", str(elf), "-append", format_params(params)]
    return argv
