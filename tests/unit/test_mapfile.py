"""Link-map attribution on a small map in GNU ld's format. Real maps are
checked against their ELF images on every measurement (parse_map's image
argument); tests/compile/test_sizes.py links a real image and doctors its map."""

import pytest

from tlsfit.errors import TlsfitError
from tlsfit.build.firmware import ImageSizes
from tlsfit.sizes.mapfile import UNATTRIBUTED, Module, classify, fold_symbol, parse_map

MAP = """\
Memory Configuration
Linker script and memory map

.text           0x10000000       0x40
 *(.text .text.*)
 .text.mbedtls_ssl_handshake
                0x10000000       0x10 libmbedtls.a(ssl_tls.c.obj)
 .text.app_main 0x10000010        0x6 CMakeFiles/tlsfit_app.dir/app/app_main.c.obj
 *fill*         0x10000016        0x2
 .text.memcpy   0x10000018        0x8 /usr/lib/arm-none-eabi/lib/libc_nano.a(libc_a-memcpy.o)
 .text.ecp_mul  0x10000020       0x18 libmbedcrypto.a(ecp.c.obj)

.rodata         0x10000040       0x20
 .rodata.str1.1
                0x10000040       0x10 libmbedcrypto.a(oid.c.obj)
 .rodata.str1.1
                0x10000040       0x10 libmbedx509.a(x509_crt.c.obj)
 .rodata.tables 0x10000050        0xc libmbedcrypto.a(aes.c.obj)

.stack          0x38000000     0x1000
.data           0x38001000        0x8 load address 0x10000060
 .data.x        0x38001000        0x8 CMakeFiles/tlsfit_app.dir/app/app_tls.c.obj
.bss            0x38001008       0x10
 .bss.y         0x38001008       0x10 libmbedtls.a(ssl_msg.c.obj)
.heap           0x38001018   0x100000
"""


def test_every_byte_is_claimed_once(tmp_path):
    path = tmp_path / "app.map"
    path.write_text(MAP)
    mem = parse_map(path)
    assert mem.section(".text") == 0x40 and mem.flash == 0x40 + 0x20 + 0x8
    assert mem.ram_static == 0x8 + 0x10
    rows = {(m.module.group, m.module.name): m for m in mem.modules}
    # the fill after app_main.c belongs to app_main.c
    assert rows[("harness", "app_main.c")].flash == 0x8
    # merged strings listed twice at one address are counted once, for the first
    assert rows[("mbedtls", "oid.c")].flash == 0x10
    assert ("mbedtls", "x509_crt.c") not in rows
    # bytes after the last input that ld lists as no *fill*: "(unattributed)", never a neighbour's
    assert rows[("mbedtls", "aes.c")].flash == 0xc
    assert rows[("libc", "libc_nano.a")].flash == 0x8
    assert rows[("mbedtls", "ssl_msg.c")].ram == 0x10
    assert rows[(UNATTRIBUTED, UNATTRIBUTED)].flash == 0x8 + 0x4
    assert sum(m.flash for m in mem.modules) == mem.flash
    assert mem.group_flash("mbedtls") == 0x10 + 0x18 + 0x10 + 0xc


def _image(**sizes: int) -> ImageSizes:
    sections = {".text": 0x40, ".rodata": 0x20, ".stack": 0x1000, ".data": 0x8, ".bss": 0x10,
                ".heap": 0x100000, **sizes}
    return ImageSizes(flash=0, ram_static=0, stack_reserved=0, heap_region=0,
                      sections=tuple(sections.items()))


def test_the_map_must_describe_the_image(tmp_path):
    path = tmp_path / "app.map"
    path.write_text(MAP)
    assert parse_map(path, _image()).flash == 0x68
    with pytest.raises(TlsfitError, match=r"the link map and the image disagree: \.text is 64 "
                                          r"bytes in the map but 68 in the image"):
        parse_map(path, _image(**{".text": 0x44}))
    with pytest.raises(TlsfitError, match=r"\.ramfunc is 16 bytes in the image but not "
                                          r"attributed by the map"):
        parse_map(path, _image(**{".ramfunc": 0x10}))


def test_classify_and_fold():
    assert classify("libmbedcrypto.a(bignum_core.c.obj)") == Module("mbedtls", "bignum_core.c")
    assert classify("x/generated/app_pki_der.c.obj").group == "test-pki"
    assert classify("/usr/lib/gcc/arm-none-eabi/12.2.1/libgcc.a(_udivsi3.o)").group == "libgcc"
    assert fold_symbol("mbedtls_mpi_mul.isra.0") == "mbedtls_mpi_mul"
    assert fold_symbol("ecp_mod.constprop.3.part.1") == "ecp_mod"


def test_not_a_map_is_a_clear_error(tmp_path):
    path = tmp_path / "x.map"
    path.write_text("hello\n")
    with pytest.raises(TlsfitError, match="not a GNU ld map"):
        parse_map(path)
