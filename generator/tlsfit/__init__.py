"""tlsfit: minimal Mbed TLS 3.6 configurations from device requirements.

Pipeline (one direction): profile -> resolve -> render -> build -> run ->
measure -> report. Each stage is a module; frozen dataclasses pass between
them.
"""

__version__ = "0.1.0"

#: The Mbed TLS release line the Kconfig model describes.
MBEDTLS_LINE = "3.6"
