"""tlsfit's firmware harness: build the Cortex-M33 image, run it under QEMU against OpenSSL.

Typical use::

    from tlsfit.harness import build_firmware, run_case, Case, server_peer, HarnessError
    fw = build_firmware(config_dir, build_dir)
    res = run_case(fw.elf, Case("pos", ca="ec256", http=True, peer=server_peer("ec256")))
    assert res.ok and res.tls_version == "TLSv1.2"

Modules: :mod:`.firmware` (CMake/Ninja build, image sizes), :mod:`.peer` (openssl s_server /
s_client), :mod:`.qemu` (command line), :mod:`.runner` (cases and results), :mod:`.errors`.
"""
from .errors import HarnessError
from .firmware import Firmware, ImageSizes, build_firmware, image_sizes
from .peer import ClientPeer, ServerPeer, client_peer, known_pki_ids, pki_dir, server_peer
from .runner import Case, CaseResult, error_name, run_case, verify_flag_names

__all__ = [
    "Case", "CaseResult", "ClientPeer", "Firmware", "HarnessError", "ImageSizes", "ServerPeer",
    "build_firmware", "client_peer", "error_name", "image_sizes", "known_pki_ids", "pki_dir",
    "run_case", "server_peer", "verify_flag_names",
]
