"""Check an NCS prj.conf fragment the way an nRF Connect SDK build uses it.

The build merges ``prj.conf`` over nrf_security's Kconfig (Kconfiglib here: every assignment
must take effect), then nrf_security's CMake generates ``nrf-config.h`` (the Mbed TLS config
file) and the PSA crypto config file (``PSA_WANT_*``) from the values, and Mbed TLS is compiled
with them. tlsfit does the same: on a user's tree it runs nrf_security's own CMake files
(``cmake -P``); on its model it evaluates its rules of those files. The preprocessor then runs
over Mbed TLS 3.6's ``build_info.h`` with both files (``check_config.h`` must accept them), and
the result is compared with the header the fragment stands for: every difference must be
declared in the fragment (``# tlsfit-declared:`` lines).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from tlsfit.mbedtls.tree import MbedtlsTree
from tlsfit.ncs.cmake import run_cmake
from tlsfit.ncs.kconfig import ConfigdefaultKconfig, NcsTree, root_text
from tlsfit.ncs.model import NcsRelease, keypair_closure_c
from tlsfit.platform.kconfig_merge import KconfigResult, merge
from tlsfit.platform.macros import Preprocess, compare, macro_set
from tlsfit.errors import TlsfitError
from tlsfit.generate.render import CRYPTO_CONFIG_NAME
from tlsfit.platform.rules import apply_rules
from tlsfit.platform.check_result import (COMPILER, TARGET_FLAGS, CheckResult,
                                          preprocess as _preprocess, read_declared)

CONFIG_FILE_SYMBOL = "MBEDTLS_CFG_FILE"
PSA_CONFIG_FILE_SYMBOL = "MBEDTLS_PSA_CRYPTO_CONFIG_FILE"


def evaluate(tree: NcsTree, rel: NcsRelease, fragments: list[Path]) -> KconfigResult:
    """Merge FRAGMENTS over nrf_security's Kconfig, as west build does with prj.conf."""
    text, env = root_text(tree)
    return merge(text, env, fragments, "nRF Connect SDK", rel.version, tree.describe(),
                 "prj.conf fragment", kconfig_class=ConfigdefaultKconfig)


def _model_headers(rel: NcsRelease, values: dict[str, str]) -> dict[str, str]:
    """The two headers as tlsfit's rules say nrf_security's CMake writes them: its values
    evaluated as CMake does (an empty string is unset), written as plain #defines."""
    config = {**values, **rel.forced}
    head = ("/* tlsfit's model of the header nrf_security's CMake generates (rules from "
            f"data/ncs/{rel.version}/release.json) */\n")

    def text(rules: tuple) -> str:
        return head + "".join(f"#define {k} {v}".rstrip() + "\n"
                              for k, v in apply_rules(rules, config, {}).items())
    return {values.get(CONFIG_FILE_SYMBOL) or "nrf-config.h": text(rel.config_rules(values)),
            values.get(PSA_CONFIG_FILE_SYMBOL) or "nrf-psa-crypto-config.h":
            text(rel.psa_want)}


def generated_headers(tree: NcsTree, rel: NcsRelease, values: dict[str, str]
                      ) -> dict[str, str]:
    """File name -> text of the headers an NCS build of TREE generates for VALUES."""
    if tree.model is not None or tree.nrf_security is None:
        return _model_headers(rel, values)
    return run_cmake(tree.nrf_security, values, rel.forced)


def check_fragment(fragment: Path, tree: NcsTree, rel: NcsRelease, mbedtls: MbedtlsTree,
                   header: Path) -> CheckResult:
    """Check FRAGMENT as an NCS build of TREE would use it, against HEADER (and the PSA crypto
    config file next to it, for a PSA-backend header). Config files are compared with config
    files (before Mbed TLS derives anything); build_info.h with the generated pair must pass
    check_config.h."""
    kres = evaluate(tree, rel, [fragment])
    accepted = _deprecated_ok(fragment)
    problems = tuple(p for p in kres.problems
                     if not (p.symbol in accepted and p.message.startswith("deprecated")))
    if not header.is_file():
        raise TlsfitError(f"{header}: no such header (the generated mbedtls_config.h to "
                          "compare with)")
    cfg = kres.values.get(CONFIG_FILE_SYMBOL) or "nrf-config.h"
    psa = kres.values.get(PSA_CONFIG_FILE_SYMBOL) or "nrf-psa-crypto-config.h"
    with tempfile.TemporaryDirectory(prefix="tlsfit-ncs-") as tmp:
        gen = Path(tmp)
        autoconf = gen / "autoconf.h"
        autoconf.write_text(kres.autoconf, encoding="utf-8")
        for name, text in generated_headers(tree, rel, kres.values).items():
            (gen / name).write_text(text, encoding="utf-8")
        build = Preprocess(COMPILER, (gen, mbedtls.include_dir),
                           (f'MBEDTLS_CONFIG_FILE="{cfg}"', "MBEDTLS_PSA_CRYPTO_CONFIG",
                            f'MBEDTLS_PSA_CRYPTO_CONFIG_FILE="{psa}"'),
                           imacros=(autoconf,), extra=TARGET_FLAGS)
        _, errors = _preprocess(build, fragment)
        differences: tuple = ()
        if not errors:
            (gen / "tlsfit_probe_ncs.h").write_text(f'#include "{cfg}"\n#include "{psa}"\n',
                                                     encoding="utf-8")
            actual = macro_set(Preprocess(COMPILER, (gen,), imacros=(autoconf,),
                                          extra=TARGET_FLAGS), entry="tlsfit_probe_ncs.h")
            mine_files = [header.resolve()]
            crypto = header.parent / CRYPTO_CONFIG_NAME
            if crypto.is_file():
                mine_files.append(crypto.resolve())
            # nrf_security's PSA config file defines the guard of Mbed TLS's key-pair
            # adjustment (PSA_CRYPTO_ADJUST_KEYPAIR_TYPES_H) and states its result itself:
            # the header is compared after that same adjustment, by Mbed TLS's own file.
            (gen / "tlsfit_probe_mine.h").write_text(
                "".join(f'#include "{f}"\n' for f in mine_files)
                + "#define MBEDTLS_CONFIG_FILES_READ\n"
                "#include <psa/crypto_adjust_config_key_pair_types.h>\n"
                "#undef MBEDTLS_CONFIG_FILES_READ\n", encoding="utf-8")
            mine = macro_set(Preprocess(COMPILER, (gen, mbedtls.include_dir),
                                        extra=TARGET_FLAGS), entry="tlsfit_probe_mine.h")
            differences = compare(mine, actual)
    return CheckResult(fragment=fragment, where=tree.describe(), mode="prj.conf",
                       kconfig_problems=problems, cpp_errors=errors, shadowed=(),
                       differences=differences, declared=read_declared(fragment))


def check_fragment_4x(fragment: Path, tree: NcsTree, rel: NcsRelease, tls: Path,
                      crypto: Path) -> CheckResult:
    """NCS 3.4+: the generated nrf-config.h and TF-PSA-Crypto config, compared with tlsfit's two
    translated 4.x files (config files against config files, after the key-pair derivation
    nrf_security states itself). Mbed TLS 4.x's own config checks run when it is built, which
    tlsfit's tests cannot do here (compile-check with a 4.x tree builds the translated pair)."""
    kres = evaluate(tree, rel, [fragment])
    accepted = _deprecated_ok(fragment)
    problems = tuple(p for p in kres.problems
                     if not (p.symbol in accepted and p.message.startswith("deprecated")))
    for f in (tls, crypto):
        if not f.is_file():
            raise TlsfitError(f"{f}: no such file (the translated 4.x config the fragment "
                              "stands for)")
    with tempfile.TemporaryDirectory(prefix="tlsfit-ncs4-") as tmp:
        gen = Path(tmp)
        autoconf = gen / "autoconf.h"
        autoconf.write_text(kres.autoconf, encoding="utf-8")
        headers = generated_headers(tree, rel, kres.values)
        for name, text in headers.items():
            (gen / name).write_text(text, encoding="utf-8")
        (gen / "tlsfit_probe_ncs.h").write_text(
            "".join(f'#include "{n}"\n' for n in sorted(headers)), encoding="utf-8")
        actual = macro_set(Preprocess(COMPILER, (gen,), imacros=(autoconf,),
                                      extra=TARGET_FLAGS), entry="tlsfit_probe_ncs.h")
        (gen / "tlsfit_probe_mine.h").write_text(
            f'#include "{crypto.resolve()}"\n#include "{tls.resolve()}"\n'
            + keypair_closure_c(), encoding="utf-8")
        mine = macro_set(Preprocess(COMPILER, (gen,), extra=TARGET_FLAGS),
                         entry="tlsfit_probe_mine.h")
    return CheckResult(fragment=fragment, where=tree.describe(), mode="prj.conf",
                       kconfig_problems=problems, cpp_errors=(), shadowed=(),
                       differences=compare(mine, actual), declared=read_declared(fragment))


def _deprecated_ok(fragment: Path) -> frozenset[str]:
    """Symbols the fragment says it sets although deprecated (``# tlsfit-deprecated: NAME
    why``: the legacy path's switch, the only way to RSA key exchanges in NCS 2.8 to 3.3)."""
    return frozenset(m.group(1) for m in re.finditer(
        r"^#\s*tlsfit-deprecated:\s*([A-Z0-9_]+)\s+\S", fragment.read_text(encoding="utf-8"),
        re.M))


def _c_value(value: str) -> str:
    """A value as autoconf.h writes it: 1 for y, a number as it is, else a string."""
    if value == "y":
        return "1"
    if value.lstrip("-").isdigit() or value.startswith("0x"):
        return value
    return '"' + value.replace('"', '\\"') + '"'


def header_macros(headers: dict[str, str], values: dict[str, str]) -> dict[str, str]:
    """Every macro the generated HEADERS define, beyond the compiler's own and autoconf.h's
    (for comparing tlsfit's rules with nrf_security's CMake: scripts/ncs-facts.py). Nothing is
    filtered out: a header guard of Mbed TLS's that nrf_security defines counts too."""
    with tempfile.TemporaryDirectory(prefix="tlsfit-ncs-h-") as tmp:
        gen = Path(tmp)
        (gen / "autoconf.h").write_text("".join(f"#define CONFIG_{k} {_c_value(v)}\n"
                                                for k, v in sorted(values.items())
                                                if v not in ("n", "")), encoding="utf-8")
        for name, text in headers.items():
            (gen / name).write_text(text, encoding="utf-8")
        (gen / "tlsfit_probe.h").write_text("".join(f'#include "{n}"\n' for n in sorted(headers)),
                                            encoding="utf-8")

        def defines(entry: str) -> dict[str, str]:
            out = subprocess.run(["gcc", "-E", "-dM", "-imacros", str(gen / "autoconf.h"),
                                  f"-I{gen}", "-x", "c", entry], capture_output=True, text=True,
                                 check=True).stdout
            found = {}
            for line in out.splitlines():
                parts = line.split(None, 2)
                if len(parts) >= 2 and parts[0] == "#define":
                    found[parts[1]] = parts[2] if len(parts) > 2 else ""
            return found
        base = defines("/dev/null")
        return {k: v for k, v in defines(str(gen / "tlsfit_probe.h")).items()
                if k not in base and k != "TLSFIT_PROBE"}
