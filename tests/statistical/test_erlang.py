"""The stationary model against Erlang C, Erlang A and Erlang B.

Method (see docs/metrics.md): R independent replications of H measured hours after a 2 h
warm-up. Successive callers' waits are correlated, so the standard error comes from the
spread of per-replication values, never from a per-call binomial formula. For each metric
we assert ``|mean - exact| <= t(1 - alpha / (2 m), R - 1) s / sqrt(R)`` with family
``alpha = 0.01`` split over the ``m`` metrics of a load point (Bonferroni), and that the
95% interval of P(wait) is tight: relative half-width under 5%.

The seeds are fixed, so the tests are deterministic; a wrong model (e.g. a 3% bias in
P(wait)) lies many half-widths away and fails. CI runs every load point at the sizes
below; ``make test-full`` (marker ``statistical``) runs them with 4x the replications.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

import simulator as sim
from simulator.config import erlang_scenario
from simulator.stats import mean_ci, t_quantile

FULL = os.environ.get("CALLSIM_FULL_STATS") == "1"

# name, calls/h, AHT s, agents, mean patience s (None: Erlang C), measured hours, replications
POINTS = [
    ("C textbook rho=0.71", 200, 180, 14, None, 120, 12),
    ("C busy rho=0.91", 1000, 180, 55, None, 96, 12),
    ("A rho=0.89", 800, 180, 45, 600, 96, 12),
    ("A critical rho=1.0", 1000, 180, 50, 300, 24, 12),
    ("A overload rho=1.25", 1250, 180, 50, 300, 24, 12),
]
ALPHA = 0.01


def check(values: dict[str, np.ndarray], exact: dict[str, float]) -> dict[str, float]:
    """Assert each metric's mean is within its Bonferroni t-interval of ``exact``; return z-like ratios."""
    m = len(values)
    ratios = {}
    for key, x in values.items():
        n = x.size
        se = x.std(ddof=1) / math.sqrt(n)
        bound = t_quantile(1 - ALPHA / (2 * m), n - 1) * se
        ratios[key] = (x.mean() - exact[key]) / se
        assert abs(x.mean() - exact[key]) <= bound, (
            f"{key}: simulated {x.mean():.5g} +- {bound:.3g} vs exact {exact[key]:.5g}")
    return ratios


def run_point(calls: float, aht: float, agents: int, patience: float | None, hours: float, reps: int):
    cfg = erlang_scenario(calls_per_hour=calls, aht_s=aht, agents=agents, patience_s=patience, hours=hours)
    rep = sim.replicate(cfg, reps * (4 if FULL else 1), seed=20261123, workers=1)
    return rep.per_replication[rep.per_replication.site == "all"]


@pytest.mark.parametrize(("name", "calls", "aht", "agents", "patience", "hours", "reps"), POINTS,
                         ids=[p[0] for p in POINTS])
def test_matches_erlang(name, calls, aht, agents, patience, hours, reps) -> None:
    per = run_point(calls, aht, agents, patience, hours, reps)
    if patience is None:
        exact = sim.erlang_c(calls_per_hour=calls, aht_s=aht, agents=agents)
        keys = ["p_wait", "wait_mean_s", "service_level"]
        assert (per["abandoned"] == 0).all()
    else:
        exact = sim.erlang_a(calls_per_hour=calls, aht_s=aht, patience_s=patience, agents=agents)
        keys = ["p_wait", "abandon_rate", "wait_mean_s", "asa_s", "service_level"]
    check({k: per[k].to_numpy() for k in keys}, exact)
    e = mean_ci(per["p_wait"])
    assert e.half_width / e.mean < 0.05, f"P(wait) interval too wide: {e}"
    if patience is not None and calls * aht / 3600 > agents:
        assert exact["abandon_rate"] > 0.1  # the overloaded point really is overloaded


def test_littles_law_over_replications() -> None:
    """Mean queue length = arrival rate of queued-or-answered callers x mean wait."""
    per = run_point(1000, 180, 50, 300, 24, 12)
    window_s = 24 * 3600.0
    lam = (per["answered"] + per["abandoned"]) / window_s
    diff = per["queue_len_mean"] - lam * per["wait_mean_s"]
    e = mean_ci(diff.to_numpy(), level=0.99)
    assert e.ci_low <= 0.0 <= e.ci_high, e
    assert e.half_width < 0.02 * per["queue_len_mean"].mean()


def test_loss_system_matches_erlang_b() -> None:
    """With no waiting room (line limit 0), the busy-signal rate is Erlang B."""
    cfg = erlang_scenario(calls_per_hour=600, aht_s=240, agents=40, hours=48)
    cfg = sim.load_config(cfg.to_dict(), overrides={"sites.site.line_limit": 0})
    rep = sim.replicate(cfg, 12, seed=7, workers=1)
    per = rep.per_replication[rep.per_replication.site == "all"]
    check({"block_rate": per["block_rate"].to_numpy()}, {"block_rate": sim.erlang_b(40, 600 * 240 / 3600)})
    assert (per["p_wait"] == 0).all()


@pytest.mark.statistical
def test_full_validation_with_more_replications() -> None:
    """`make test-full`: every load point again with 4x the replications (tighter intervals)."""
    global FULL
    FULL, previous = True, FULL
    try:
        for point in POINTS:
            test_matches_erlang(*point)
    finally:
        FULL = previous
