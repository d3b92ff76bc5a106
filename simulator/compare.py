"""Scenario comparison with common random numbers: means and paired differences with 95% CIs.

Replication ``k`` of every scenario uses the streams of ``(seed, k)``: the same callers,
arrival times, call types, patience and base handle times. The difference of a metric
between a scenario and the first (the reference) is therefore estimated per replication and
its interval comes from the paired differences (:func:`~simulator.stats.paired_difference`),
which is much tighter than comparing two independent intervals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import config as C
from . import metrics as M
from .engine import DEFAULT_ENGINE
from .replication import ReplicationResult, replicate_many
from .stats import mean_ci, paired_difference

HEADLINE: tuple[str, ...] = (
    "service_level", "asa_s", "abandon_rate", "fcr", "repeat_share", "aht_s", "attrition_annual",
    "quits", "dismissals", "hires", "headcount_mean", "absence_rate", "burnout_mean",
    "proficiency_mean", "escalation_rate", "scams_missed", "cost_total", "cost_per_resolved",
)
"""Metrics shown first by ``callsim compare``."""


@dataclass
class Comparison:
    """Replicated results of several scenarios run with common random numbers.

    Attributes:
        runs: One :class:`~simulator.replication.ReplicationResult` per scenario; the first
            is the reference of every difference.
        seed: Root seed shared by all scenarios.
    """

    runs: list[ReplicationResult]
    seed: int

    @property
    def engine(self) -> str:
        """Name of the engine that ran the scenarios (results do not depend on it)."""
        return self.runs[0].engine

    @property
    def names(self) -> list[str]:
        """Scenario names, reference first."""
        return [r.cfg.name for r in self.runs]

    def stacked(self, name: str) -> pd.DataFrame:
        """A table of every run (``per_replication``, ``days``, ``intraday``, ``agents``) with ``scenario`` first."""
        frame = pd.concat([getattr(r, name).assign(scenario=r.cfg.name) for r in self.runs], ignore_index=True)
        return frame[["scenario", *[c for c in frame.columns if c != "scenario"]]]

    @property
    def per_replication(self) -> pd.DataFrame:
        """One row per (scenario, replication, site) of summary metrics."""
        return self.stacked("per_replication")

    @property
    def days(self) -> pd.DataFrame:
        """One row per (scenario, replication, day, site)."""
        return self.stacked("days")

    @property
    def agents(self) -> pd.DataFrame:
        """One row per (scenario, replication, agent employed at the horizon)."""
        return self.stacked("agents")

    @property
    def sites(self) -> list[str]:
        """Site labels of every scenario, in order of appearance (``all`` included)."""
        return list(dict.fromkeys(s for run in self.runs for s in run.per_replication["site"]))

    def table(self, site: str = "all", metrics: Sequence[str] = M.SUMMARY_KEYS) -> pd.DataFrame:
        """One row per (scenario, metric) for ``site``.

        Columns: ``mean``, ``ci_low``, ``ci_high`` (95% t-interval over replications) and
        ``diff``, ``diff_low``, ``diff_high`` (paired difference against the reference, NaN
        for the reference itself or when the site does not exist in both), and
        ``significant`` (the difference's interval excludes 0).
        """
        ref = _site_rows(self.runs[0], site)
        rows = []
        for run in self.runs:
            mine = _site_rows(run, site)
            if mine is None:
                continue
            for metric in metrics:
                e = mean_ci(mine[metric].to_numpy())
                row: dict[str, Any] = {"scenario": run.cfg.name, "site": site, "metric": metric, "mean": e.mean,
                                       "ci_low": e.ci_low, "ci_high": e.ci_high}
                if run is not self.runs[0] and ref is not None:
                    d = paired_difference(mine[metric].to_numpy(), ref[metric].to_numpy())
                    row.update(diff=d.mean, diff_low=d.ci_low, diff_high=d.ci_high,
                               significant=bool(d.ci_low > 0 or d.ci_high < 0))
                else:
                    row.update(diff=float("nan"), diff_low=float("nan"), diff_high=float("nan"), significant=False)
                rows.append(row)
        return pd.DataFrame(rows)

    def summary_dict(self, site: str = "all") -> dict[str, dict[str, Any]]:
        """``{scenario: {metric: {"mean", "ci95", "diff", "diff_ci95"}, "channels": {...}}}`` for ``--json``.

        ``channels`` nests the per-channel metrics (``metrics.CHANNEL_KEYS``) of the channels any
        scenario uses; empty when every scenario is voice only.
        """
        used = [ch for ch in C.CHANNELS if any(ch in r.cfg.channels_used for r in self.runs)]
        extra = M.channel_metrics(used)
        out: dict[str, dict[str, Any]] = {}
        for r in self.table(site, (*M.SUMMARY_KEYS, *extra)).itertuples():
            entry: dict[str, Any] = {"mean": r.mean, "ci95": [r.ci_low, r.ci_high]}
            if r.scenario != self.names[0]:
                entry.update(diff=r.diff, diff_ci95=[r.diff_low, r.diff_high])
            out.setdefault(str(r.scenario), {})[str(r.metric)] = entry
        for metrics in out.values():
            flat = {k: metrics.pop(k) for k in extra}
            metrics["channels"] = M.nest_channels(flat, used)
        return out


def _site_rows(run: ReplicationResult, site: str) -> pd.DataFrame | None:
    rows = run.per_replication[run.per_replication["site"] == site]
    return None if rows.empty else rows.sort_values("replication")


def compare(
    cfgs: Sequence[C.Scenario],
    replications: int,
    seed: int,
    *,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    engine: str = DEFAULT_ENGINE,
) -> Comparison:
    """Run ``cfgs`` with common random numbers and compare them against the first.

    Args:
        cfgs: Scenarios with distinct names; the first is the reference.
        replications: Replications per scenario (>= 2 for intervals).
        seed: Root seed shared by all scenarios.
        workers: Worker processes (None: all cores). All scenario-replications share one pool.
        progress: Called with 1 each time a replication finishes.
        engine: Engine that runs them: ``"fast"`` (compiled, default) or ``"simpy"`` (the
            reference model); the results are identical.

    Raises:
        ValueError: if fewer than one scenario is given, two share a name, or ``engine`` is unknown.
    """
    names = [c.name for c in cfgs]
    if not names:
        raise ValueError("compare needs at least one scenario")
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must be distinct (set 'name:' in each file), got {names}")
    return Comparison(replicate_many(cfgs, replications, seed, workers=workers, progress=progress,
                                     engine=engine), seed)
