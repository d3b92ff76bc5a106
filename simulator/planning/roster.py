"""Roster planning: how many agents on each allowed shift pattern, by integer programming.

A *requirement* is the number of agents needed on the phones in each interval of the week.
A *shift pattern* (:class:`ShiftPattern`) is a start, a length, breaks and a set of working
days. An agent on pattern ``p`` is on the phones for an expected fraction ``A[i, p]`` of
interval ``i`` (:func:`coverage_matrix`: the shift's overlap with the interval less its
breaks). Absence and leave take a share ``shrinkage`` of the rostered agents off the
phones, so :func:`solve_roster` finds integers ``x_p >= 0`` that

    minimise   sum_p paid_hours_per_week[p] x_p
    subject to (1 - shrinkage) (A x)_i >= required_i   for every interval i

with :func:`scipy.optimize.milp` (HiGHS). :func:`candidate_patterns` builds the allowed
patterns from a site's existing shifts, and :func:`roster_yaml` renders a plan as the text
of a scenario that ``extends`` the input with the new roster and headcount.

Time conventions, as in the engine (:func:`simulator.workforce.plan_day`):

- Breaks are placed relative to the shift's start (``start_min``). A break with
  ``stagger_min > 0`` starts, for the k-th of the shift's n agents, ``k / n`` of the way into
  its window; here its start is taken as uniform on ``[start_min, start_min + stagger_min)``,
  so coverage counts the *expected* overlap. A break's ``weekdays`` refer to the day the
  shift starts; a break is assumed to start on time (the engine lets the current call end).
- A shift past midnight continues into the next weekday (Sunday into Monday): week time is
  taken modulo 7 days.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import yaml
from numpy.typing import NDArray
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from .. import config as C
from ..engine import DEFAULT_ENGINE
from ..targets import Target
from ..units import HOUR_S, MINUTES_PER_DAY, MINUTES_PER_HOUR, clock_hhmm, intervals_per_day
from ..workforce import FULL_TIME_DAYS_PER_YEAR, AgentState, Stage, paid_shift_s, split_by_share
from .staffing import (
    StaffingCheck,
    check_cells,
    plan_staffing,
    simulate_cells,
    site_index,
    staffing_targets,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
OpenHours = Mapping[str, "tuple[float, float] | None"]
"""Opening hours ``[open_h, close_h)`` per weekday (hours), None when closed, as ``demand.open_h``."""

WEEK_MIN = 7 * MINUTES_PER_DAY
"""Minutes in a week."""

DEFAULT_OPEN_H = (8.0, 20.0)
"""Opening hours of a weekday missing from an ``open_h`` mapping (as :mod:`simulator.demand`)."""

COVERAGE_EPS = 1e-6
"""Slack (agents) of each coverage constraint, so float rounding cannot fail a satisfied one."""

COVERAGE_TINY = 1e-9
"""Coverage below this fraction of an interval is float residue and taken as 0."""

STAGGER_EPS_MIN = 1e-6
"""Stagger windows shorter than this (minutes) are treated as none."""

FIVE_DAY_SETS: tuple[tuple[str, ...], ...] = tuple(
    tuple(C.WEEKDAYS[(k + j) % 7] for j in range(5)) for k in range(7)
)
"""The 7 sets of five consecutive working days (two consecutive days off), Monday first."""


# --------------------------------------------------------------------------- patterns


def _weekday_order(days: Iterable[str]) -> tuple[str, ...]:
    wanted = set(days)
    unknown = sorted(wanted - set(C.WEEKDAYS))
    if unknown:
        raise ValueError(f"unknown weekdays {unknown}; expected among {list(C.WEEKDAYS)}")
    return tuple(d for d in C.WEEKDAYS if d in wanted)


def day_set_label(days: Iterable[str]) -> str:
    """A short label of a set of weekdays: runs of consecutive days, wrapping Sunday to Monday.

    ``mon..fri`` gives ``"mon-fri"``, ``sat..wed`` gives ``"sat-wed"``, ``mon..thu, sat`` gives
    ``"mon-thu+sat"``.
    """
    idx = {C.WEEKDAYS.index(d) for d in _weekday_order(days)}
    if len(idx) == 7:
        return "mon-sun"
    runs = []
    for first in sorted(i for i in idx if (i - 1) % 7 not in idx):
        last = first
        while (last + 1) % 7 in idx:
            last = (last + 1) % 7
        runs.append(C.WEEKDAYS[first] if last == first else f"{C.WEEKDAYS[first]}-{C.WEEKDAYS[last]}")
    return "+".join(runs)


def _hours_label(hours: float) -> str:
    """``8.5`` -> ``"8h30"``, ``4`` -> ``"4h"``: no dots, so names work in dotted override paths."""
    minutes = round(hours * MINUTES_PER_HOUR)
    return f"{minutes // 60}h{minutes % 60:02d}" if minutes % 60 else f"{minutes // 60}h"


@dataclass(frozen=True)
class ShiftPattern:
    """A shift pattern an agent can be rostered on: start, length, breaks and working days.

    Convertible to a config :class:`~simulator.config.Shift` (:meth:`to_shift`); validated like
    one on construction (breaks inside the shift, break weekdays among the working days).
    """

    name: str
    """Unique name; becomes the shift's name in the written scenario."""
    start_h: float
    """Start hour of day in [0, 24) (hours)."""
    length_h: float
    """Length (hours), at most 24; a shift past midnight continues into the next weekday."""
    weekdays: tuple[str, ...]
    """Working days, in calendar order (``"mon"`` .. ``"sun"``)."""
    breaks: tuple[C.Break, ...] = ()
    """Breaks, relative to the shift's start, as in the config."""
    paid_hours_per_week: float = field(init=False)
    """Paid hours a week of one agent: on each working day the length less that day's unpaid breaks."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekdays", _weekday_order(self.weekdays))
        object.__setattr__(self, "breaks", tuple(self.breaks))
        if not self.weekdays:
            raise ValueError(f"pattern {self.name!r}: needs at least one working day")
        shift = self.to_shift(1.0)  # validates: raises pydantic's ValidationError (a ValueError)
        paid_s = sum(paid_shift_s(shift, wd) for wd in self.weekdays)
        object.__setattr__(self, "paid_hours_per_week", paid_s / HOUR_S)

    def to_shift(self, share: float) -> C.Shift:
        """This pattern as a config shift holding ``share`` of the site's agents."""
        return C.Shift.model_validate(self.shift_data(share))

    def shift_data(self, share: float) -> dict[str, Any]:
        """This pattern as plain config data (a ``roster.shifts`` item) with ``share``.

        Every key of a shift is written (``breaks`` even when empty), so that merged by name
        over a parent's shift of the same name (``extends``) it replaces it whole.
        """
        return {
            "name": self.name,
            "start_h": float(self.start_h),
            "length_h": float(self.length_h),
            "weekdays": list(self.weekdays),
            "share": share,
            "breaks": [b.model_dump(mode="json", exclude_defaults=True) for b in self.breaks],
        }


@dataclass(frozen=True)
class _Template:
    """A shift length with its breaks, taken from an existing shift."""

    label: str
    length_h: float
    breaks: tuple[C.Break, ...]

    def breaks_on(self, days: tuple[str, ...]) -> tuple[C.Break, ...]:
        """Breaks for a pattern working ``days``: a weekday-restricted break keeps only those days."""
        out = []
        for b in self.breaks:
            if b.weekdays is None:
                out.append(b)
                continue
            kept = [d for d in b.weekdays if d in days]
            if kept:
                out.append(b.model_copy(update={"weekdays": kept}))
        return tuple(out)


def _templates(site: C.Site, lengths_h: Sequence[float] | None) -> list[_Template]:
    """Distinct (length, breaks) of the site's shifts, restricted to ``lengths_h`` (new lengths: no breaks)."""
    seen: dict[tuple[float, str], tuple[C.Break, ...]] = {}
    for sh in site.roster.shifts:
        key = (float(sh.length_h), repr([b.model_dump(mode="json") for b in sh.breaks]))
        seen.setdefault(key, tuple(sh.breaks))
    pairs = [(length, brk) for (length, _), brk in seen.items()]
    if lengths_h is not None:
        wanted = [float(h) for h in lengths_h]
        pairs = [(length, brk) for length, brk in pairs if any(math.isclose(length, h) for h in wanted)]
        pairs += [(h, ()) for h in wanted if not any(math.isclose(h, length) for length, _ in pairs)]
    out: list[_Template] = []
    for length, brk in pairs:
        k = sum(math.isclose(t.length_h, length) for t in out)
        out.append(_Template(_hours_label(length) + (f"{k + 1}" if k else ""), length, brk))
    return out


def _open_minutes(open_hours: OpenHours, slack_h: float) -> BoolArray:
    """Minute-of-week mask of opening hours, each day's window widened by ``slack_h`` on both sides."""
    mask = np.zeros(WEEK_MIN, dtype=bool)
    slack = slack_h * MINUTES_PER_HOUR
    for d, wd in enumerate(C.WEEKDAYS):
        hours = open_hours.get(wd, DEFAULT_OPEN_H)
        if hours is None:
            continue
        lo = math.floor(d * MINUTES_PER_DAY + hours[0] * MINUTES_PER_HOUR - slack)
        hi = math.ceil(d * MINUTES_PER_DAY + hours[1] * MINUTES_PER_HOUR + slack)
        mask[np.arange(lo, hi) % WEEK_MIN] = True
    return mask


def _within_open(starts_min: FloatArray, lengths_min: FloatArray, mask: BoolArray) -> BoolArray:
    """Whether each span ``[start, start + length)`` of week minutes lies wholly in open minutes."""
    cum = np.concatenate([[0], np.cumsum(np.tile(mask, 2))])
    start = starts_min % WEEK_MIN
    lo = np.floor(start).astype(np.int64)
    hi = np.ceil(start + lengths_min).astype(np.int64)
    return np.asarray(cum[hi] - cum[lo] == hi - lo)


def candidate_patterns(
    site: C.Site,
    *,
    starts_every_min: int = 30,
    lengths_h: Sequence[float] | None = None,
    day_sets: Sequence[Sequence[str]] | None = None,
    open_hours: OpenHours | None = None,
    open_slack_h: float = 0.0,
    starts_h: Sequence[float] | None = None,
) -> list[ShiftPattern]:
    """The allowed shift patterns of ``site``: every start x length template x working-day set.

    A *template* is a length with its breaks, taken from the site's existing shifts (breaks
    relative to the shift's start, as in the config); a break restricted to some weekdays
    keeps those among the pattern's working days (and is dropped if none remain).

    The candidate set is ``starts x templates x day sets``, less patterns outside opening
    hours: with the defaults 48 starts x (distinct templates) x (distinct day sets), e.g.
    48 x 3 x 9 = 1296 for ``configs/baseline.yaml``'s in-house site, 60 once restricted to its
    opening hours (84 with ``open_slack_h=0.5``). With 15-minute intervals HiGHS proves 60
    candidates optimal within 0.1% in seconds, but 1296 only within about 0.5% in a minute:
    restrict ``starts_every_min``, ``lengths_h`` or ``day_sets`` (or pass opening hours) to
    keep the set small.

    Args:
        site: The site whose shifts give the length and break templates and day sets.
        starts_every_min: Grid of start times (minutes from midnight); ignored if ``starts_h``.
        lengths_h: Shift lengths allowed (hours); None: the lengths of the site's shifts. A
            length no existing shift has gets no breaks.
        day_sets: Working-day sets allowed; None: those of the site's shifts plus the 7
            sets of five consecutive days (:data:`FIVE_DAY_SETS`).
        open_hours: Opening hours per weekday, as ``demand.open_h`` (a weekday missing from
            the mapping is open 8-20, a None value closed); a pattern is kept only if on each of
            its working days the whole shift lies within opening hours. None: always open.
        open_slack_h: A shift may start this much before opening and end this much after
            closing (hours).
        starts_h: Explicit start hours of day (hours), instead of the ``starts_every_min`` grid.

    Returns:
        The patterns, named ``HHMM_<length>_<days>`` (e.g. ``0800_8h30_mon-fri``; a second
        template of the same length gets ``8h302``), duplicates removed.
    """
    if starts_h is None:
        if starts_every_min <= 0:
            raise ValueError(f"starts_every_min: expected > 0, got {starts_every_min}")
        starts = np.arange(0, MINUTES_PER_DAY, starts_every_min, dtype=float) / MINUTES_PER_HOUR
    else:
        starts = np.unique(np.asarray(starts_h, dtype=float))
        if starts.size and not (0.0 <= starts.min() and starts.max() < 24.0):
            raise ValueError(f"starts_h: expected hours in [0, 24), got {starts.tolist()}")
    templates = _templates(site, lengths_h)
    if day_sets is None:
        raw_sets: list[Sequence[str]] = [sh.weekdays for sh in site.roster.shifts] + list(FIVE_DAY_SETS)
    else:
        raw_sets = list(day_sets)
    sets = list(dict.fromkeys(_weekday_order(s) for s in raw_sets if s))

    # One row per (template, day set, start, working day): keep a pattern if every row is open.
    combos = [(t, s) for t in templates for s in sets]
    keep = np.ones((len(combos), starts.size), dtype=bool)
    if open_hours is not None:
        mask = _open_minutes(open_hours, open_slack_h)
        for c, (t, s) in enumerate(combos):
            day0 = np.array([C.WEEKDAYS.index(d) for d in s], dtype=float) * MINUTES_PER_DAY
            t0 = (day0[:, None] + starts[None, :] * MINUTES_PER_HOUR).ravel()
            ok = _within_open(t0, np.full(t0.size, t.length_h * MINUTES_PER_HOUR), mask)
            keep[c] = ok.reshape(len(s), starts.size).all(axis=0)

    out: dict[tuple[Any, ...], ShiftPattern] = {}
    for c, (t, s) in enumerate(combos):
        breaks = t.breaks_on(s)
        for start in starts[keep[c]]:
            hhmm = round(start * MINUTES_PER_HOUR)
            name = f"{hhmm // 60:02d}{hhmm % 60:02d}_{t.label}_{day_set_label(s)}"
            key = (float(start), t.length_h, s, repr([b.model_dump(mode="json") for b in breaks]))
            if key not in out:
                out[key] = ShiftPattern(name, float(start), t.length_h, s, breaks)
    return list(out.values())


# --------------------------------------------------------------------------- coverage


def interval_index(interval_min: int) -> pd.DataFrame:
    """The week's intervals in row order of :func:`coverage_matrix`: columns ``weekday``, ``start`` ("HH:MM")."""
    n = _intervals(interval_min)
    minutes = np.arange(n) * interval_min
    start = [clock_hhmm(int(m)) for m in minutes]
    return pd.DataFrame({"weekday": np.repeat(C.WEEKDAYS, n), "start": start * 7})


def _intervals(interval_min: int) -> int:
    if interval_min <= 0 or MINUTES_PER_DAY % interval_min:
        raise ValueError(f"interval_min: expected a divisor of {MINUTES_PER_DAY}, got {interval_min}")
    return intervals_per_day(interval_min)


def _segments(patterns: Sequence[ShiftPattern]) -> tuple[IntArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Shift spans (+1) and break spans (-1) of every pattern and working day, in week minutes.

    Returns ``(pattern, start_min, stagger_min, length_min, sign)`` arrays, one entry per span.
    """
    rows: list[tuple[int, float, float, float, float]] = []
    for p, pat in enumerate(patterns):
        length = pat.length_h * MINUTES_PER_HOUR
        for wd in pat.weekdays:
            t0 = C.WEEKDAYS.index(wd) * MINUTES_PER_DAY + pat.start_h * MINUTES_PER_HOUR
            rows.append((p, t0, 0.0, length, 1.0))
            rows += [(p, t0 + b.start_min, b.stagger_min, b.length_min, -1.0)
                     for b in pat.breaks if b.weekdays is None or wd in b.weekdays]
    arr = np.array(rows, dtype=float).reshape(-1, 5)
    return arr[:, 0].astype(np.int64), arr[:, 1], arr[:, 2], arr[:, 3], arr[:, 4]


def expected_overlap(
    a: FloatArray, b: FloatArray, start: FloatArray, stagger: FloatArray, length: FloatArray
) -> FloatArray:
    """Expected overlap (minutes) of ``[a, b)`` with ``[u, u + length)``, ``u ~ Uniform[start, start + stagger)``.

    With ``stagger = 0`` it is the plain overlap. Otherwise ``E = (1/stagger) int_a^b m(t) dt``
    where ``m(t) stagger = R(t-s) - R(t-s-g) - R(t-s-l) + R(t-s-l-g)``, ``R(x) = max(x, 0)``
    (``s`` start, ``g`` stagger, ``l`` length), integrated exactly with ``Q(x) = max(x, 0)^2 / 2``.
    All arguments broadcast together (minutes).
    """
    plain = np.clip(np.minimum(b, start + length) - np.maximum(a, start), 0.0, None)
    staggered = stagger > STAGGER_EPS_MIN
    if not np.any(staggered):
        return np.asarray(plain, dtype=float)

    def integral(c: FloatArray) -> FloatArray:
        return np.asarray((np.square(np.maximum(b - c, 0.0)) - np.square(np.maximum(a - c, 0.0))) / 2.0)

    g = np.where(staggered, stagger, 1.0)
    spread = (integral(start) - integral(start + g) - integral(start + length)
              + integral(start + length + g)) / g
    return np.asarray(np.where(staggered, spread, plain), dtype=float)


def coverage_matrix(patterns: Sequence[ShiftPattern], interval_min: int) -> FloatArray:
    """Expected fraction of each interval an agent on each pattern is on the phones.

    The shift's overlap with the interval less its breaks' (a staggered break's expected
    overlap, its start uniform over the stagger window); shifts past midnight continue into
    the next weekday, Sunday into Monday.

    Args:
        patterns: The shift patterns (columns).
        interval_min: Interval length (minutes), a divisor of 1440.

    Returns:
        Array of shape ``(7 * 1440 / interval_min, len(patterns))``, values in [0, 1]; rows in
        the order of :func:`interval_index` (Monday 00:00 first).
    """
    n_rows = 7 * _intervals(interval_min)
    out = np.zeros((n_rows, len(patterns)))
    pat, start, stagger, length, sign = _segments(patterns)
    if pat.size == 0:
        return out
    step = float(interval_min)
    first = np.floor(start / step).astype(np.int64)
    span = int(np.ceil((start - first * step + stagger + length).max() / step))
    k = first[:, None] + np.arange(span)[None, :]
    a = (k * step).astype(np.float64)
    minutes = expected_overlap(a, a + step, start[:, None], stagger[:, None], length[:, None])
    np.add.at(out, (k % n_rows, np.broadcast_to(pat[:, None], k.shape)), sign[:, None] * minutes)
    out = np.clip(out / step, 0.0, 1.0)
    out[out < COVERAGE_TINY] = 0.0  # float residue of a break cancelling the shift, not coverage
    return out


def requirement_vector(requirements: pd.DataFrame, interval_min: int) -> FloatArray:
    """Agents required on the phones per interval of the week, in the rows of :func:`coverage_matrix`.

    Args:
        requirements: Columns ``weekday`` ("mon".."sun"), ``start`` ("HH:MM", on the
            ``interval_min`` grid) and ``agents`` (>= 0), at most one row per interval;
            missing intervals need none.
        interval_min: Interval length (minutes).

    Raises:
        ValueError: for a missing column, an unknown weekday, a start off the grid, a
            duplicate interval or a negative or non-finite requirement.
    """
    n = _intervals(interval_min)
    missing = [c for c in ("weekday", "start", "agents") if c not in requirements.columns]
    if missing:
        raise ValueError(f"requirements: missing columns {missing}; expected weekday, start, agents")
    out = np.zeros(7 * n)
    if requirements.empty:
        return out
    day = requirements["weekday"].map({d: i for i, d in enumerate(C.WEEKDAYS)})
    if day.isna().any():
        bad = sorted(set(requirements["weekday"][day.isna()].astype(str)))
        raise ValueError(f"requirements: unknown weekdays {bad}; expected among {list(C.WEEKDAYS)}")
    hm = requirements["start"].astype(str).str.extract(r"^(\d{1,2}):(\d{2})$")
    if hm.isna().any(axis=None):
        bad = sorted(set(requirements["start"][hm.isna().any(axis=1)].astype(str)))[:5]
        raise ValueError(f"requirements: start must be 'HH:MM', got {bad}")
    minute = hm[0].astype(int) * 60 + hm[1].astype(int)
    off = (minute % interval_min != 0) | (minute >= MINUTES_PER_DAY)
    if off.any():
        bad = sorted(set(requirements["start"][off].astype(str)))[:5]
        raise ValueError(f"requirements: starts {bad} are not on the {interval_min}-minute grid of a day")
    row = (day.astype(int) * n + minute // interval_min).to_numpy()
    if np.unique(row).size != row.size:
        raise ValueError("requirements: more than one row for the same weekday and start")
    agents = requirements["agents"].to_numpy(dtype=float)
    if not np.all(np.isfinite(agents) & (agents >= 0)):
        raise ValueError("requirements: agents must be finite and >= 0")
    out[row] = agents
    return out


# --------------------------------------------------------------------------- the integer programme


@dataclass(frozen=True, eq=False)
class RosterPlan:
    """An optimal (or best found) roster: agents per shift pattern.

    Attributes:
        table: One row per pattern with agents: ``name``, ``start_h`` (hours), ``length_h``
            (hours), ``weekdays`` (comma-separated), ``agents``, ``paid_hours_per_week`` (per agent).
        coverage: One row per interval of the week: ``weekday``, ``start`` ("HH:MM"),
            ``required`` (agents on the phones), ``rostered`` (expected agents on shift and off
            break), ``on_phones`` (``rostered x (1 - shrinkage)``).
        patterns: The patterns of ``table``'s rows, in order (with their breaks).
        paid_hours: Paid hours a week of the whole roster (hours/week).
        headcount: Agents rostered (the sum of ``table.agents``).
        status: ``"optimal"`` (within the solver's ``mip_rel_gap``), or ``"time_limit"`` when the
            solver stopped at its time limit with a feasible roster.
        mip_gap: Relative gap between the roster's paid hours and the solver's lower bound.
        interval_min: Interval length of ``coverage`` (minutes).
        shrinkage: Share of rostered agents off the phones (absence and leave).
        candidates: Number of candidate patterns the solver chose from.
        solve_time_s: Wall time of the solver (seconds).
    """

    table: pd.DataFrame
    coverage: pd.DataFrame
    patterns: tuple[ShiftPattern, ...]
    paid_hours: float
    headcount: int
    status: str
    mip_gap: float
    interval_min: int
    shrinkage: float
    candidates: int
    solve_time_s: float

    @property
    def agents(self) -> list[int]:
        """Agents on each pattern of :attr:`patterns`."""
        return [int(a) for a in self.table["agents"]]


def _labels(rows: IntArray, interval_min: int) -> list[str]:
    index = interval_index(interval_min)
    return [f"{index.weekday.iat[r]} {index.start.iat[r]}" for r in rows]


def solve_roster(
    requirements: pd.DataFrame,
    patterns: Sequence[ShiftPattern],
    *,
    interval_min: int,
    shrinkage: float = 0.0,
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-3,
) -> RosterPlan:
    """Agents per shift pattern covering the requirement in every interval at the least paid hours.

    Solves ``min c x`` s.t. ``(1 - shrinkage) A x >= r - eps``, ``x`` integer ``>= 0`` with
    :func:`scipy.optimize.milp` (HiGHS); ``A`` is :func:`coverage_matrix`, ``c`` the paid hours
    a week of each pattern, ``r`` :func:`requirement_vector` and ``eps`` :data:`COVERAGE_EPS`.

    Args:
        requirements: Agents needed on the phones per (weekday, start) interval.
        patterns: Candidate patterns (e.g. :func:`candidate_patterns`), unique names.
        interval_min: Interval length of ``requirements`` (minutes).
        shrinkage: Share of rostered agents off the phones in [0, 1) (absence, leave).
        time_limit_s: Solver time limit (seconds); the best roster found is returned with
            status ``"time_limit"`` (and then depends on the machine's speed).
        mip_rel_gap: Relative gap between paid hours and the solver's lower bound at which
            it stops with status ``"optimal"``; 0 for a proven optimum.

    Returns:
        The :class:`RosterPlan`.

    Raises:
        ValueError: for an interval with a requirement that no pattern covers (named by weekday
            and start), bad arguments, or when no feasible roster is found in the time limit.
    """
    if not 0.0 <= shrinkage < 1.0:
        raise ValueError(f"shrinkage: expected in [0, 1), got {shrinkage}")
    if not patterns:
        raise ValueError("patterns: at least one shift pattern is required")
    names = [p.name for p in patterns]
    if len(set(names)) != len(names):
        raise ValueError("patterns: names must be unique")
    required = requirement_vector(requirements, interval_min)
    raw = coverage_matrix(patterns, interval_min)
    cover = (1.0 - shrinkage) * raw
    cost = np.array([p.paid_hours_per_week for p in patterns])

    rows = np.flatnonzero(required > 0)
    uncovered = rows[cover[rows].max(axis=1, initial=0.0) <= 0.0]
    if uncovered.size:
        shown = ", ".join(_labels(uncovered[:8], interval_min))
        more = f" (and {uncovered.size - 8} more)" if uncovered.size > 8 else ""
        raise ValueError(f"infeasible: no shift pattern covers {shown}{more}, where agents are required; "
                         "allow other starts, lengths or working days")

    started = time.perf_counter()
    if rows.size:
        res = milp(
            cost, integrality=np.ones(len(patterns)), bounds=Bounds(0.0, np.inf),
            constraints=LinearConstraint(sparse.csr_array(cover[rows]), required[rows] - COVERAGE_EPS, np.inf),
            options={"time_limit": float(time_limit_s), "mip_rel_gap": float(mip_rel_gap)},
        )
        if res.x is None:
            reason = "infeasible" if res.status == 2 else f"no feasible roster found ({res.message})"
            raise ValueError(f"{reason}; time limit {time_limit_s:g} s")
        x = np.rint(res.x).astype(np.int64)
        status = "optimal" if res.status == 0 else "time_limit"
        gap = float(res.mip_gap) if res.mip_gap is not None else float("nan")
    else:
        x, status, gap = np.zeros(len(patterns), dtype=np.int64), "optimal", 0.0
    solve_time_s = time.perf_counter() - started

    rostered = raw @ x
    short = np.flatnonzero((1.0 - shrinkage) * rostered < required - 10 * COVERAGE_EPS)
    if short.size:  # the solver's tolerances are far tighter: a bug, not an input error
        raise RuntimeError(f"rounded roster misses the requirement at {', '.join(_labels(short[:8], interval_min))}")

    used = [int(i) for i in np.flatnonzero(x > 0)]
    table = pd.DataFrame({
        "name": [names[i] for i in used],
        "start_h": [patterns[i].start_h for i in used],
        "length_h": [patterns[i].length_h for i in used],
        "weekdays": [",".join(patterns[i].weekdays) for i in used],
        "agents": x[used],
        "paid_hours_per_week": cost[used],
    })
    coverage = interval_index(interval_min).assign(
        required=required, rostered=rostered, on_phones=(1.0 - shrinkage) * rostered)
    return RosterPlan(
        table=table, coverage=coverage, patterns=tuple(patterns[i] for i in used),
        paid_hours=float(cost @ x), headcount=int(x.sum()), status=status, mip_gap=gap,
        interval_min=interval_min, shrinkage=shrinkage, candidates=len(patterns), solve_time_s=solve_time_s,
    )


# --------------------------------------------------------------------------- the scenario


def roster_shares(agents: Sequence[int]) -> list[float]:
    """Shares ``agents / headcount`` that :func:`~simulator.workforce.split_by_share` turns back into ``agents``.

    Raises:
        ValueError: if there are no agents.
    """
    total = int(sum(agents))
    if total <= 0:
        raise ValueError("a roster needs at least one agent")
    for digits in (None, 15, 12, 9):
        shares = [a / total if digits is None else round(a / total, digits) for a in agents]
        if split_by_share(total, shares) == list(agents) and math.isclose(sum(shares), 1.0, abs_tol=1e-9):
            return shares
    raise RuntimeError(f"no float shares reproduce the counts {list(agents)}")  # pragma: no cover


def roster_yaml(
    plan: RosterPlan,
    *,
    extends: str,
    site_name: str,
    name: str | None = None,
    replace_shifts: Sequence[str] = (),
    clear_staffing: bool = False,
    agents: int | None = None,
) -> str:
    """YAML text of a scenario that ``extends`` another and gives one site the plan's roster.

    The site (merged by name) gets ``agents: headcount`` and ``roster.shifts``: one shift per
    pattern of the plan with ``share = agents / headcount`` (:func:`roster_shares`, so the
    simulator's :func:`~simulator.workforce.split_by_share` puts exactly the plan's agents on
    each). Other keys of the site are inherited.

    ``extends`` merges shift lists *by name*: it cannot drop a parent's shift. Pass the
    parent's shift names as ``replace_shifts``; those not in the plan are written as
    ``{name, share: 0}`` (no agents).

    Args:
        plan: The roster.
        extends: Path of the parent scenario, relative to where the text will be written.
        site_name: Name of the site in the parent.
        name: Scenario name; None: inherited from the parent.
        replace_shifts: The parent site's shift names, to be given share 0.
        clear_staffing: Also write ``staffing: null`` (a parent's staffing plan would replace
            the roster).
        agents: The site's headcount to write (default: the plan's ``headcount``); with more,
            the shares put proportionally more agents on each shift.

    Returns:
        The YAML text, with a comment header.
    """
    shares = roster_shares(plan.agents)
    shifts = [p.shift_data(s) for p, s in zip(plan.patterns, shares, strict=True)]
    own = {p.name for p in plan.patterns}
    shifts += [{"name": n, "share": 0.0} for n in dict.fromkeys(replace_shifts) if n not in own]
    site: dict[str, Any] = {"name": site_name, "agents": agents or plan.headcount, "roster": {"shifts": shifts}}
    if clear_staffing:
        site["staffing"] = None
    data: dict[str, Any] = {"extends": extends, **({"name": name} if name else {}), "sites": [site]}
    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=120)
    back = yaml.safe_load(text)["sites"][0]["roster"]["shifts"]
    if split_by_share(plan.headcount, [s["share"] for s in back])[: len(plan.patterns)] != plan.agents:
        raise RuntimeError("written shares do not reproduce the plan's agents")  # pragma: no cover
    header = (
        f"# Roster of site {site_name}: {plan.headcount} agents rostered on {len(plan.patterns)} shift patterns, "
        f"{plan.paid_hours:.1f} paid hours a week; headcount {agents or plan.headcount}\n"
        f"# ({plan.status}, gap {plan.mip_gap:.2%}); requirement per {plan.interval_min}-minute interval "
        f"covered after shrinkage {plan.shrinkage:.3f}.\n"
    )
    return header + text


# --------------------------------------------------------------------------- planning a scenario's roster


def roster_shrinkage(site: C.Site) -> float:
    """Expected share of rostered agents off the phones on a working day: ``absence_p + leave_days_per_year / 260``.

    Breaks are not in it (the coverage matrix takes them out); burnout's extra absence is not
    either (the verification by simulation includes it).
    """
    return min(site.absence_p + site.leave_days_per_year / FULL_TIME_DAYS_PER_YEAR, 0.95)


def floor_share(cfg: C.Scenario, site: int, seed: int = 1) -> float:
    """Share of the site's day-0 agents on the floor (the rest are in the classroom): headcount / this is hired."""
    state = AgentState.drawn(cfg, seed, 0)
    mine = state.site == site
    return float((state.stage[mine] == Stage.FLOOR).mean()) if mine.any() else 1.0


@dataclass(frozen=True)
class RosterResult:
    """A scenario's roster planned against a requirement, and checked by simulation.

    Attributes:
        plan: The integer programme's roster (:class:`RosterPlan`).
        requirements: Agents on the phones per (weekday, interval) that the roster covers.
        scenario: The input scenario with the site's new roster and headcount.
        yaml: The scenario as YAML text that ``extends`` the input file.
        agents: The site's headcount written: rostered agents / the day-0 floor share.
        check: Per-interval and overall metrics of ``scenario`` simulated with fresh seeds (or None).
        targets: The targets.
    """

    plan: RosterPlan
    requirements: pd.DataFrame
    scenario: C.Scenario
    yaml: str
    agents: int
    check: StaffingCheck | None
    targets: tuple[Target, ...]


def plan_roster(
    cfg: C.Scenario,
    targets: Sequence[str | Target] = ("service_level>=0.8",),
    *,
    extends: str,
    requirements: pd.DataFrame | None = None,
    site: str | None = None,
    interval_min: int = 30,
    weeks: int = 4,
    replications: int = 8,
    seed: int = 1,
    workers: int | None = None,
    engine: str = DEFAULT_ENGINE,
    mip_rel_gap: float = 0.01,
    time_limit_s: float = 60.0,
    verify: bool = True,
    progress: Any = None,
) -> RosterResult:
    """Shifts that cover a staffing requirement at the least paid hours, written as a scenario and simulated.

    Without ``requirements`` they are computed first by :func:`plan_staffing` (same targets,
    seed, replications and weeks). Candidate shifts are the site's own shift templates (lengths
    and breaks) at every 30-minute start inside the opening hours (half an hour of slack), on the
    site's weekday sets and the seven five-consecutive-day sets (:func:`candidate_patterns`);
    shrinkage is :func:`roster_shrinkage`. The scenario's headcount is the rostered agents divided
    by the day-0 share of agents on the floor (hires in the classroom are paid but not on the
    phones). With ``verify`` the scenario is simulated with fresh seeds (``seed + 1``) for
    ``weeks`` weeks after a day of warm-up, from its own spin-up, and checked per interval and
    overall against the targets.

    Args:
        cfg: The scenario.
        targets: Targets (:data:`~simulator.planning.staffing.PLANNED_METRICS`).
        extends: Path of the input scenario as the written YAML should name it.
        requirements: Agents on the phones per ``weekday`` and ``start`` (``HH:MM``), e.g. a
            ``requirements.csv`` of ``callsim plan staffing``.
        site: Site to roster (default: the first).
        interval_min: Interval of the requirement (minutes).
        weeks: Measured weeks per replication (after one day of warm-up).
        replications: Replications per simulation.
        seed: Root seed (the verification uses ``seed + 1``).
        workers: Worker processes (None: all cores).
        engine: ``"fast"`` or ``"simpy"``.
        mip_rel_gap: Relative optimality gap at which the solver stops.
        time_limit_s: Solver time limit (seconds).
        verify: Simulate the roster with fresh seeds.
        progress: Called with 1 after each replication simulated.
    """
    parsed = staffing_targets(targets)
    k = site_index(cfg, site)
    sc = cfg.sites[k]
    if requirements is None:
        staffing = plan_staffing(cfg, parsed, site=sc.name, interval_min=interval_min, weeks=weeks,
                                 replications=replications, seed=seed, workers=workers, engine=engine,
                                 progress=progress)
        requirements = staffing.table[["weekday", "start", "agents"]]
    open_hours: OpenHours | None = (None if cfg.demand.mode == "stationary"
                                    else {str(wd): hours for wd, hours in cfg.demand.open_h.items()})
    patterns = candidate_patterns(sc, open_hours=open_hours, open_slack_h=0.5)
    plan = solve_roster(requirements, patterns, interval_min=interval_min, shrinkage=roster_shrinkage(sc),
                        time_limit_s=time_limit_s, mip_rel_gap=mip_rel_gap)
    agents = math.ceil(plan.headcount / max(floor_share(cfg, k, seed), 0.05))
    text = roster_yaml(plan, extends=extends, site_name=sc.name, replace_shifts=[s.name for s in sc.roster.shifts],
                       clear_staffing=sc.staffing is not None, agents=agents)
    data = cfg.to_dict()
    data["sites"][k] |= {"agents": agents, "staffing": None, "roster": {
        "shifts": [p.shift_data(share) for p, share in zip(plan.patterns, roster_shares(plan.agents), strict=True)]}}
    scenario = C.load_config(data)
    check = None
    if verify:
        run_cfg = C.load_config(scenario.to_dict(), overrides={"days": 1 + 7 * weeks, "warmup_days": 1})
        cells = simulate_cells(run_cfg, k, interval_min, replications, seed + 1, workers, engine, progress)
        check = check_cells(cells, parsed, interval_min)
    return RosterResult(plan=plan, requirements=requirements, scenario=scenario, yaml=text, agents=agents,
                        check=check, targets=parsed)
