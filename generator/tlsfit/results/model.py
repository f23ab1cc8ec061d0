"""The result of measuring one profile (or a reference config): frozen, typed, checked.

Measurement builds a ``Result``; every later stage (compare, diff, gate,
report, README figures, goals, merge) reads its fields, never a dictionary.
``to_json`` writes the document format of ``results/<profile>.json``
(schema version 1) and ``from_json`` reads it back, refusing another schema
version or a missing field with one message that names the file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from tlsfit.errors import TlsfitError

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ModuleRow:
    group: str          # mbedtls, harness, test-pki, libc, libgcc, other, (unattributed)
    module: str
    flash: int
    ram: int


@dataclass(frozen=True)
class SymbolRow:
    module: str
    symbol: str
    section: str
    bytes: int


@dataclass(frozen=True)
class Sizes:
    """Linked sizes from the link map, checked against the image (sizes.mapfile)."""

    flash: int
    flash_mbedtls: int
    ram_static: int
    ram_static_mbedtls: int
    sections: tuple[tuple[str, int], ...]
    by_group: tuple[tuple[str, int, int], ...]       # group, flash, ram
    modules: tuple[ModuleRow, ...]
    symbols: tuple[SymbolRow, ...]


@dataclass(frozen=True)
class Ram:
    static: int
    heap_peak: int
    stack_peak: int
    total: int


@dataclass(frozen=True)
class Handshake:
    """The headline handshake: an adaptive mean of guest instructions (measure.sampling)."""

    case: str
    tls_version: str | None
    ciphersuite: str | None
    instructions: int
    instructions_runs: tuple[int, ...]
    instructions_ci95: tuple[int, int] | None
    bytes_tx: int
    bytes_rx: int


@dataclass(frozen=True)
class Seen:
    """What one case's firmware reported."""

    ok: bool
    stage: str
    ret: str
    error: str | None
    verify_flags: str | None
    tls_version: str | None
    ciphersuite: str | None
    heap_peak: int
    stack_peak: int
    hs_instructions: int
    bytes_tx: int
    bytes_rx: int
    wall_s: float | None = None     # None in a baseline
    #: TLS 1.2: the max fragment length the server's ServerHello confirmed (bytes, 0: none);
    #: TLS 1.3: the record_size_limit the peer sent (0: none). None: not recorded (older results).
    negotiated_mfl: int | None = None
    peer_record_size_limit: int | None = None

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        for key in ("wall_s", "negotiated_mfl", "peer_record_size_limit"):
            if doc[key] is None:
                del doc[key]
        return doc


@dataclass(frozen=True)
class TestRecord:
    """One row of the handshake matrix after running it."""

    name: str
    kind: str                 # positive | negative
    twin_of: str | None
    variant: str
    expect: str
    note: str | None
    passed: bool
    seen: Seen | None
    error: str | None


@dataclass(frozen=True)
class ConnectionRun:
    """One run of the connections image with K sessions at once (heap figures in bytes)."""

    connections: int
    passed: bool
    heap_peak: int
    heap_setup: int     # in use after every session's mbedtls_ssl_setup
    heap_open: int      # in use with every handshake over: all K sessions open
    stack_peak: int


@dataclass(frozen=True)
class Connections:
    """``tlsfit measure --connections N``: N sessions open at once, from real runs of one case
    in the image built for it (runs with 1..N sessions, and the twin). Absent in results measured
    without the option."""

    case: str
    connections: int                        # N
    runs: tuple[ConnectionRun, ...]         # K = 1..N, in order
    heap_config: int                        # in use before any session: config, certificates, keys
    ssl_context_bytes: int                  # sizeof(mbedtls_ssl_context), static, per session
    per_connection_heap_peak: int | None    # (peak_N - peak_1) / (N - 1), to the byte; None: N = 1
    per_connection_heap_open: int | None    # (open_N - open_1) / (N - 1)
    twin_heap_limit: int                    # the heap peak of N - 1 sessions (N = 1: of the config)
    twin_expect: str
    twin_seen: str
    twin_passed: bool

    @property
    def passed(self) -> bool:
        return self.twin_passed and all(run.passed for run in self.runs)

    @property
    def heap_peak(self) -> int:
        """The heap peak with N sessions."""
        return self.runs[-1].heap_peak

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["runs"] = [asdict(run) for run in self.runs]
        doc["passed"] = self.passed
        return doc

    @staticmethod
    def from_json(doc: dict[str, Any]) -> "Connections":
        fields = {k: v for k, v in doc.items() if k != "passed"}
        return Connections(**{**fields, "runs": tuple(ConnectionRun(**run) for run in doc["runs"])})


@dataclass(frozen=True)
class ReferenceInfo:
    header: str
    like: str
    adjustments: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    profile: str
    passed: bool
    config_sha256: str
    tlsfit_version: str
    mbedtls_version: str
    tools: tuple[tuple[str, str], ...]
    compile_flags: tuple[str, ...]
    link_flags: tuple[str, ...]
    sizes: Sizes
    ram: Ram
    handshake: Handshake | None
    tests: tuple[TestRecord, ...]
    profile_sha256: str | None = None          # None for a reference config
    reference: ReferenceInfo | None = None     # set for a reference config
    wall_s: float | None = None                # None in a baseline
    #: options on only because the profile keeps them for the rest of the image (KEEP_OPTIONS)
    kept: tuple[str, ...] = ()
    #: measured with the user's own certificates (tlsfit.run.own_pki: OwnPki.describe()),
    #: not the committed test PKI: its figures include them and its tests are theirs
    pki: tuple[tuple[str, Any], ...] | None = None
    #: measure --connections N: sessions at once (None: not measured, as in older results)
    connections: Connections | None = None

    @property
    def kind(self) -> str:
        return "reference" if self.reference is not None else "profile"

    @property
    def tests_passed(self) -> int:
        return sum(t.passed for t in self.tests)

    @property
    def tests_total(self) -> int:
        return len(self.tests)

    def renamed(self, name: str) -> "Result":
        return replace(self, profile=name)

    def without_wall_clock(self) -> "Result":
        """What a baseline keeps: wall-clock times are not a property of the config."""
        return replace(self, wall_s=None, tests=tuple(
            t if t.seen is None else replace(t, seen=replace(t.seen, wall_s=None))
            for t in self.tests))

    def to_json(self) -> dict[str, Any]:
        s = self.sizes
        doc: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "profile": self.profile,
            "passed": self.passed,
            "config_sha256": self.config_sha256,
            "tlsfit_version": self.tlsfit_version,
            "mbedtls_version": self.mbedtls_version,
            "tools": dict(self.tools),
            "flags": {"compile": list(self.compile_flags), "link": list(self.link_flags)},
            "sizes": {
                "flash": s.flash, "flash_mbedtls": s.flash_mbedtls, "ram_static": s.ram_static,
                "ram_static_mbedtls": s.ram_static_mbedtls, "sections": dict(s.sections),
                "by_group": {g: {"flash": f, "ram": r} for g, f, r in s.by_group},
                "modules": [asdict(m) for m in s.modules],
                "symbols": [asdict(m) for m in s.symbols],
            },
            "ram": asdict(self.ram),
            "handshake": None if self.handshake is None else {
                **asdict(self.handshake),
                "instructions_runs": list(self.handshake.instructions_runs),
                "instructions_ci95": None if self.handshake.instructions_ci95 is None
                else list(self.handshake.instructions_ci95)},
            "tests": [{**asdict(t), "seen": None if t.seen is None else t.seen.to_json()}
                      for t in self.tests],
            "tests_passed": self.tests_passed,
            "tests_total": self.tests_total,
        }
        if self.profile_sha256 is not None:
            doc["profile_sha256"] = self.profile_sha256
        if self.reference is not None:
            doc["kind"] = "reference"
            doc["reference"] = {"header": self.reference.header, "like": self.reference.like,
                                "adjustments": list(self.reference.adjustments)}
        if self.wall_s is not None:
            doc["wall_s"] = self.wall_s
        if self.kept:
            doc["kept_options"] = list(self.kept)
        if self.pki is not None:
            doc["pki"] = dict(self.pki)
        if self.connections is not None:
            doc["connections"] = self.connections.to_json()
        return doc

    @staticmethod
    def from_json(doc: Any, where: str) -> "Result":
        """Read a result document; WHERE names it in the message of a bad one."""
        if not isinstance(doc, dict):
            raise TlsfitError(f"{where}: not a tlsfit result (a JSON object is expected)")
        if doc.get("schema_version") != SCHEMA_VERSION:
            raise TlsfitError(f"{where}: a result of schema version {doc.get('schema_version')!r}; "
                              f"this tlsfit reads version {SCHEMA_VERSION} (measure it again)")
        try:
            s, ram, hs = doc["sizes"], doc["ram"], doc.get("handshake")
            ref = doc.get("reference")
            result = Result(
                profile=doc["profile"], passed=bool(doc["passed"]),
                config_sha256=doc["config_sha256"], tlsfit_version=doc["tlsfit_version"],
                mbedtls_version=doc["mbedtls_version"],
                tools=tuple(sorted(doc.get("tools", {}).items())),
                compile_flags=tuple(doc["flags"]["compile"]),
                link_flags=tuple(doc["flags"]["link"]),
                sizes=Sizes(
                    flash=s["flash"], flash_mbedtls=s["flash_mbedtls"], ram_static=s["ram_static"],
                    ram_static_mbedtls=s["ram_static_mbedtls"],
                    sections=tuple(sorted(s["sections"].items())),
                    by_group=tuple((g, v["flash"], v["ram"]) for g, v in sorted(s["by_group"].items())),
                    modules=tuple(ModuleRow(**m) for m in s["modules"]),
                    symbols=tuple(SymbolRow(**m) for m in s.get("symbols", []))),
                ram=Ram(**ram),
                handshake=None if hs is None else Handshake(
                    case=hs["case"], tls_version=hs["tls_version"], ciphersuite=hs["ciphersuite"],
                    instructions=hs["instructions"],
                    instructions_runs=tuple(hs.get("instructions_runs") or ()),
                    instructions_ci95=None if hs.get("instructions_ci95") is None
                    else (hs["instructions_ci95"][0], hs["instructions_ci95"][1]),
                    bytes_tx=hs["bytes_tx"], bytes_rx=hs["bytes_rx"]),
                tests=tuple(TestRecord(**{**t, "seen": None if t.get("seen") is None else
                                          Seen(**{"verify_flags": None, **t["seen"]})})
                            for t in doc["tests"]),
                profile_sha256=doc.get("profile_sha256"),
                reference=None if ref is None else ReferenceInfo(
                    ref["header"], ref["like"], tuple(ref.get("adjustments", ()))),
                wall_s=doc.get("wall_s"), kept=tuple(doc.get("kept_options", ())),
                pki=None if doc.get("pki") is None else tuple(sorted(doc["pki"].items())),
                connections=None if doc.get("connections") is None
                else Connections.from_json(doc["connections"]))
        except KeyError as exc:
            raise TlsfitError(f"{where}: not a complete tlsfit result: no {exc.args[0]!r}") from None
        except TypeError as exc:
            raise TlsfitError(f"{where}: not a tlsfit result ({exc})") from None
        if doc.get("tests_total", result.tests_total) != result.tests_total:
            raise TlsfitError(f"{where}: tests_total {doc['tests_total']} but "
                              f"{result.tests_total} tests are listed")
        return result
