"""Agents as a struct of arrays, and the vectorised day-level updates of the workforce.

Agent ``i`` is row ``i`` of every array in :class:`AgentState`. The SimPy engine reads and
writes single entries as calls are served; everything that happens once a day (absences,
shift plans, overnight recovery) is a plain vectorised function of the state here, outside
any SimPy process, so day-level mechanisms (burnout, KPI reviews, quits, hiring) add to these
functions and a compiled intraday engine could reuse them.

Per-call updates (applied by the engine through :func:`learn` and :func:`add_fatigue`):

- learning: ``p <- 1 - (1 - p) exp(-1 / learning_calls)`` after each handled call;
- fatigue: ``F <- F + load (1 - coping p)`` after each call, ``load`` multiplied by
  ``irate_load_multiplier`` for irate callers; between calls ``F`` decays as
  ``F exp(-dt / recovery_tau_s)`` (:func:`fatigue_now`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from . import config as C
from .demand import DAY_S, weekday_of

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


class Stage(IntEnum):
    """Where an agent is in their working life."""

    RECRUITING = 0
    CLASSROOM = 1
    FLOOR = 2
    GONE = 3


def split_by_share(total: int, shares: list[float]) -> list[int]:
    """Split ``total`` into integer counts proportional to ``shares`` (largest remainder)."""
    raw = np.asarray(shares, dtype=float) * total
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return [int(c) for c in counts]


@dataclass
class AgentState:
    """Per-agent state; every field is an array indexed by agent."""

    site: IntArray
    """Index of the agent's site."""
    shift: IntArray
    """Index of the agent's shift in its site's roster."""
    stage: IntArray
    """A :class:`Stage` value."""
    hire_day: FloatArray
    """Day the agent was hired (negative for the initial workforce)."""
    proficiency: FloatArray
    """Proficiency p in [0, 1]."""
    calls_handled: IntArray
    """Calls handled since hire."""
    fatigue: FloatArray
    """Fatigue F as of ``fatigue_t`` (dimensionless, >= 0)."""
    fatigue_t: FloatArray
    """Time (s) at which ``fatigue`` was last brought up to date."""
    burnout: FloatArray
    """Burnout B (dimensionless, >= 0); updated at day ends."""
    kpi_misses: IntArray
    """Consecutive KPI reviews missed."""
    pressure: FloatArray
    """Rushing pressure r in [0, 1] from KPI reviews."""
    absent: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    """Absent today."""

    def __len__(self) -> int:
        return int(self.site.size)

    @classmethod
    def initial(cls, cfg: C.Scenario, rng: np.random.Generator) -> AgentState:
        """The initial workforce: each site's headcount spread over its shifts by share.

        Initial proficiency is uniform on the site's ``initial_proficiency`` range, drawn
        from ``rng`` (the ``agents`` stream), one uniform per agent.
        """
        site, shift, prof = [], [], []
        for s, sc in enumerate(cfg.sites):
            counts = split_by_share(sc.agents, [sh.share for sh in sc.roster.shifts])
            for k, c in enumerate(counts):
                site += [s] * c
                shift += [k] * c
            lo, hi = sc.initial_proficiency
            prof.append(lo + (hi - lo) * rng.random(sc.agents))
        n = len(site)
        return cls(
            site=np.asarray(site, dtype=np.int64),
            shift=np.asarray(shift, dtype=np.int64),
            stage=np.full(n, Stage.FLOOR, dtype=np.int64),
            hire_day=np.full(n, -365.0),
            proficiency=np.concatenate(prof) if prof else np.zeros(0),
            calls_handled=np.zeros(n, dtype=np.int64),
            fatigue=np.zeros(n),
            fatigue_t=np.zeros(n),
            burnout=np.zeros(n),
            kpi_misses=np.zeros(n, dtype=np.int64),
            pressure=np.zeros(n),
            absent=np.zeros(n, dtype=bool),
        )


def learning_factor(behaviour: C.Behaviour) -> float:
    """Per-call factor ``exp(-1/learning_calls)`` on ``1 - p`` (1 when learning is off)."""
    n = behaviour.learning_calls
    return 1.0 if n is None else math.exp(-1.0 / n)


def learn(p: float, factor: float) -> float:
    """Proficiency after one more handled call."""
    return 1.0 - (1.0 - p) * factor


def add_fatigue(f: float, p: float, irate: bool, fatigue: C.Fatigue) -> float:
    """Fatigue after one call: ``F + load (1 - coping p)``."""
    load = fatigue.load_per_call * (fatigue.irate_load_multiplier if irate else 1.0)
    return f + load * (1.0 - fatigue.coping * p)


def fatigue_now(
    fatigue: FloatArray, fatigue_t: FloatArray, now_s: float, tau_s: float, busy: BoolArray
) -> FloatArray:
    """Current fatigue from ``F`` as of ``fatigue_t``; busy agents do not recover on a call."""
    return np.where(busy, fatigue, fatigue * np.exp(-(now_s - fatigue_t) / tau_s))


def draw_absences(state: AgentState, cfg: C.Scenario, rng: np.random.Generator) -> None:
    """Draw today's absences: agent absent with probability ``absence_p`` of its site.

    One uniform per agent from the ``agents`` stream of the day.
    """
    p = np.array([s.absence_p for s in cfg.sites])[state.site]
    state.absent = rng.random(len(state)) < p


@dataclass(frozen=True)
class DayPlan:
    """Who works when on one day; arrays over the agents working that day."""

    agent: IntArray
    """Agent index."""
    start_s: FloatArray
    """Shift start, seconds since the start of day 0."""
    end_s: FloatArray
    """Shift end (seconds)."""
    break_start_s: FloatArray
    """Scheduled break starts, shape ``(n, max_breaks)``, NaN-padded (seconds)."""
    break_length_s: FloatArray
    """Break lengths, same shape (seconds)."""


def plan_day(state: AgentState, cfg: C.Scenario, day: int) -> DayPlan:
    """Shifts and breaks of the agents on the floor, scheduled and present on ``day``."""
    weekday = weekday_of(cfg, day)
    agents, starts, ends, b_start, b_len = [], [], [], [], []
    max_breaks = max((len(sh.breaks) for sc in cfg.sites for sh in sc.roster.shifts), default=0)
    working = (state.stage == Stage.FLOOR) & ~state.absent
    for s, sc in enumerate(cfg.sites):
        for k, sh in enumerate(sc.roster.shifts):
            if weekday not in sh.weekdays:
                continue
            idx = np.flatnonzero(working & (state.site == s) & (state.shift == k))
            if idx.size == 0:
                continue
            start = day * DAY_S + sh.start_h * 3600.0
            bs = np.full(max_breaks, np.nan)
            bl = np.full(max_breaks, np.nan)
            for j, b in enumerate(sh.breaks):
                bs[j] = start + b.start_min * 60.0
                bl[j] = b.length_min * 60.0
            agents.append(idx)
            starts.append(np.full(idx.size, start))
            ends.append(np.full(idx.size, start + sh.length_h * 3600.0))
            b_start.append(np.tile(bs, (idx.size, 1)))
            b_len.append(np.tile(bl, (idx.size, 1)))
    if not agents:
        empty = np.zeros(0)
        return DayPlan(np.zeros(0, dtype=np.int64), empty, empty,
                       np.zeros((0, max_breaks)), np.zeros((0, max_breaks)))
    return DayPlan(
        np.concatenate(agents), np.concatenate(starts), np.concatenate(ends),
        np.concatenate(b_start), np.concatenate(b_len),
    )


class LiveAgents:
    """The per-call fields of :class:`AgentState` as Python lists, for the event loop.

    Reading and writing single numpy elements costs several times a list access, so the
    engine works on these lists during the day and calls :meth:`store` before any day-level
    (vectorised) function reads the arrays, and :meth:`load` after one changed them.
    """

    __slots__ = ("proficiency", "fatigue", "fatigue_t", "pressure", "calls_handled")

    def __init__(self, state: AgentState) -> None:
        self.proficiency: list[float] = []
        self.fatigue: list[float] = []
        self.fatigue_t: list[float] = []
        self.pressure: list[float] = []
        self.calls_handled: list[int] = []
        self.load(state)

    def load(self, state: AgentState) -> None:
        """Copy the arrays of ``state`` into the lists."""
        for name in self.__slots__:
            setattr(self, name, getattr(state, name).tolist())

    def store(self, state: AgentState) -> None:
        """Copy the lists back into the arrays of ``state``."""
        for name in self.__slots__:
            getattr(state, name)[:] = getattr(self, name)
