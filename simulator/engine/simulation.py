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

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy
from simpy.events import Event, Timeout

from .. import config as C
from .. import workforce as W
from ..demand import draw_day
from ..result import SimulationResult
from ..routing import AGENT_SELECTORS
from ..units import DAY_S
from .base import Replication
from .floor import Floor
from .flow import CallFlow
from .recorder import Recorder
from .state import BUSY, CHATTING, IDLE, FlowSetup, SiteState


class Simulation(Replication):
    """One replication of a scenario in SimPy: the reference model. Build, then :meth:`run` once.

    Args: as :class:`~simulator.engine.base.Replication`.
    """

    def __init__(
        self, cfg: C.Scenario, *, seed: int, replication: int = 0, call_log: bool = False,
        initial: W.AgentState | None = None,
    ) -> None:
        super().__init__(cfg, seed=seed, replication=replication, call_log=call_log, initial=initial)
        self.env = simpy.Environment()
        self.rec = Recorder(self.env, cfg, self.n_intervals, call_log)
        self.live = W.LiveAgents(self.agents)
        setup = FlowSetup(cfg, seed, replication)
        self.sites = [
            SiteState(i, sc, setup.n_ranks, AGENT_SELECTORS[sc.agent_selection](self.live, cfg.behaviour,
                                                                                 setup.selection))
            for i, sc in enumerate(cfg.sites)
        ]
        self.floor = Floor(self.env, cfg, self.agents, self.live, self.sites, self.rec)
        if self.calendar.always_open:
            for site in self.sites:
                site.sup_on = site.sup_count
        self.flow = CallFlow(self.env, cfg, setup, self.rec, self.floor, self.sites, self.agents,
                             self.live, self.calendar, self.horizon_s)

    def sync_agents(self) -> W.AgentState:
        """Write the event loop's per-agent lists back into the agent arrays; return them."""
        return self.live.store(self.agents)

    def clock(self) -> float:
        """The SimPy clock (seconds)."""
        return float(self.env.now)

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
        busy = np.bincount(self.agents.site[np.asarray(self.floor.mode, dtype=int) == BUSY],
                           minlength=self.n_sites).tolist()
        return self.result(
            self.rec.acc.table(), np.asarray(self.rec.wait_hist, dtype=np.int64),
            np.asarray(self.rec.response_hist, dtype=np.int64),
            waiting=[s.n_waiting for s in self.sites],
            in_service=[int(b) - site.email_in_service + sum(len(self.flow.chats[a]) for a in site.chatting)
                        for b, site in zip(busy, self.sites, strict=True)],
            emails=[len(s.emails) for s in self.sites],
            emails_in_service=[s.email_in_service for s in self.sites],
            end_s=float(env.now), call_log=self.rec.log,
        )

    def _at(self, delay: float, callback: Any, value: Any) -> None:
        ev = Timeout(self.env, delay, value)
        ev.callbacks.append(callback)

    def _days(self) -> Generator[Event, Any, None]:
        cfg, env = self.cfg, self.env
        for day in range(self.n_days + 1):
            # Created first so that, at the next midnight, planning precedes the events
            # this day leaves for that instant (shift ends meeting next shift starts).
            wake = env.timeout(DAY_S)
            now = float(env.now)
            opening = self.open_day(day, now, self.rec.counts, [len(s.emails) for s in self.sites])
            agents = self.agents
            self.floor.grow(len(agents))
            self.flow.grow(len(agents))
            self.floor.schedule_shifts(opening.plan)
            for t, s, n in opening.supervisors:
                self._at(t - now, self.flow.on_supervisor_duty, (self.sites[s], n))
            self.live.load(agents)
            if day < self.n_days:
                self.flow.load_day(draw_day(cfg, self.seed, self.replication, day, self.horizon_s))
            yield wake

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
