"""The in-memory result of one replication: counters and the tidy tables derived from them.

A :class:`SimulationResult` holds the raw counters of one replication; its tables are built
on demand as pandas DataFrames with one row per (interval | day, site), where site ``all``
aggregates the sites. Only the measured window (after ``warmup_days``, before the horizon)
enters :attr:`SimulationResult.summary`; the interval and day tables cover the whole run
and flag warm-up rows.

This module is pure: it derives tables and writes nothing (see :mod:`simulator.output`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from . import config as C
from . import metrics as M
from .units import DAY_S, HOUR_S, MINUTE_S, MINUTES_PER_HOUR, intervals_per_day
from .workforce import AgentState, Stage

CALL_LOG_COLUMNS = (
    "caller", "attempt", "kind", "call_type", "site", "arrival_s", "wait_s", "handle_s",
    "agent", "outcome", "channel", "csat", "survey",
)
"""Columns of the optional per-contact log (``outcome``: abandoned, blocked or an OUTCOMES name;
``channel``: voice, chat or email; ``csat``: the satisfaction probability of a handled non-scam
contact, else NaN; ``survey``: 1 satisfied response, 0 dissatisfied response, -1 no response)."""


@dataclass
class SimulationResult:
    """One replication's counters and the tables derived from them.

    Attributes:
        cfg: The scenario simulated.
        seed: Root seed.
        replication: Replication index.
        counts: Counters, shape ``(n_intervals, n_sites, N_COUNTERS)`` (see ``metrics``).
        wait_hist: Waits of answered contacts that arrived in the measured window,
            shape ``(n_sites, WAIT_BINS)`` (see ``metrics.WAIT_BINS``).
        response_hist: Response times of replied emails that arrived in the measured window,
            shape ``(n_sites, RESPONSE_BINS)`` (see ``metrics.RESPONSE_BINS``).
        waiting_at_end: Callers still waiting per site when the run stopped.
        in_service_at_end: Callers (voice and chat) still with an agent per site when the run stopped.
        emails_at_end: Emails in each site's backlog when the run stopped.
        emails_in_service_at_end: Emails being answered per site when the run stopped.
        end_s: Simulated time at which the run stopped (seconds).
        call_log: One tuple per finished contact if requested, else None.
        agents: Agent state at the end of the run.
    """

    cfg: C.Scenario
    seed: int
    replication: int
    counts: NDArray[np.float64]
    wait_hist: NDArray[np.int64]
    response_hist: NDArray[np.int64]
    waiting_at_end: list[int]
    in_service_at_end: list[int]
    emails_at_end: list[int]
    emails_in_service_at_end: list[int]
    end_s: float
    call_log: list[tuple[Any, ...]] | None = None
    agents: AgentState | None = field(default=None, repr=False)

    @property
    def interval_s(self) -> float:
        """Interval length (seconds)."""
        return self.cfg.interval_min * MINUTE_S

    @property
    def per_day(self) -> int:
        """Intervals per day."""
        return intervals_per_day(self.cfg.interval_min)

    @property
    def window(self) -> tuple[int, int]:
        """Measured intervals ``[first, stop)``: after warm-up, before the horizon."""
        first = math.ceil(round(self.cfg.warmup_days * DAY_S / self.interval_s, 9))
        stop = math.ceil(round(self.cfg.days * DAY_S / self.interval_s, 9))
        return first, stop

    @property
    def site_labels(self) -> list[str]:
        """Site names plus ``all``."""
        return [*self.cfg.site_names, "all"]

    def _frame(self, sums: NDArray[np.float64], index: dict[str, Any]) -> pd.DataFrame:
        """Tidy frame from sums of shape ``(n_rows, n_sites, N)``: one row per (row, site)."""
        full = np.concatenate([sums, sums.sum(axis=1, keepdims=True)], axis=1)
        n_rows, n_sites = full.shape[:2]
        cols: dict[str, Any] = {k: np.repeat(np.asarray(v), n_sites) for k, v in index.items()}
        cols["site"] = np.tile(self.site_labels, n_rows)
        for k, v in M.columns(full.reshape(n_rows * n_sites, -1)).items():
            cols[k] = v
        return pd.DataFrame(cols)

    @property
    def intervals(self) -> pd.DataFrame:
        """Per (interval, site) counters and rates, up to the horizon."""
        stop = self.window[1]
        i = np.arange(stop)
        per_day = self.per_day
        return self._frame(self.counts[:stop], {
            "interval": i, "day": i // per_day, "time_h": (i % per_day) * self.interval_s / HOUR_S,
            "warmup": i < self.window[0],
        })

    @property
    def days(self) -> pd.DataFrame:
        """Per (day, site) counters and rates, up to the horizon; ``warmup`` if it overlaps warm-up."""
        per_day = self.per_day
        n_days = math.ceil(self.cfg.days)
        sums = self.counts[: n_days * per_day].reshape(n_days, per_day, *self.counts.shape[1:]).sum(axis=1)
        d = np.arange(n_days)
        return self._frame(sums, {"day": d, "warmup": d < self.cfg.warmup_days})

    @property
    def intraday(self) -> pd.DataFrame:
        """Counters of the measured window summed by interval of the day, with rates: one row per (``time_h``, site)."""
        first, stop = self.window
        per_day = self.per_day
        sums = np.zeros((per_day, *self.counts.shape[1:]))
        np.add.at(sums, np.arange(first, stop) % per_day, self.counts[first:stop])
        return self._frame(sums, {"time_h": np.arange(per_day) * self.cfg.interval_min / MINUTES_PER_HOUR})

    @property
    def agents_at_end(self) -> pd.DataFrame:
        """One row per agent employed at the horizon.

        Columns: site, stage, proficiency, burnout, tenure, KPI misses, skill group, and since hire
        the contacts scored, their mean true satisfaction (``csat``) and the survey answers with
        their satisfied share (``survey_score``; NaN without any).
        """
        a = self.agents
        if a is None:
            raise ValueError("no agent state in this result")
        employed = (a.stage == Stage.CLASSROOM) | (a.stage == Stage.FLOOR)
        return pd.DataFrame({
            "site": np.asarray(self.cfg.site_names)[a.site[employed]],
            "stage": np.where(a.stage[employed] == Stage.FLOOR, "floor", "classroom"),
            "proficiency": a.proficiency[employed],
            "burnout": a.burnout[employed],
            "tenure_days": self.cfg.days - a.hire_day[employed],
            "kpi_misses": a.kpi_misses[employed],
            "skill": [self.cfg.sites[s].skills[g].name if self.cfg.sites[s].skills else "all"
                      for s, g in zip(a.site[employed].tolist(), a.skill[employed].tolist(), strict=True)],
            "contacts_scored": a.csat_n[employed],
            "csat": np.divide(a.csat_sum[employed], a.csat_n[employed], out=np.full(int(employed.sum()), np.nan),
                              where=a.csat_n[employed] > 0),
            "survey_responses": a.survey_n[employed],
            "survey_score": np.divide(a.survey_pos[employed], a.survey_n[employed],
                                      out=np.full(int(employed.sum()), np.nan), where=a.survey_n[employed] > 0),
        })

    def totals(self, *, measured: bool = True) -> NDArray[np.float64]:
        """Counter sums per site, shape ``(n_sites, N)``, over the measured window or all time."""
        first, stop = self.window if measured else (0, self.counts.shape[0])
        return self.counts[first:stop].sum(axis=0)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per site (and ``all``) of measured-window metrics (``metrics.SUMMARY_KEYS`` and more)."""
        first, stop = self.window
        window_s = (stop - first) * self.interval_s
        sums = self.totals()
        hist, resp = self.wait_hist, self.response_hist
        rows = [M.summarise(sums[s], hist[s], window_s, resp[s]) for s in range(sums.shape[0])]
        rows.append(M.summarise(sums.sum(axis=0), hist.sum(axis=0), window_s, resp.sum(axis=0)))
        frame = pd.DataFrame(rows)
        frame.insert(0, "site", self.site_labels)
        return frame

    def summary_dict(self, site: str = "all") -> dict[str, float]:
        """The summary row of one site as a dict."""
        row = self.summary.set_index("site").loc[site]
        return {k: float(v) for k, v in row.items()}

    @property
    def calls(self) -> pd.DataFrame:
        """The per-contact log (needs ``call_log=True``)."""
        if self.call_log is None:
            raise ValueError("no call log: simulate with call_log=True (CLI: --call-log)")
        return pd.DataFrame(self.call_log, columns=list(CALL_LOG_COLUMNS))
