"""The stationary model against Erlang C, Erlang A and Erlang B, with stated power.

**Check.** A load point runs R independent replications of H measured hours after a 2 h
warm-up (docs/metrics.md, sections 7-8). Successive callers' waits are correlated, so the
standard error of a metric comes from the spread of its per-replication values, never from
a per-call formula. Each metric must satisfy::

    |mean - exact| <= t_c s / sqrt(R),   t_c = t(1 - a / 2, R - 1),   a = ALPHA / COMPARISONS

**Level (Bonferroni).** One family per variant: the 21 metric x load-point checks of the
five fast points (3 per Erlang C point, 5 per Erlang A point), Little's law and Erlang B,
COMPARISONS = 23 in all. With a = 0.01 / 23 = 4.3e-4 per check, a correct model fails any of
them with probability at most ALPHA = 0.01. The full variant (marker ``statistical``,
``make test-full``) is a second family of the same size and level, run with its own seed.

**Power.** If a metric's true mean is off by ``delta``, its check fails with probability
``power(delta) = P(|T| > t_c)`` with ``T`` noncentral t (R - 1 dof, noncentrality
``delta / (sigma / sqrt(R))``, ``sigma`` the per-replication SD), about
``Phi(delta / se - t_c)``. So a bias ``delta`` is caught with power 0.9 when
``se = sigma / sqrt(R) <= delta / (t_c + z_0.9)``, z_0.9 = 1.28. Each load point names the
wrong models it must catch (``Bias``): a relative error in P(wait) (``delta`` = that share of
the exact P(wait)), or a mean patience 10% too long (``delta`` of every metric = its
Erlang A value at the longer patience minus the exact one). A point fails if any metric
fails, so its power against a wrong model is at least the largest single-metric power, and
the test asserts that this is >= 0.9, with ``sigma`` the sample SD of the run itself.

**Sizing.** Over H hours sigma ~ sigma_1 / sqrt(H) (waits decorrelate within minutes), so
a bias ``delta`` needs about ``R H = ((t_c + z_0.9) sigma_1 / delta)^2`` measured hours,
sigma_1 being the SD of a one-hour replication. sigma_1 was estimated three times: a
12-replication pilot (seed 99), the fast runs and the full runs; the table sizes each check
with the largest estimate ("need": R x H for power 0.9 by the noncentral t) and gives the
size used ("use", fast or full variant):

==========  ==================  ==============  =========  ========  =======  ===========
point       wrong model         caught by       delta      sigma_1   need     use
==========  ==================  ==============  =========  ========  =======  ===========
C rho=0.71  P(wait) +3%         p_wait          0.0052     0.130     40x421   full 40x440
C rho=0.71  P(wait) +12%        p_wait          0.021      0.130     24x50    fast 24x72
C rho=0.91  P(wait) +3%         p_wait          0.0115     0.239     40x291   full 40x300
C rho=0.91  P(wait) +20%        p_wait          0.077      0.239     16x22    fast 16x24
A rho=0.89  patience x1.1       abandon_rate    -0.00062   0.0103    40x190   full 40x240
A rho=0.89  P(wait) +3%         p_wait          0.0085     0.154     40x221   full 40x240
A rho=0.89  P(wait) +12%        p_wait          0.034      0.154     24x26    fast 24x30
A rho=1.0   patience x1.1       asa_s (+7.3%)   +1.05 s    8.2 s     24x78    fast 24x90
A rho=1.0   P(wait) +4%         p_wait          0.023      0.148     24x52    fast 24x90
A rho=1.0   patience x1.1       asa_s           +1.05 s    8.2 s     40x41    full 40x50
A rho=1.0   P(wait) +3%         p_wait          0.017      0.148     40x50    full 40x50
A rho=1.25  patience x1.1       wait_mean_s     +6.0 s     9.4 s     24x4     both 24x6
A rho=1.25  P(wait) +3%         p_wait          0.030      0.027     24x1     both 24x6
==========  ==================  ==============  =========  ========  =======  ===========

A mean patience 10% too long moves the other metrics less (at rho = 0.89: P(wait) +1.2%,
ASA +3.9%; at rho = 1.0: P(wait) +1.9%, abandonment -2.7%), so one metric carries the
power. At about 0.01 s of CPU per simulated hour of 1000 calls/h (0.0025 s at 200 calls/h),
the fast variant (CI) costs about 50 s of CPU with Little's law and Erlang B, the full one
(marker ``statistical``, ``make test-full``) about 5.5 min. The seeds are fixed, so the
verdicts are reproducible; the intervals and the asserted power, not the seeds, carry the
evidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from scipy import stats as st

import simulator as sim
from simulator.config import erlang_scenario
from simulator.stats import t_quantile

ALPHA = 0.01
"""Family-wise level of each variant (fast, full)."""
POWER = 0.9
"""Required probability of failing when the model has a named bias."""


def power(bias: float, sd: float, n: int, a: float) -> float:
    """Probability that the two-sided t check at level ``a`` fails when the mean is off by ``bias``.

    ``n`` values with SD ``sd``: noncentral t with n - 1 dof and noncentrality ``bias / (sd / sqrt(n))``.
    """
    if sd == 0.0:
        return 1.0 if bias != 0.0 else a
    crit = t_quantile(1 - a / 2, n - 1)
    nc = abs(bias) / (sd / math.sqrt(n))
    upper, lower = st.nct.sf(crit, n - 1, nc), st.nct.cdf(-crit, n - 1, nc)  # far tail is NaN when negligible
    return float(np.nan_to_num(upper) + np.nan_to_num(lower))


def detectable(sd: float, n: int, a: float, target: float = POWER) -> float:
    """Smallest bias the check detects with probability ``target`` (about ``(t_c + z_target) sd / sqrt(n)``)."""
    se = sd / math.sqrt(n)
    return float(optimize.brentq(lambda b: power(b, sd, n, a) - target, 0.0, 50.0 * se + 1e-300))


@dataclass(frozen=True)
class Bias:
    """A wrong model the check must catch: P(wait) off by a relative ``p_wait``, or patience x ``patience``."""

    label: str
    p_wait: float = 0.0
    patience: float = 1.0


PWAIT_3 = Bias("P(wait) +3%", p_wait=0.03)
PATIENCE_10 = Bias("patience x1.1", patience=1.1)


@dataclass(frozen=True)
class Point:
    """A load point: M/M/n (patience None, Erlang C) or M/M/n+M (Erlang A), its size and the biases it catches."""

    name: str
    calls: float
    aht: float
    agents: int
    patience: float | None
    reps: int
    hours: float
    catches: tuple[Bias, ...]

    @property
    def keys(self) -> list[str]:
        if self.patience is None:
            return ["p_wait", "wait_mean_s", "service_level"]
        return ["p_wait", "abandon_rate", "wait_mean_s", "asa_s", "service_level"]

    def exact(self, patience_factor: float = 1.0) -> dict[str, float]:
        if self.patience is None:
            return sim.erlang_c(calls_per_hour=self.calls, aht_s=self.aht, agents=self.agents)
        return sim.erlang_a(calls_per_hour=self.calls, aht_s=self.aht, patience_s=self.patience * patience_factor,
                            agents=self.agents)

    def shifts(self, bias: Bias) -> dict[str, float]:
        """Error of each metric's mean under the wrong model ``bias``."""
        exact = self.exact()
        if bias.patience != 1.0:
            wrong = self.exact(bias.patience)
            return {k: wrong[k] - exact[k] for k in self.keys}
        return {"p_wait": bias.p_wait * exact["p_wait"]}


FAST = [
    Point("C rho=0.71", 200, 180, 14, None, 24, 72, (Bias("P(wait) +12%", p_wait=0.12),)),
    Point("C rho=0.91", 1000, 180, 55, None, 16, 24, (Bias("P(wait) +20%", p_wait=0.20),)),
    Point("A rho=0.89", 800, 180, 45, 600, 24, 30, (Bias("P(wait) +12%", p_wait=0.12),)),
    Point("A rho=1.0", 1000, 180, 50, 300, 24, 90, (Bias("P(wait) +4%", p_wait=0.04), PATIENCE_10)),
    Point("A rho=1.25", 1250, 180, 50, 300, 24, 6, (PWAIT_3, PATIENCE_10)),
]
FULL = [
    Point("C rho=0.71", 200, 180, 14, None, 40, 440, (PWAIT_3,)),
    Point("C rho=0.91", 1000, 180, 55, None, 40, 300, (PWAIT_3,)),
    Point("A rho=0.89", 800, 180, 45, 600, 40, 240, (PWAIT_3, PATIENCE_10)),
    Point("A rho=1.0", 1000, 180, 50, 300, 40, 50, (PWAIT_3, PATIENCE_10)),
    Point("A rho=1.25", 1250, 180, 50, 300, 24, 6, (PWAIT_3, PATIENCE_10)),
]
FAST_SEED, FULL_SEED = 20261123, 20261124
COMPARISONS = sum(len(p.keys) for p in FAST) + 2  # + Little's law + Erlang B
A_EACH = ALPHA / COMPARISONS
"""Level of each single check (Bonferroni)."""


@cache
def run_point(point: Point, seed: int) -> pd.DataFrame:
    """Per-replication summaries (site ``all``) of ``point``."""
    cfg = erlang_scenario(calls_per_hour=point.calls, aht_s=point.aht, agents=point.agents,
                          patience_s=point.patience, hours=point.hours)
    rep = sim.replicate(cfg, point.reps, seed=seed, workers=1)
    return rep.per_replication[rep.per_replication.site == "all"]


def check(values: dict[str, np.ndarray], exact: dict[str, float]) -> None:
    """Assert each metric's mean is within its Bonferroni t-bound of ``exact``."""
    for key, x in values.items():
        bound = t_quantile(1 - A_EACH / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
        assert abs(x.mean() - exact[key]) <= bound, (
            f"{key}: simulated {x.mean():.5g} +- {bound:.3g} vs exact {exact[key]:.5g}")


def assert_power(label: str, shifts: dict[str, float], values: dict[str, np.ndarray]) -> float:
    """Assert that the checks of ``values`` catch errors ``shifts`` with power >= POWER; return that power."""
    powers = {k: power(d, values[k].std(ddof=1), values[k].size, A_EACH) for k, d in shifts.items()}
    best = max(powers.values())
    assert best >= POWER, f"{label}: power {best:.3f} < {POWER} ({powers})"
    return best


def variants(points: list[Point], seed: int, marks: tuple[pytest.MarkDecorator, ...] = ()) -> list[Any]:
    return [pytest.param(p, seed, id=f"{'full' if marks else 'fast'} {p.name}", marks=marks) for p in points]


VARIANTS = variants(FAST, FAST_SEED) + variants(FULL, FULL_SEED, (pytest.mark.statistical,))


@pytest.mark.parametrize(("point", "seed"), VARIANTS)
def test_matches_erlang(point: Point, seed: int) -> None:
    per = run_point(point, seed)
    values = {k: per[k].to_numpy() for k in point.keys}
    exact = point.exact()
    check(values, exact)
    for bias in point.catches:
        assert_power(f"{point.name}, {bias.label}", point.shifts(bias), values)
    if point.patience is None:
        assert (per["abandoned"] == 0).all()
    elif point.calls * point.aht / 3600 > point.agents:
        assert exact["abandon_rate"] > 0.1  # the overloaded point really is overloaded


def test_littles_law_over_replications() -> None:
    """Mean queue length = arrival rate of queued-or-answered callers x mean wait.

    Uses the fast rho = 1.0 run. The difference must be 0 within its Bonferroni t-bound, and a
    2% error in the time-average queue length must be caught with power >= 0.9.
    """
    point = FAST[3]
    per = run_point(point, FAST_SEED)
    lam = (per["answered"] + per["abandoned"]) / (point.hours * 3600.0)
    diff = (per["queue_len_mean"] - lam * per["wait_mean_s"]).to_numpy()
    check({"little": diff}, {"little": 0.0})
    assert_power("Little, queue length +2%", {"little": 0.02 * per["queue_len_mean"].mean()}, {"little": diff})


def test_loss_system_matches_erlang_b() -> None:
    """With no waiting room (line limit 0), the busy-signal rate is Erlang B (B = 0.116 here).

    Pilot (12 x 48 h): sigma_1 = 0.032 for the blocking rate, so an 8% error (delta = 0.0093)
    needs R x H = 16 x 33 h at power 0.9 with a 1.1 margin on sigma_1; 16 x 40 h are run and
    power >= 0.9 is asserted on the run's own SD.
    """
    cfg = erlang_scenario(calls_per_hour=600, aht_s=240, agents=40, hours=40)
    cfg = sim.load_config(cfg.to_dict(), overrides={"sites.site.line_limit": 0})
    rep = sim.replicate(cfg, 16, seed=7, workers=1)
    per = rep.per_replication[rep.per_replication.site == "all"]
    exact = sim.erlang_b(40, 600 * 240 / 3600)
    values = {"block_rate": per["block_rate"].to_numpy()}
    check(values, {"block_rate": exact})
    assert_power("Erlang B, block rate +8%", {"block_rate": 0.08 * exact}, values)
    assert (per["p_wait"] == 0).all()


def test_power_function() -> None:
    """``power`` is the level at no bias, about 0.9 at (t_c + z_0.9) se, and ``detectable`` inverts it."""
    n, a = 24, A_EACH
    assert power(0.0, 1.0, n, a) == pytest.approx(a, rel=1e-6)
    normal = (t_quantile(1 - a / 2, n - 1) + st.norm.ppf(POWER)) / math.sqrt(n)
    assert 0.85 < power(normal, 1.0, n, a) < POWER  # the normal formula slightly overstates t power
    assert power(detectable(1.0, n, a), 1.0, n, a) == pytest.approx(POWER, abs=1e-9)
