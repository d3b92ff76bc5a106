"""One replication: the day calendar that drives the workforce, the floor and the call flow.

Two SimPy processes run the calendar: ``_days`` starts each day (the workforce's day-level
update, the shift plan, supervisors on duty, the day's pre-drawn callers) and ``_ticks``
samples agents at each interval end. The contacts themselves are event callbacks of
:class:`~simulator.engine.flow.CallFlow`; agents' shifts and breaks are
:class:`~simulator.engine.floor.Floor`'s; counters are the
:class:`~simulator.engine.recorder.Recorder`'s.

No I/O here: :meth:`Simulation.run` returns a :class:`~simulator.result.SimulationResult`; the public
:func:`~simulator.spinup.simulate` builds the day-0 workforce (spin-up) and runs it.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy
from simpy.events import Event, Timeout

from .. import config as C
from .. import metrics as M
from .. import workforce as W
from ..costs import book_costs
from ..demand import OpeningCalendar, draw_day
from ..result import SimulationResult
from ..rng import UniformBlocks, stream
from ..routing import AGENT_SELECTORS
from ..units import DAY_S, MINUTE_S
from .floor import Floor
from .flow import CallFlow
from .recorder import Recorder
from .state import BUSY, CHATTING, IDLE, SiteState


class Simulation:
    """One replication of a scenario. Build, then :meth:`run` once.

    Args:
        cfg: The validated scenario.
        seed: Root seed of the run.
        replication: Replication index; with ``seed`` it keys every random stream.
        call_log: Keep one row per finished contact (memory grows with calls).
        initial: The day-0 workforce (e.g. a spin-up's :meth:`close_horizon`); by default
            :meth:`~simulator.workforce.AgentState.initial` draws it from the ``agents`` stream.
    """

    def __init__(
        self, cfg: C.Scenario, *, seed: int, replication: int = 0, call_log: bool = False,
        initial: W.AgentState | None = None,
    ) -> None:
        self.cfg = cfg
        self.seed = seed
        self.replication = replication
        self.env = simpy.Environment()
        self.interval_s = cfg.interval_min * MINUTE_S
        self.horizon_s = cfg.days * DAY_S
        self.n_days = math.ceil(cfg.days)
        self.end_s = (self.n_days + 1) * DAY_S  # one extra day to drain the queues
        self.n_sites = len(cfg.sites)
        self.rec = Recorder(self.env, cfg, int(self.end_s // self.interval_s), call_log)

        self.agents = (W.AgentState.initial(cfg, stream(seed, replication, "agents"),
                                            stream(seed, replication, "resilience"))
                       if initial is None else initial.copy())
        self.workforce = W.Workforce(cfg)
        self.live = W.LiveAgents(self.agents)
        selection = UniformBlocks(stream(seed, replication, "selection"))
        ranks = len({t.priority for t in cfg.demand.call_types})
        self.sites = [
            SiteState(i, sc, ranks, AGENT_SELECTORS[sc.agent_selection](self.live, cfg.behaviour, selection))
            for i, sc in enumerate(cfg.sites)
        ]
        self.floor = Floor(self.env, cfg, self.agents, self.live, self.sites, self.rec)
        self.calendar = OpeningCalendar(cfg, self.n_days)
        if self.calendar.always_open:
            for site in self.sites:
                site.sup_on = site.sup_count
        self.flow = CallFlow(self.env, cfg, seed, replication, self.rec, self.floor, self.sites, self.agents,
                             self.live, self.calendar, self.horizon_s)
        self.email_on = "email" in cfg.channels_used
        self.day = -1
        """The last day opened."""

    # ------------------------------------------------------------------ running

    def run(self, *, drain: bool = True) -> SimulationResult:
        """Simulate the horizon, drain the queues (at most one more day) and collect.

        Args:
            drain: Serve the callers still in the system at the horizon. Without draining,
                the horizon's midnight is not processed, so :meth:`close_horizon` can close
                the last day (a spin-up).
        """
        env = self.env
        env.process(self._days())
        env.process(self._ticks())
        env.run(until=self.horizon_s)
        t = self.horizon_s
        while drain and t < self.end_s and self.flow.in_system():
            t = min(t + 60.0, self.end_s)
            env.run(until=t)
        for site in self.sites:
            self.rec.queue_change(site, 0)
            self.rec.staff_change(site, 0)
        self.live.store(self.agents)
        counts = self.rec.acc.table()
        W.book_new_hire_attrition(counts, self.agents, self.cfg.days, self.interval_s)
        book_costs(counts, self.cfg)
        return SimulationResult(
            cfg=self.cfg,
            seed=self.seed,
            replication=self.replication,
            counts=counts,
            wait_hist=np.asarray(self.rec.wait_hist, dtype=np.int64).reshape(self.n_sites, M.WAIT_BINS),
            response_hist=np.asarray(self.rec.response_hist, dtype=np.int64).reshape(self.n_sites, M.RESPONSE_BINS),
            waiting_at_end=[s.n_waiting for s in self.sites],
            in_service_at_end=[
                int(busy) - site.email_in_service + sum(len(self.flow.chats[a]) for a in site.chatting)
                for busy, site in zip(np.bincount(self.agents.site[np.asarray(self.floor.mode, dtype=int) == BUSY],
                                                  minlength=self.n_sites).tolist(), self.sites, strict=True)
            ],
            emails_at_end=[len(s.emails) for s in self.sites],
            emails_in_service_at_end=[s.email_in_service for s in self.sites],
            end_s=float(env.now),
            call_log=self.rec.log,
            agents=self.agents,
        )

    def close_horizon(self) -> W.AgentState:
        """Close the last day at the horizon's midnight and return the agent state (after :meth:`run`).

        The state is the workforce as the day after the horizon would open it (burnout, KPI
        reviews, leavers and vacancies of the last day applied), with the same random stream
        that midnight would use: a spin-up's end state for another run's day 0.

        Raises:
            RuntimeError: If the run drained into the horizon's midnight, or has not run.
        """
        if self.day != self.n_days - 1 or self.env.now < self.horizon_s:
            raise RuntimeError("close_horizon() needs a finished run(drain=False)")
        agents = self.live.store(self.agents)
        rng = stream(self.seed, self.replication, "agents", self.n_days)
        self.workforce.close_day(agents, self.n_days, rng.random(len(agents)),
                                 stream(self.seed, self.replication, "resilience", self.n_days),
                                 self.workforce.new_counters())
        self.day = self.n_days
        return agents

    def _at(self, delay: float, callback: Any, value: Any) -> None:
        ev = Timeout(self.env, delay, value)
        ev.callbacks.append(callback)

    def _days(self) -> Generator[Event, Any, None]:
        cfg, env = self.cfg, self.env
        for day in range(self.n_days + 1):
            # Created first so that, at the next midnight, planning precedes the events
            # this day leaves for that instant (shift ends meeting next shift starts).
            wake = env.timeout(DAY_S)
            self.day = day
            agents = self.live.store(self.agents)
            day_counts = self.workforce.start_day(agents, day, stream(self.seed, self.replication, "agents", day),
                                                  stream(self.seed, self.replication, "resilience", day))
            self.floor.grow(len(agents))
            self.flow.grow(len(agents))
            plan = W.plan_day(agents, cfg, day)
            agents.worked[:] = False
            agents.worked[plan.agent] = True
            self.floor.schedule_shifts(plan)
            self._schedule_supervisors(day, day_counts)
            self.rec.book_day(day, day_counts)
            if self.email_on and day > 0:
                self.rec.book_backlog(day, self.sites)
            self.live.load(agents)
            if day < self.n_days:
                self.flow.load_day(draw_day(cfg, self.seed, self.replication, day, self.horizon_s))
            yield wake

    def _schedule_supervisors(self, day: int, day_counts: dict[str, np.ndarray]) -> None:
        """Put each site's supervisors on duty for the day's opening hours; add their paid seconds."""
        if self.calendar.always_open:
            paid = DAY_S
        else:
            hours = self.calendar.day_open[day]
            if hours is None:
                return
            now = self.env.now
            for site in self.sites:
                if site.sup_count:
                    self._at(hours[0] - now, self.flow.on_supervisor_duty, (site, site.sup_count))
                    self._at(hours[1] - now, self.flow.on_supervisor_duty, (site, 0))
            paid = hours[1] - hours[0]
        day_counts["supervisor_paid_s"] = np.array([site.sup_count * paid for site in self.sites])

    def _ticks(self) -> Generator[Event, Any, None]:
        tau = self.cfg.behaviour.fatigue.recovery_tau_s
        ns = self.n_sites
        i = 0
        while True:
            yield self.env.timeout(self.interval_s)
            now = self.env.now
            fatigue, fatigue_t = self.live.fatigue, self.live.fatigue_t
            sums, on = [0.0] * ns, [0] * ns
            for a, (m, s) in enumerate(zip(self.floor.mode, self.agents.site.tolist(), strict=True)):
                if m == IDLE:
                    sums[s] += W.fatigue_now(fatigue[a], fatigue_t[a], now, tau)
                elif m == BUSY or m == CHATTING:  # no recovery on a contact
                    sums[s] += fatigue[a]
                else:
                    continue
                on[s] += 1
            self.rec.book_fatigue(i, sums, on)
            i += 1
