"""The configuration traps users hit (DESIGN.md section 3), each resolved."""

import pytest

from tlsfit.generate.duties import max_fragment_length
from tlsfit_testdata import BASE_CLIENT

RSA_CLIENT = BASE_CLIENT.replace("CONFIG_PEER_ECDSA_P256=y", "CONFIG_PEER_RSA_2048=y")


def test_rsa_chain_pulls_rsa_pkcs1v15_and_hash(resolve_text):
    # Without these, parsing an RSA-signed certificate fails with -0x262e.
    r = resolve_text(RSA_CLIENT)
    for name in ("MBEDTLS_RSA_C", "MBEDTLS_PKCS1_V15", "MBEDTLS_SHA256_C", "MBEDTLS_BIGNUM_C",
                 "MBEDTLS_OID_C", "MBEDTLS_X509_CRT_PARSE_C",
                 "MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED"):
        assert r.enabled(name), name
    assert "PEER_RSA_2048" in r.option("MBEDTLS_RSA_C").roots
    assert not r.enabled("MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED")


def test_ecdsa_only_profile_has_no_rsa(resolve_text):
    r = resolve_text(BASE_CLIENT)
    assert not r.enabled("MBEDTLS_RSA_C")
    assert r.option("MBEDTLS_MPI_MAX_SIZE").value == "32"


def test_rsa_4096_needs_mpi_max_size_512(resolve_text):
    r = resolve_text(RSA_CLIENT + "CONFIG_PEER_RSA_4096=y\n")
    assert r.option("MBEDTLS_MPI_MAX_SIZE").value == "512"
    assert "PEER_RSA_4096" in r.option("MBEDTLS_MPI_MAX_SIZE").roots
    assert resolve_text(RSA_CLIENT).option("MBEDTLS_MPI_MAX_SIZE").value == "256"
    assert resolve_text(RSA_CLIENT + "CONFIG_PEER_RSA_3072=y\n").option(
        "MBEDTLS_MPI_MAX_SIZE").value == "384"


def test_sni_only_when_asked(resolve_text):
    assert resolve_text(BASE_CLIENT + "CONFIG_SNI=y\n").enabled(
        "MBEDTLS_SSL_SERVER_NAME_INDICATION")
    assert not resolve_text(BASE_CLIENT).enabled("MBEDTLS_SSL_SERVER_NAME_INDICATION")


@pytest.mark.parametrize("backend, hkdf", [
    ("LEGACY", ("MBEDTLS_HKDF_C",)),
    ("PSA", ("PSA_WANT_ALG_HKDF_EXTRACT", "PSA_WANT_ALG_HKDF_EXPAND")),
])
def test_tls13_needs_psa_hkdf_and_keep_peer_certificate(resolve_text, backend, hkdf):
    pin = f"CONFIG_CRYPTO_{backend}=y\n"
    r = resolve_text(BASE_CLIENT.replace("TLS_1_2", "TLS_1_3"), pin)
    for name in ("MBEDTLS_SSL_PROTO_TLS1_3", "MBEDTLS_PSA_CRYPTO_C", *hkdf,
                 "MBEDTLS_SSL_KEEP_PEER_CERTIFICATE",
                 "MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED"):
        assert r.enabled(name), name
    assert not r.enabled("MBEDTLS_SSL_PROTO_TLS1_2")
    # TLS 1.2 alone does not need PSA (on the legacy backend) or the peer certificate kept.
    r12 = resolve_text(BASE_CLIENT, pin)
    assert r12.enabled("MBEDTLS_PSA_CRYPTO_C") == (backend == "PSA")
    assert not r12.enabled("MBEDTLS_SSL_KEEP_PEER_CERTIFICATE")


@pytest.mark.parametrize("backend, pss", [("LEGACY", "MBEDTLS_PKCS1_V21"),
                                          ("PSA", "PSA_WANT_ALG_RSA_PSS")])
def test_rsa_server_certificate_under_tls13_needs_pss(resolve_text, backend, pss):
    pin = f"CONFIG_CRYPTO_{backend}=y\n"
    r = resolve_text(RSA_CLIENT.replace("TLS_1_2", "TLS_1_3"), pin)
    assert r.enabled(pss)
    assert r.enabled("MBEDTLS_X509_RSASSA_PSS_SUPPORT")
    r12 = resolve_text(RSA_CLIENT, pin)
    assert not r12.enabled(pss)
    assert not r12.enabled("MBEDTLS_X509_RSASSA_PSS_SUPPORT")


def test_small_receive_buffer_gets_max_fragment_length(resolve_text):
    r = resolve_text(BASE_CLIENT + "CONFIG_IN_BUFFER_SIZE=4096\nCONFIG_OUT_BUFFER_SIZE=2048\n")
    assert r.enabled("MBEDTLS_SSL_MAX_FRAGMENT_LENGTH")
    assert "IN_BUFFER_SIZE" in r.option("MBEDTLS_SSL_MAX_FRAGMENT_LENGTH").roots
    # The requested length must not exceed either buffer, or the call fails.
    assert max_fragment_length(r) == 2048
    assert not resolve_text(BASE_CLIENT).enabled("MBEDTLS_SSL_MAX_FRAGMENT_LENGTH")


def test_small_buffer_under_tls13_uses_record_size_limit(resolve_text):
    # Mbed TLS 3.6 sends max_fragment_length only in TLS 1.2, record_size_limit only in 1.3.
    text = BASE_CLIENT.replace("TLS_1_2", "TLS_1_3") + "CONFIG_IN_BUFFER_SIZE=4096\n"
    r = resolve_text(text)
    assert r.enabled("MBEDTLS_SSL_RECORD_SIZE_LIMIT")
    assert not r.enabled("MBEDTLS_SSL_MAX_FRAGMENT_LENGTH")
    assert any("record_size_limit" in w and "-0x7100" in w for w in r.warnings)
    both = resolve_text(BASE_CLIENT + "CONFIG_TLS_1_3=y\nCONFIG_IN_BUFFER_SIZE=4096\n")
    assert both.enabled("MBEDTLS_SSL_RECORD_SIZE_LIMIT")
    assert both.enabled("MBEDTLS_SSL_MAX_FRAGMENT_LENGTH")


def test_client_only_profile_has_no_server_code(resolve_text):
    r = resolve_text(BASE_CLIENT)
    assert r.enabled("MBEDTLS_SSL_CLI_C") and not r.enabled("MBEDTLS_SSL_SRV_C")


def test_p384_under_tls13_needs_sha384(resolve_text):
    text = BASE_CLIENT.replace("TLS_1_2", "TLS_1_3").replace("PEER_ECDSA_P256", "PEER_ECDSA_P384")
    assert resolve_text(text).enabled("MBEDTLS_SHA384_C")


def test_mutual_tls_client_signs_with_its_key(resolve_text):
    r = resolve_text(BASE_CLIENT + "CONFIG_OWN_CERT_ECDSA_P256=y\nCONFIG_MUTUAL_TLS=y\n")
    assert r.enabled("MBEDTLS_PK_PARSE_C") and r.enabled("MBEDTLS_ECDSA_C")


def test_psk_profile_has_no_public_key_code(resolve_text):
    r = resolve_text("CONFIG_ROLE_CLIENT=y\nCONFIG_TLS_1_2=y\nCONFIG_KEX_PSK=y\n"
                     "CONFIG_CIPHER_AES_128_CCM=y\n")
    for name in ("MBEDTLS_BIGNUM_C", "MBEDTLS_X509_CRT_PARSE_C", "MBEDTLS_PK_C", "MBEDTLS_ECP_C"):
        assert not r.enabled(name), name
    assert r.enabled("MBEDTLS_KEY_EXCHANGE_PSK_ENABLED") and r.enabled("MBEDTLS_CCM_C")


def test_optimisation_goal_changes_knobs(resolve_text):
    speed = resolve_text(BASE_CLIENT + "CONFIG_OPTIMIZE_SPEED=y\n")
    size = resolve_text(BASE_CLIENT + "CONFIG_OPTIMIZE_SIZE=y\n")
    assert speed.enabled("MBEDTLS_ECP_NIST_OPTIM") and not size.enabled("MBEDTLS_ECP_NIST_OPTIM")
    assert size.enabled("MBEDTLS_SHA256_SMALLER") and not speed.enabled("MBEDTLS_SHA256_SMALLER")
    assert speed.option("MBEDTLS_ECP_FIXED_POINT_OPTIM").value == "1"
    assert size.option("MBEDTLS_ECP_FIXED_POINT_OPTIM").value == "0"


def test_overlay_merges_in_order(resolve_text):
    r = resolve_text(BASE_CLIENT, "CONFIG_SNI=y\n", "# CONFIG_SNI is not set\nCONFIG_ALPN=y\n")
    assert r.enabled("MBEDTLS_SSL_ALPN")
    assert not r.enabled("MBEDTLS_SSL_SERVER_NAME_INDICATION")
    assert r.profile.name == "profile+overlay0+overlay1"


def test_time_checks_on_bare_metal_need_ms_time(resolve_text):
    r = resolve_text(BASE_CLIENT + "CONFIG_CERT_TIME_CHECK=y\n")
    for name in ("MBEDTLS_HAVE_TIME", "MBEDTLS_HAVE_TIME_DATE", "MBEDTLS_PLATFORM_C",
                 "MBEDTLS_PLATFORM_MS_TIME_ALT"):
        assert r.enabled(name), name
    from tlsfit.generate.duties import product_duties
    assert {"time", "ms_time"} <= {d.key for d in product_duties(r)}
    os_time = resolve_text(BASE_CLIENT + "CONFIG_CERT_TIME_CHECK=y\nCONFIG_ENTROPY_OS=y\n")
    assert not os_time.enabled("MBEDTLS_PLATFORM_MS_TIME_ALT")
    assert not resolve_text(BASE_CLIENT).enabled("MBEDTLS_HAVE_TIME")


def test_overlay_overrides_a_choice(resolve_text):
    r = resolve_text(BASE_CLIENT + "CONFIG_OPTIMIZE_SIZE=y\n", "CONFIG_OPTIMIZE_SPEED=y\n")
    assert r.requirement("OPTIMIZE_SPEED") == "y" and r.enabled("MBEDTLS_ECP_NIST_OPTIM")
