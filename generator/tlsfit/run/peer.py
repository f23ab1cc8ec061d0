"""OpenSSL and GnuTLS peers on 127.0.0.1 for the firmware's TLS tests.

API::

    pki_dir() -> Path                       # c_harness/pki (TEST ONLY keys)
    server_peer(pki_id, *, sni=False, servername_fatal=False, verify_client_ca=None,
                max_send_frag=None, tls="any", www=True, psk=False, cipher=None) -> ServerPeer
    client_peer(*, ca=None, host="tls-server.test", cert=None, tls="any", http=True,
                psk=False, cipher=None) -> ClientPeer
    gnutls_server_peer(pki_id, *, tls="any", big=False) -> GnutlsServerPeer
    ServerPeer.argv(port) / ClientPeer.argv(port) -> list[str]   # the openssl command line
    GnutlsServerPeer.argv(port) -> list[str]                     # the gnutls-serv command line

A :class:`ServerPeer` (``openssl s_server``) faces a firmware *client*: it serves ``pki/ID/server.pem``
(+ the intermediate for chains). With ``sni=True`` it behaves like a multi-domain server: the
default certificate is ``server-other`` (other.test) and only a client sending SNI
``tls-server.test`` gets ``server`` (``-servername/-cert2/-key2``). ``verify_client_ca`` demands a
client certificate (``-Verify 1 -verifyCAfile``). ``www=True`` answers ``GET /`` and sends
close_notify (OpenSSL 3.0).

A :class:`ClientPeer` (``openssl s_client``) faces a firmware *server*: it verifies the firmware's
certificate against ``pki/CA/ca.pem`` and the host name, can present a client certificate, and sends
``GET / HTTP/1.0`` when ``http`` is set, then waits for the firmware's close_notify (``-ign_eof``).

A :class:`GnutlsServerPeer` (``gnutls-serv --http`` from Debian's gnutls-bin) is a second,
independent TLS implementation facing a firmware client: it serves ``pki/ID/server-chain.pem`` (leaf
and intermediates) without asking for a client certificate, and answers any request with
``small.txt`` or, with ``big=True``, ``big.txt`` from the runner's answer directory (its working
directory), then sends close_notify. It serves until stopped (it has no "one connection" option).
GnuTLS 3.7.9 honours record_size_limit (TLS 1.3) but not max fragment length: it confirms MFL in
its ServerHello and still sends 16 KB records.

PSK (``psk=True``) uses :data:`TEST_PSK_HEX` / :data:`TEST_PSK_IDENTITY`, the same TEST-ONLY key
the firmware embeds.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tlsfit.errors import HarnessError
from tlsfit.run.contract import contract
from tlsfit.build.firmware import harness_dir

# TEST ONLY values, from the harness's contract header (c_harness/board/tlsfit_contract.h).
TEST_PSK_HEX = contract().psk_hex
TEST_PSK_IDENTITY = contract().psk_identity
TEST_HOST = contract().host
OTHER_HOST = "other.test"
_TLS_FLAGS = {"any": (), "1.2": ("-tls1_2",), "1.3": ("-tls1_3",)}
#: GnuTLS priority strings pinning one TLS version.
_GNUTLS_PRIORITY = {"any": None, "1.2": "NORMAL:-VERS-ALL:+VERS-TLS1.2",
                    "1.3": "NORMAL:-VERS-ALL:+VERS-TLS1.3"}
#: The answers GnuTLS serves (files the runner writes into the peer's working directory).
GNUTLS_SMALL_ANSWER = "small.txt"
GNUTLS_BIG_ANSWER = "big.txt"


def pki_dir() -> Path:
    """The committed TEST-ONLY PKI (see c_harness/pki/README.md)."""
    return harness_dir() / "pki"


def _pki_file(pki_id: str, name: str) -> Path:
    path = pki_dir() / pki_id / name
    if not path.is_file():
        raise HarnessError(f"test PKI has no {pki_id}/{name} (known IDs: {', '.join(known_pki_ids())})")
    return path


def known_pki_ids() -> list[str]:
    """IDs usable as ca= / cert= (directories under c_harness/pki)."""
    return sorted(p.name for p in pki_dir().iterdir() if p.is_dir())


def _algorithm_args(cipher: str | None, ciphersuites: str | None,
                    groups: str | None) -> list[str]:
    """The pinned TLS 1.2 ciphers, TLS 1.3 suites and groups, for either peer."""
    args: list[str] = []
    if cipher is not None:
        args += ["-cipher", cipher]
    if ciphersuites is not None:
        args += ["-ciphersuites", ciphersuites]
    if groups is not None:
        args += ["-groups", groups]
    return args


def _tls_flags(tls: str) -> tuple[str, ...]:
    if tls not in _TLS_FLAGS:
        raise HarnessError(f"tls={tls!r}: use one of {', '.join(_TLS_FLAGS)}")
    return _TLS_FLAGS[tls]


@dataclass(frozen=True)
class ServerPeer:
    """openssl s_server options; build one with :func:`server_peer`."""

    cert: Path | None
    key: Path | None
    chain: Path | None = None
    servername: str | None = None
    cert2: Path | None = None
    key2: Path | None = None
    chain2: Path | None = None
    servername_fatal: bool = False
    verify_client_ca: Path | None = None
    max_send_frag: int | None = None
    tls: str = "any"
    www: bool = True
    psk: bool = False
    cipher: str | None = None
    psk_key: str = TEST_PSK_HEX   # another value makes a "wrong PSK" peer
    ciphersuites: str | None = None   # TLS 1.3 suites (-ciphersuites)
    groups: str | None = None         # key exchange groups (-groups)
    serve_files: bool = False         # -WWW: serve big.txt (full-size records) instead of -www
    program = "openssl s_server"
    ready_text = "ACCEPT"             # printed once it listens
    ready_stream = "stdout"           # ... on this stream
    serves_once = True                # -naccept 1: it exits after the connection
    partial_chain: bool = False       # trust verify_client_ca even when it is not a root

    def argv(self, port: int) -> list[str]:
        """The s_server command line for one connection on 127.0.0.1:port."""
        args = ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-naccept", "1"]
        if self.cert is not None and self.key is not None:
            args += ["-cert", str(self.cert), "-key", str(self.key)]
            if self.chain is not None and self.chain2 is None:
                args += ["-cert_chain", str(self.chain)]
        else:
            args += ["-nocert"]
        if self.servername is not None:
            args += ["-servername", self.servername]
            if self.cert2 is not None and self.key2 is not None:
                args += ["-cert2", str(self.cert2), "-key2", str(self.key2)]
                if self.chain2 is not None:
                    # s_server has no -cert_chain2: build both chains from a store (int + root).
                    # -build_chain checks the chains it builds against -CAfile.
                    args += ["-build_chain", "-chainCAfile", str(self.chain2)]
                    if self.verify_client_ca is None:
                        args += ["-CAfile", str(self.chain2)]
            if self.servername_fatal:
                args += ["-servername_fatal"]
        if self.verify_client_ca is not None:
            args += ["-Verify", "1", "-verifyCAfile", str(self.verify_client_ca), "-verify_return_error"]
            if self.partial_chain:
                args += ["-partial_chain"]
            if self.servername is not None:
                # With -servername, s_server's second context verifies clients against
                # -CAfile only (not -verifyCAfile): give it the same CA.
                args += ["-CAfile", str(self.verify_client_ca)]
        if self.max_send_frag is not None:
            args += ["-max_send_frag", str(self.max_send_frag)]
        if self.psk:
            args += ["-psk", self.psk_key, "-psk_identity", TEST_PSK_IDENTITY]
        args += _algorithm_args(self.cipher, self.ciphersuites, self.groups)
        args += list(_tls_flags(self.tls))
        if self.serve_files:
            args += ["-WWW"]
        elif self.www:
            args += ["-www"]
        return args


@dataclass(frozen=True)
class GnutlsServerPeer:
    """gnutls-serv --http options; build one with :func:`gnutls_server_peer`."""

    cert: Path                # leaf + intermediates
    key: Path
    tls: str = "any"
    big: bool = False         # answer with big.txt (full-size records) instead of small.txt
    program = "gnutls-serv"
    ready_text = "...done"    # "HTTP Server listening on IPv4 0.0.0.0 port N...done"
    ready_stream = "stderr"
    serves_once = False       # it serves until stopped

    @property
    def serve_files(self) -> bool:
        """It reads its answer from its working directory (the runner's answer files)."""
        return True

    def argv(self, port: int) -> list[str]:
        """The gnutls-serv command line. It has no bind address option: it listens on every
        interface, on PORT (a free port on 127.0.0.1, the only address the firmware uses)."""
        args = ["gnutls-serv", "--http", "--port", str(port), "--disable-client-cert",
                "--x509certfile", str(self.cert), "--x509keyfile", str(self.key),
                "--httpdata", GNUTLS_BIG_ANSWER if self.big else GNUTLS_SMALL_ANSWER]
        priority = _GNUTLS_PRIORITY[self.tls]
        if priority is not None:
            args += ["--priority", priority]
        return args


@dataclass(frozen=True)
class ClientPeer:
    """openssl s_client options; build one with :func:`client_peer`."""

    ca: Path | None = None
    host: str | None = TEST_HOST
    cert: Path | None = None
    key: Path | None = None
    tls: str = "any"
    http: bool = True
    psk: bool = False
    cipher: str | None = None
    ciphersuites: str | None = None
    groups: str | None = None

    def argv(self, port: int) -> list[str]:
        """The s_client command line connecting to 127.0.0.1:port."""
        args = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-ign_eof"]
        if self.ca is not None:
            args += ["-CAfile", str(self.ca), "-verify_return_error"]
            if self.host:
                args += ["-verify_hostname", self.host]
        if self.host:
            args += ["-servername", self.host]
        else:
            args += ["-noservername"]
        if self.cert is not None and self.key is not None:
            args += ["-cert", str(self.cert), "-key", str(self.key)]
        if self.psk:
            args += ["-psk", TEST_PSK_HEX, "-psk_identity", TEST_PSK_IDENTITY]
        args += _algorithm_args(self.cipher, self.ciphersuites, self.groups)
        args += list(_tls_flags(self.tls))
        return args

    def stdin_data(self) -> bytes:
        """What s_client sends once connected."""
        return b"GET / HTTP/1.0\r\nHost: %s\r\n\r\n" % (self.host or TEST_HOST).encode() if self.http else b""


def server_peer(pki_id: str | None, *, sni: bool = False, servername_fatal: bool = False,
                verify_client_ca: str | None = None, max_send_frag: int | None = None,
                tls: str = "any", www: bool = True, psk: bool = False,
                cipher: str | None = None, psk_key: str = TEST_PSK_HEX) -> ServerPeer:
    """An s_server serving the test PKI's leaf for pki_id (None: PSK only, no certificate)."""
    _tls_flags(tls)
    if pki_id is None:
        if not psk:
            raise HarnessError("server_peer: a peer without certificate needs psk=True")
        return ServerPeer(cert=None, key=None, tls=tls, www=www, psk=True, cipher=cipher,
                          max_send_frag=max_send_frag, psk_key=psk_key)
    chain = pki_dir() / pki_id / "int.pem"
    chain_opt = chain if chain.is_file() else None
    store = pki_dir() / pki_id / "chain-store.pem"
    main_base, second_base = ("server-other", "server") if sni else ("server", None)
    verify_ca = _pki_file(verify_client_ca, "ca.pem") if verify_client_ca else None
    return ServerPeer(
        cert=_pki_file(pki_id, f"{main_base}.pem"), key=_pki_file(pki_id, f"{main_base}.key.pem"),
        chain=chain_opt,
        servername=TEST_HOST if sni else None,
        cert2=_pki_file(pki_id, f"{second_base}.pem") if second_base else None,
        key2=_pki_file(pki_id, f"{second_base}.key.pem") if second_base else None,
        chain2=store if (second_base and store.is_file()) else None,
        servername_fatal=servername_fatal, verify_client_ca=verify_ca, max_send_frag=max_send_frag,
        tls=tls, www=www, psk=psk, cipher=cipher)


def gnutls_server_peer(pki_id: str, *, tls: str = "any", big: bool = False) -> GnutlsServerPeer:
    """A gnutls-serv serving the test PKI's leaf (and intermediates) for pki_id."""
    if tls not in _GNUTLS_PRIORITY:
        raise HarnessError(f"tls={tls!r}: use one of {', '.join(_GNUTLS_PRIORITY)}")
    return GnutlsServerPeer(cert=_pki_file(pki_id, "server-chain.pem"),
                            key=_pki_file(pki_id, "server.key.pem"), tls=tls, big=big)


def own_server_peer(peer_dir: Path, *, tls: str = "any", verify_client_ca: Path | None = None,
                    partial_chain: bool = False) -> ServerPeer:
    """An s_server serving the user's own chain and key (tlsfit.run.own_pki writes PEER_DIR)."""
    _tls_flags(tls)
    key = peer_dir / "leaf.key.pem"
    if not key.is_file():
        raise HarnessError(f"{peer_dir}: no server key: a handshake with your own chain needs "
                           "--server-key (without it, tlsfit checks the chain on the target)")
    chain = peer_dir / "intermediates.pem"
    return ServerPeer(cert=peer_dir / "leaf.pem", key=key, chain=chain if chain.is_file() else None,
                      verify_client_ca=verify_client_ca, partial_chain=partial_chain, tls=tls)


def client_peer(*, ca: str | None = None, host: str | None = TEST_HOST, cert: str | None = None,
                tls: str = "any", http: bool = True, psk: bool = False,
                cipher: str | None = None) -> ClientPeer:
    """An s_client trusting pki/CA/ca.pem, optionally presenting pki/CERT/client.pem."""
    _tls_flags(tls)
    return ClientPeer(
        ca=_pki_file(ca, "ca.pem") if ca else None, host=host,
        cert=_pki_file(cert, "client.pem") if cert else None,
        key=_pki_file(cert, "client.key.pem") if cert else None,
        tls=tls, http=http, psk=psk, cipher=cipher)
