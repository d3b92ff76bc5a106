"""Demand: day volumes, intraday rates and the pre-drawn callers of each day.

Day volume is ``calls_per_day x weekday_factor x (1 + trend_per_year)^(day/365) x G`` with
``G ~ Gamma(shape 1/cv^2, scale cv^2)`` (mean 1, coefficient of variation
``overdispersion_cv``; ``G = 1`` when it is 0). Within the day the rate is piecewise
constant per interval, proportional to the intraday profile over the open intervals. The
count in each interval is Poisson and the times are uniform inside it.

In stationary mode the rate is ``calls_per_hour`` in every interval of every day, around
the clock (``G`` still applies if ``overdispersion_cv > 0``).

:func:`draw_day` draws every per-call random number of a day's base callers at once, each
quantity from its own stream keyed by the day, so changing, say, the handle-time mean
leaves arrival times, types and patience unchanged.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from . import config as C
from .distributions import from_spec
from .rng import stream
from .units import DAY_S, HOUR_S, MINUTE_S, MINUTES_PER_HOUR, intervals_per_day


def weekday_of(cfg: C.Scenario, day: int) -> str:
    """Weekday name of simulated day ``day``."""
    return C.WEEKDAYS[(C.WEEKDAYS.index(cfg.start_weekday) + day) % 7]


def interval_weights(cfg: C.Scenario) -> NDArray[np.float64]:
    """The intraday profile expanded to one weight per interval of the day."""
    n = intervals_per_day(cfg.interval_min)
    w = np.asarray(cfg.demand.intraday_profile, dtype=float)
    return np.repeat(w, n // 24) if w.size == 24 else w


def open_mask(cfg: C.Scenario, day: int) -> NDArray[np.bool_]:
    """Which intervals of ``day`` are inside opening hours (all in stationary mode)."""
    n = intervals_per_day(cfg.interval_min)
    if cfg.demand.mode == "stationary":
        return np.ones(n, dtype=bool)
    hours = cfg.demand.open_h.get(weekday_of(cfg, day), (8.0, 20.0))  # type: ignore[call-overload]
    if hours is None:
        return np.zeros(n, dtype=bool)
    start_h = np.arange(n) * cfg.interval_min / MINUTES_PER_HOUR
    return (start_h >= hours[0]) & (start_h < hours[1])


def expected_calls(cfg: C.Scenario, day: int) -> NDArray[np.float64]:
    """Expected base arrivals per interval of ``day``, before the Gamma day multiplier."""
    d = cfg.demand
    n = intervals_per_day(cfg.interval_min)
    if d.mode == "stationary":
        return np.full(n, d.calls_per_hour * cfg.interval_min / MINUTES_PER_HOUR)
    w = interval_weights(cfg) * open_mask(cfg, day)
    if w.sum() == 0:
        return np.zeros(n)
    factor = d.weekday_factors.get(weekday_of(cfg, day), 1.0)  # type: ignore[call-overload]
    trend = (1.0 + d.trend_per_year) ** (day / 365.0)
    return d.calls_per_day * factor * trend * w / w.sum()


@dataclass(frozen=True)
class DayCallers:
    """The base callers of one day, sorted by arrival time; arrays of equal length.

    All uniforms are on [0, 1) and are compared with probabilities when the call is
    answered or ends, so a call's fate depends on the agent and state it meets, while the
    random numbers stay the same across scenarios.
    """

    t_s: NDArray[np.float64]
    """Arrival times, seconds since the start of day 0 (stream ``arrivals``)."""
    call_type: NDArray[np.int64]
    """Index into ``demand.call_types`` (stream ``call_types``)."""
    patience_s: NDArray[np.float64]
    """Patience, seconds; ``inf`` never abandons (stream ``patience``): the call type's own
    distribution if it has one, else ``demand.patience``; ``inf`` for email."""
    handle_s: NDArray[np.float64]
    """Base handle time of a proficient rested agent, seconds (stream ``handle_time``)."""
    u_supervisor: NDArray[np.float64]
    """Uniform giving the supervisor handle time if escalated (stream ``handle_time``)."""
    u: NDArray[np.float64]
    """Decision uniforms, shape ``(len(DECISIONS), n)`` (stream ``decisions``)."""
    u_survey: NDArray[np.float64]
    """Survey uniforms, shape ``(2, n)``: whether surveyed and answering, and whether satisfied
    (stream ``surveys``; a stream of its own, so voice results do not depend on surveys)."""

    def __len__(self) -> int:
        return int(self.t_s.size)


DECISIONS: tuple[str, ...] = ("irate", "resolve", "escalate", "scam", "detect", "route")
"""Rows of :attr:`DayCallers.u`: what each decision uniform decides."""


def draw_day(cfg: C.Scenario, seed: int, replication: int, day: int, horizon_s: float) -> DayCallers:
    """Draw all base callers of ``day`` that arrive before ``horizon_s``."""
    interval_s = cfg.interval_min * MINUTE_S
    rng = stream(seed, replication, "arrivals", day)
    lam = expected_calls(cfg, day)
    cv = cfg.demand.overdispersion_cv
    g = rng.gamma(1.0 / cv**2, cv**2) if cv > 0 else 1.0
    counts = rng.poisson(lam * g)
    starts = day * DAY_S + np.repeat(np.arange(lam.size) * interval_s, counts)
    t = starts + rng.random(starts.size) * interval_s
    t.sort()
    t = t[: np.searchsorted(t, horizon_s, side="left")]  # those before the horizon (t is sorted)
    n = t.size

    shares = np.cumsum([ct.share for ct in cfg.demand.call_types])
    if shares.size == 1:  # one call type: the minimum below is 0 whatever the uniforms
        call_type = np.zeros(n, dtype=np.int64)
    else:
        u_type = stream(seed, replication, "call_types", day).random(n)
        call_type = np.minimum(np.searchsorted(shares, u_type, side="right"), shares.size - 1)

    u_patience = stream(seed, replication, "patience", day).random(n)
    patience = from_spec(cfg.demand.patience).ppf(u_patience)
    for i, ct in enumerate(cfg.demand.call_types):
        if ct.channel == "email":
            patience[call_type == i] = np.inf
        elif ct.patience is not None:
            mask = call_type == i
            patience[mask] = from_spec(ct.patience).ppf(u_patience[mask])

    rng_h = stream(seed, replication, "handle_time", day)
    u_handle = rng_h.random(n)
    u_supervisor = rng_h.random(n)
    handle = np.empty(n)
    for i, ct in enumerate(cfg.demand.call_types):
        mask = call_type == i
        handle[mask] = from_spec(ct.handle_time).ppf(u_handle[mask])

    u = stream(seed, replication, "decisions", day).random((len(DECISIONS), n))
    u_survey = stream(seed, replication, "surveys", day).random((2, n))
    return DayCallers(t, call_type.astype(np.int64), patience, handle, u_supervisor, u, u_survey)


class OpeningCalendar:
    """Open periods of the centre, to move follow-up contacts into opening hours.

    A redial or repeat that would arrive while the centre is closed arrives instead at the
    next opening, delayed by how far it overshot the last closing, wrapped to the length of
    that open period: ``t' = open_next + (t - close_prev) mod (close_next - open_next)``.
    Callers thus call back after opening, spread out rather than all at the opening bell.
    Stationary mode is always open.
    """

    def __init__(self, cfg: C.Scenario, n_days: int) -> None:
        self.always_open = cfg.demand.mode == "stationary"
        starts, ends = [], []
        self.day_open: list[tuple[float, float] | None] = []
        """Each day's open period ``(start_s, end_s)`` in seconds since day 0, or None if closed."""
        for day in range(n_days + 8):
            hours = cfg.demand.open_h.get(weekday_of(cfg, day), (8.0, 20.0))  # type: ignore[call-overload]
            if hours is not None:
                starts.append(day * DAY_S + hours[0] * HOUR_S)
                ends.append(day * DAY_S + hours[1] * HOUR_S)
            self.day_open.append(None if hours is None else (starts[-1], ends[-1]))
        self.starts = starts
        self.ends = ends
        self.always_open = self.always_open or not starts

    def next_open(self, t: float) -> float:
        """``t`` if the centre is open then, else the moved time (seconds)."""
        if self.always_open:
            return t
        i = bisect.bisect_right(self.starts, t) - 1
        if i >= 0 and t < self.ends[i]:
            return t
        if i + 1 >= len(self.starts):
            return t
        close_prev = self.ends[i] if i >= 0 else 0.0
        length = self.ends[i + 1] - self.starts[i + 1]
        return self.starts[i + 1] + (t - close_prev) % length
