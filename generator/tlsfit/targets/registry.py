"""The output targets: one per platform and release tlsfit writes fragments for.

A target names its platform and release, the Mbed TLS generation it builds,
which resolution of the profile its fragment stands for (the profile's own,
or its legacy-backend variant where the platform's menus are legacy Mbed TLS
modules), where its files go, and what its fragments have been verified
against. ``tlsfit targets`` prints this table; ``generate --target`` picks
from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from tlsfit.errors import TlsfitError
from tlsfit.espidf.model import load_release as load_idf
from tlsfit.espidf.model import releases as idf_releases
from tlsfit.mbedtls4.facts import lines as mbedtls4_lines
from tlsfit.mbedtls4.facts import load_facts
from tlsfit.ncs.model import load_release as load_ncs
from tlsfit.ncs.model import releases as ncs_releases
from tlsfit.zephyr.model import load_release as load_zephyr
from tlsfit.zephyr.model import releases as zephyr_releases
from tlsfit.zephyr4.model import load_release as load_zephyr4
from tlsfit.zephyr4.model import releases as zephyr4_releases

DEFAULT_TARGETS = ("zephyr-4.3",)
#: Releases tlsfit decided not to write for, and why (asked for by users; refused with this).
_NOT_TARGETS = {
    "ncs-2.7": "nRF Connect SDK 2.7 ships Mbed TLS 3.5.2 (sdk-nrf v2.7.0 west.yml: sdk-mbedtls "
               "v3.5.2-ncs2), not the 3.6 LTS line tlsfit resolves, builds and proves configs "
               "for; use ncs-2.8 or later (Mbed TLS 3.6.2+)",
}


@dataclass(frozen=True)
class Target:
    id: str                  # "esp-idf-5.5"
    platform: str            # "ESP-IDF"
    release: str             # "5.5"
    facts_tag: str           # the tag tlsfit's facts were read at
    mbedtls: str             # the Mbed TLS that release builds
    backend: str | None      # the resolution the fragment stands for; None: the profile's own
    directory: str           # where its files go in an output directory
    files: str               # what it writes
    verified: str            # what its fragments are checked against
    translated: bool = False  # written for an Mbed TLS tlsfit's tests do not build (4.x)
    mbedtls_line: str = ""    # the 4.x line a translated target's files are for

    @property
    def platform_key(self) -> str:
        return self.platform.lower().replace("-", "_")


def targets() -> tuple[Target, ...]:
    out = []
    for v in zephyr_releases():
        rel = load_zephyr(v)
        out.append(Target(
            id=f"zephyr-{v}", platform="Zephyr", release=v, facts_tag=rel.tag,
            mbedtls=rel.mbedtls_version, backend=None, directory=f"zephyr/{v}",
            files="prj.conf + tlsfit_user_config.h (Kconfig mode), prj-custom-file.conf",
            verified="zephyr-check: Kconfiglib + preprocessor over tlsfit's model "
                     "(every shipped profile, tests/zephyr) and over Zephyr's real files "
                     "rebuilt in a scratch tree (--zephyr-base)"))
    for v in zephyr4_releases():
        rel4 = load_zephyr4(v)
        facts = load_facts(rel4.mbedtls4_line)
        out.append(Target(
            id=f"zephyr-{v}", platform="Zephyr", release=v,
            facts_tag=rel4.tag if rel4.released else f"main of the {v} cycle (no tag)",
            mbedtls=f"{facts.mbedtls} + TF-PSA-Crypto {facts.tf_psa_crypto}", backend="psa",
            directory=f"zephyr/{v}",
            files="prj.conf + the two user files + the 4.x files it stands for (translated)",
            verified="zephyr-check: Kconfiglib + preprocessor over tlsfit's model (every shipped "
                     "profile, tests/platforms) and over the rebuilt Zephyr files (--zephyr-base)",
            translated=True, mbedtls_line=rel4.mbedtls4_line))
    for v in idf_releases():
        rel = load_idf(v)
        if rel.is_4x:
            out.append(Target(
                id=f"esp-idf-{v}", platform="ESP-IDF", release=v, facts_tag=rel.tag,
                mbedtls=f"{rel.mbedtls_version} + TF-PSA-Crypto {rel.tf_psa_crypto_version}",
                backend="psa", directory=f"esp-idf/{v}",
                files="sdkconfig.defaults + the 4.x files it stands for (translated)",
                verified="esp-idf-check: Kconfiglib + preprocessor over tlsfit's model (every "
                         "shipped profile, tests/platforms) and over ESP-IDF's files at the "
                         "release tag with TF-PSA-Crypto's own crypto_config.h (--idf-path)",
                translated=True, mbedtls_line=rel.mbedtls4_line or ""))
            continue
        out.append(Target(
            id=f"esp-idf-{v}", platform="ESP-IDF", release=v, facts_tag=rel.tag,
            mbedtls=rel.mbedtls_version, backend="legacy", directory=f"esp-idf/{v}",
            files="sdkconfig.defaults + mbedtls_config.h (the header it stands for)",
            verified="esp-idf-check: Kconfiglib + preprocessor over tlsfit's model "
                     "(every shipped profile, tests/platforms) and over ESP-IDF's files at "
                     "the release tag (--idf-path)"))
    for v in ncs_releases():
        nrel = load_ncs(v)
        if nrel.is_4x:
            facts4 = load_facts(nrel.mbedtls4_line or "")
            out.append(Target(
                id=f"ncs-{v}", platform="nRF Connect SDK", release=v,
                facts_tag=f"{nrel.tag} branch after rc1 (no tag)",
                mbedtls=f"{facts4.mbedtls} + TF-PSA-Crypto {facts4.tf_psa_crypto} (Oberon PSA "
                        "Crypto)", backend="psa", directory=f"ncs/{v}",
                files="prj.conf + the 4.x files it stands for (translated)",
                verified="ncs-check: Kconfiglib over nrf_security's Kconfig + the two headers its "
                         "CMake generates (tlsfit's rules on the model; nrf_security's own CMake "
                         "with --ncs-base), compared with the translated pair",
                translated=True, mbedtls_line=nrel.mbedtls4_line or ""))
            continue
        out.append(Target(
            id=f"ncs-{v}", platform="nRF Connect SDK", release=v,
            facts_tag=nrel.tag if "tag" in nrel.provenance["confidence"] else
            f"{nrel.tag} branch after rc1 (no tag)", mbedtls=nrel.mbedtls_version,
            backend="psa", directory=f"ncs/{v}",
            files="prj.conf + the header it stands for (PSA path; the legacy path when the "
                  "profile needs MBEDTLS_RSA_C)",
            verified="ncs-check: Kconfiglib + preprocessor (check_config.h) over tlsfit's model "
                     "(every shipped profile, tests/platforms) and over sdk-nrf's files at the "
                     "release with nrf_security's own CMake generating the headers (--ncs-base)"))
    for v in mbedtls4_lines():
        facts = load_facts(v)
        out.append(Target(
            id=f"mbedtls-{v}", platform="Mbed TLS", release=v, facts_tag=f"v{facts.mbedtls}",
            mbedtls=f"{facts.mbedtls} + TF-PSA-Crypto {facts.tf_psa_crypto}", backend="psa",
            directory=f"mbedtls4/{v}",
            files="tlsfit_mbedtls4_config.h + tlsfit_tf_psa_crypto_config.h (translated)",
            verified="unit tests of the translation (tests/unit/test_mbedtls4.py); "
                     "compile-check --mbedtls-src with a 4.x tree builds Mbed TLS with it "
                     "(all 9 shipped profiles against Mbed TLS 4.0.0 + TF-PSA-Crypto 1.0.0 in "
                     "a scratch tree)", translated=True, mbedtls_line=v))
    return tuple(out)


def find(ids: list[str]) -> tuple[Target, ...]:
    """The targets named by IDS ('all' for every one), in the registry's order."""
    known = {t.id: t for t in targets()}
    if "all" in ids:
        return tuple(known.values())
    for i in ids:
        if i in _NOT_TARGETS:
            raise TlsfitError(f"--target {i}: {_NOT_TARGETS[i]}")
        if i not in known:
            raise TlsfitError(f"--target {i}: unknown target; known: {', '.join(known)} or all "
                              "('tlsfit targets' lists them)")
    return tuple(t for t in known.values() if t.id in ids)
