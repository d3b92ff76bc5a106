"""Confidence intervals: against scipy on fixed data, by coverage on simulated normal data, and edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st

import simulator as sim
from simulator.stats import t_quantile

X = np.array([0.82, 0.91, 0.77, 0.88, 0.95, 0.70, 0.86])
A = np.array([31.2, 28.4, 35.9, 30.1, 29.7, 33.3])
B = np.array([29.8, 27.9, 33.0, 29.5, 27.1, 31.6])


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
def test_mean_ci_equals_scipy_t_interval(level: float) -> None:
    e = sim.mean_ci(X, level)
    lo, hi = st.t.interval(level, X.size - 1, loc=X.mean(), scale=st.sem(X))
    assert (e.ci_low, e.ci_high) == (pytest.approx(lo, rel=1e-12), pytest.approx(hi, rel=1e-12))
    ci = st.ttest_1samp(X, 0.0).confidence_interval(level)
    assert (e.ci_low, e.ci_high) == (pytest.approx(ci.low, rel=1e-12), pytest.approx(ci.high, rel=1e-12))
    assert e.mean == pytest.approx(X.mean(), rel=1e-15) and e.n == 7
    assert e.sd == pytest.approx(math.sqrt(((X - X.mean()) ** 2).sum() / 6), rel=1e-12)
    assert e.half_width == pytest.approx((hi - lo) / 2, rel=1e-12)
    assert t_quantile(0.5 + level / 2, 6) == pytest.approx(st.t.ppf(0.5 + level / 2, 6), rel=1e-15)


@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
def test_paired_difference_equals_scipy_ttest_rel(level: float) -> None:
    d = sim.paired_difference(A, B, level)
    ci = st.ttest_rel(A, B).confidence_interval(level)
    assert (d.ci_low, d.ci_high) == (pytest.approx(ci.low, rel=1e-12), pytest.approx(ci.high, rel=1e-12))
    assert d.mean == pytest.approx((A - B).mean(), rel=1e-14) and d.n == A.size
    # The pairing matters: the interval is far narrower than Welch's for independent samples.
    welch = st.ttest_ind(A, B, equal_var=False).confidence_interval(level)
    assert d.half_width < 0.5 * (welch.high - welch.low) / 2


def binomial_band(level: float, trials: int = 2000) -> tuple[float, float]:
    """Central 99.9% interval of the share of ``trials`` independent intervals that cover."""
    lo, hi = st.binom.interval(0.999, trials, level)
    return lo / trials, hi / trials


@pytest.mark.parametrize(("n", "level"), [(5, 0.95), (3, 0.80)])
def test_mean_ci_coverage(n: int, level: float) -> None:
    """2,000 intervals from N(3, 2^2) samples of size n cover 3 at the nominal rate.

    The count of covering intervals is Binomial(2000, level): it must lie in its central 99.9%
    interval, [1867, 1931] / 2000 = [0.9335, 0.9655] for 95%. Halved intervals would cover with
    probability P(|T_4| < t(0.975, 4) / 2) = 0.763; normal quantiles instead of t 0.878 (n = 5).
    """
    rng = np.random.default_rng(20240501)
    samples = rng.normal(3.0, 2.0, size=(2000, n))
    covered = 0
    for x in samples:
        e = sim.mean_ci(x, level)
        covered += e.ci_low <= 3.0 <= e.ci_high
    lo, hi = binomial_band(level)
    assert lo <= covered / 2000 <= hi, covered / 2000


def test_paired_difference_coverage() -> None:
    """Paired differences of correlated pairs (a shared N(0, 5^2) effect per replication) cover the true -0.7.

    Same binomial 99.9% band as above for 2,000 intervals at 95% with n = 4 pairs. Treating the
    pairs as independent would make the intervals about 6 times too wide (difference sd
    sqrt(5^2 + 1 + 5^2 + 0.25) = 7.2 instead of sqrt(1.25) = 1.1; coverage near 1).
    """
    rng = np.random.default_rng(77)
    shared = rng.normal(0.0, 5.0, size=(2000, 4))
    a = 10.0 + shared + rng.normal(0.0, 1.0, size=(2000, 4))
    b = 10.7 + shared + rng.normal(0.0, 0.5, size=(2000, 4))
    covered = sum(d.ci_low <= -0.7 <= d.ci_high for d in map(sim.paired_difference, a, b))
    lo, hi = binomial_band(0.95)
    assert lo <= covered / 2000 <= hi, covered / 2000


def test_edge_cases() -> None:
    for empty in ([], [math.nan, math.nan]):
        e = sim.mean_ci(empty)
        assert e.n == 0 and all(math.isnan(v) for v in (e.mean, e.ci_low, e.ci_high, e.sd))
    assert sim.mean_ci([4.25]) == sim.Estimate(4.25, 4.25, 4.25, 0.0, 1)
    assert sim.mean_ci([math.nan, 4.25]) == sim.Estimate(4.25, 4.25, 4.25, 0.0, 1)
    assert sim.mean_ci([2.5] * 6) == sim.Estimate(2.5, 2.5, 2.5, 0.0, 6)
    # Constant but not exactly representable: collapses up to rounding of the mean (a few ulps).
    c = sim.mean_ci([0.1] * 7)
    assert c.ci_low <= c.mean <= c.ci_high and c.half_width <= 1e-15 and c.mean == pytest.approx(0.1, rel=1e-15)
    # NaN values are dropped, the rest is the usual interval.
    assert sim.mean_ci([1.0, math.nan, 2.0, 4.0]) == sim.mean_ci([1.0, 2.0, 4.0])
    assert sim.mean_ci([1.0, 2.0, 4.0]).n == 3
    # Paired: a pair with a NaN on either side is dropped (scipy: nan_policy="omit").
    d = sim.paired_difference([1.0, math.nan, 3.0, 4.0, 6.0], [0.0, 1.0, 1.0, math.nan, 3.0])
    assert d.n == 3 and d.mean == 2.0
    ci = st.ttest_rel([1.0, 3.0, 6.0], [0.0, 1.0, 3.0]).confidence_interval()
    assert (d.ci_low, d.ci_high) == (pytest.approx(ci.low, rel=1e-12), pytest.approx(ci.high, rel=1e-12))
    with pytest.raises(ValueError, match="equal shapes"):
        sim.paired_difference([1.0, 2.0], [1.0, 2.0, 3.0])
