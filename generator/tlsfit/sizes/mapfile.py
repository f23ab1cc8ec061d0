"""Attribute every byte of a linked image to a module, from the GNU ld map.

Model: output sections (with their linked sizes) -> input sections (address,
size, object) -> modules (Mbed TLS source file, harness file, libc, libgcc).
Rules (after bloaty and Zephyr's size_report):
  - totals come from the output sections, never from sums of objects;
  - input ranges are claimed in address order; a range already claimed
    (merged strings listed under every contributor) is not counted twice;
  - alignment padding that ld lists as *fill* belongs to the module before it;
  - bytes that no input section or fill covers are labelled "(unattributed)";
  - the module rows must add up to the section totals, and the sections must
    be the linked image's (its ELF section headers), both checked with a
    real error, not an assert.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from tlsfit.build.firmware import ImageSizes
from tlsfit.errors import TlsfitError

#: Output sections stored in flash (load image) and in RAM at run time.
FLASH_SECTIONS = (".vectors", ".text", ".rodata", ".ARM.exidx", ".data")
RAM_SECTIONS = (".data", ".bss")
#: Reserved regions: reported apart, never as static RAM of a module.
RESERVED_SECTIONS = (".stack", ".heap")

_OUT_RE = re.compile(r"^(\.[\w.]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)")
_OUT_NAME_ONLY = re.compile(r"^(\.[\w.]+)\s*$")
_IN_RE = re.compile(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
_IN_NAME_ONLY = re.compile(r"^ (\S+)\s*$")
_CONT_RE = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
_FILL_RE = re.compile(r"^ \*fill\*\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)")
_MEMBER_RE = re.compile(r"(?:^|/)([^/()]+\.a)\(([^)]+)\)$")
_CLONE_RE = re.compile(r"\.(isra|constprop|part|cold|lto_priv)\.\d+")

MBEDTLS_ARCHIVES = ("libmbedcrypto.a", "libmbedx509.a", "libmbedtls.a")
UNATTRIBUTED = "(unattributed)"


@dataclass(frozen=True)
class Module:
    """A unit sizes are reported by: group (mbedtls, harness, libc, ...) and name."""

    group: str
    name: str


@dataclass(frozen=True)
class ModuleSize:
    module: Module
    sections: tuple[tuple[str, int], ...]   # output section -> bytes

    def in_sections(self, names: tuple[str, ...]) -> int:
        return sum(size for sec, size in self.sections if sec in names)

    @property
    def flash(self) -> int:
        return self.in_sections(FLASH_SECTIONS)

    @property
    def ram(self) -> int:
        return self.in_sections(RAM_SECTIONS)


@dataclass(frozen=True)
class MemoryMap:
    """The whole image: section totals and every module's share."""

    sections: tuple[tuple[str, int], ...]
    modules: tuple[ModuleSize, ...]
    #: (module, symbol with clone suffixes folded, output section, bytes), largest first
    symbols: tuple[tuple[Module, str, str, int], ...] = ()

    def section(self, name: str) -> int:
        return dict(self.sections).get(name, 0)

    @property
    def flash(self) -> int:
        return sum(self.section(s) for s in FLASH_SECTIONS)

    @property
    def ram_static(self) -> int:
        return sum(self.section(s) for s in RAM_SECTIONS)

    def group_flash(self, group: str) -> int:
        return sum(m.flash for m in self.modules if m.module.group == group)

    def group_ram(self, group: str) -> int:
        return sum(m.ram for m in self.modules if m.module.group == group)


def classify(obj: str) -> Module:
    """Which module an input file (object or archive member) belongs to."""
    member = _MEMBER_RE.search(obj)
    if member:
        archive, name = member.groups()
        name = re.sub(r"\.(c\.)?obj$|\.o$", "", name)
        if archive in MBEDTLS_ARCHIVES:
            return Module("mbedtls", name if name.endswith(".c") else name + ".c")
        if archive.startswith(("libc", "libnosys", "libm")):
            return Module("libc", archive)
        if archive.startswith("libgcc"):
            return Module("libgcc", archive)
        return Module("other", archive)
    base = Path(obj).name
    if "/generated/app_pki" in obj:
        return Module("test-pki", re.sub(r"\.obj$", "", base))
    if base.endswith(".obj") or base.endswith(".o"):
        return Module("harness", re.sub(r"\.obj$|\.o$", "", base))
    return Module("other", base)


def fold_symbol(name: str) -> str:
    """Fold compiler clone suffixes (.isra.0, .constprop.1, .part.2) into the symbol."""
    return _CLONE_RE.sub("", name)


def parse_map(path: Path, image: ImageSizes | None = None) -> MemoryMap:
    """Parse a GNU ld map; raise TlsfitError if the rows do not add up, or if the
    map's sections disagree with the linked IMAGE's (its ELF section headers)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise TlsfitError(f"{path}: cannot read link map ({exc.strerror})") from None
    start = text.find("Linker script and memory map")
    if start < 0:
        raise TlsfitError(f"{path}: not a GNU ld map (no 'Linker script and memory map')")
    lines = text[start:].splitlines()

    sections: dict[str, tuple[int, int]] = {}
    inputs: dict[str, list[tuple[int, int, Module, str]]] = {}
    fills: dict[str, list[tuple[int, int]]] = {}
    current: str | None = None
    pending_out: str | None = None
    pending_in: str | None = None
    interesting = set(FLASH_SECTIONS) | set(RAM_SECTIONS) | set(RESERVED_SECTIONS)

    for line in lines:
        if pending_out is not None:
            cont = re.match(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)", line)
            if cont:
                current = _open_section(pending_out, cont, sections, interesting)
            pending_out = None
            continue
        out = _OUT_RE.match(line)
        if out:
            current = _open_section(out.group(1), out, sections, interesting, offset=1)
            continue
        name_only = _OUT_NAME_ONLY.match(line)
        if name_only:
            pending_out = name_only.group(1)
            continue
        if current is None:
            continue
        fill = _FILL_RE.match(line)
        if fill:
            fills.setdefault(current, []).append((int(fill.group(1), 16), int(fill.group(2), 16)))
            continue
        inp = _IN_RE.match(line)
        if inp and inp.group(1).startswith((".", "COMMON")):
            _add_input(inputs, current, int(inp.group(2), 16), int(inp.group(3), 16), inp.group(4),
                       inp.group(1))
            pending_in = None
            continue
        name_only_in = _IN_NAME_ONLY.match(line)
        if name_only_in and line.strip().startswith((".", "COMMON")):
            pending_in = name_only_in.group(1)
            continue
        if pending_in:
            cont = _CONT_RE.match(line)
            if cont:
                _add_input(inputs, current, int(cont.group(1), 16), int(cont.group(2), 16),
                           cont.group(3), pending_in)
            pending_in = None

    totals: dict[Module, dict[str, int]] = {}
    symbols: dict[tuple[Module, str, str], int] = {}
    for sec, (addr, size) in sections.items():
        if sec in RESERVED_SECTIONS:
            continue
        claimed = _claim(sec, addr, size, inputs.get(sec, []), fills.get(sec, []))
        for (module, symbol), nbytes in claimed.items():
            if nbytes:
                totals.setdefault(module, {})[sec] = totals.get(module, {}).get(sec, 0) + nbytes
                key = (module, symbol, sec)
                symbols[key] = symbols.get(key, 0) + nbytes
    modules = tuple(sorted(
        (ModuleSize(m, tuple(sorted(s.items()))) for m, s in totals.items()),
        key=lambda ms: (-ms.flash - ms.ram, ms.module.group, ms.module.name)))
    result = MemoryMap(
        sections=tuple(sorted((s, v[1]) for s, v in sections.items())), modules=modules,
        symbols=tuple(sorted(((m, sym, sec, n) for (m, sym, sec), n in symbols.items()),
                             key=lambda t: (-t[3], t[0].group, t[0].name, t[1], t[2]))))
    _check_totals(path, result)
    if image is not None:
        check_against_image(path, result, image)
    return result


def check_against_image(path: Path, mem: MemoryMap, image: ImageSizes) -> None:
    """The bloaty rule: the totals are the file's. Every allocated section of the
    image must be one the map describes, with the same size."""
    in_map = dict(mem.sections)
    wrong = []
    for name, size in image.sections:
        if name not in in_map:
            if size:
                wrong.append(f"{name} is {size} bytes in the image but not attributed by the map")
        elif in_map[name] != size:
            wrong.append(f"{name} is {in_map[name]} bytes in the map but {size} in the image")
    for name in in_map:
        if name not in dict(image.sections) and in_map[name]:
            wrong.append(f"{name} is in the map but not in the image")
    if wrong:
        raise TlsfitError(f"{path}: the link map and the image disagree: " + "; ".join(wrong))


def _open_section(name: str, match: re.Match[str], sections: dict[str, tuple[int, int]],
                  interesting: set[str], offset: int = 0) -> str | None:
    if name not in interesting:
        return None
    addr = int(match.group(1 + offset), 16)
    size = int(match.group(2 + offset), 16)
    sections[name] = (addr, size)
    return name


def symbol_of(input_section: str) -> str:
    """The function or object an input section holds (-ffunction/-fdata-sections),
    clone suffixes folded; merged strings and the like keep their section name."""
    for prefix in (".text.", ".rodata.", ".data.", ".bss.", ".sbss.", ".sdata."):
        if input_section.startswith(prefix):
            rest = input_section[len(prefix):]
            if rest.startswith(("str1.", "cst")):
                return input_section
            return fold_symbol(rest)
    return input_section


def _add_input(inputs: dict[str, list[tuple[int, int, Module, str]]], section: str, addr: int,
               size: int, obj: str, input_section: str) -> None:
    if size == 0 or obj.startswith("0x") or "linker stubs" in obj:
        return
    inputs.setdefault(section, []).append((addr, size, classify(obj.strip()),
                                           symbol_of(input_section)))


Owner = tuple[Module, str]
_NOBODY: Owner = (Module(UNATTRIBUTED, UNATTRIBUTED), UNATTRIBUTED)


def _claim(section: str, start: int, size: int, items: list[tuple[int, int, Module, str]],
           fills: list[tuple[int, int]]) -> dict[Owner, int]:
    """Bytes per (module, symbol) in one output section; every byte claimed exactly once.

    Alignment padding that ld lists as ``*fill*`` belongs to the input before
    it; bytes that neither an input nor a fill covers are "(unattributed)".
    """
    end = start + size
    claimed: dict[Owner, int] = {}
    cursor = start
    owner: Owner | None = None

    def give_gap(lo: int, hi: int) -> None:
        padded = sum(max(0, min(hi, a + n) - max(lo, a)) for a, n in fills)
        if padded and owner is not None:
            claimed[owner] = claimed.get(owner, 0) + padded
        else:
            padded = 0
        if hi - lo - padded:
            claimed[_NOBODY] = claimed.get(_NOBODY, 0) + (hi - lo - padded)

    for addr, length, module, symbol in sorted(items, key=lambda i: (i[0], -i[1])):
        lo, hi = max(addr, cursor), min(addr + length, end)
        if addr > cursor:
            give_gap(cursor, min(addr, end))
            cursor = min(addr, end)
            lo = max(addr, cursor)
        if hi > lo:
            key = (module, symbol)
            claimed[key] = claimed.get(key, 0) + (hi - lo)
            cursor = hi
            owner = key
    if cursor < end:
        give_gap(cursor, end)
    return claimed


def _check_totals(path: Path, mem: MemoryMap) -> None:
    for sec, size in mem.sections:
        if sec in RESERVED_SECTIONS:
            continue
        rows = sum(dict(m.sections).get(sec, 0) for m in mem.modules)
        if rows != size:
            raise TlsfitError(f"{path}: module rows of {sec} add up to {rows} bytes, "
                              f"but the section is {size} bytes")
