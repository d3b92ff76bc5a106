"""Independent replications of one scenario, run in parallel, with confidence intervals.

Replication ``k`` draws every stream from ``(seed, k, stream id)``, so results are
identical whatever the number of workers, and replication ``k`` of two scenarios with the
same seed sees the same base callers. The engine that runs them (``engine=``, a name of
:data:`~simulator.engine.ENGINES`) travels with each task to the worker; it changes the speed,
never the result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from . import config as C
from . import metrics as M
from .engine import DEFAULT_ENGINE, ensure_compiled
from .executors import default_workers, imap
from .spinup import engine_class, simulate
from .stats import mean_ci
from .version import versions

T = TypeVar("T")


@dataclass(frozen=True)
class ReplicationOutput:
    """The compact tables one replication sends back from a worker."""

    summary: pd.DataFrame
    days: pd.DataFrame
    intraday: pd.DataFrame
    wait_hist: NDArray[np.int64]
    agents: pd.DataFrame


def run_replication(
    cfg: C.Scenario, seed: int, replication: int, engine: str = DEFAULT_ENGINE
) -> ReplicationOutput:
    """Simulate replication ``replication`` with ``engine`` and reduce it to compact tables."""
    res = simulate(cfg, seed, replication=replication, engine=engine)
    hist = res.wait_hist
    return ReplicationOutput(
        summary=res.summary,
        days=res.days,
        intraday=res.intraday,
        wait_hist=np.vstack([hist, hist.sum(axis=0, keepdims=True)]),
        agents=res.agents_at_end,
    )


@dataclass
class ReplicationResult:
    """Results of ``replications`` independent runs of one scenario.

    Attributes:
        cfg: The scenario.
        seed: Root seed.
        replications: Number of replications.
        per_replication: One row per (replication, site) of summary metrics.
        days: One row per (replication, day, site).
        intraday: One row per (replication, interval of day, site), measured days summed.
        wait_hist: Answered waits of the measured window per site (and ``all``, last row).
        agents: One row per (replication, agent employed at the horizon).
        versions: Package versions that produced the result.
        engine: Name of the engine that ran the replications (results do not depend on it).
    """

    cfg: C.Scenario
    seed: int
    replications: int
    per_replication: pd.DataFrame
    days: pd.DataFrame
    intraday: pd.DataFrame
    wait_hist: NDArray[np.int64]
    agents: pd.DataFrame
    versions: dict[str, str]
    engine: str = DEFAULT_ENGINE

    @property
    def summary(self) -> pd.DataFrame:
        """One row per (site, metric): ``mean``, ``ci_low``, ``ci_high``, ``sd``, ``n``."""
        rows = []
        for site, group in self.per_replication.groupby("site", sort=False):
            for metric in (*M.SUMMARY_KEYS, *M.channel_metrics(self.cfg.channels_used)):
                e = mean_ci(group[metric].to_numpy())
                rows.append({"site": site, "metric": metric, "mean": e.mean, "ci_low": e.ci_low,
                             "ci_high": e.ci_high, "sd": e.sd, "n": e.n})
        return pd.DataFrame(rows)

    def summary_dict(self, site: str = "all") -> dict[str, Any]:
        """``{metric: {"mean": x, "ci95": [lo, hi]}}`` for one site, and ``"channels"``.

        ``channels`` is ``{channel: {key: {"mean", "ci95"}}}`` (``metrics.CHANNEL_KEYS``; empty for voice only).
        """
        s = self.summary
        s = s[s["site"] == site]
        flat = {str(r.metric): {"mean": r.mean, "ci95": [r.ci_low, r.ci_high]} for r in s.itertuples()}
        out: dict[str, Any] = {k: v for k, v in flat.items() if k in M.SUMMARY_KEYS}
        out["channels"] = M.nest_channels(flat, self.cfg.channels_used)
        return out


def run_tasks(
    fn: Callable[..., T], tasks: Sequence[tuple[Any, ...]], *, workers: int | None, engine: str,
    progress: Callable[[int], None] | None = None,
) -> list[T]:
    """``fn(*task)`` for every task in local worker processes (:func:`~simulator.executors.imap`), in task order.

    Each task names its engine itself; with the fast engine and several workers the engine is
    compiled here first, once, not once per worker. ``progress`` is called with 1 per task done.
    """
    if engine == "fast" and len(tasks) > 1 and (workers or default_workers()) > 1:
        ensure_compiled()
    out: list[Any] = [None] * len(tasks)
    for i, result in imap(fn, tasks, workers=workers):
        out[i] = result
        if progress is not None:
            progress(1)
    return out


def replicate(
    cfg: C.Scenario,
    replications: int,
    seed: int,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    engine: str = DEFAULT_ENGINE,
) -> ReplicationResult:
    """Run independent replications of ``cfg`` in parallel.

    Args:
        cfg: The scenario.
        replications: Number of replications (>= 1).
        seed: Root seed; replication ``k`` uses streams keyed by ``(seed, k)``.
        workers: Worker processes (None: all cores; 1: in this process).
        progress: Called with 1 each time a replication finishes.
        engine: Engine that runs them: ``"fast"`` (compiled, default) or ``"simpy"`` (the
            reference model); the results are identical.

    Returns:
        Tables per replication and a summary with 95% confidence intervals.

    Raises:
        ValueError: for ``replications < 1`` or an unknown ``engine``.
    """
    return replicate_many([cfg], replications, seed, workers=workers, progress=progress, engine=engine)[0]


def replicate_many(
    cfgs: Sequence[C.Scenario],
    replications: int,
    seed: int,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    engine: str = DEFAULT_ENGINE,
) -> list[ReplicationResult]:
    """Replicate several scenarios with common random numbers, all tasks in one worker pool.

    Replication ``k`` of every scenario uses the streams of ``(seed, k)``, so the scenarios
    see the same callers and their paired differences are sharp. ``engine`` is passed to every
    task by name, so it reaches worker processes; an unknown name raises ``ValueError`` before
    any task starts.
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    engine_class(engine)
    tasks = [(cfg, seed, r, engine) for cfg in cfgs for r in range(replications)]
    outputs = run_tasks(run_replication, tasks, workers=workers, engine=engine, progress=progress)
    return [
        _assemble(cfg, seed, replications, outputs[j * replications:(j + 1) * replications], engine)
        for j, cfg in enumerate(cfgs)
    ]


def _assemble(
    cfg: C.Scenario, seed: int, replications: int, outputs: Sequence[ReplicationOutput | None], engine: str
) -> ReplicationResult:
    done = [o for o in outputs if o is not None]

    def stack(name: str) -> pd.DataFrame:
        frames = [getattr(o, name).assign(replication=r) for r, o in enumerate(done)]
        df = pd.concat(frames, ignore_index=True)
        return df[["replication", *[c for c in df.columns if c != "replication"]]]

    return ReplicationResult(
        cfg=cfg, seed=seed, replications=replications,
        per_replication=stack("summary"), days=stack("days"), intraday=stack("intraday"),
        wait_hist=np.sum([o.wait_hist for o in done], axis=0), agents=stack("agents"), versions=versions(),
        engine=engine,
    )
