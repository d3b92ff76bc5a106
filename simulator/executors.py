"""Executors: run independent tasks serially or in worker processes, behind one ``map``.

Results are yielded as ``(index, result)`` in completion order; callers place them by
index, so the final tables never depend on the executor or the number of workers. Every
task seeds its own streams from its arguments, never from execution order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

Task = tuple[Any, ...]


def default_workers() -> int:
    """All cores available to this process."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def imap(fn: Callable[..., Any], tasks: Sequence[Task], *, workers: int | None = None) -> Iterator[tuple[int, Any]]:
    """Apply ``fn(*task)`` to each task; yield ``(index, result)`` as tasks finish.

    Args:
        fn: A picklable module-level function.
        tasks: Argument tuples.
        workers: Worker processes; ``None`` means all cores, 1 runs in this process.
    """
    n_workers = min(workers or default_workers(), len(tasks))
    if n_workers <= 1:
        for i, task in enumerate(tasks):
            yield i, fn(*task)
        return
    with ProcessPoolExecutor(max_workers=n_workers) as pool:
        pending = {pool.submit(fn, *task): i for i, task in enumerate(tasks)}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield pending.pop(fut), fut.result()
        finally:
            for fut in pending:
                fut.cancel()
