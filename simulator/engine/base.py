"""What every engine shares: the run's frame, the day-level workforce that opens each day, the result.

An engine (:class:`~simulator.engine.simulation.Simulation`, the SimPy model, or
:class:`~simulator.engine.fast.FastSimulation`, the compiled one) subclasses :class:`Replication`
and supplies the intraday flow. At each midnight it calls :meth:`Replication.open_day`, which
runs the workforce's day-level update (:meth:`~simulator.workforce.Workforce.start_day`), plans
the shifts and returns what the engine must schedule; both engines therefore share every
day-level number by construction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import config as C
from .. import metrics as M
from .. import workforce as W
from ..costs import book_costs
from ..demand import OpeningCalendar
from ..result import SimulationResult
from ..rng import stream
from ..units import DAY_S, MINUTE_S


@dataclass(frozen=True)
class DayOpening:
    """What a midnight asks the engine to schedule, in this order: shifts and breaks, then supervisors."""

    plan: W.DayPlan
    """The day's shifts and breaks."""
    supervisors: list[tuple[float, int, int]]
    """Supervisor duty changes: ``(time_s, site, on_duty)``, in scheduling order."""


EV_SHIFT_START, EV_SHIFT_END, EV_BREAK = 0, 1, 2
"""Kinds of :func:`shift_events`."""


def shift_events(plan: W.DayPlan, shift_end: np.ndarray) -> tuple[np.ndarray, ...]:
    """The day's shift and break events in scheduling order: arrays ``(time_s, kind, agent, value, rest)``.

    Per agent of the plan: its shift start and end (``value`` the shift end), then each
    scheduled break (``value`` its length, ``rest`` whether it is a rest). A shift starting
    exactly when the agent's current one ends continues it: ``shift_end`` (per agent) is
    moved to the new end, in place.
    """
    contiguous = plan.start_s == shift_end[plan.agent]
    shift_end[plan.agent[contiguous]] = plan.end_s[contiguous]
    n, m = plan.break_start_s.shape
    times = np.column_stack([plan.start_s, plan.end_s, plan.break_start_s]).ravel()
    kinds = np.tile(np.array([EV_SHIFT_START, EV_SHIFT_END, *[EV_BREAK] * m]), n)
    agents = np.repeat(plan.agent, 2 + m)
    values = np.column_stack([plan.end_s, plan.end_s, plan.break_length_s]).ravel()
    rests = np.column_stack([np.zeros((n, 2), dtype=bool), plan.break_rest]).ravel()
    keep = ~np.isnan(times)
    return times[keep], kinds[keep], agents[keep], values[keep], rests[keep]


class Replication:
    """One replication of a scenario, engine-independent parts. Build, then ``run`` once.

    Args:
        cfg: The validated scenario.
        seed: Root seed of the run.
        replication: Replication index; with ``seed`` it keys every random stream.
        call_log: Keep one row per finished contact (memory grows with calls).
        initial: The day-0 workforce (e.g. a spin-up's :meth:`close_horizon`); by default
            :meth:`~simulator.workforce.AgentState.drawn` draws it from the run's streams.
    """

    def __init__(
        self, cfg: C.Scenario, *, seed: int, replication: int = 0, call_log: bool = False,
        initial: W.AgentState | None = None,
    ) -> None:
        self.cfg = cfg
        self.seed = seed
        self.replication = replication
        self.call_log = call_log
        self.interval_s = cfg.interval_min * MINUTE_S
        self.horizon_s = cfg.days * DAY_S
        self.n_days = math.ceil(cfg.days)
        self.end_s = (self.n_days + 1) * DAY_S  # one extra day to drain the queues
        self.n_intervals = int(self.end_s // self.interval_s)
        self.n_sites = len(cfg.sites)
        self.agents = W.AgentState.drawn(cfg, seed, replication) if initial is None else initial.copy()
        self.workforce = W.Workforce(cfg)
        self.calendar = OpeningCalendar(cfg, self.n_days)
        self.email_on = "email" in cfg.channels_used
        self.day = -1
        """The last day opened."""

    # ------------------------------------------------------------------ for the engines

    def sync_agents(self) -> W.AgentState:
        """The agent state with the event loop's per-agent values written back (engines that cache them override)."""
        return self.agents

    def open_day(self, day: int, now: float, counts: Any, emails: list[int]) -> DayOpening:
        """Open ``day`` at its midnight ``now``: workforce update, shift plan, supervisors, day counters.

        ``counts`` is the flat counter buffer (``metrics.Accumulator.counts`` layout);
        ``emails`` the email backlog of each site at this midnight.
        """
        self.day = day
        agents = self.sync_agents()
        day_counts = self.workforce.start_day(agents, day, stream(self.seed, self.replication, "agents", day),
                                              stream(self.seed, self.replication, "resilience", day))
        plan = W.plan_day(agents, self.cfg, day)
        self.workforce.book_staffed(agents, plan, day_counts)
        agents.worked[:] = False
        agents.worked[plan.agent] = True
        supervisors = self._supervisors(day, now, day_counts)
        self._book_day(counts, day, day_counts)
        if self.email_on and day > 0:
            self._book_backlog(counts, day, emails)
        return DayOpening(plan, supervisors)

    def _supervisors(self, day: int, now: float, day_counts: dict[str, np.ndarray]) -> list[tuple[float, int, int]]:
        """Each site's supervisors on duty for the day's opening hours; add their paid seconds."""
        duty: list[tuple[float, int, int]] = []
        if self.calendar.always_open:
            paid = DAY_S
        else:
            hours = self.calendar.day_open[day]
            if hours is None:
                return duty
            for s, sc in enumerate(self.cfg.sites):
                if sc.supervisors.count:
                    duty += [(hours[0], s, sc.supervisors.count), (hours[1], s, 0)]
            paid = hours[1] - hours[0]
        day_counts["supervisor_paid_s"] = np.array([sc.supervisors.count * paid for sc in self.cfg.sites])
        return duty

    def _book_day(self, counts: Any, day: int, day_counts: dict[str, np.ndarray]) -> None:
        """Add the workforce counters of ``day`` to the first interval of the day."""
        i = round(day * DAY_S / self.interval_s)
        if i >= self.n_intervals:
            return
        ns, nc = self.n_sites, M.N_COUNTERS
        for name, values in day_counts.items():
            k = M.K[name]
            for s, v in enumerate(values.tolist()):
                counts[(i * ns + s) * nc + k] += v

    def _book_backlog(self, counts: Any, day: int, emails: list[int]) -> None:
        """Add each site's email backlog at the midnight starting ``day`` to the last interval of ``day - 1``."""
        i = round(day * DAY_S / self.interval_s) - 1
        if i >= self.n_intervals:
            return
        ns, nc = self.n_sites, M.N_COUNTERS
        for s, n in enumerate(emails):
            b = (i * ns + s) * nc
            counts[b + M.K["email_backlog"]] += n
            counts[b + M.K["email_backlog_days"]] += 1

    def result(
        self, counts: np.ndarray, wait_hist: np.ndarray, response_hist: np.ndarray, *, waiting: list[int],
        in_service: list[int], emails: list[int], emails_in_service: list[int], end_s: float,
        call_log: list[tuple[Any, ...]] | None,
    ) -> SimulationResult:
        """The run's result from the engine's counters (shape ``(n_intervals, n_sites, N_COUNTERS)``) and end state."""
        agents = self.sync_agents()
        W.book_new_hire_attrition(counts, agents, self.cfg.days, self.interval_s)
        book_costs(counts, self.cfg)
        return SimulationResult(
            cfg=self.cfg, seed=self.seed, replication=self.replication, counts=counts,
            wait_hist=wait_hist.reshape(self.n_sites, M.WAIT_BINS),
            response_hist=response_hist.reshape(self.n_sites, M.RESPONSE_BINS),
            waiting_at_end=waiting, in_service_at_end=in_service, emails_at_end=emails,
            emails_in_service_at_end=emails_in_service, end_s=end_s, call_log=call_log, agents=agents,
        )

    def close_horizon(self) -> W.AgentState:
        """Close the last day at the horizon's midnight and return the agent state (after ``run(drain=False)``).

        The state is the workforce as the day after the horizon would open it (burnout, KPI
        reviews, leavers and vacancies of the last day applied), with the same random stream
        that midnight would use: a spin-up's end state for another run's day 0.

        Raises:
            RuntimeError: If the run drained into the horizon's midnight, or has not run.
        """
        if self.day != self.n_days - 1 or self.clock() < self.horizon_s:
            raise RuntimeError("close_horizon() needs a finished run(drain=False)")
        agents = self.sync_agents()
        rng = stream(self.seed, self.replication, "agents", self.n_days)
        self.workforce.close_day(agents, self.n_days, rng.random(len(agents)),
                                 stream(self.seed, self.replication, "resilience", self.n_days),
                                 self.workforce.new_counters())
        self.day = self.n_days
        return agents

    def clock(self) -> float:
        """The engine's current time (seconds)."""
        raise NotImplementedError
