"""The floor of agents: who is on shift, on a break, idle or working, and their fatigue between contacts.

:class:`Floor` owns each agent's mode (``OFF``, ``IDLE``, ``BUSY``, ``BREAK``, ``CHATTING``),
the break or shift end pending until its current work ends, and the shift and break events
of each day's plan (:func:`simulator.workforce.plan_day`). An agent who comes on the floor,
returns from a break or finishes its work without anything pending is handed to ``serve``,
the call flow's dispatcher, which gives it the next contact or leaves it idle.

Fatigue decays between contacts as ``F exp(-dt / tau)``: ``recovery_tau_s`` idle on the floor
and after off-phone work, ``rest_tau_s`` on a rest break and off shift
(``docs/model.md`` 4.7).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
import simpy
from simpy.events import Event, Timeout

from .. import config as C
from .. import workforce as W
from .base import EV_BREAK, EV_SHIFT_END, EV_SHIFT_START, shift_events
from .recorder import K_OVERTIME_S, Recorder
from .state import BREAK, BUSY, CHATTING, IDLE, OFF, SHIFT_END, SiteState


class Floor:
    """Agents' modes, pending breaks and shift ends, and the shift and break events.

    Args:
        env: The run's SimPy environment.
        cfg: The scenario (fatigue time constants).
        agents: The agent state (its rows grow as vacancies are opened: :meth:`grow`).
        live: The per-call agent fields as lists (fatigue).
        sites: The sites' runtime state.
        rec: The recorder (staffed time, overtime).
    """

    def __init__(
        self, env: simpy.Environment, cfg: C.Scenario, agents: W.AgentState, live: W.LiveAgents,
        sites: list[SiteState], rec: Recorder,
    ) -> None:
        self.env = env
        self.agents = agents
        self.live = live
        self.sites = sites
        self.rec = rec
        n = len(agents)
        self.mode = [OFF] * n
        self.pending = [0.0] * n
        """Per agent: 0, a break length (s) to take, or ``SHIFT_END``, once the current work ends."""
        self.pending_rest = [True] * n
        self.shift_end = np.zeros(n)
        self.skill: list[int] = agents.skill.tolist()
        f = cfg.behaviour.fatigue
        self.recovery_tau_s = f.recovery_tau_s
        self.rest_tau_s = f.rest_tau_s or f.recovery_tau_s
        self.serve: Callable[[int, SiteState, float], None] = lambda a, site, now: None
        """The call flow's dispatcher: give free agent ``a`` of ``site`` its next contact, or make it idle."""

    def grow(self, n: int) -> None:
        """Extend the per-agent lists to ``n`` agents (new hires start off shift)."""
        extra = n - len(self.mode)
        if extra > 0:
            self.mode += [OFF] * extra
            self.pending += [0.0] * extra
            self.pending_rest += [True] * extra
            self.shift_end = np.concatenate([self.shift_end, np.zeros(extra)])
            self.skill += self.agents.skill[-extra:].tolist()

    def working(self) -> bool:
        """Whether some agent is on a call, an email or chats."""
        return BUSY in self.mode or CHATTING in self.mode

    def pick_idle(self, site: SiteState, channel: int, now: float) -> int:
        """Take an idle agent of ``site`` who handles ``channel`` (the site's selection rule), or -1."""
        idle = site.idle
        if not idle:
            return -1
        groups = site.groups[channel]
        if groups is None:
            return idle.pop(site.selector.pick(idle, now))
        skill = self.skill
        able = [a for a in idle if skill[a] in groups]
        if not able:
            return -1
        a = able[site.selector.pick(able, now)]
        idle.remove(a)
        return a

    def make_idle(self, a: int, site: SiteState) -> None:
        """Agent ``a`` waits for work on the floor (last in the site's idle list)."""
        self.mode[a] = IDLE
        site.idle.append(a)

    def recover(self, a: int, now: float, tau_s: float) -> None:
        """Bring agent ``a``'s fatigue up to ``now``, decaying with ``tau_s`` since it was last set."""
        live = self.live
        f = live.fatigue[a]
        if f:
            live.fatigue[a] = W.fatigue_now(f, live.fatigue_t[a], now, tau_s)
        live.fatigue_t[a] = now

    def recover_idle(self, a: int, now: float) -> None:
        """Bring agent ``a``'s fatigue up to ``now`` after idle time on the floor."""
        self.recover(a, now, self.recovery_tau_s)

    def release(self, a: int, site: SiteState, now: float) -> None:
        """Agent ``a`` finished its work: a pending break or shift end, else :attr:`serve`."""
        pending = self.pending[a]
        if pending:
            self.pending[a] = 0.0
            self.rec.staff_change(site, -1)
            if pending == SHIFT_END:
                self.mode[a] = OFF
                self.rec.accrue(K_OVERTIME_S, site.index, float(self.shift_end[a]), now, 1.0)
            else:
                self.mode[a] = BREAK
                self._at(pending, self._on_break_end, (a, self.pending_rest[a]))
            return
        self.serve(a, site, now)

    def schedule_shifts(self, plan: W.DayPlan) -> None:
        """Schedule the shift starts and ends and the breaks of the day's plan."""
        now = self.env.now
        callbacks = {EV_SHIFT_START: self._on_shift_start, EV_SHIFT_END: self._on_shift_end, EV_BREAK: self._on_break}
        for t, kind, a, x, rest in zip(*(v.tolist() for v in shift_events(plan, self.shift_end)), strict=True):
            self._at(t - now, callbacks[kind], (a, x) if kind != EV_BREAK else (a, x, rest))

    def _at(self, delay: float, callback: Any, value: Any) -> None:
        ev = Timeout(self.env, delay, value)
        ev.callbacks.append(callback)

    def _on_shift_start(self, ev: Event) -> None:
        a, end = cast("tuple[int, float]", ev.value)
        if self.shift_end[a] < end:
            self.shift_end[a] = end
        mode = self.mode[a]
        if mode == OFF:
            site = self.sites[self.agents.site[a]]
            now = self.env.now
            self.recover(a, now, self.rest_tau_s)
            self.rec.staff_change(site, 1)
            self.serve(a, site, now)
        elif (mode == BUSY or mode == CHATTING) and self.pending[a] == SHIFT_END:
            self.pending[a] = 0.0

    def _leave_floor(self, a: int, mode: int) -> None:
        """Take idle agent ``a`` off the floor into ``mode`` (OFF or BREAK)."""
        site = self.sites[self.agents.site[a]]
        site.idle.remove(a)
        self.mode[a] = mode
        self.recover(a, self.env.now, self.recovery_tau_s)
        self.rec.staff_change(site, -1)

    def _on_shift_end(self, ev: Event) -> None:
        a, end = cast("tuple[int, float]", ev.value)
        if self.shift_end[a] != end:
            return  # a contiguous shift took over
        mode = self.mode[a]
        if mode == IDLE:
            self._leave_floor(a, OFF)
        elif mode == BUSY or mode == CHATTING:
            self.pending[a] = SHIFT_END
        elif mode == BREAK:
            self.mode[a] = OFF

    def _on_break(self, ev: Event) -> None:
        a, length, rest = cast("tuple[int, float, bool]", ev.value)
        mode = self.mode[a]
        if mode == IDLE:
            self._leave_floor(a, BREAK)
            self._at(length, self._on_break_end, (a, rest))
        elif (mode == BUSY or mode == CHATTING) and self.pending[a] == 0.0:
            self.pending[a] = length
            self.pending_rest[a] = rest

    def _on_break_end(self, ev: Event) -> None:
        a, rest = cast("tuple[int, bool]", ev.value)
        if self.mode[a] != BREAK:
            return
        if self.env.now >= self.shift_end[a]:
            self.mode[a] = OFF
            return
        site = self.sites[self.agents.site[a]]
        now = self.env.now
        self.recover(a, now, self.rest_tau_s if rest else self.recovery_tau_s)
        self.rec.staff_change(site, 1)
        self.serve(a, site, now)
