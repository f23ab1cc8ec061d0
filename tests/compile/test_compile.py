"""Every shipped profile's header against Mbed TLS 3.6.6, host and Cortex-M33."""

import pytest

from tlsfit.build.compile_check import TARGETS, compile_library
from tlsfit.mbedtls.tree import locate
from tlsfit.paths import shipped_profiles
from tlsfit.generate.profile import read_profile
from tlsfit.generate.render import render_header
from tlsfit.generate.resolve import resolve

pytestmark = pytest.mark.compile


@pytest.mark.parametrize("profile", shipped_profiles(), ids=lambda p: p.stem)
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_header_compiles(profile, target, tmp_path):
    tree = locate()  # fails loudly if set-up did not fetch Mbed TLS
    assert tree.version == "3.6.6"
    header = tmp_path / "mbedtls_config.h"
    header.write_text(render_header(resolve(read_profile([profile]))))
    assert compile_library(header, tree, TARGETS[target]) > 100


def test_a_broken_header_fails_the_check(tmp_path):
    header = tmp_path / "mbedtls_config.h"
    # TLS 1.3 without PSA: Mbed TLS's check_config.h must reject it.
    header.write_text("#define MBEDTLS_SSL_TLS_C\n#define MBEDTLS_SSL_CLI_C\n"
                      "#define MBEDTLS_SSL_PROTO_TLS1_3\n#define MBEDTLS_MD_C\n"
                      "#define MBEDTLS_SHA256_C\n#define MBEDTLS_CIPHER_C\n")
    from tlsfit.errors import TlsfitError
    with pytest.raises(TlsfitError, match="does not compile for host"):
        compile_library(header, locate(), TARGETS["host"])
