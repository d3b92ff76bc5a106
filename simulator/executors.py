"""Executors: run independent tasks serially, in local processes or on Dask, behind one ``imap``.

Results are yielded as ``(index, result)`` in completion order; callers place them by
index, so the final tables never depend on the executor or the number of workers. Every
task seeds its own streams from its arguments, never from execution order, and names in them
whatever else it needs, such as the engine (``"fast"`` or ``"simpy"``): a worker, local or on a
Dask cluster, reads no option or global of the process that submitted it.

Three backends share the interface of :class:`Executor`:

- :class:`LocalProcesses`: a ``ProcessPoolExecutor`` on this machine (``workers=1`` runs
  in this process). Needs nothing beyond the core install.
- :class:`DaskExecutor`: a ``dask.distributed`` cluster, either an existing one
  (``address="tcp://host:8786"``) or a local cluster of ``n_workers`` processes started and
  stopped with the executor. Dask is imported only when this executor is entered, so the
  core install never needs it; without it the error names ``pip install 'callsim[dask]'``.

Both keep at most a few tasks per worker in flight, so a sweep of a million tasks holds
only a window of them in memory, and an interrupted run loses at most that window.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from types import TracebackType
from typing import Any, Protocol

Task = tuple[Any, ...]

TASKS_PER_WORKER = 2
"""Tasks kept in flight per worker: one running, one queued so the worker never idles."""

DASK_INSTALL_HINT = "pip install 'callsim[dask]'"
"""What to install for the Dask executor."""


class ExecutorUnavailable(RuntimeError):
    """An executor cannot be used here (Dask not installed, scheduler unreachable, bad options)."""


def default_workers() -> int:
    """All cores available to this process."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _windowed(
    submit: Callable[..., Any],
    first_done: Callable[[Iterable[Any]], Iterable[Any]],
    fn: Callable[..., Any],
    tasks: Sequence[Task],
    window: int,
) -> Iterator[tuple[int, Any]]:
    """Submit tasks ``window`` at a time and yield ``(index, result)`` as futures finish.

    Args:
        submit: ``submit(fn, *args) -> future`` of the backend.
        first_done: Blocks until at least one of the given futures is done; returns the done ones.
        fn: The task function.
        tasks: Argument tuples.
        window: Maximum futures in flight.
    """
    queue = iter(enumerate(tasks))
    pending: dict[Any, int] = {}

    def fill() -> None:
        for i, task in itertools.islice(queue, max(window - len(pending), 0)):
            pending[submit(fn, *task)] = i

    fill()
    try:
        while pending:
            for fut in first_done(list(pending)):
                index = pending.pop(fut)
                result = fut.result()
                fill()  # keep the workers busy while the caller handles this result
                yield index, result
    finally:
        for fut in pending:
            fut.cancel()


def imap(fn: Callable[..., Any], tasks: Sequence[Task], *, workers: int | None = None) -> Iterator[tuple[int, Any]]:
    """Apply ``fn(*task)`` to each task in local processes; yield ``(index, result)`` as tasks finish.

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
        yield from _windowed(
            pool.submit,
            lambda fs: wait(fs, return_when=FIRST_COMPLETED).done,
            fn,
            tasks,
            TASKS_PER_WORKER * n_workers,
        )


class Executor(Protocol):
    """What a sweep needs from a backend: a context manager with an ``imap``."""

    @property
    def workers(self) -> int:
        """Parallel task slots (processes or Dask worker threads)."""
        ...

    def describe(self) -> str:
        """One line naming the backend and its size, for logs and ``meta.json``."""
        ...

    def imap(self, fn: Callable[..., Any], tasks: Sequence[Task]) -> Iterator[tuple[int, Any]]:
        """Apply ``fn(*task)`` to each task; yield ``(index, result)`` in completion order."""
        ...

    def __enter__(self) -> Executor: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class LocalProcesses:
    """Worker processes on this machine (``workers=1``: in this process).

    Args:
        workers: Worker processes; ``None`` means all cores.
    """

    def __init__(self, workers: int | None = None) -> None:
        if workers is not None and workers < 1:
            raise ExecutorUnavailable(f"workers must be >= 1, got {workers}")
        self._workers = workers or default_workers()

    @property
    def workers(self) -> int:
        """Worker processes."""
        return self._workers

    def describe(self) -> str:
        """E.g. ``local: 2 processes``."""
        return f"local: {self._workers} process{'es' if self._workers != 1 else ''}"

    def imap(self, fn: Callable[..., Any], tasks: Sequence[Task]) -> Iterator[tuple[int, Any]]:
        """See :func:`imap`."""
        return imap(fn, tasks, workers=self._workers)

    def __enter__(self) -> LocalProcesses:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


def _distributed() -> Any:
    """Import ``dask.distributed`` or explain how to install it."""
    try:
        import distributed
    except ImportError as exc:
        raise ExecutorUnavailable(
            f"the Dask executor needs dask.distributed, which is not installed ({exc.msg}); "
            f"install it with: {DASK_INSTALL_HINT}"
        ) from None
    return distributed


class DaskExecutor:
    """Tasks on a ``dask.distributed`` cluster: an existing scheduler or a local cluster.

    Every worker must be able to import ``simulator`` (install callsim on each machine).
    Entering the executor connects (or starts the local cluster); leaving it disconnects
    (or stops the cluster).

    Args:
        address: Scheduler address such as ``tcp://10.0.0.5:8786``; None starts a local cluster.
        n_workers: Worker processes of the local cluster (one thread each); None: all cores.
        timeout_s: How long to wait for the scheduler to answer (seconds).
    """

    def __init__(self, address: str | None = None, *, n_workers: int | None = None, timeout_s: float = 30.0) -> None:
        if address is not None and n_workers is not None:
            raise ExecutorUnavailable("give either a scheduler address or a local cluster size, not both")
        if n_workers is not None and n_workers < 1:
            raise ExecutorUnavailable(f"the local Dask cluster needs >= 1 worker, got {n_workers}")
        self.address = address
        self.n_workers = n_workers
        self.timeout_s = timeout_s
        self._client: Any = None
        self._cluster: Any = None

    @property
    def workers(self) -> int:
        """Worker threads of the cluster (known once entered)."""
        if self._client is None:
            return self.n_workers or default_workers()
        return max(sum(self._client.nthreads().values()), 1)

    def describe(self) -> str:
        """E.g. ``dask: local cluster, 2 workers`` or ``dask: tcp://host:8786, 16 threads``."""
        if self.address is None:
            return f"dask: local cluster, {self.workers} workers"
        return f"dask: {self.address}, {self.workers} threads"

    def __enter__(self) -> DaskExecutor:
        distributed = _distributed()
        if self.address is None:
            self._cluster = distributed.LocalCluster(
                n_workers=self.n_workers or default_workers(),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,  # logging.ERROR
            )
            self._client = distributed.Client(self._cluster)
        else:
            try:
                self._client = distributed.Client(self.address, timeout=f"{self.timeout_s}s")
            except (OSError, TimeoutError) as exc:
                raise ExecutorUnavailable(f"cannot reach the Dask scheduler at {self.address}: {exc}") from None
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None

    def imap(self, fn: Callable[..., Any], tasks: Sequence[Task]) -> Iterator[tuple[int, Any]]:
        """Apply ``fn(*task)`` on the cluster; yield ``(index, result)`` in completion order."""
        if self._client is None:
            raise RuntimeError("enter the DaskExecutor (with DaskExecutor(...) as ex:) before calling imap")
        distributed = _distributed()
        client = self._client
        return _windowed(
            lambda f, *args: client.submit(f, *args, pure=False),
            lambda fs: distributed.wait(fs, return_when="FIRST_COMPLETED").done,
            fn,
            tasks,
            TASKS_PER_WORKER * self.workers,
        )


def make_executor(
    *, workers: int | None = None, scheduler: str | None = None, dask_local: int | None = None
) -> LocalProcesses | DaskExecutor:
    """The executor chosen by command-line style options.

    Args:
        workers: Local worker processes (default: all cores).
        scheduler: Address of a running Dask scheduler (``tcp://host:8786``).
        dask_local: Start a local Dask cluster of this many worker processes.

    Raises:
        ExecutorUnavailable: for contradictory options.
    """
    chosen = [name for name, v in (("workers", workers), ("scheduler", scheduler), ("dask_local", dask_local))
              if v is not None]
    if len(chosen) > 1:
        raise ExecutorUnavailable(f"choose one executor option, got {', '.join(chosen)}")
    if scheduler is not None:
        return DaskExecutor(scheduler)
    if dask_local is not None:
        return DaskExecutor(n_workers=dask_local)
    return LocalProcesses(workers)
