"""Build the Cortex-M33 firmware for one Mbed TLS configuration.

API::

    build_firmware(config_dir, build_dir, *, mbedtls_src=None, harness_dir=None,
                   stack_size=65536, timeout_s=900.0, pki_dir=None, verify_mode=False) -> Firmware

``config_dir`` holds ``mbedtls_config.h`` (and optionally ``crypto_config.h``), used unchanged.
``build_dir`` is per profile; the first call configures it with CMake (Ninja generator), later calls
only run ``ninja``, which does nothing when nothing changed. ``mbedtls_src`` defaults to
``$TLSFIT_MBEDTLS_SRC`` or ``~/.cache/tlsfit/mbedtls-3.6.6``. ``pki_dir`` is the directory of
certificates the image embeds (default ``c_harness/pki``, the TEST ONLY PKI); an image with
another one belongs in its own ``build_dir`` (see ``tlsfit.run.own_pki``). ``verify_mode``
builds the verify-only mode and ``clock=unset`` in (off: the test-PKI images stay as measured).

:class:`Firmware` gives the ELF and link-map paths and :class:`ImageSizes` from
``arm-none-eabi-size -A`` (flash = code + read-only data + .data initialisers; static RAM = .data +
.bss; the stack and heap regions are reported separately because they are reserved, not used).
"""
from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from tlsfit.generate.resolve import Resolution
from tlsfit.errors import HarnessError, TlsfitError
from tlsfit.mbedtls.tree import MbedtlsTree, check_tree, locate
from tlsfit.paths import HARNESS_DIR

_FLASH_SECTIONS = (".vectors", ".text", ".rodata", ".ARM.exidx")


def harness_dir() -> Path:
    """The c_harness/ directory (tlsfit.paths)."""
    return HARNESS_DIR


def image_tree(elf: Path) -> MbedtlsTree:
    """The Mbed TLS tree an image was built with (its build directory's CMake cache)."""
    cache = Path(elf).resolve().parent / "CMakeCache.txt"
    src = _cache_value(cache, "MBEDTLS_SRC") if cache.is_file() else None
    if not src:
        raise HarnessError(f"{elf}: no CMakeCache.txt with MBEDTLS_SRC beside it: build the "
                           "image with build_firmware so that its Mbed TLS tree is known")
    return check_tree(Path(src), origin=f"the tree {Path(elf).name} was built with")


@dataclass(frozen=True)
class ImageSizes:
    """Linked section sizes in bytes (from the ELF, so they are what the device stores)."""

    flash: int          # .vectors + .text + .rodata + .ARM.exidx + .data initialisers
    ram_static: int     # .data + .bss
    stack_reserved: int # .stack (painted; the run reports the peak actually used)
    heap_region: int    # .heap (newlib arena; the run reports the peak requested)
    sections: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Firmware:
    """One built image and where it came from."""

    elf: Path
    map_file: Path
    build_dir: Path
    config_dir: Path
    mbedtls_src: Path
    sizes: ImageSizes
    compile_flags: tuple[str, ...] = ()   # as the build ran them (build_flags)
    link_flags: tuple[str, ...] = ()


def _run(argv: list[str], what: str, timeout_s: float, cwd: Path | None = None) -> str:
    try:
        done = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=timeout_s, check=False, stdin=subprocess.DEVNULL)
    except FileNotFoundError as exc:
        raise HarnessError(f"{what}: {argv[0]} is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise HarnessError(f"{what}: no result after {timeout_s:.0f} s: {shlex.join(argv)}") from exc
    text = done.stdout.decode("utf-8", errors="replace")
    if done.returncode != 0:
        tail = "\n".join(text.splitlines()[-40:])
        raise HarnessError(f"{what} failed (exit {done.returncode}): {shlex.join(argv)}\n{tail}")
    return text


def _cache_value(cache: Path, key: str) -> str | None:
    for line in cache.read_text(errors="replace").splitlines():
        if line.startswith(key + ":"):
            return line.split("=", 1)[1]
    return None


def image_sizes(elf: Path) -> ImageSizes:
    """Allocated section sizes of a linked image, read from its section headers (pyelftools)."""
    try:
        with open(elf, "rb") as f:
            image = ELFFile(f)
            sections = tuple((sec.name, sec["sh_size"]) for sec in image.iter_sections()
                             if sec["sh_flags"] & SH_FLAGS.SHF_ALLOC and sec.name)
    except (OSError, ELFError) as exc:
        raise HarnessError(f"{elf}: not a readable ELF image ({exc})") from None
    by_name = dict(sections)
    data = by_name.get(".data", 0)
    return ImageSizes(
        flash=sum(by_name.get(name, 0) for name in _FLASH_SECTIONS) + data,
        ram_static=data + by_name.get(".bss", 0),
        stack_reserved=by_name.get(".stack", 0),
        heap_region=by_name.get(".heap", 0),
        sections=sections,
    )


def build_flags(build_dir: Path, mbedtls_src: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The compile flags of an Mbed TLS source and the link flags, as the build ran them.

    Read from Ninja's own account of the commands (``ninja -t commands``), with
    paths of this machine replaced by placeholders so that results compare.
    """
    text = _run(["ninja", "-C", str(build_dir), "-t", "commands", "tlsfit_app.elf"],
                "ninja -t commands", 60.0)
    lines = text.splitlines()
    compile_line = next((line for line in lines if "/library/ssl_tls.c" in line), None)
    link_line = next((line for line in reversed(lines) if " -o tlsfit_app.elf" in line), None)
    if compile_line is None or link_line is None:
        raise HarnessError(f"{build_dir}: ninja does not list the Mbed TLS compile and the "
                           "link commands of tlsfit_app.elf")

    def flags(line: str, skip_next: tuple[str, ...]) -> tuple[str, ...]:
        out, argv, i = [], shlex.split(line), 1
        while i < len(argv):
            arg = argv[i]
            if arg in skip_next:
                i += 2
                continue
            if arg.startswith("-") and not arg.startswith(("-I", "-D", "-MD", "-MT", "-MF",
                                                           "-Wl,-Map=", "-o")):
                out.append(arg.replace(str(build_dir), "<build>")
                           .replace(str(harness_dir()), "<harness>")
                           .replace(str(mbedtls_src), "<mbedtls>"))
            i += 1
        return tuple(out)

    return (flags(compile_line, ("-o", "-c", "-MT", "-MF")), flags(link_line, ("-o",)))


def refuse_os_entropy(resolution: Resolution) -> None:
    """The harness is bare metal: a profile on the OS's entropy cannot be built for it (Mbed TLS
    stops with 'Platform entropy sources only work on Unix and Windows'); say so first."""
    if resolution.requirement("ENTROPY_OS") == "y":
        raise TlsfitError(
            f"{resolution.profile.name}: ENTROPY_OS uses the operating system's entropy, which "
            "tlsfit's bare-metal Cortex-M33 harness does not have; measure the profile with "
            "ENTROPY_HARDWARE_POLL or RNG_PRODUCT (an overlay: CONFIG_ENTROPY_HARDWARE_POLL=y)")


def build_firmware(config_dir: Path, build_dir: Path, *, mbedtls_src: Path | None = None,
                   harness: Path | None = None, stack_size: int = 65536,
                   timeout_s: float = 900.0, pki_dir: Path | None = None,
                   verify_mode: bool = False, connections: bool = False) -> Firmware:
    """Configure (once) and build the firmware for config_dir into build_dir.

    connections: build the N-sessions-at-once mode too (``-DTLSFIT_CONNECTIONS=ON``, run
    parameter ``conns=N``); keep such an image in its own build_dir."""
    config_dir = Path(config_dir).resolve()
    build_dir = Path(build_dir).resolve()
    src = Path(mbedtls_src).resolve() if mbedtls_src else locate().path
    harness = Path(harness).resolve() if harness else harness_dir()
    pki = Path(pki_dir).resolve() if pki_dir else harness / "pki"
    if not pki.is_dir():
        raise HarnessError(f"{pki}: no such PKI directory")
    if not (config_dir / "mbedtls_config.h").is_file():
        raise HarnessError(f"{config_dir}: no mbedtls_config.h (run `tlsfit generate` first)")
    if not (src / "include" / "mbedtls" / "build_info.h").is_file():
        raise HarnessError(f"{src}: not an Mbed TLS 3.6 source tree (set TLSFIT_MBEDTLS_SRC)")
    for part in (config_dir, src, pki):
        if " " in str(part) or '"' in str(part):
            raise HarnessError(f"{part}: paths with spaces or quotes are not supported")

    wanted = {
        "TLSFIT_CONFIG_DIR": str(config_dir),
        "MBEDTLS_SRC": str(src),
        "TLSFIT_STACK_SIZE": str(stack_size),
        "TLSFIT_PKI_DIR": str(pki),
        "TLSFIT_VERIFY_MODE": "ON" if verify_mode else "OFF",
        "CMAKE_HOME_DIRECTORY": str(harness),
    }
    cache = build_dir / "CMakeCache.txt"
    conns = "ON" if connections else "OFF"
    configured = (build_dir / "build.ninja").is_file() and cache.is_file() and all(
        _cache_value(cache, key) == value for key, value in wanted.items()) and \
        (_cache_value(cache, "TLSFIT_CONNECTIONS") or "OFF") == conns
    if not configured:
        build_dir.mkdir(parents=True, exist_ok=True)
        _run(["cmake", "-G", "Ninja", "-S", str(harness), "-B", str(build_dir),
              f"-DCMAKE_TOOLCHAIN_FILE={harness / 'cmake' / 'arm-none-eabi.cmake'}",
              f"-DTLSFIT_CONFIG_DIR={config_dir}", f"-DMBEDTLS_SRC={src}",
              f"-DTLSFIT_STACK_SIZE={stack_size}", f"-DTLSFIT_PKI_DIR={pki}",
              f"-DTLSFIT_VERIFY_MODE={'ON' if verify_mode else 'OFF'}",
              f"-DTLSFIT_CONNECTIONS={conns}"],
             "cmake configure", timeout_s)
    _run(["ninja", "-C", str(build_dir)], f"firmware build for {config_dir}", timeout_s)
    elf = build_dir / "tlsfit_app.elf"
    map_file = build_dir / "tlsfit_app.map"
    if not elf.is_file() or not map_file.is_file():
        raise HarnessError(f"{build_dir}: build finished but tlsfit_app.elf/.map are missing")
    compile_flags, link_flags = build_flags(build_dir, src)
    return Firmware(elf=elf, map_file=map_file, build_dir=build_dir, config_dir=config_dir,
                    mbedtls_src=src, sizes=image_sizes(elf), compile_flags=compile_flags,
                    link_flags=link_flags)
