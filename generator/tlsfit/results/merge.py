"""``tlsfit merge``: the results of a gate's shards as one result set.

Each shard measured different items; the merged set must hold every item
once, all measured by the same tlsfit and Mbed TLS, so that the gate's
verdict over it is the one a single run would give.
"""

from __future__ import annotations

from tlsfit.errors import TlsfitError
from tlsfit.results.load import ResultSet


def merge_results(sets: list[tuple[str, ResultSet]]) -> ResultSet:
    """SETS: (where it came from, results). Duplicates and mixed versions are refused."""
    merged: ResultSet = {}
    origin: dict[str, str] = {}
    versions: dict[tuple[str, str], str] = {}
    for where, docs in sets:
        for name, doc in docs.items():
            if name in merged:
                raise TlsfitError(f"{name} is in both {origin[name]} and {where}: shards must "
                                  "not overlap (use the same --shard N in every job)")
            key = (doc.tlsfit_version, doc.mbedtls_version)
            versions.setdefault(key, f"{where} ({name})")
            merged[name] = doc
            origin[name] = where
    if len(versions) > 1:
        seen = "; ".join(f"tlsfit {t}, Mbed TLS {m} in {w}" for (t, m), w in versions.items())
        raise TlsfitError(f"the shards were measured with different versions: {seen}")
    return dict(sorted(merged.items()))
