"""Page-by-page progress from inside a document worker, so a long scan does not look stuck.

The reading code calls ``page_read(done, total)``; it is a no-op until a worker points it at
the pipe to its run with ``report_pages_to``. Kept apart from the reading code so a notebook
calling ``process_file`` directly needs nothing set up.
"""

from __future__ import annotations

from collections.abc import Callable

_sink: Callable[[tuple[int, int]], None] | None = None


def report_pages_to(sink: Callable[[tuple[int, int]], None] | None) -> None:
    global _sink
    _sink = sink


def page_read(done: int, total: int) -> None:
    """One more page of `total` read; a broken pipe to the run never fails the document."""
    if _sink is None:
        return
    try:
        _sink((done, total))
    except (OSError, ValueError):
        pass
