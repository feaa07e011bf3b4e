"""Knowledge bundle: the cost of validating every knowledge file at start-up.

``dti run`` (and the other commands that need knowledge) read and validate every file under
normalizers/data/ and the registry's files before doing anything else; this measures the
import, one cold load, the median of repeated loads, the registry files' shape check and the
registry's own build. Usage: ``python bench/bench_knowledge.py``
"""

from __future__ import annotations

import statistics
import time


def main() -> None:
    start = time.perf_counter()
    from normalizers.knowledge import load_knowledge_bundle, load_registry_checked, validate_registry_files

    import_s = time.perf_counter() - start
    start = time.perf_counter()
    load_knowledge_bundle()
    cold_s = time.perf_counter() - start
    loads = []
    for _ in range(20):
        start = time.perf_counter()
        load_knowledge_bundle()
        loads.append(time.perf_counter() - start)
    start = time.perf_counter()
    validate_registry_files(None)
    shapes_s = time.perf_counter() - start
    start = time.perf_counter()
    registry = load_registry_checked(None)
    registry_s = time.perf_counter() - start
    print(f"import normalizers.knowledge  {import_s * 1000:7.1f} ms")
    print(f"package files, first load     {cold_s * 1000:7.1f} ms")
    print(f"package files, median of 20   {statistics.median(loads) * 1000:7.1f} ms")
    print(f"registry files' shapes        {shapes_s * 1000:7.1f} ms")
    print(f"registry checked and built    {registry_s * 1000:7.1f} ms ({len(registry._units)} units)")


if __name__ == "__main__":
    main()
