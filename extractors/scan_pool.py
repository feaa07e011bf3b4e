"""Pages of one scanned document read in parallel worker processes.

Pages are independent and each worker runs tesseract single-threaded (OMP_THREAD_LIMIT=1,
set by :mod:`extractors.ocr_engine` before the library loads), so two pages on two cores
take the time of one. A worker process keeps its tesseract engines (one per language) for
every page it is given: the models load once per worker, not once per page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")


def map_pages(
    read: Callable[[Job], Result],
    jobs: Sequence[Job],
    workers: int,
    initializer: Callable[..., None] | None = None,
    initargs: tuple = (),
    on_page: Callable[[], None] | None = None,
    before_fork: Callable[[], None] | None = None,
) -> list[Result]:
    """`read` applied to every job, in order, on up to `workers` processes (in this one for 1 or 1 job).

    `read` must be a module-level function (it is sent to the workers by name);
    `initializer` runs in each worker process (the batch uses it to die with its run);
    `on_page` is called as each job is done, in job order (the batch's progress bar);
    `before_fork` is called here just before the worker processes fork, only if they do.
    """
    results: list[Result] = []
    done: Iterable[Result]
    if workers <= 1 or len(jobs) <= 1:
        done = map(read, jobs)
        for result in done:
            results.append(result)
            if on_page:
                on_page()
        return results
    if before_fork:
        before_fork()
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), initializer=initializer, initargs=initargs) as pool:
        for result in pool.map(read, jobs):
            results.append(result)
            if on_page:
                on_page()
    return results
