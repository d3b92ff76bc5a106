"""Distributions: inverse-CDF sampling matches the analytic moments; one uniform per draw."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator import config as C
from simulator.distributions import from_spec

SPECS = [
    C.Exponential(mean_s=120.0),
    C.Lognormal(mean_s=300.0, cv=0.8),
    C.Gamma(mean_s=200.0, cv=1.5),
    C.Weibull(mean_s=240.0, shape=0.9),
    C.Deterministic(mean_s=42.0),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.dist)
def test_sample_moments_match_analytic(spec) -> None:
    dist = from_spec(spec)
    x = dist.sample(np.random.default_rng(1), 400_000)
    n = x.size
    # 99.9% bounds for the sample mean from the analytic variance (CLT), and a loose one for the variance.
    assert abs(x.mean() - dist.mean) <= 3.3 * math.sqrt(dist.variance / n) + 1e-9
    if dist.variance > 0:
        assert x.var() == pytest.approx(dist.variance, rel=0.05)
    assert (x >= 0).all()


def test_each_draw_consumes_one_uniform() -> None:
    a = from_spec(C.Lognormal(mean_s=300.0, cv=0.8)).sample(np.random.default_rng(3), 10)
    b = from_spec(C.Gamma(mean_s=10.0, cv=2.0)).sample(np.random.default_rng(3), 10)
    u = np.random.default_rng(3).random(10)
    # Same uniforms, so the ranks agree across families.
    assert (np.argsort(a) == np.argsort(u)).all() and (np.argsort(b) == np.argsort(u)).all()


def test_never_is_infinite() -> None:
    assert np.isinf(from_spec(C.Never()).sample(np.random.default_rng(0), 3)).all()
