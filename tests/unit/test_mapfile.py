"""Link-map attribution on a small map in GNU ld's format (the real maps are
checked against arm-none-eabi-size by the target tier)."""

import pytest

from tlsfit.errors import TlsfitError
from tlsfit.sizes.mapfile import Module, classify, fold_symbol, parse_map

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
    # trailing alignment of .rodata goes to the last module (aes.c: 0xc + 4)
    assert rows[("mbedtls", "aes.c")].flash == 0x10
    assert rows[("libc", "libc_nano.a")].flash == 0x8
    assert rows[("mbedtls", "ssl_msg.c")].ram == 0x10
    assert sum(m.flash for m in mem.modules) == mem.flash
    # ecp.c also owns the 8 bytes of trailing .text alignment
    assert mem.group_flash("mbedtls") == 0x10 + 0x20 + 0x10 + 0x10


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
