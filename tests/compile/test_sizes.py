"""The bloaty rule on a real image: arm-none-eabi-gcc links two objects with a map;
the map's attribution must match the ELF's section headers, and a doctored map
(or a doctored image description) is refused."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tlsfit.build.firmware import image_sizes
from tlsfit.errors import TlsfitError
from tlsfit.paths import HARNESS_DIR
from tlsfit.sizes.mapfile import UNATTRIBUTED, parse_map

pytestmark = pytest.mark.compile

SOURCES = {
    "a.c": "const char greeting[] = \"hello from a\";\nint counter;\n"
           "int twice(int x) { return 2 * x + counter; }\n",
    "main.c": "extern int twice(int);\nextern const char greeting[];\nint state = 7;\n"
              "int main(void) { return twice(state) + greeting[0]; }\n"
              "void board_reset_handler(void) { main(); for (;;) {} }\n"
              "__attribute__((section(\".vectors\"), used))\n"
              "static void (*const vectors[2])(void) = { 0, board_reset_handler };\n",
}
CPU = ["-mcpu=cortex-m33", "-mthumb"]


@pytest.fixture(scope="module")
def linked(tmp_path_factory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("img")
    for name, text in SOURCES.items():
        (d / name).write_text(text)
    elf, mapf = d / "app.elf", d / "app.map"
    objects = []
    for name in SOURCES:
        obj = d / name.replace(".c", ".c.obj")
        subprocess.run(["arm-none-eabi-gcc", *CPU, "-Os", "-ffunction-sections",
                        "-fdata-sections", "-c", "-o", str(obj), str(d / name)],
                       check=True, capture_output=True)
        objects.append(str(obj))
    # the harness's own linker script: the sections tlsfit's measurements attribute
    subprocess.run(["arm-none-eabi-gcc", *CPU, "--specs=nano.specs", "--specs=nosys.specs",
                    "-nostartfiles", "-Wl,--gc-sections", f"-T{HARNESS_DIR}/board/mps2_an505.ld",
                    "-Wl,--defsym=TLSFIT_STACK_SIZE=4096", f"-Wl,-Map={mapf}", "-o", str(elf),
                    *objects], check=True, capture_output=True)
    return elf, mapf


def test_a_real_map_matches_its_image(linked):
    elf, mapf = linked
    image = image_sizes(elf)
    mem = parse_map(mapf, image)
    sizes = dict(image.sections)
    assert mem.section(".text") == sizes[".text"] > 0
    assert sum(m.flash for m in mem.modules) == mem.flash
    flash = {m.module.name: m.flash for m in mem.modules}
    assert set(flash) == {"a.c", "main.c"}, flash     # every byte is someone's here
    assert flash["a.c"] >= len("hello from a")


def test_a_doctored_map_is_refused(linked, tmp_path):
    elf, mapf = linked
    text = mapf.read_text()
    m = re.search(r"^\.text\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)", text, re.M)
    grown = text[:m.start(2)] + f"{int(m.group(2), 16) + 16:#x}"[2:].rjust(len(m.group(2)), "0") \
        + text[m.end(2):]
    bad = tmp_path / "doctored.map"
    bad.write_text(grown)
    with pytest.raises(TlsfitError, match=r"the link map and the image disagree: \.text is \d+ "
                                          r"bytes in the map but \d+ in the image"):
        parse_map(bad, image_sizes(elf))
    # without the image the 16 extra bytes are visible as unattributed, never a neighbour's
    mem = parse_map(bad)
    assert dict((m.module.name, m.flash) for m in mem.modules)[UNATTRIBUTED] >= 16
