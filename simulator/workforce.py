"""Agents as a struct of arrays, and the vectorised day-level updates of the workforce.

Agent ``i`` is row ``i`` of every array in :class:`AgentState`. The SimPy engine reads and
writes single entries as calls are served; everything that happens once a day (absences,
shift plans, overnight recovery) is a plain vectorised function of the state here, outside
any SimPy process, so day-level mechanisms (burnout, KPI reviews, quits, hiring) add to these
functions and a compiled intraday engine could reuse them.

Per-call updates (applied by the engine through :func:`learn` and
:meth:`~simulator.formulas.ContactModel.load`):

- learning: ``p <- 1 - (1 - p) exp(-1 / learning_calls)`` after each handled call;
- load: each call adds its load to fatigue ``F`` and to the day's load ``day_load``; between
  calls ``F`` decays as ``F exp(-dt / tau)`` (:func:`fatigue_now`), ``tau`` being
  ``recovery_tau_s`` idle on the floor and ``rest_tau_s`` on a rest break or off shift.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, NamedTuple, Protocol

import numpy as np
from numpy.typing import NDArray

from . import config as C
from . import metrics as M
from .demand import weekday_of
from .distributions import Gamma
from .metrics import NOVICE_P
from .rng import stream
from .units import DAY_S, HOUR_S, MINUTE_S

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


MAX_EXPONENT = 700.0
"""Cap of the exponent of the quit hazard's burnout factor (exp(700) is near the float maximum)."""


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
    """Per-agent state; every field is an array indexed by agent.

    Rows are never removed: a leaver becomes ``GONE`` and a vacancy appends a ``RECRUITING``
    row (:meth:`append`), so agent indices stay valid in the event loop.
    """

    site: IntArray
    """Index of the agent's site."""
    shift: IntArray
    """Index of the agent's shift in its site's roster."""
    stage: IntArray
    """A :class:`Stage` value."""
    hire_day: FloatArray
    """Day the agent started (negative for the initial workforce); for ``RECRUITING`` rows
    the first day the hire can start."""
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
    floor_day: FloatArray
    """Day the agent first took calls (NaN before)."""
    class_left: IntArray
    """Classroom days still to attend."""
    left_day: FloatArray
    """Day the agent left (NaN while employed)."""
    leave_reason: IntArray
    """0 while employed, else :data:`QUIT` or :data:`DISMISSED`."""
    kpi_handle_s: FloatArray
    """Handle time (s) of the voice calls handled since the last KPI review."""
    kpi_calls: IntArray
    """Voice calls handled since the last KPI review (the AHT target reviews voice calls only)."""
    absent: BoolArray
    """Absent today."""
    worked: BoolArray
    """On today's shift plan (scheduled, on the floor and present)."""
    frailty: FloatArray
    """Frailty z > 0, the inverse of resilience, drawn at hire (mean 1): multiplies load and quit hazard."""
    day_load: FloatArray
    """Load taken since the last midnight (sum of the calls' loads); burnout's input at the day's close."""
    skill: IntArray
    """Index of the agent's skill group in its site's ``skills`` (0 when every agent has every channel)."""
    csat_sum: FloatArray
    """Sum of the satisfaction probabilities of the contacts handled since hire (true satisfaction)."""
    csat_n: IntArray
    """Contacts scored for satisfaction since hire (handled, not scams)."""
    survey_n: IntArray
    """Survey responses about the agent's contacts since hire."""
    survey_pos: IntArray
    """Of those, satisfied responses."""
    kpi_csat_from: FloatArray
    """``csat_sum`` at the last KPI review (the period's true satisfaction is the difference)."""
    kpi_csat_n_from: IntArray
    """``csat_n`` at the last KPI review."""
    kpi_survey_n_from: IntArray
    """``survey_n`` at the last KPI review."""
    kpi_survey_pos_from: IntArray
    """``survey_pos`` at the last KPI review."""

    def __len__(self) -> int:
        return int(self.site.size)

    def copy(self) -> AgentState:
        """A deep copy (every array copied)."""
        return AgentState(**{name: arr.copy() for name, arr in vars(self).items()})

    @classmethod
    def empty(cls) -> AgentState:
        """A state with no agents."""
        f, i, b = np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
        return cls(site=i, shift=i, stage=i, hire_day=f, proficiency=f, calls_handled=i, fatigue=f,
                   fatigue_t=f, burnout=f, kpi_misses=i, pressure=f, floor_day=f, class_left=i,
                   left_day=f, leave_reason=i, kpi_handle_s=f, kpi_calls=i, absent=b, worked=b,
                   frailty=f, day_load=f, skill=i, csat_sum=f, csat_n=i, survey_n=i, survey_pos=i,
                   kpi_csat_from=f, kpi_csat_n_from=i, kpi_survey_n_from=i, kpi_survey_pos_from=i)

    def append(
        self, site: IntArray, shift: IntArray, stage: int, hire_day: FloatArray, frailty: FloatArray | None = None,
        skill: IntArray | None = None,
    ) -> None:
        """Append agents with fresh state (zero fatigue and burnout, ``p = 0``).

        ``frailty`` defaults to 1 and ``skill`` (the skill group) to 0.
        """
        n = site.size
        if n == 0:
            return
        nan = np.full(n, np.nan)
        fresh = {
            "site": site, "shift": shift, "stage": np.full(n, stage, dtype=np.int64), "hire_day": hire_day,
            "floor_day": nan, "left_day": nan, "frailty": np.ones(n) if frailty is None else frailty,
            "skill": np.zeros(n, dtype=np.int64) if skill is None else skill,
        }
        for name, arr in vars(self).items():
            extra = fresh.get(name, np.zeros(n, dtype=arr.dtype))
            setattr(self, name, np.concatenate([arr, np.asarray(extra, dtype=arr.dtype)]))

    @classmethod
    def drawn(cls, cfg: C.Scenario, seed: int, replication: int) -> AgentState:
        """The analytic day-0 workforce of run ``(seed, replication)``, as the run draws it (:meth:`initial`).

        From the run's ``agents`` and ``resilience`` streams, so passing it back as a run's
        ``initial`` changes nothing.
        """
        return cls.initial(cfg, stream(seed, replication, "agents"), stream(seed, replication, "resilience"))

    @classmethod
    def initial(cls, cfg: C.Scenario, rng: np.random.Generator, resilience: np.random.Generator) -> AgentState:
        """The day-0 workforce: each site's headcount spread over its shifts by share.

        One uniform per agent from ``rng`` (the ``agents`` stream) and one from ``resilience``.
        With ``initial_proficiency`` set, every agent is tenured and on the floor with ``p``
        uniform on that range. Otherwise frailty and tenure follow :func:`initial_frailty`
        and :func:`initial_tenure`.
        """
        state = cls.empty()
        cv = cfg.behaviour.frailty_cv
        for s, sc in enumerate(cfg.sites):
            counts = split_by_share(sc.agents, [sh.share for sh in sc.roster.shifts])
            shift = np.repeat(np.arange(len(counts)), counts)
            u = rng.random(sc.agents)
            z = initial_frailty(cv, resilience.random(sc.agents))
            first = len(state)
            skill = spread_groups(sc.agents, [g.share for g in sc.skills] if sc.skills else [1.0])
            state.append(np.full(sc.agents, s), shift, Stage.FLOOR, np.full(sc.agents, -365.0), z, skill)
            rows = slice(first, len(state))
            if sc.initial_proficiency is not None:
                lo, hi = sc.initial_proficiency
                state.proficiency[rows] = lo + (hi - lo) * u
                state.floor_day[rows] = -365.0
                continue
            tenure = initial_tenure(sc, u, z)
            stage, p, floor_day, class_left = _from_tenure(sc, cfg.behaviour, tenure)
            state.stage[rows], state.proficiency[rows] = stage, p
            state.hire_day[rows], state.floor_day[rows], state.class_left[rows] = -tenure, floor_day, class_left
        return state


FULL_TIME_DAYS_PER_YEAR = 52 * 5
"""Working days of a full-time year, over which paid leave is spread."""

DAYS_PER_YEAR = 365
"""Days of a year: a staffing plan schedules agents every day, so its leave is spread over all of them."""

QUIT, DISMISSED = 1, 2
"""``leave_reason`` codes."""

CLASS_WEEKDAYS = frozenset({"mon", "tue", "wed", "thu", "fri"})
"""Weekdays on which classroom training runs."""


GOLDEN_FRACTION = (math.sqrt(5.0) - 1.0) / 2.0
"""Step of the low-discrepancy sequence that spreads skill groups over the agents in shift order."""


def spread_groups(total: int, shares: list[float]) -> IntArray:
    """Group of each of ``total`` agents: exact counts by :func:`split_by_share`, spread evenly.

    Agent ``i`` gets rank ``frac(i x 0.618...)`` among the ``total``; groups fill the ranks in
    order. Agents are listed by shift, so every shift gets about its share of each group.
    """
    counts = split_by_share(total, shares)
    order = np.argsort((np.arange(total) * GOLDEN_FRACTION) % 1.0, kind="stable")
    group = np.empty(total, dtype=np.int64)
    group[order] = np.repeat(np.arange(len(counts)), counts)
    return group


def quit_hazard_base(annual_quit_rate: float) -> float:
    """Daily base hazard ``h0 = -ln(1 - q) / 365`` of an annual quit probability ``q``."""
    return -math.log1p(-annual_quit_rate) / 365.0


def entry_proficiency(training: C.Training) -> float:
    """Proficiency on leaving the classroom: ``p0 = 1 - (1 - p_entry) exp(-classroom_days / tau_days)``."""
    return 1.0 - (1.0 - training.p_entry) * math.exp(-training.classroom_days / training.tau_days)


def hire_frailty(cv: float, u: FloatArray) -> FloatArray:
    """Frailty of new hires from uniforms ``u``: Gamma with mean 1 and coefficient of variation ``cv``."""
    return np.ones(u.size) if cv == 0 else Gamma(1.0, cv).ppf(u)


def initial_frailty(cv: float, u: FloatArray) -> FloatArray:
    """Frailty of the agents present in a steady state, from uniforms ``u``.

    Hires draw ``z ~ Gamma(k, 1/k)``, ``k = 1 / cv^2``, and an agent of frailty ``z`` stays
    ``1 / (z h)`` on average under a hazard ``z h``, so the agents present at a time have
    density proportional to ``g(z) / z``: ``Gamma(k - 1, 1/k)``, with mean ``1 - cv^2`` and
    coefficient of variation ``cv / sqrt(1 - cv^2)`` (``cv < 1``, schema). The least resilient
    are under-represented among the present, as they leave first.
    """
    if cv == 0:
        return np.ones(u.size)
    return Gamma(1.0 - cv**2, cv / math.sqrt(1.0 - cv**2)).ppf(u)


def initial_tenure(site: C.Site, u: FloatArray, frailty: FloatArray) -> FloatArray:
    """Tenure (days) of day-0 agents from uniforms ``u``: exponential with the configured mean / frailty.

    The mean defaults to ``1 / h0``: with a constant quit hazard ``z h0`` and every leaver
    replaced, the tenure of the agents of frailty ``z`` present at any time is exponential
    with mean ``1 / (z h0)``, so the run starts in the steady state of the base quit process
    (a spin-up, ``spinup_days``, adds burnout, early-tenure quits and dismissals). Without
    quits the tenure is infinite (a veteran floor).
    """
    mean = site.initial_workforce.mean_tenure_days
    if mean is None:
        h0 = quit_hazard_base(site.attrition.annual_quit_rate)
        mean = math.inf if h0 == 0 else 1.0 / h0
    with np.errstate(invalid="ignore"):
        return -mean / frailty * np.log1p(-u) if math.isfinite(mean) else np.full(u.size, math.inf)


def _from_tenure(
    site: C.Site, behaviour: C.Behaviour, tenure: FloatArray
) -> tuple[IntArray, FloatArray, FloatArray, IntArray]:
    """Stage, proficiency, floor day and classroom days left of agents with ``tenure`` days."""
    course_days = site.training.classroom_days * 7.0 / 5.0  # classroom runs Mon-Fri
    in_class = tenure < course_days
    on_floor_days = np.where(in_class, 0.0, tenure - course_days)
    p0 = entry_proficiency(site.training)
    n_learn = behaviour.learning_calls
    with np.errstate(invalid="ignore"):
        gap = (1.0 - p0) * np.exp(-on_floor_days * site.initial_workforce.calls_per_day / n_learn) \
            if n_learn is not None else np.full(tenure.size, 1.0 - p0)
    p = np.where(np.isinf(tenure), 1.0, np.where(in_class, 0.0, 1.0 - gap))
    stage = np.where(in_class, Stage.CLASSROOM, Stage.FLOOR).astype(np.int64)
    floor_day = np.where(in_class, np.nan, -on_floor_days)
    class_left = np.where(in_class, np.ceil((course_days - tenure) * 5.0 / 7.0), 0).astype(np.int64)
    return stage, p, floor_day, class_left


def preparedness_multiplier(site: C.Site) -> float:
    """Early quit-hazard multiplier of a hire leaving the site's classroom (``docs/model.md``, Preparedness).

    ``1 + (unprepared_quit_multiplier - 1) x shortfall``, with the shortfall of the entry
    proficiency ``p0`` below ``ready_p`` as a share of the whole way from ``p_entry``:
    ``shortfall = clip((ready_p - p0) / (ready_p - p_entry), 0, 1)``. A hire trained to
    ``ready_p`` has 1; one put on the phones untrained has ``unprepared_quit_multiplier``.
    """
    t = site.training
    gap = t.ready_p - t.p_entry
    if gap <= 0:
        return 1.0
    shortfall = min(max((t.ready_p - entry_proficiency(t)) / gap, 0.0), 1.0)
    return 1.0 + (site.attrition.unprepared_quit_multiplier - 1.0) * shortfall


def learning_factor(behaviour: C.Behaviour) -> float:
    """Per-call factor ``exp(-1/learning_calls)`` on ``1 - p`` (1 when learning is off)."""
    n = behaviour.learning_calls
    return 1.0 if n is None else math.exp(-1.0 / n)


def learn(p: float, factor: float) -> float:
    """Proficiency after one more handled call."""
    return 1.0 - (1.0 - p) * factor


def fatigue_now(fatigue: float, fatigue_t: float, now_s: float, tau_s: float) -> float:
    """Fatigue at ``now_s`` of an agent resting since ``fatigue_t`` (``F`` then): ``F exp(-(now - t) / tau)``.

    A scalar function (``math.exp``): both engines evaluate it alike, to the last bit.
    """
    return fatigue * math.exp(-(now_s - fatigue_t) / tau_s)


DAY_COUNTERS: tuple[str, ...] = (
    "employed_days", "classroom_days", "novice_days", "experienced_days", "vacancy_days",
    "scheduled_days", "absent_days", "quits", "dismissals", "hires", "kpi_reviews", "kpi_misses",
    "burnout_sum", "proficiency_sum", "paid_s", "leave_days", "supervisor_paid_s",  # the last filled by the engine
    "shift_paid_s", "proficient_reached", "days_to_proficiency", "month1_days", "month1_ht_multiplier",
    "csat_reviews", "csat_misses", "csat_unfair_dismissals",
)
"""Per-site counters of :meth:`Workforce.new_counters` (see ``metrics.COUNTERS``)."""


class Vacancies(NamedTuple):
    """Vacancies a hiring policy opens at one midnight: one entry per new ``RECRUITING`` row."""

    site: IntArray
    """Site of each vacancy."""
    shift: IntArray
    """Shift (index in the site's roster) of the hire."""
    skill: IntArray
    """Skill group (index in the site's ``skills``) of the hire."""
    hire_day: FloatArray
    """Earliest start day: the midnight's day plus the site's ``lead_time_days``."""


class HiringPolicy(Protocol):
    """A hiring policy: which vacancies open at the midnight starting ``day`` (``docs/model.md``, 7.6).

    Implementations are built with the scenario and the mask of the sites they govern
    (``sites.N.hiring.policy``), read the state after the night's separations and must not
    change it; :meth:`Workforce.close_day` appends their vacancies.
    """

    def __init__(self, cfg: C.Scenario, sites: BoolArray) -> None: ...

    def vacancies(self, state: AgentState, day: int, leavers: BoolArray) -> Vacancies:
        """Vacancies opened tonight; ``leavers`` marks the agents who left tonight (quit or dismissed)."""
        ...


class Backfill:
    """Each leaver of a site with ``backfill: true`` opens one vacancy with the leaver's shift and skill group.

    Args:
        cfg: The scenario.
        sites: The sites whose ``hiring.policy`` is ``backfill``.
    """

    def __init__(self, cfg: C.Scenario, sites: BoolArray) -> None:
        self.on = sites & np.array([s.hiring.backfill for s in cfg.sites], dtype=bool)
        """Sites whose leavers are replaced."""
        self.lead_time = np.array([s.hiring.lead_time_days for s in cfg.sites], dtype=float)
        """Lead time of each site (days)."""

    def vacancies(self, state: AgentState, day: int, leavers: BoolArray) -> Vacancies:
        """One vacancy per leaver of a backfilled site, in agent-row order."""
        rows = np.flatnonzero(leavers & self.on[state.site])
        site = state.site[rows]
        return Vacancies(site, state.shift[rows], state.skill[rows], day + self.lead_time[site])


class OrderUpTo:
    """Periodic review, order up to a level of proficiency-weighted headcount (Gans & Zhou 2002).

    At the midnight starting day ``d``, for each governed site with ``d mod review_days = 0``:
    ``position = sum(p over floor agents) + w x (classroom + recruiting agents)``, ``w`` the
    site's ``pipeline_p`` (default ``p0``); ``level(d) = level x (1 + g)^(d / 365)``; hires
    ``n = min(ceil((level(d) - position) / w), class_capacity)`` if positive, else 0. Each
    hire goes to the shift, then the skill group, furthest below its configured share of the
    site's headcount (employed plus recruiting), ties to the first. Leavers open no vacancy.

    Args:
        cfg: The scenario.
        sites: The sites whose ``hiring.policy`` is ``order_up_to``.

    Raises:
        ValueError: if a governed site counts its pipeline at proficiency 0 (``p_entry = 0``
            without classroom days and no ``pipeline_p``).
    """

    def __init__(self, cfg: C.Scenario, sites: BoolArray) -> None:
        self.sites: list[int] = np.flatnonzero(sites).tolist()
        """Indices of the governed sites."""
        self.cfg = cfg
        self.weight = np.array([s.hiring.pipeline_p if s.hiring.pipeline_p is not None
                                else entry_proficiency(s.training) for s in cfg.sites])
        """Proficiency ``w`` at which a hire in the pipeline counts, per site."""
        for s in self.sites:
            if self.weight[s] <= 0:
                raise ValueError(f"sites.{cfg.sites[s].name}.hiring: order_up_to counts the pipeline at the entry "
                                 "proficiency p0, which is 0; set hiring.pipeline_p")

    def level(self, site: int, day: float) -> float:
        """The site's order-up-to level on ``day`` (proficient FTE): ``level x (1 + g)^(day / 365)``."""
        h = self.cfg.sites[site].hiring
        assert h.level is not None  # schema: required for order_up_to
        return h.level * (1.0 + h.level_growth_per_year) ** (day / 365.0)

    def position(self, state: AgentState, site: int) -> float:
        """Proficiency-weighted headcount of ``site`` (proficient FTE): floor ``p`` plus ``w`` per pipeline hire."""
        here = state.site == site
        floor = here & (state.stage == Stage.FLOOR)
        pipeline = here & ((state.stage == Stage.CLASSROOM) | (state.stage == Stage.RECRUITING))
        return float(state.proficiency[floor].sum()) + float(self.weight[site]) * int(pipeline.sum())

    def order(self, state: AgentState, site: int, day: int) -> int:
        """Hires ordered at a review of ``site`` on ``day``: ``min(ceil((level - position) / w), capacity)``, >= 0."""
        gap = (self.level(site, day) - self.position(state, site)) / float(self.weight[site])
        n = max(0, math.ceil(gap - 1e-9))
        capacity = self.cfg.sites[site].hiring.class_capacity
        return n if capacity is None else min(n, capacity)

    def vacancies(self, state: AgentState, day: int, leavers: BoolArray) -> Vacancies:
        """The vacancies of tonight's reviews, site by site (none on other days)."""
        out: list[Vacancies] = []
        for s in self.sites:
            sc = self.cfg.sites[s]
            if day % sc.hiring.review_days:
                continue
            n = self.order(state, s, day)
            if n == 0:
                continue
            held = (state.site == s) & (state.stage != Stage.GONE)
            shift = fill_shares(n, [sh.share for sh in sc.roster.shifts], state.shift[held])
            skill = fill_shares(n, [g.share for g in sc.skills] if sc.skills else [1.0], state.skill[held])
            out.append(Vacancies(np.full(n, s, dtype=np.int64), shift, skill,
                                 np.full(n, day + sc.hiring.lead_time_days)))
        if not out:
            return Vacancies(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                             np.zeros(0))
        return Vacancies(*(np.concatenate(parts) for parts in zip(*out, strict=True)))


def fill_shares(n: int, shares: list[float], current: IntArray) -> IntArray:
    """Groups of ``n`` new members, each to the group furthest below its share (ties: the first group).

    ``current`` holds the group of each present member. The ``i``-th new member goes to
    ``argmax_k(share_k x (m + i + 1) - count_k)``, ``m`` the present members and ``count_k``
    the members of group ``k`` so far (new ones included).
    """
    share = np.asarray(shares, dtype=float)
    count = np.bincount(current, minlength=share.size).astype(float)[: share.size]
    total = float(current.size)
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        total += 1.0
        k = int(np.argmax(share * total - count))
        out[i] = k
        count[k] += 1.0
    return out


HIRING_POLICIES: dict[str, type[HiringPolicy]] = {"backfill": Backfill, "order_up_to": OrderUpTo}
"""Hiring policies by ``sites.N.hiring.policy`` name; their vacancies are appended in this order."""


def hiring_policies(cfg: C.Scenario) -> list[HiringPolicy]:
    """One policy object per policy some site uses, in :data:`HIRING_POLICIES` order."""
    names = np.array([s.hiring.policy for s in cfg.sites])
    return [cls(cfg, names == name) for name, cls in HIRING_POLICIES.items() if (names == name).any()]


class Workforce:
    """The day-level workforce process of one scenario: every update is vectorised over agents.

    At each midnight the engine calls :meth:`close_day` for the day that ended (burnout, KPI
    reviews, dismissals, quits, vacancies), then :meth:`open_day` for the new one (hires
    starting, graduation, classroom attendance, absences), both adding to the day's per-site
    counters (:meth:`new_counters`).
    Per-site parameters are held as arrays over sites and indexed by ``state.site``.
    Equations: ``docs/model.md``, Agents.
    """

    def __init__(self, cfg: C.Scenario) -> None:
        self.cfg = cfg
        sites = cfg.sites
        self.n_sites = len(sites)

        def arr(f: Any, dtype: type = float) -> NDArray[Any]:
            return np.array([f(s) for s in sites], dtype=dtype)

        self.absence_p = arr(lambda s: s.absence_p)
        self.recognition = arr(lambda s: s.recognition)
        self.h0 = arr(lambda s: quit_hazard_base(s.attrition.annual_quit_rate))
        self.quit_burnout = arr(lambda s: s.attrition.quit_burnout)
        self.early_days = arr(lambda s: s.attrition.early_tenure_days)
        self.early_mult = arr(lambda s: s.attrition.early_quit_multiplier)
        self.outside = arr(lambda s: s.attrition.outside_options)
        self.retention = arr(lambda s: 1.0 - s.attrition.recognition_retention * s.recognition)
        self.prepared = arr(preparedness_multiplier)
        self.shock_days = arr(lambda s: s.attrition.reality_shock_days)
        self.leave_days = arr(lambda s: s.leave_days_per_year)
        self.frailty_cv = cfg.behaviour.frailty_cv
        self.stuck = arr(lambda s: 1.0 + s.attrition.stuck_absence * max(0.0, 1.0 - s.attrition.outside_options))
        self.hiring = hiring_policies(cfg)
        """The sites' hiring policies, one object per policy in use (:data:`HIRING_POLICIES` order)."""
        self.classroom_days = arr(lambda s: s.training.classroom_days, np.int64)
        self.classroom_s = arr(lambda s: s.training.classroom_hours_per_day * HOUR_S)
        self.class_interval = arr(lambda s: s.training.class_interval_days or 0, np.int64)
        self.p0 = arr(lambda s: entry_proficiency(s.training))
        self.aht_target = arr(lambda s: np.nan if s.kpi.aht_target_s is None else s.kpi.aht_target_s)
        self.review_days = arr(lambda s: s.kpi.review_days, np.int64)
        self.grace = arr(lambda s: s.kpi.grace_days)
        self.min_calls = arr(lambda s: s.kpi.min_calls, np.int64)
        self.csat_target = arr(lambda s: np.nan if s.kpi.csat_target is None else s.kpi.csat_target)
        self.csat_min_responses = arr(lambda s: s.kpi.csat_min_responses, np.int64)
        self.dismiss_after = arr(lambda s: s.kpi.misses_to_dismiss or 0, np.int64)
        self.pressure_step = arr(lambda s: s.kpi.pressure_step)
        b = cfg.behaviour.burnout
        self.decay = math.exp(-1.0 / b.tau_days)
        self.burnout_cfg = b
        # Shifts flattened over sites: global id = offset[site] + shift.
        shifts = [sh for sc in sites for sh in sc.roster.shifts]
        self.shift_offset = np.cumsum([0] + [len(sc.roster.shifts) for sc in sites[:-1]]).astype(np.int64)
        # A site with a staffing plan schedules every floor agent every day and pays the staffed spells.
        self.staffed = arr(lambda s: s.staffing is not None, bool)
        per_shift = [len(sc.roster.shifts) for sc in sites]
        staffed = np.repeat(self.staffed, per_shift)
        self.works = {wd: np.array([wd in sh.weekdays for sh in shifts]) | staffed for wd in C.WEEKDAYS}
        self.shift_paid_s = {wd: np.where(staffed, 0.0, [paid_shift_s(sh, wd) for sh in shifts])
                             for wd in C.WEEKDAYS}
        # Paid leave: a full-time year's leave days over its 52 x 5 working days, any week length (pro rata);
        # over every day of the year where a staffing plan schedules agents daily.
        days_per_year = np.where(staffed, DAYS_PER_YEAR, FULL_TIME_DAYS_PER_YEAR)
        self.leave_p = np.minimum(np.repeat(self.leave_days, per_shift) / days_per_year, 1.0)
        # Calibration bookkeeping (reads the state, changes nothing): who has been seen proficient.
        self.novice_slowdown = cfg.behaviour.novice_slowdown
        self.proficient_p = M.proficient_p(self.novice_slowdown)
        self.reached: BoolArray | None = None
        """Agents seen at ``p >= proficient_p`` on the floor at some census (None before the first)."""

    def start_day(
        self, state: AgentState, day: int, rng: np.random.Generator, resilience: np.random.Generator
    ) -> dict[str, FloatArray]:
        """Close day ``day - 1`` (from day 1 on) and open day ``day``; return the day's per-site counters.

        Args:
            state: Agent state, updated in place (rows may be appended for vacancies).
            day: The day starting now.
            rng: The day's ``agents`` stream: one uniform per agent for quits, then one per
                agent for absences and leave.
            resilience: The day's ``resilience`` stream: one uniform per vacancy opened (on day 0
                only order-up-to reviews open any).
        """
        count = self.new_counters()
        u_quit = rng.random(len(state))
        if day > 0:
            self.close_day(state, day, u_quit, resilience, count)
        else:  # nothing to close, but an order-up-to site reviews on day 0 too (no leavers: backfill opens none)
            self._open_vacancies(state, day, np.zeros(len(state), dtype=bool), resilience)
        self.open_day(state, day, rng.random(len(state)), count)
        return count

    def new_counters(self) -> dict[str, FloatArray]:
        """Zeroed per-site day counters (:data:`DAY_COUNTERS`)."""
        return {name: np.zeros(self.n_sites) for name in DAY_COUNTERS}

    def close_day(
        self, state: AgentState, day: int, u_quit: FloatArray, resilience: np.random.Generator,
        count: dict[str, FloatArray],
    ) -> None:
        """Close day ``day - 1`` at the midnight starting ``day``: burnout, KPI reviews, leavers, vacancies.

        Args:
            state: Agent state, updated in place (rows are appended for vacancies).
            day: The day starting now (at least 1).
            u_quit: One uniform per agent (the day's ``agents`` stream) deciding quits.
            resilience: The day's ``resilience`` stream: the frailty of each vacancy's hire.
            count: The day's counters, added to.
        """
        self._burnout(state)
        dismissed = self._review(state, day, count)
        quits = self._quits(state, day, u_quit) & ~dismissed
        self._separate(state, day, quits, QUIT, count["quits"])
        self._separate(state, day, dismissed, DISMISSED, count["dismissals"])
        self._open_vacancies(state, day, quits | dismissed, resilience)

    def _open_vacancies(
        self, state: AgentState, day: int, leavers: BoolArray, resilience: np.random.Generator
    ) -> None:
        """Append the vacancies the sites' hiring policies open tonight, with their hires' frailties.

        The policies' vacancies are appended in :data:`HIRING_POLICIES` order (``backfill`` first,
        in agent-row order of the leavers), with one uniform per vacancy drawn from
        ``resilience`` in one call: without an ``order_up_to`` site, the draws and rows are
        those of backfill alone.
        """
        new = [policy.vacancies(state, day, leavers) for policy in self.hiring]
        site, shift, skill, hire_day = (np.concatenate([getattr(v, f) for v in new]) if new else np.zeros(0)
                                        for f in Vacancies._fields)
        z = hire_frailty(self.frailty_cv, resilience.random(site.size))
        state.append(site.astype(np.int64), shift.astype(np.int64), Stage.RECRUITING, hire_day.astype(float), z,
                     skill.astype(np.int64))

    def open_day(self, state: AgentState, day: int, u_absence: FloatArray, count: dict[str, FloatArray]) -> None:
        """Open ``day``: hires starting, graduation, classroom attendance, absences, census.

        Args:
            state: Agent state, updated in place.
            day: The day starting now.
            u_absence: One uniform per agent (after any rows :meth:`close_day` appended).
            count: The day's counters, added to.
        """
        self._start_hires(state, day, count["hires"])
        self._graduate(state, day)
        self._classroom(state, day, count["paid_s"])
        self._absences(state, day, u_absence, count)
        self._census(state, count)
        self._calibration_census(state, day, count)

    def book_staffed(self, state: AgentState, plan: DayPlan, count: dict[str, FloatArray]) -> None:
        """Add the spells of sites with a staffing plan to the day's paid time (``paid_s``, ``shift_paid_s``)."""
        if not self.staffed.any():
            return
        site = state.site[plan.agent]
        keep = self.staffed[site]
        paid = np.bincount(site[keep], weights=(plan.end_s - plan.start_s)[keep], minlength=self.n_sites)
        count["paid_s"] += paid
        count["shift_paid_s"] += paid

    def _bincount(self, state: AgentState, mask: BoolArray, weights: FloatArray | None = None) -> FloatArray:
        w = None if weights is None else weights[mask]
        return np.bincount(state.site[mask], weights=w, minlength=self.n_sites).astype(float)

    def _burnout(self, state: AgentState) -> None:
        """``B <- max(0, B exp(-1/tau) + w_load L - relief x recognition)`` on worked days, decay only otherwise.

        ``L`` is the day's load (``state.day_load``), which is then reset for the next day.
        """
        b = self.burnout_cfg
        employed = (state.stage == Stage.CLASSROOM) | (state.stage == Stage.FLOOR)
        state.burnout[employed] *= self.decay
        w = state.worked
        gain = b.load_weight * state.day_load[w] - b.recognition_relief * self.recognition[state.site[w]]
        state.burnout[w] = np.maximum(state.burnout[w] + gain, 0.0)
        state.day_load[:] = 0.0

    def _review(self, state: AgentState, day: int, count: dict[str, FloatArray]) -> BoolArray:
        """KPI reviews due today; returns who is dismissed.

        An agent past the grace period is reviewed on each target its site sets and for which it
        has enough data in the period (``min_calls`` calls; ``csat_min_responses`` survey
        responses); missing any reviewed target is a miss (burnout, and towards dismissal).
        Rushing pressure ``r`` moves with the AHT review only: up on an AHT miss, down when the
        AHT target is met.
        """
        s = state.site
        has_kpi = ~np.isnan(self.aht_target[s]) | ~np.isnan(self.csat_target[s])
        due = (state.stage == Stage.FLOOR) & has_kpi & (day % self.review_days[s] == 0)
        if not due.any():
            return np.zeros(len(state), dtype=bool)
        graced = due & (day - state.floor_day >= self.grace[s])
        calls = state.kpi_calls
        aht_reviewed = graced & ~np.isnan(self.aht_target[s]) & (calls >= self.min_calls[s])
        responses = state.survey_n - state.kpi_survey_n_from
        csat_reviewed = graced & ~np.isnan(self.csat_target[s]) & (responses >= self.csat_min_responses[s])
        eligible = aht_reviewed | csat_reviewed
        with np.errstate(invalid="ignore", divide="ignore"):
            csat_missed = csat_reviewed & ((state.survey_pos - state.kpi_survey_pos_from) / responses
                                           < self.csat_target[s])
            aht_missed = aht_reviewed & (state.kpi_handle_s / calls > self.aht_target[s])
            missed = aht_missed | csat_missed
            true_met = ((state.csat_sum - state.kpi_csat_from) / (state.csat_n - state.kpi_csat_n_from)
                        >= self.csat_target[s])
        met = eligible & ~missed
        state.kpi_misses[missed] += 1
        state.kpi_misses[met] = 0
        # Rushing pressure answers the handle-time target only: shorter calls do not raise a survey score.
        step = self.pressure_step[s]
        state.pressure[:] = np.where(aht_missed, np.minimum(state.pressure + step, 1.0),
                                     np.where(aht_reviewed & ~aht_missed, np.maximum(state.pressure - step, 0.0),
                                              state.pressure))
        state.burnout[missed] += self.burnout_cfg.kpi_weight
        state.kpi_handle_s[due] = 0.0
        state.kpi_calls[due] = 0
        for name in ("csat", "csat_n", "survey_n", "survey_pos"):
            getattr(state, f"kpi_{name}_from")[due] = getattr(state, "csat_sum" if name == "csat" else name)[due]
        count["kpi_reviews"] += self._bincount(state, eligible)
        count["kpi_misses"] += self._bincount(state, missed)
        count["csat_reviews"] += self._bincount(state, csat_reviewed)
        count["csat_misses"] += self._bincount(state, csat_missed)
        dismissed = missed & (self.dismiss_after[s] > 0) & (state.kpi_misses >= self.dismiss_after[s])
        count["csat_unfair_dismissals"] += self._bincount(state, dismissed & csat_missed & true_met)
        return dismissed

    def _quits(self, state: AgentState, day: int, u: FloatArray) -> BoolArray:
        """Daily hazard ``h0 exp(k B) x outside x (1 - retention x recognition) x early``."""
        employed = (state.stage == Stage.CLASSROOM) | (state.stage == Stage.FLOOR)
        return employed & (u < self.quit_probability(state, day))

    def quit_probability(self, state: AgentState, day: int) -> FloatArray:
        """Probability that each agent quits today: ``1 - exp(-h)`` of the daily hazard ``h``, in [0, 1].

        ``h = h0 z exp(quit_burnout B) x outside x (1 - retention x recognition) x early x
        prepared``, with ``z`` the agent's frailty, ``early`` the early-tenure multiplier in the
        first ``early_tenure_days`` since hire and ``prepared`` (:func:`preparedness_multiplier`)
        in the first ``reality_shock_days`` on the floor. The exponent is capped at
        :data:`MAX_EXPONENT` so that a huge burnout gives a probability of 1, not an overflow.
        """
        s = state.site
        early = np.where(day - state.hire_day < self.early_days[s], self.early_mult[s], 1.0)
        with np.errstate(invalid="ignore"):
            shock = np.where(day - state.floor_day < self.shock_days[s], self.prepared[s], 1.0)
        burnout_factor = np.exp(np.minimum(self.quit_burnout[s] * state.burnout, MAX_EXPONENT))
        h = self.h0[s] * state.frailty * burnout_factor * self.outside[s] * self.retention[s] * early * shock
        return -np.expm1(-h)

    def _separate(self, state: AgentState, day: int, who: BoolArray, reason: int, counter: FloatArray) -> None:
        state.stage[who] = Stage.GONE
        state.left_day[who] = day
        state.leave_reason[who] = reason
        counter += self._bincount(state, who)

    def _start_hires(self, state: AgentState, day: int, counter: FloatArray) -> None:
        """Hires whose lead time is over start, on a class start day if classes are batched."""
        s = state.site
        interval = self.class_interval[s]
        start = (state.stage == Stage.RECRUITING) & (state.hire_day <= day) & (
            (interval == 0) | (day % np.maximum(interval, 1) == 0))
        state.stage[start] = Stage.CLASSROOM
        state.hire_day[start] = day
        state.class_left[start] = self.classroom_days[s[start]]
        counter += self._bincount(state, start)

    def _graduate(self, state: AgentState, day: int) -> None:
        """Hires with no classroom days left go on the floor at ``p0``."""
        done = (state.stage == Stage.CLASSROOM) & (state.class_left <= 0)
        state.stage[done] = Stage.FLOOR
        state.proficiency[done] = self.p0[state.site[done]]
        state.floor_day[done] = day
        state.kpi_calls[done] = 0

    def _classroom(self, state: AgentState, day: int, paid_s: FloatArray) -> None:
        """Classroom runs Mon-Fri; each attended day is paid and counts down the course."""
        if weekday_of(self.cfg, day) not in CLASS_WEEKDAYS:
            return
        attend = state.stage == Stage.CLASSROOM
        state.class_left[attend] -= 1
        paid_s += self._bincount(state, attend, self.classroom_s[state.site])

    def _absences(self, state: AgentState, day: int, u: FloatArray, count: dict[str, FloatArray]) -> None:
        """Absent if ``u < a``, on paid leave if ``a <= u < a + leave_p``, ``a`` the absence probability.

        ``a = absence_p (1 + w_abs B) (1 + stuck_absence max(0, 1 - outside_options))`` (capped at 1);
        ``leave_p = leave_days_per_year / 260`` (52 five-day weeks; part-timers accrue pro rata). Both are paid
        (``paid_s``) and off the phones; only ``a`` counts as absence.
        """
        s = state.site
        shift = self.shift_offset[s] + state.shift
        weekday = weekday_of(self.cfg, day)
        scheduled = (state.stage == Stage.FLOOR) & self.works[weekday][shift]
        a = self.absence_probability(state)
        absent = scheduled & (u < a)
        leave = scheduled & ~absent & (u < a + self.leave_p[shift])
        state.absent = absent | leave
        count["scheduled_days"] += self._bincount(state, scheduled)
        count["absent_days"] += self._bincount(state, absent)
        count["leave_days"] += self._bincount(state, leave)
        shift_paid = self._bincount(state, scheduled, self.shift_paid_s[weekday][shift])
        count["paid_s"] += shift_paid
        count["shift_paid_s"] += shift_paid

    def absence_probability(self, state: AgentState) -> FloatArray:
        """Probability that each agent is absent on a scheduled day, in [0, 1].

        ``min(1, absence_p (1 + w_abs B) (1 + stuck_absence max(0, 1 - outside_options)))``.
        """
        s = state.site
        return np.minimum(self.absence_p[s] * (1.0 + self.burnout_cfg.absence_weight * state.burnout) * self.stuck[s],
                          1.0)

    def _census(self, state: AgentState, count: dict[str, FloatArray]) -> None:
        floor = state.stage == Stage.FLOOR
        novice = floor & (state.proficiency < NOVICE_P)
        classroom = state.stage == Stage.CLASSROOM
        count["employed_days"] += self._bincount(state, floor | classroom)
        count["classroom_days"] += self._bincount(state, classroom)
        count["novice_days"] += self._bincount(state, novice)
        count["experienced_days"] += self._bincount(state, floor & ~novice)
        count["vacancy_days"] += self._bincount(state, state.stage == Stage.RECRUITING)
        count["burnout_sum"] += self._bincount(state, floor, state.burnout)
        count["proficiency_sum"] += self._bincount(state, floor, state.proficiency)

    def _calibration_census(self, state: AgentState, day: int, count: dict[str, FloatArray]) -> None:
        """Time to proficiency and first-month speed counters (``docs/metrics.md`` 2.2); reads state only.

        An agent *reaches* proficiency at the first census at which it is on the floor with
        ``p >= proficient_p``; it then adds 1 to ``proficient_reached`` and ``day - floor_day`` to
        ``days_to_proficiency``. Agents already proficient at the first census (the initial
        workforce) are marked without being counted. Floor agents with ``day - floor_day <
        MONTH1_FLOOR_DAYS`` add one agent-day to ``month1_days`` and their novice handle-time
        factor ``1 + novice_slowdown (1 - p)`` to ``month1_ht_multiplier``.
        """
        floor = state.stage == Stage.FLOOR
        at = floor & (state.proficiency >= self.proficient_p)
        before = np.zeros(len(state), dtype=bool)
        if self.reached is not None:
            before[: self.reached.size] = self.reached
            new = at & ~before
            count["proficient_reached"] += self._bincount(state, new)
            count["days_to_proficiency"] += self._bincount(state, new, day - state.floor_day)
        self.reached = before | at
        with np.errstate(invalid="ignore"):
            month1 = floor & (day - state.floor_day < M.MONTH1_FLOOR_DAYS)
        count["month1_days"] += self._bincount(state, month1)
        count["month1_ht_multiplier"] += self._bincount(
            state, month1, 1.0 + self.novice_slowdown * (1.0 - state.proficiency))


def book_new_hire_attrition(
    counts: NDArray[np.float64], state: AgentState, horizon_days: float, interval_s: float
) -> None:
    """Book the 90-day fate of every hire of the run into ``counts`` (``docs/metrics.md`` 2.2).

    A *hire* is an agent who started during the run (``hire_day >= 0``, not ``RECRUITING``;
    the initial workforce has ``hire_day < 0``). Its cohort window is days ``hire_day ..
    hire_day + NEW_HIRE_WINDOW_DAYS``; a hire whose window does not close before the horizon
    (``hire_day + 90 >= horizon_days``) is censored and left out. Each remaining hire adds 1 to
    ``new_hires_90d`` and, if it left (quit or dismissed) with ``left_day - hire_day <= 90``,
    1 to ``new_hire_leavers_90d``, both in the first interval of its start day at its site.

    Args:
        counts: Counters of shape ``(n_intervals, n_sites, N_COUNTERS)``, updated in place.
        state: The agent state at the end of the run (rows are never removed).
        horizon_days: The run's horizon ``days``.
        interval_s: Interval length (seconds).
    """
    window = M.NEW_HIRE_WINDOW_DAYS
    hired = (state.stage != Stage.RECRUITING) & (state.hire_day >= 0) & (state.hire_day + window < horizon_days)
    if not hired.any():
        return
    with np.errstate(invalid="ignore"):
        left = hired & (state.left_day - state.hire_day <= window)
    bucket = np.rint(state.hire_day * DAY_S / interval_s).astype(np.int64)
    np.add.at(counts[..., M.K["new_hires_90d"]], (bucket[hired], state.site[hired]), 1.0)
    np.add.at(counts[..., M.K["new_hire_leavers_90d"]], (bucket[left], state.site[left]), 1.0)


def paid_shift_s(shift: C.Shift, weekday: str) -> float:
    """Paid seconds of ``shift`` on ``weekday``: its length less its unpaid breaks of that day."""
    unpaid = sum(b.length_min for b in shift.breaks if not b.paid and (b.weekdays is None or weekday in b.weekdays))
    return shift.length_h * HOUR_S - unpaid * MINUTE_S


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
    break_rest: BoolArray
    """Whether each break is a rest (fatigue recovers at ``rest_tau_s``), same shape."""


def staffed_spells(counts: IntArray, pool: int) -> tuple[IntArray, IntArray, IntArray]:
    """Spells of a staffing plan's day: ``(position, first, stop)`` arrays, one row per spell.

    ``counts[i]`` agents staff interval ``i``; the agent at ``position`` k of the pool (of
    ``pool`` agents) works interval ``i`` iff ``k < counts[i]``, so its consecutive intervals
    ``first <= i < stop`` form one spell.
    """
    n = np.minimum(np.asarray(counts, dtype=np.int64), pool)
    works = np.arange(pool)[:, None] < n[None, :]
    edges = np.diff(np.pad(works, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    first_k, first = np.nonzero(edges == 1)
    stop_k, stop = np.nonzero(edges == -1)
    assert np.array_equal(first_k, stop_k)  # row-major order pairs each spell's start with its stop
    return first_k, first, stop


def plan_day(state: AgentState, cfg: C.Scenario, day: int) -> DayPlan:
    """Shifts and breaks of the agents on the floor, scheduled and present on ``day``.

    A site with a staffing plan (``sites.N.staffing``) has no shifts or breaks but one spell per
    run of consecutive staffed intervals (:func:`staffed_spells`), its present agents taken in
    index order.
    """
    weekday = weekday_of(cfg, day)
    agents, starts, ends, b_start, b_len, b_rest = [], [], [], [], [], []
    max_breaks = max((len(sh.breaks) for sc in cfg.sites for sh in sc.roster.shifts), default=0)
    working = (state.stage == Stage.FLOOR) & ~state.absent
    no_breaks = np.full(max_breaks, np.nan)
    for s, sc in enumerate(cfg.sites):
        if sc.staffing is not None:
            pool = np.flatnonzero(working & (state.site == s))
            position, first, stop = staffed_spells(np.array(sc.staffing.table()[weekday]), pool.size)
            step = sc.staffing.interval_min * MINUTE_S
            agents.append(pool[position])
            starts.append(day * DAY_S + first * step)
            ends.append(day * DAY_S + stop * step)
            b_start.append(np.tile(no_breaks, (position.size, 1)))
            b_len.append(np.tile(no_breaks, (position.size, 1)))
            b_rest.append(np.zeros((position.size, max_breaks), dtype=bool))
            continue
        for k, sh in enumerate(sc.roster.shifts):
            if weekday not in sh.weekdays:
                continue
            idx = np.flatnonzero(working & (state.site == s) & (state.shift == k))
            if idx.size == 0:
                continue
            start = day * DAY_S + sh.start_h * HOUR_S
            bs = np.full(max_breaks, np.nan)
            bl = np.full(max_breaks, np.nan)
            br = np.zeros(max_breaks, dtype=bool)
            stagger = np.zeros(max_breaks)
            for j, b in enumerate(sh.breaks):
                if b.weekdays is None or weekday in b.weekdays:
                    bs[j] = start + b.start_min * MINUTE_S
                    bl[j] = b.length_min * MINUTE_S
                    br[j] = b.rest
                    stagger[j] = b.stagger_min * MINUTE_S
            agents.append(idx)
            starts.append(np.full(idx.size, start))
            ends.append(np.full(idx.size, start + sh.length_h * HOUR_S))
            # The k-th of the n agents present starts each break k / n of the way into its stagger window.
            b_start.append(bs + np.outer(np.arange(idx.size) / idx.size, stagger))
            b_len.append(np.tile(bl, (idx.size, 1)))
            b_rest.append(np.tile(br, (idx.size, 1)))
    if not agents:
        empty = np.zeros(0)
        return DayPlan(np.zeros(0, dtype=np.int64), empty, empty,
                       np.zeros((0, max_breaks)), np.zeros((0, max_breaks)), np.zeros((0, max_breaks), dtype=bool))
    return DayPlan(
        np.concatenate(agents), np.concatenate(starts), np.concatenate(ends),
        np.concatenate(b_start), np.concatenate(b_len), np.concatenate(b_rest),
    )


class LiveAgents:
    """The per-call fields of :class:`AgentState` as Python lists, for the event loop.

    Reading and writing single numpy elements costs several times a list access, so the
    engine works on these lists during the day and calls :meth:`store` before any day-level
    (vectorised) function reads the arrays, and :meth:`load` after one changed them.
    """

    __slots__ = (
        "proficiency", "fatigue", "fatigue_t", "pressure", "calls_handled", "kpi_handle_s", "kpi_calls", "frailty",
        "day_load", "csat_sum", "csat_n", "survey_n", "survey_pos",
    )

    def __init__(self, state: AgentState) -> None:
        self.proficiency: list[float] = []
        self.fatigue: list[float] = []
        self.fatigue_t: list[float] = []
        self.pressure: list[float] = []
        self.calls_handled: list[int] = []
        self.kpi_handle_s: list[float] = []
        self.kpi_calls: list[int] = []
        self.frailty: list[float] = []
        self.day_load: list[float] = []
        self.csat_sum: list[float] = []
        self.csat_n: list[int] = []
        self.survey_n: list[int] = []
        self.survey_pos: list[int] = []
        self.load(state)

    def load(self, state: AgentState) -> None:
        """Copy the arrays of ``state`` into the lists."""
        for name in self.__slots__:
            setattr(self, name, getattr(state, name).tolist())

    def store(self, state: AgentState) -> AgentState:
        """Copy the lists back into the arrays of ``state``; return ``state``."""
        for name in self.__slots__:
            getattr(state, name)[:] = getattr(self, name)
        return state
