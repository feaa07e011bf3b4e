"""How a `dti` process collects garbage: seldom while it works, and not at all on its way out.

CPython's cyclic collector runs after every 700 new container objects and, now and then,
walks every object alive. A run allocates millions of small objects (pdfminer's layout,
the registry, pandas' frames) that live until the process ends, so those walks are pure
cost: on the 5-page text decision about 0.15 s of the document worker and 0.23 s of the
publishing process, and another 0.2 s when the interpreter tears its modules down at exit.
Collecting after 50,000 allocations, and freezing every survivor at exit (the final
collection then skips them), took a cold one-document run from 2.69 s to 2.48 s wall (CPU
3.46 s to 3.16 s) at the same peak memory; the worker processes forked from this one inherit
the setting. Cycles are still collected, only less often.

Process policy, so the command's entry point sets it (:func:`pipeline.cli.main`), not the library:
a notebook calling the library keeps its interpreter's own settings.
"""

from __future__ import annotations

import atexit
import gc

YOUNG_COLLECTION_AFTER = 50_000  # new container objects (CPython's default: 700)
OLDER_COLLECTION_AFTER = 50  # younger collections before the next generation's (default: 10)


def collect_seldom() -> None:
    """Raise the collector's thresholds for this process and skip the final walk at exit."""
    gc.set_threshold(YOUNG_COLLECTION_AFTER, OLDER_COLLECTION_AFTER, OLDER_COLLECTION_AFTER)
    atexit.register(gc.freeze)
