"""Command-line registration of the diagnostics subcommands (explain, from-cert, audit)."""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path
from typing import Callable

from tlsfit.errors import TlsfitError
from tlsfit.generate.profile import profile_path

AddCommand = Callable[[str, Callable[[argparse.Namespace], int], str], argparse.ArgumentParser]


def _function(name: str | None) -> str | None:
    """--in pk_write_key_pem and --in mbedtls_pk_write_key_pem name the same function."""
    if not name:
        return None
    return name if name.startswith(("mbedtls_", "psa_")) else "mbedtls_" + name


def cmd_explain(args: argparse.Namespace) -> int:
    from tlsfit.mbedtls.tree import locate
    from tlsfit.diagnose import explain, views
    from tlsfit.mbedtls.headers import read_tree_docs

    codes_in: list[str] = []
    alerts_in: list[str] = list(args.alert or [])
    flags_in: list[str] = list(args.flags or [])
    notes: list[str] = []
    failed_in: dict[str, str] = {}      # code text -> the function a pasted line names
    for item in args.codes:
        low = item.strip().lower()
        if low.startswith("alert:"):
            alerts_in.append(item)
        elif low.startswith("flags:"):
            flags_in.append(item)
        elif explain.is_code_text(item):
            codes_in.append(item)
        else:
            line = explain.read_line(item)
            if line is None:
                codes_in.append(item)       # parse_code names what is wrong with it
                continue
            codes_in += line.codes
            if line.functions:
                failed_in.update({c: line.functions[0] for c in line.codes})
            alerts_in += [f"alert:{a}" for a in line.alerts]
            found = ", ".join([*line.codes, *(f"alert {a}" for a in line.alerts)])
            where = f" (from {', '.join(line.functions)})" if line.functions else ""
            notes.append(f"from the pasted line: {found}{where}")
    if not (codes_in or alerts_in or flags_in):
        raise TlsfitError("nothing to explain: give an error code (e.g. -0x262e), "
                          "--alert N or --flags 0xNN")
    docs = read_tree_docs(locate(args.mbedtls_src))
    codes = []
    for c in codes_in:
        try:
            codes.append(explain.explain_code(c, docs, _function(args.in_function)
                                              or failed_in.get(c)))
        except TlsfitError as exc:
            alert = explain.alert_reading(c)
            if alert is None:
                raise
            notes.append(f"'{c}' is no Mbed TLS error code ({exc}); read as TLS alert {alert}")
            alerts_in.append(f"alert:{alert}")
    alerts = [explain.explain_alert(explain.parse_alert(a, docs), docs, args.tls)
              for a in alerts_in]
    flags = [explain.explain_flags(explain.parse_flags(f), docs) for f in flags_in]
    if args.json:
        print(views.explain_json(codes, alerts, flags, docs.version))
        return 0
    for note in notes:
        print(note)
    blocks = [views.code_text(c) for c in codes] + [views.alert_text(a) for a in alerts] \
        + [views.flags_text(f) for f in flags]
    print("\n\n".join(blocks))
    return 0


def _refuse_conflicts(derived: tuple[str, ...], base_text: str | None,
                      base_name: str | None) -> None:
    """A base that sets another own-key requirement than the certificate's is an error."""
    if base_text is None:
        return
    for n, line in enumerate(base_text.splitlines(), 1):
        m = re.match(r"^\s*CONFIG_(OWN_CERT_\w+)\s*=\s*y\s*$", line)
        if m and m.group(1) not in derived:
            mine = next(r for r in derived if r.startswith("OWN_CERT_"))
            raise TlsfitError(f"{base_name}:{n}: CONFIG_{m.group(1)}=y conflicts with the "
                              f"--own certificate, whose key needs CONFIG_{mine}")


def cmd_from_cert(args: argparse.Namespace) -> int:
    from tlsfit.generate.profile import read_profile
    from tlsfit.generate.resolve import resolve
    from tlsfit.diagnose import certs, views
    from tlsfit.diagnose.own_cert import own_cert

    if not args.files and not args.own:
        raise TlsfitError("nothing to derive from: give certificate files and/or --own CERT")
    if args.key and not args.own:
        raise TlsfitError("--key is the private key of --own CERT: give --own too")
    base_text = base_name = None
    base_path = None
    if args.base:
        base_path = profile_path(args.base)
        base_text = read_profile([base_path]).fragments[0].text
        base_name = str(base_path)
    derivation = certs.derive([Path(f) for f in args.files]) if args.files else \
        certs.Derivation((), (), 0, (), ())
    if args.own:
        own = own_cert(Path(args.own), Path(args.key) if args.key else None, base_text)
        _refuse_conflicts(own.requirements, base_text, base_name)
        derivation = certs.with_own(derivation, own.requirements, own.lints, own.why_role)
    text, notes = certs.fragment(derivation, base_text, base_name, derivation.mpi_max_size)
    mpi = derivation.mpi_max_size
    resolution_warnings: tuple[str, ...] = ()
    if base_path is not None:
        stem = Path(args.output).stem if args.output else f"{base_path.stem}+from-cert"
        with tempfile.TemporaryDirectory(prefix="tlsfit-from-cert-") as tmp:
            merged = Path(tmp) / f"{stem}.conf"
            merged.write_text(text, encoding="utf-8")
            try:
                resolution = resolve(read_profile([merged]))
            except TlsfitError as exc:
                raise TlsfitError(f"the base profile {base_name} merged with the derived "
                                  f"requirements does not resolve:\n{exc}") from None
        option = resolution.option("MBEDTLS_MPI_MAX_SIZE")
        if option is not None and int(option.value) != mpi:
            mpi = int(option.value)
            text, notes = certs.fragment(derivation, base_text, base_name, mpi)
        resolution_warnings = resolution.warnings
    for message in derivation.warnings + notes + resolution_warnings:
        print(f"tlsfit: {message}", file=sys.stderr)
    for lint in derivation.lints:
        print(f"tlsfit: warning: {lint.cert}: {lint.message}", file=sys.stderr)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    if args.json:
        print(views.derivation_json(derivation, mpi, text))
    elif args.output:
        print(f"{args.output}: {', '.join(derivation.requirements)} "
              f"(MBEDTLS_MPI_MAX_SIZE {mpi})")
    else:
        sys.stdout.write(text)
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from tlsfit.mbedtls.tree import locate
    from tlsfit.generate.profile import read_profile
    from tlsfit.generate.resolve import resolve
    from tlsfit.diagnose import audit, views

    from tlsfit.generate.variants import read_variant

    tree = locate(args.mbedtls_src)
    header_path = Path(args.header)
    header = audit.read_header(header_path, tree)
    # The header is compared with the profile on the header's own crypto backend (PSA_WANT_*
    # crypto when it sets MBEDTLS_PSA_CRYPTO_CONFIG), unless the profile names one.
    paths = [profile_path(p) for p in args.profile]
    profile = read_profile(paths)
    named = bool(profile.assignments().keys() & {"CRYPTO_LEGACY", "CRYPTO_PSA"})
    header_backend = "psa" if "MBEDTLS_PSA_CRYPTO_CONFIG" in header.as_dict() else "legacy"
    with tempfile.TemporaryDirectory(prefix="tlsfit-audit-") as tmp:
        resolution = resolve(profile if named else
                             read_variant(paths, Path(tmp), backend=header_backend))
    result = audit.audit(header, resolution, audit.read_catalogue(tree))
    measured = _measure(header_path, result, tree) if args.measure else None
    if args.json:
        import json
        doc = json.loads(views.audit_json(result))
        if measured is not None:
            doc["measured"] = measured
        print(json.dumps(doc, indent=2, sort_keys=True))
        return 0
    print(views.audit_text(result))
    if measured is not None:
        print()
        print(f"measured on the Cortex-M33 harness (Mbed TLS flash, linked): "
              f"{measured['mbedtls_flash']:,} B as it is, {measured['mbedtls_flash_without']:,} B "
              f"without the {len(measured['costs'])} unnecessary options: "
              f"{measured['saving']:,} B saved")
        rows = sorted(measured["costs"].items(), key=lambda kv: (-kv[1], kv[0]))
        width = max((len(k) for k, _ in rows), default=10)
        print(f"  {'option'.ljust(width)}  module flash (B)")
        for option, cost in rows:
            print(f"  {option.ljust(width)}  {cost:>8,}" if cost else
                  f"  {option.ljust(width)}  {'-':>8}  (no module of its own: in the total)")
    return 0


def _measure(header: Path, result: object, tree: object) -> dict[str, object]:
    """Build the header (adapted to the harness) with and without the unnecessary options."""
    from tlsfit.paths import REPO_ROOT
    from tlsfit.measure.reference import option_costs

    options = [f.option for f in result.unnecessary]  # type: ignore[attr-defined]
    work = REPO_ROOT / "build" / "audit" / header.stem
    costs, full, without = option_costs(header, options, tree, work,  # type: ignore[arg-type]
                                        progress=lambda m: print(m, file=sys.stderr))
    return {"mbedtls_flash": full, "mbedtls_flash_without": without, "saving": full - without,
            "costs": costs}


def register(add: AddCommand) -> None:
    """Add the diagnostics subcommands through the CLI's ``add`` helper."""
    exp = add("explain", cmd_explain,
              "explain Mbed TLS error codes (any pasted form), TLS alerts and X.509 verify "
              "flags, with likely causes and the requirements that fix them")
    # Users paste "-0x262e": let argparse take negative hex as a value, not an option.
    exp._negative_number_matcher = re.compile(r"^-(0x)?[0-9a-fA-F]+$")  # type: ignore[attr-defined]
    exp.add_argument("codes", nargs="*", metavar="CODE",
                     help="e.g. -0x262e, 0x262e, 0xc680, 0xffffc680, -9984, "
                          "MBEDTLS_ERR_X509_CERT_VERIFY_FAILED, alert:46, flags:0x0c")
    exp.add_argument("--alert", action="append", metavar="N",
                     help="a TLS alert number or name (e.g. 40, handshake_failure)")
    exp.add_argument("--flags", action="append", metavar="HEX",
                     help="X.509 verify flags from mbedtls_ssl_get_verify_result()")
    exp.add_argument("--in", dest="in_function", metavar="FUNCTION",
                     help="the function that returned the code (pk_write_key_pem, "
                          "pk_parse_key, ssl_handshake, ...): advice for that function")
    exp.add_argument("--tls", choices=("1.2", "1.3"),
                     help="the negotiated/attempted TLS version (narrows alert causes)")
    exp.add_argument("--json", action="store_true", help="machine-readable output")

    fc = add("from-cert", cmd_from_cert,
             "derive the profile requirements needed to verify certificates (PEM or DER, "
             "single or chains) and lint them")
    fc.add_argument("files", nargs="*", metavar="FILE",
                    help="certificates the device verifies (the peer's chain, CA files)")
    fc.add_argument("--own", metavar="CERT",
                    help="the device's own certificate: OWN_CERT_* and the role it means")
    fc.add_argument("--key", metavar="KEY", help="with --own: its private key, checked")
    fc.add_argument("--base", metavar="PROFILE",
                    help="merge with this profile (its lines first); the result must resolve")
    fc.add_argument("-o", "--output", metavar="OUT.conf", help="write the profile here")
    fc.add_argument("--json", action="store_true", help="machine-readable output")

    aud = add("audit", cmd_audit,
              "compare an existing mbedtls_config.h with what a profile needs: missing options "
              "(with the error each causes) and unnecessary ones")
    aud.add_argument("header", metavar="CONFIG_HEADER")
    aud.add_argument("--profile", action="append", required=True, metavar="PROFILE",
                     help="the profile (repeat for base + overlays)")
    aud.add_argument("--json", action="store_true", help="machine-readable output")
    aud.add_argument("--measure", action="store_true",
                     help="also measure what each unnecessary option costs: build the header with and "
                          "without it on the harness (minutes)")
