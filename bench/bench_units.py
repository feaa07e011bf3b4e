"""Unit matching: registry load time and names matched per second (exact, abbreviation, fuzzy, miss).

Matching runs on every row of every document; the registry holds every province's catalogue
units and districts (~5,000 units). Usage: ``python bench/bench_units.py``
"""

from __future__ import annotations

import time

from normalizers.admin_units import load_admin_map
from normalizers.units import Registry


def main() -> None:
    start = time.perf_counter()
    registry = Registry.load()
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    Registry.load()
    reload_s = time.perf_counter() - start
    names = []
    for p in load_admin_map().legacy:
        names += [(d.name, p.name) for d in p.districts]
        names += [(n, p.name) for n in ("Sở TT&TT", "Sở Lao động - TBXH", "Sở Tài chinh", "Công ty ABC")]
    start = time.perf_counter()
    for name, province in names:
        registry._match(name, province, 2023)  # uncached: the cost of a first sighting
    first_s = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(10):
        for name, province in names:
            registry.match(name, province, 2023)
    cached_s = (time.perf_counter() - start) / 10
    print(f"registry: {len(registry.units_frame())} units, {len(registry.lineage_frame())} lineage rows")
    print(f"load {load_s:.2f}s (same files again: {reload_s * 1000:.1f} ms)")
    print(f"match, first sighting: {len(names) / first_s:,.0f} names/s; repeated: {len(names) / cached_s:,.0f} names/s")


if __name__ == "__main__":
    main()
