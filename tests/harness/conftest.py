"""Fixtures for the harness target tests: test-owned Mbed TLS configs, built once per session.

The tests need the cross toolchain, QEMU, OpenSSL and an Mbed TLS 3.6 tree; a missing one fails
loudly (never a silent skip). Set TLSFIT_TEST_BUILD_DIR to keep build directories between runs.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from typing import Iterator

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "generator"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tlsfit.build.firmware import Firmware, build_firmware  # noqa: E402
from tlsfit.mbedtls.tree import default_tree_path  # noqa: E402

_HW_ENTROPY = "#define MBEDTLS_ENTROPY_HARDWARE_ALT\n#define MBEDTLS_NO_PLATFORM_ENTROPY\n"
# Host-OS features a bare-metal image cannot have (no sockets, no file system, no OS clock).
_HOST_ONLY = ("MBEDTLS_NET_C", "MBEDTLS_TIMING_C", "MBEDTLS_FS_IO", "MBEDTLS_PSA_ITS_FILE_C",
              "MBEDTLS_PSA_CRYPTO_STORAGE_C", "MBEDTLS_HAVE_TIME", "MBEDTLS_HAVE_TIME_DATE")


def _drop(text: str, names: tuple[str, ...]) -> str:
    for name in names:
        text = re.sub(rf"^#define {name}\b.*$", f"/* {name} removed by the tlsfit harness tests */",
                      text, flags=re.M)
    return text


@pytest.fixture(scope="session")
def mbedtls_src() -> Path:
    src = Path(os.environ.get("TLSFIT_MBEDTLS_SRC") or default_tree_path())
    for tool in ("arm-none-eabi-gcc", "qemu-system-arm", "openssl", "gnutls-serv", "cmake", "ninja"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed: the harness tests need it")
    if not (src / "include" / "mbedtls" / "build_info.h").is_file():
        pytest.fail(f"no Mbed TLS 3.6 tree at {src} (set TLSFIT_MBEDTLS_SRC)")
    return src


@pytest.fixture(scope="session")
def work_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    keep = os.environ.get("TLSFIT_TEST_BUILD_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        return Path(keep)
    return tmp_path_factory.mktemp("harness")


def tls12_client_config(src: Path) -> str:
    """config-suite-b.h as a pure TLS 1.2 ECDHE-ECDSA client: 1 KB buffers made safe by max
    fragment length, SNI, hardware-entropy hook, no server code, nothing host-only."""
    text = (src / "configs" / "config-suite-b.h").read_text()
    text = _drop(text, _HOST_ONLY + ("MBEDTLS_SSL_SRV_C",))
    return text + ("\n/* tlsfit harness test additions */\n" + _HW_ENTROPY +
                   "#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH\n#define MBEDTLS_SSL_SERVER_NAME_INDICATION\n")


def full_config(src: Path) -> str:
    """Mbed TLS's default config (TLS 1.2 + 1.3, client + server, RSA/EC, CSR writing) minus
    host-only features: covers TLS 1.3, server mode, mutual TLS, SNI dispatch and CSR mode."""
    text = (src / "include" / "mbedtls" / "mbedtls_config.h").read_text()
    return _drop(text, _HOST_ONLY) + "\n/* tlsfit harness test additions */\n" + _HW_ENTROPY


def _build(work_dir: Path, name: str, text: str) -> Firmware:
    config = work_dir / f"cfg-{name}"
    config.mkdir(parents=True, exist_ok=True)
    header = config / "mbedtls_config.h"
    if not header.is_file() or header.read_text() != text:
        header.write_text(text)
    return build_firmware(config, work_dir / f"build-{name}")


@pytest.fixture(scope="session")
def tls12_client_fw(mbedtls_src: Path, work_dir: Path) -> Firmware:
    return _build(work_dir, "tls12-client", tls12_client_config(mbedtls_src))


@pytest.fixture(scope="session")
def full_fw(mbedtls_src: Path, work_dir: Path) -> Firmware:
    return _build(work_dir, "full", full_config(mbedtls_src))


def _live_children() -> list[str]:
    """Command lines of this process's non-zombie children (QEMU/OpenSSL left running)."""
    me = str(os.getpid())
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, IndexError):
            continue
        if fields[1] == me and fields[0] != "Z":
            found.append(cmdline.strip())
    return found


@pytest.fixture(autouse=True)
def no_leftover_processes() -> Iterator[None]:
    """Every test must leave no QEMU, OpenSSL or GnuTLS process behind, pass or fail."""
    yield
    left = [c for c in _live_children()
            if "qemu-system-arm" in c or "openssl" in c or "gnutls-serv" in c]
    assert not left, f"processes left running: {left}"
