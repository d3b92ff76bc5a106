"""Demand: expected volumes, and the drawn callers' weekday means, trend, intraday shape and overdispersion.

Every statistical bound comes from the exact distribution of the counts: per day the volume is
Poisson (``overdispersion_cv = 0``) or Gamma-mixed Poisson (negative binomial), days are
independent (each day has its own stream), and given a day's total the interval counts are
multinomial with probabilities proportional to the intraday weights of the open intervals.
Each test uses a family error rate of 0.001 (Bonferroni over its comparisons).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import stats as st

import simulator as sim
from simulator import demand as D
from tests.conftest import scenario

ALPHA = 0.001
"""Family error rate of each statistical test."""

FACTORS = {"mon": 1.3, "tue": 1.1, "wed": 1.0, "thu": 0.95, "fri": 0.85, "sat": 0.5}
"""Distinct weekday factors (Sunday closed), so that a shifted or ignored weekday is caught."""

HOURLY = [0, 0, 0, 0, 0, 0, 0, 0, 2, 5, 8, 9, 7, 6, 7, 8, 6, 5, 3, 1, 0, 0, 0, 0]
"""An intraday profile with a strong shape inside the default opening hours 8-20."""


def profile(**overrides: Any) -> sim.Scenario:
    """The tiny scenario in profile mode, 200 calls per day, open 8-20 every day."""
    return scenario({"demand.mode": "profile", "demand.calls_per_day": 200, **overrides})


def daily_counts(cfg: sim.Scenario, days: range, seed: int = 1) -> NDArray[np.int64]:
    """Base callers drawn for each day of ``days`` (no horizon cut)."""
    return np.array([len(D.draw_day(cfg, seed, 0, d, math.inf)) for d in days])


def poisson_bounds(mean: float, alpha: float) -> tuple[float, float]:
    """Central ``1 - alpha`` interval of a Poisson count."""
    lo, hi = st.poisson.interval(1 - alpha, mean)
    return float(lo), float(hi)


# ---------------------------------------------------------------- expected volumes (exact)


def test_expected_calls_follow_the_formula() -> None:
    """``calls_per_day x weekday_factor x (1 + trend)^(day / 365) x w_i / sum(open w)``, written out."""
    cfg = profile(**{"demand.weekday_factors": FACTORS, "demand.open_h.sun": None, "demand.trend_per_year": 0.25,
                     "demand.intraday_profile": HOURLY, "start_weekday": "thu"})
    w = np.repeat(np.asarray(HOURLY, dtype=float), 4)  # 15-minute intervals
    hour = np.arange(96) / 4.0
    w_open = np.where((hour >= 8) & (hour < 20), w, 0.0)
    weekdays = ["thu", "fri", "sat", "sun", "mon", "tue", "wed"]
    for day in (0, 1, 2, 3, 4, 100, 365, 730):
        wd = weekdays[day % 7]
        assert D.weekday_of(cfg, day) == wd
        lam = D.expected_calls(cfg, day)
        if wd == "sun":
            assert not lam.any()
            continue
        expected = 200 * FACTORS[wd] * 1.25 ** (day / 365) * w_open / w_open.sum()
        np.testing.assert_allclose(lam, expected, rtol=1e-12, atol=0)
    # A full-resolution profile (one weight per interval) is used as given.
    per_interval = list(np.arange(96) % 7 + 1.0)
    lam = D.expected_calls(profile(**{"demand.intraday_profile": per_interval}), 0)
    w = np.where((hour >= 8) & (hour < 20), per_interval, 0.0)
    np.testing.assert_allclose(lam, 200 * w / w.sum(), rtol=1e-12)
    # Stationary mode: calls_per_hour in every interval, around the clock, whatever the day.
    np.testing.assert_allclose(D.expected_calls(scenario({"demand.trend_per_year": 0.5}), 400), np.full(96, 15.0))


# ---------------------------------------------------------------- drawn callers (statistical)


@pytest.mark.parametrize("cv", [0.0, 0.2])
def test_mean_daily_volume_per_weekday(cv: float) -> None:
    """Total callers of 200 days of each weekday against ``200 x calls_per_day x factor``.

    Days are independent, so the total of weekday w over k = 200 days has mean
    ``L = k m_w`` with ``m_w = 200 factor_w``. With cv = 0 it is exactly Poisson(L): bounds are
    its central quantiles. With cv > 0 each day is Gamma-Poisson with variance
    ``m + m^2 cv^2``; the total of 200 of them is normal to within a skewness of
    ``2 cv / sqrt(200) = 0.03``, so the bound is ``z sd``. Bonferroni over the six open weekdays;
    Sunday is closed and must be exactly 0. Half-width 1.7% to 2.7% (cv = 0) and about 6%
    (cv = 0.2) of the total, against weekday factors 5% to 60% apart.
    """
    cfg = profile(**{"demand.weekday_factors": FACTORS, "demand.open_h.sun": None,
                     "demand.overdispersion_cv": cv, "demand.intraday_profile": HOURLY})
    k = 200
    counts = daily_counts(cfg, range(7 * k)).reshape(k, 7)  # start_weekday mon: column j is weekday j
    assert not counts[:, 6].any(), "callers on a closed Sunday"
    z = st.norm.ppf(1 - ALPHA / 12)
    for j, wd in enumerate(["mon", "tue", "wed", "thu", "fri", "sat"]):
        m = 200 * FACTORS[wd]
        total = counts[:, j].sum()
        if cv == 0:
            lo, hi = poisson_bounds(k * m, ALPHA / 6)
        else:
            sd = math.sqrt(k * (m + m**2 * cv**2))
            lo, hi = k * m - z * sd, k * m + z * sd
        assert lo <= total <= hi, (wd, total, k * m)


@pytest.mark.parametrize("trend", [0.3, -0.2])
def test_trend_sign_and_size(trend: float) -> None:
    """Totals of 140 days at the start and 3 years later against ``200 (1 + trend)^(day / 365)``.

    Each window's total is exactly Poisson with mean ``L = sum_d 200 (1 + trend)^(d / 365)``
    (cv = 0, all days open, factor 1), so the bounds are its central quantiles with Bonferroni
    over the two windows (half-width 1.4% to 2% of L). Three years of +30% multiply the volume
    by 2.20 (a linear trend would give 1.9, a flipped sign 0.34 or 0.46); -20% by 0.51.
    The growth factor estimated from the two totals must also point the right way.
    """
    cfg = profile(**{"demand.trend_per_year": trend})
    early, late = range(0, 140), range(3 * 365, 3 * 365 + 140)
    totals = []
    for window in (early, late):
        mean = sum(200 * (1 + trend) ** (d / 365) for d in window)
        total = int(daily_counts(cfg, window).sum())
        lo, hi = poisson_bounds(mean, ALPHA / 2)
        assert lo <= total <= hi, (window, total, mean)
        totals.append(total)
    growth = (totals[1] / totals[0]) ** (1 / 3)  # per year, up to the noise bounded above
    assert (growth > 1) == (trend > 0)


def test_intraday_shape_follows_the_profile() -> None:
    """Pooled interval counts of 100 days are multinomial with ``p_i = w_i / sum(open w)``.

    Given each day's total the interval counts are multinomial with the same probabilities
    (also under the day multiplier G, which scales every interval of a day alike), so the pooled
    counts given the grand total (about 20,000) are multinomial too: Pearson's chi-square over
    the 48 open intervals has 47 degrees of freedom and must have p > 0.001. Smallest expected
    count: weight 1 of 67 per hour, /4 per interval, x 19,400 = 72, far above the usual 5.
    No caller may arrive outside the opening hours, and the position inside an interval is
    uniform (Kolmogorov-Smirnov, p > 0.001).
    """
    cfg = profile(**{"demand.intraday_profile": HOURLY, "demand.overdispersion_cv": 0.3})
    t = np.concatenate([D.draw_day(cfg, 2, 0, d, math.inf).t_s for d in range(100)])
    interval = ((t % D.DAY_S) // 900).astype(int)
    counts = np.bincount(interval, minlength=96)
    open_ = np.arange(96) // 4
    open_ = (open_ >= 8) & (open_ < 20)
    assert not counts[~open_].any(), "callers outside opening hours"
    w = np.repeat(np.asarray(HOURLY, dtype=float), 4)[open_]
    expected = counts.sum() * w / w.sum()
    assert st.chisquare(counts[open_], expected).pvalue > ALPHA
    assert st.kstest((t % 900) / 900, "uniform").pvalue > ALPHA


@pytest.mark.parametrize("cv", [0.0, 0.3])
def test_overdispersion_variance(cv: float) -> None:
    """Daily volumes of 3,000 days: mean m and variance ``m + m^2 cv^2`` (Gamma-mixed Poisson).

    Stationary mode, 2 calls per hour: m = 48 per day, variance 48 (cv = 0) or 255.4 (cv = 0.3;
    m^2 cv^2 alone would be 207, m alone 48). The mean is checked with the normal bound
    ``z sqrt(var / D)``. For the sample variance S^2 of D iid values
    ``Var(S^2) = sigma^4 (2 / (D - 1) + kappa / D)`` with kappa the excess kurtosis (1 / m for
    Poisson; 0.544 for this negative binomial, from scipy), so ``nu S^2 / sigma^2`` is
    approximately chi-square with ``nu = 2 / (2 / (D - 1) + kappa / D)`` degrees of freedom (the
    textbook chi-square interval, its dof corrected for kurtosis): the interval
    ``[nu S^2 / chi2(1 - a/2, nu), nu S^2 / chi2(a/2, nu)]`` must contain the formula's variance.
    Bonferroni over mean and variance (a = 0.0005 each); the interval is about +-10% wide.
    """
    m, n_days = 48.0, 3000
    cfg = scenario({"demand.calls_per_hour": 2, "demand.overdispersion_cv": cv})
    n = daily_counts(cfg, range(n_days), seed=3)
    var = m + m**2 * cv**2
    if cv > 0:
        r = 1 / cv**2  # Gamma shape: N ~ NegBin(r, r / (r + m))
        nb_mean, nb_var, kurt = st.nbinom(r, r / (r + m)).stats(moments="mvk")
        assert (nb_mean, nb_var) == (pytest.approx(m), pytest.approx(var))
    else:
        kurt = 1 / m
    a = ALPHA / 2
    assert abs(n.mean() - m) <= st.norm.ppf(1 - a / 2) * math.sqrt(var / n_days)
    nu = 2 / (2 / (n_days - 1) + float(kurt) / n_days)
    s2 = n.var(ddof=1)
    lo, hi = nu * s2 / st.chi2.ppf(1 - a / 2, nu), nu * s2 / st.chi2.ppf(a / 2, nu)
    assert lo <= var <= hi, (s2, var, (lo, hi))


def test_horizon_cuts_the_day() -> None:
    """Callers at or after ``horizon_s`` are not drawn; the earlier ones are those of the full day."""
    cfg = scenario()
    full = D.draw_day(cfg, 4, 0, 1, math.inf)
    cut = D.draw_day(cfg, 4, 0, 1, D.DAY_S * 1.5)
    assert cut.t_s.max() < D.DAY_S * 1.5 <= full.t_s.max()
    np.testing.assert_array_equal(cut.t_s, full.t_s[full.t_s < D.DAY_S * 1.5])
    assert np.all(np.diff(full.t_s) >= 0) and full.t_s.min() >= D.DAY_S
