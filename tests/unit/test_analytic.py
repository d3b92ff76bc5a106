"""Tests of ``simulator.analytic``: Erlang B, C and A against published values and exact chains."""

from __future__ import annotations

import itertools
import math
from functools import cache
from typing import Any

import numpy as np
import pytest
from scipy.linalg import expm
from scipy.special import gammainc, gammaln, pdtr

from simulator.analytic import agents_for_service_level, erlang_a, erlang_b, erlang_c

KEYS = {
    "p_wait",
    "abandon_rate",
    "wait_mean_s",
    "asa_s",
    "service_level",
    "occupancy",
    "offered_load_erlangs",
}


# ------------------------------------------------------------------ reference model


@cache
def chain_reference(
    *,
    calls_per_hour: float,
    aht_s: float,
    patience_s: float,
    agents: int,
    sl_target_s: float,
    depth: int = 200,
) -> dict[str, float]:
    """Erlang A metrics from a brute-force truncated birth-death chain.

    Independent of the module: the stationary law is a linear solve of the generator,
    and each waiting arrival's fate is followed stage by stage (``k`` callers ahead ->
    hypoexponential offered wait with rates ``n mu + j theta``, ``j = k..0``, raced
    against its own exponential patience); the service level is the mass absorbed in
    "served" by ``T``, from the matrix exponential of that absorbing chain.
    """
    lam, mu, theta, n = calls_per_hour / 3600, 1 / aht_s, 1 / patience_s, agents
    size = n + depth + 1
    j = np.arange(size)
    gen = np.zeros((size, size))
    gen[j[:-1], j[:-1] + 1] = lam
    gen[j[1:], j[1:] - 1] = np.minimum(j[1:], n) * mu + np.maximum(j[1:] - n, 0) * theta
    gen -= np.diag(gen.sum(axis=1))
    lhs = gen.T.copy()
    lhs[-1, :] = 1.0
    rhs = np.zeros(size)
    rhs[-1] = 1.0
    pi = np.linalg.solve(lhs, rhs)
    assert pi[-1] < 1e-15, "truncation too short"

    ahead = pi[n:]  # an arrival finds k = 0..depth callers waiting ahead of it
    k = np.arange(depth + 1)
    rate = n * mu + k * theta  # rate at which "ahead" drops in stage k
    stage_ok = rate / (rate + theta)  # stage ends before the caller's own patience
    served_k = np.cumprod(stage_ok)  # P(served | k ahead)
    # Mean time waited (served or not) from k ahead: stage k lasts 1 / (rate + theta)
    # on average, then with probability ok_k the caller moves on to stage k - 1.
    wait_k = np.zeros(depth + 1)
    for kk in k:
        wait_k[kk] = 1 / (rate[kk] + theta) + (stage_ok[kk] * wait_k[kk - 1] if kk else 0.0)
    wait_given_served_k = np.cumsum(1.0 / (rate + theta))
    p_abandon = float(np.sum(ahead * (1 - served_k)))
    p_served = 1.0 - float(ahead.sum()) + float(np.sum(ahead * served_k))

    # Absorbing chain of one waiting caller: states k ahead, then served, abandoned.
    served, abandoned = depth + 1, depth + 2
    absorb = np.zeros((depth + 3, depth + 3))
    absorb[k[1:], k[1:] - 1] = rate[1:]
    absorb[0, served] = rate[0]
    absorb[k, abandoned] = theta
    absorb[k, k] = -(rate + theta)
    start = np.concatenate((ahead, [0.0, 0.0]))
    served_by_t = float((start @ expm(absorb * sl_target_s))[served])

    return {
        "p_wait": float(ahead.sum()),
        "abandon_rate": p_abandon,
        "wait_mean_s": float(np.sum(ahead * wait_k)),
        "asa_s": float(np.sum(ahead * served_k * wait_given_served_k)) / p_served,
        "service_level": 1.0 - float(ahead.sum()) + served_by_t,
        "occupancy": float(np.sum(np.minimum(j, n) * pi)) / n,
        "mean_queue": float(np.sum(k * ahead)),
    }


# ---------------------------------------------------------------------------- Erlang B


def test_erlang_b_table_value() -> None:
    # Standard Erlang B tables: 10 trunks offered 5 erlangs block 1.8385 % of calls.
    assert erlang_b(10, 5.0) == pytest.approx(0.018385, abs=5e-7)


@pytest.mark.parametrize(("agents", "load"), [(10, 4.461), (20, 12.031), (100, 84.064)])
def test_erlang_b_one_percent_grade_of_service(agents: int, load: float) -> None:
    # Erlang B tables, 1 % grade-of-service column: the load (to 3 decimals) that
    # 10 / 20 / 100 trunks carry at B = 0.01.
    assert erlang_b(agents, load) == pytest.approx(0.01, abs=5e-6)


def test_erlang_b_exact_small_cases() -> None:
    # From the definition B = (A^n/n!) / sum_{j<=n} A^j/j!:
    # B(5, 2) = (4/15) / (109/15) = 4/109; B(1, A) = A / (1 + A); B(0, A) = 1.
    assert erlang_b(5, 2.0) == pytest.approx(4 / 109, rel=1e-13)
    assert erlang_b(1, 3.0) == pytest.approx(0.75, rel=1e-13)
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b(4, 0.0) == 0.0


@pytest.mark.parametrize(("agents", "load"), [(2000, 1900.0), (5000, 5200.0), (3000, 2500.0)])
def test_erlang_b_large_matches_poisson_ratio(agents: int, load: float) -> None:
    # B(n, A) = P(Poisson(A) = n) / P(Poisson(A) <= n), the pmf taken in logs.
    log_pmf = agents * math.log(load) - load - gammaln(agents + 1)
    expected = math.exp(log_pmf) / pdtr(agents, load)
    assert erlang_b(agents, load) == pytest.approx(expected, rel=1e-9)


# ---------------------------------------------------------------------------- Erlang C


def test_erlang_c_published_example() -> None:
    # Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example":
    # 100 calls per 30 min (200/h), AHT 180 s, 14 agents, 20 s target:
    # probability of waiting 0.1741 and service level 88.84 %.
    m = erlang_c(calls_per_hour=200, aht_s=180, agents=14, sl_target_s=20)
    assert set(m) == KEYS
    assert round(m["p_wait"], 4) == 0.1741
    assert round(m["service_level"], 4) == 0.8884
    assert m["offered_load_erlangs"] == pytest.approx(10.0)
    assert m["occupancy"] == pytest.approx(10 / 14)
    assert m["abandon_rate"] == 0.0
    assert m["asa_s"] == m["wait_mean_s"]
    # ASA = C / (n mu - lambda) = C * AHT / (n - A)
    assert m["wait_mean_s"] == pytest.approx(m["p_wait"] * 180 / 4, rel=1e-13)


def test_erlang_c_exact_small_case() -> None:
    # 3 agents, 2 erlangs: B = (8/6)/(19/3) = 4/19, C = 3B / (3 - 2(1 - B)) = 4/9.
    m = erlang_c(calls_per_hour=40, aht_s=180, agents=3)
    assert m["p_wait"] == pytest.approx(4 / 9, rel=1e-13)


def test_erlang_c_single_server_is_mm1() -> None:
    # M/M/1 textbook results: P(wait) = rho, E[Wq] = rho / (mu - lambda),
    # P(Wq <= T) = 1 - rho exp(-(mu - lambda) T).
    lam, mu, t = 10 / 3600, 1 / 180, 30.0
    rho = lam / mu
    m = erlang_c(calls_per_hour=10, aht_s=180, agents=1, sl_target_s=t)
    assert m["p_wait"] == pytest.approx(rho, rel=1e-13)
    assert m["wait_mean_s"] == pytest.approx(rho / (mu - lam), rel=1e-12)
    assert m["service_level"] == pytest.approx(1 - rho * math.exp(-(mu - lam) * t), rel=1e-13)


def test_erlang_c_unstable_raises() -> None:
    with pytest.raises(ValueError, match="unstable"):
        erlang_c(calls_per_hour=200, aht_s=180, agents=10)  # A = n = 10
    with pytest.raises(ValueError, match="unstable"):
        erlang_c(calls_per_hour=300, aht_s=180, agents=10)


# ---------------------------------------------------------------------------- Erlang A

CHAIN_CASES = [
    # (calls_per_hour, aht_s, patience_s, agents, sl_target_s); rho = load per agent
    *[(200.0 * rho, 180.0, patience, 10, 20.0) for rho in (0.8, 0.95, 1.2) for patience in (30.0, 120.0, 600.0)],
    (200.0, 180.0, 60.0, 10, 0.0),  # rho = 1.0, T = 0
    (30.0, 240.0, 90.0, 1, 45.0),  # single agent, rho = 2
    (1200.0, 300.0, 200.0, 100, 15.0),  # 100 agents, rho = 1.0
]


@pytest.mark.parametrize(("calls", "aht", "patience", "agents", "t"), CHAIN_CASES)
def test_erlang_a_matches_birth_death_chain(calls: float, aht: float, patience: float, agents: int, t: float) -> None:
    m = erlang_a(calls_per_hour=calls, aht_s=aht, patience_s=patience, agents=agents, sl_target_s=t)
    ref = chain_reference(calls_per_hour=calls, aht_s=aht, patience_s=patience, agents=agents, sl_target_s=t)
    assert set(m) == KEYS
    for key in KEYS - {"offered_load_erlangs"}:
        assert m[key] == pytest.approx(ref[key], rel=1e-9, abs=1e-12), key
    assert m["offered_load_erlangs"] == pytest.approx(calls / 3600 * aht)


@pytest.mark.parametrize(("calls", "aht", "patience", "agents", "t"), CHAIN_CASES[:9])
def test_erlang_a_incomplete_gamma_closed_forms(
    calls: float, aht: float, patience: float, agents: int, t: float
) -> None:
    # Mandelbaum & Zeltyn's closed forms: with x = n mu / theta, y = lambda / theta,
    # J = x e^y y^-x gamma(x, y), P(W > 0) = J B / (1 + (J - 1) B) and
    # P(Ab | W > 0) = 1 / (rho J) + 1 - 1 / rho.
    x, y = agents * patience / aht, calls / 3600 * patience
    load = calls / 3600 * aht
    rho = load / agents
    big_j = math.exp(gammaln(x + 1) + y - x * math.log(y)) * gammainc(x, y)
    b = erlang_b(agents, load)
    p_wait = big_j * b / (1 + (big_j - 1) * b)
    p_abandon = p_wait * (1 / (rho * big_j) + 1 - 1 / rho)
    m = erlang_a(calls_per_hour=calls, aht_s=aht, patience_s=patience, agents=agents, sl_target_s=t)
    assert m["p_wait"] == pytest.approx(p_wait, rel=1e-10)
    assert m["abandon_rate"] == pytest.approx(p_abandon, rel=1e-9)


@pytest.mark.parametrize(("calls", "aht", "patience", "agents", "t"), CHAIN_CASES)
def test_erlang_a_littles_law(calls: float, aht: float, patience: float, agents: int, t: float) -> None:
    # Abandonment rate lambda P(Ab) = theta E[Q], and Little: E[W] = E[Q] / lambda.
    m = erlang_a(calls_per_hour=calls, aht_s=aht, patience_s=patience, agents=agents, sl_target_s=t)
    ref = chain_reference(calls_per_hour=calls, aht_s=aht, patience_s=patience, agents=agents, sl_target_s=t)
    assert m["wait_mean_s"] / patience == pytest.approx(m["abandon_rate"], rel=1e-12)
    assert m["wait_mean_s"] == pytest.approx(ref["mean_queue"] / (calls / 3600), rel=1e-9)
    assert ref["wait_mean_s"] == pytest.approx(ref["mean_queue"] / (calls / 3600), rel=1e-9)


def test_erlang_a_infinite_patience_is_erlang_c() -> None:
    kwargs: dict[str, Any] = {"calls_per_hour": 200.0, "aht_s": 180.0, "agents": 14, "sl_target_s": 20.0}
    assert erlang_a(patience_s=math.inf, **kwargs) == erlang_c(**kwargs)


@pytest.mark.parametrize("agents", [11, 14, 20])
def test_erlang_a_tends_to_erlang_c(agents: int) -> None:
    # The gap to Erlang C is first order in theta = 1 / patience: it must shrink ~100x
    # per 100x patience, with no numerical floor even at very long patience.
    c = erlang_c(calls_per_hour=200, aht_s=180, agents=agents)
    gaps = []
    for patience in (1e5, 1e7, 1e9, 1e11):
        a = erlang_a(calls_per_hour=200, aht_s=180, patience_s=patience, agents=agents)
        gaps.append(max(abs(a[key] - c[key]) / c[key] for key in KEYS - {"abandon_rate"}))
        assert a["abandon_rate"] == pytest.approx(a["wait_mean_s"] / patience)
    assert all(50 < a / b < 200 for a, b in itertools.pairwise(gaps))
    assert gaps[-1] < 1e-7


@pytest.mark.parametrize("calls", [150.0, 240.0, 400.0])
def test_erlang_a_abandonment_grows_as_patience_shrinks(calls: float) -> None:
    patiences = [3600.0, 600.0, 120.0, 30.0, 5.0, 1.0]
    p_abandon = [erlang_a(calls_per_hour=calls, aht_s=180, patience_s=p, agents=10)["abandon_rate"] for p in patiences]
    assert all(a < b for a, b in itertools.pairwise(p_abandon))


def test_erlang_a_service_level_limits() -> None:
    kwargs: dict[str, Any] = {"calls_per_hour": 240.0, "aht_s": 180.0, "patience_s": 120.0, "agents": 10}
    m0 = erlang_a(sl_target_s=0.0, **kwargs)
    assert m0["service_level"] == pytest.approx(1 - m0["p_wait"], rel=1e-12)
    levels = [erlang_a(sl_target_s=t, **kwargs)["service_level"] for t in (0, 5, 20, 60, 300)]
    assert all(a < b for a, b in itertools.pairwise(levels))
    m_inf = erlang_a(sl_target_s=1e5, **kwargs)  # every answered caller counts
    assert m_inf["service_level"] == pytest.approx(1 - m_inf["abandon_rate"], rel=1e-12)


def test_erlang_a_overload_is_finite_and_consistent() -> None:
    # 5000 agents at twice their capacity; patient callers (~28 min).
    m = erlang_a(calls_per_hour=200_000, aht_s=180, patience_s=1700, agents=5000)
    assert m["p_wait"] == pytest.approx(1.0, abs=1e-12)
    assert m["abandon_rate"] == pytest.approx(0.5, rel=1e-6)  # lambda (1 - P(Ab)) = n mu
    assert m["occupancy"] <= 1.0
    assert 0.0 <= m["service_level"] < 1e-6


# ------------------------------------------------------------ agents_for_service_level


def test_agents_for_80_20_erlang_c() -> None:
    # Same example as above. 13 agents give 79.56 % < 80 %, 14 give 88.84 %, so the
    # minimum is 14 (Call Centre Helper's worked example also lands on 14 raw agents).
    n = agents_for_service_level(calls_per_hour=200, aht_s=180, sl_target=0.8, sl_target_s=20)
    assert n == 14
    assert erlang_c(calls_per_hour=200, aht_s=180, agents=13)["service_level"] < 0.8
    assert erlang_c(calls_per_hour=200, aht_s=180, agents=14)["service_level"] >= 0.8
    assert agents_for_service_level(calls_per_hour=200, aht_s=180, sl_target=0.8, patience_s=math.inf) == 14


@pytest.mark.parametrize("patience", [None, 30.0, 180.0])
@pytest.mark.parametrize(("calls", "target"), [(50.0, 0.8), (200.0, 0.9), (900.0, 0.95), (200.0, 0.0)])
def test_agents_for_service_level_is_the_minimum(calls: float, target: float, patience: float | None) -> None:
    n = agents_for_service_level(calls_per_hour=calls, aht_s=180, sl_target=target, patience_s=patience)

    def level(agents: int) -> float:
        if patience is None:
            return erlang_c(calls_per_hour=calls, aht_s=180, agents=agents)["service_level"]
        return erlang_a(calls_per_hour=calls, aht_s=180, patience_s=patience, agents=agents)["service_level"]

    smallest = math.floor(calls / 3600 * 180) + 1 if patience is None else 1
    expected = next(k for k in range(smallest, 200) if level(k) >= target)
    assert n == expected


def test_agents_for_service_level_monotone() -> None:
    def need(**kwargs: float) -> int:
        args = {"calls_per_hour": 200.0, "aht_s": 180.0, "sl_target": 0.8, "sl_target_s": 20.0}
        args.update(kwargs)
        return agents_for_service_level(**args)  # type: ignore[arg-type]

    by_calls = [need(calls_per_hour=c) for c in (50, 100, 200, 400, 800, 1600)]
    assert all(a <= b for a, b in itertools.pairwise(by_calls)) and by_calls[0] < by_calls[-1]
    by_target = [need(sl_target=s) for s in (0.5, 0.7, 0.8, 0.9, 0.99)]
    assert all(a <= b for a, b in itertools.pairwise(by_target)) and by_target[0] < by_target[-1]
    by_threshold = [need(sl_target_s=t) for t in (5, 10, 20, 60, 120)]
    assert all(a >= b for a, b in itertools.pairwise(by_threshold))
    by_aht = [need(aht_s=h) for h in (60, 120, 180, 300)]
    assert all(a <= b for a, b in itertools.pairwise(by_aht))


def test_erlang_a_service_level_increases_with_agents() -> None:
    levels = [erlang_a(calls_per_hour=300, aht_s=180, patience_s=60, agents=n)["service_level"] for n in range(1, 31)]
    assert all(a < b for a, b in itertools.pairwise(levels))


def test_agents_for_service_level_large_centre() -> None:
    n = agents_for_service_level(calls_per_hour=36_000, aht_s=300, sl_target=0.8)
    assert 3000 < n < 3100  # 3000 erlangs: square-root staffing, ~ A + 0.6 sqrt(A)
    level = erlang_c(calls_per_hour=36_000, aht_s=300, agents=n)["service_level"]
    below = erlang_c(calls_per_hour=36_000, aht_s=300, agents=n - 1)["service_level"]
    assert below < 0.8 <= level


def test_agents_for_service_level_unreachable_raises() -> None:
    with pytest.raises(ValueError, match="max_agents"):
        agents_for_service_level(calls_per_hour=200, aht_s=180, sl_target=0.8, max_agents=12)
    with pytest.raises(ValueError, match="max_agents"):
        agents_for_service_level(calls_per_hour=200, aht_s=180, sl_target=0.8, max_agents=5)
    with pytest.raises(ValueError, match="max_agents"):
        agents_for_service_level(calls_per_hour=200, aht_s=180, sl_target=0.8, patience_s=60, max_agents=8)


# ------------------------------------------------------------------------ bad inputs

BASE = {"calls_per_hour": 200.0, "aht_s": 180.0, "agents": 14}


@pytest.mark.parametrize(
    ("func", "kwargs", "match"),
    [
        (erlang_c, {"calls_per_hour": -1.0}, "calls_per_hour"),
        (erlang_c, {"calls_per_hour": 0.0}, "calls_per_hour"),
        (erlang_c, {"calls_per_hour": math.nan}, "calls_per_hour"),
        (erlang_c, {"aht_s": 0.0}, "aht_s"),
        (erlang_c, {"aht_s": -180.0}, "aht_s"),
        (erlang_c, {"agents": 0}, "agents"),
        (erlang_c, {"agents": -3}, "agents"),
        (erlang_c, {"agents": 14.0}, "agents"),
        (erlang_c, {"sl_target_s": -1.0}, "sl_target_s"),
        (erlang_a, {"patience_s": 0.0}, "patience_s"),
        (erlang_a, {"patience_s": -60.0}, "patience_s"),
        (erlang_a, {"patience_s": math.nan}, "patience_s"),
        (erlang_a, {"patience_s": 60.0, "calls_per_hour": -5.0}, "calls_per_hour"),
        (erlang_a, {"patience_s": 60.0, "aht_s": -1.0}, "aht_s"),
        (erlang_a, {"patience_s": 60.0, "agents": 0}, "agents"),
        (erlang_a, {"patience_s": 60.0, "sl_target_s": math.inf}, "sl_target_s"),
    ],
)
def test_invalid_queue_inputs(func: object, kwargs: dict[str, float], match: str) -> None:
    args = {**BASE, **({"patience_s": 60.0} if func is erlang_a else {}), **kwargs}
    with pytest.raises(ValueError, match=match):
        func(**args)  # type: ignore[operator]


def test_erlang_a_refuses_unbounded_series() -> None:
    # Overload with ~11 days of patience: tens of millions of callers would queue.
    with pytest.raises(ValueError, match="too long"):
        erlang_a(calls_per_hour=200_000, aht_s=180, patience_s=1e6, agents=10)


def test_numpy_integer_agents_accepted() -> None:
    numpy_agents: Any = np.int64(14)
    assert erlang_c(calls_per_hour=200, aht_s=180, agents=numpy_agents) == erlang_c(
        calls_per_hour=200, aht_s=180, agents=14
    )


def test_invalid_erlang_b_inputs() -> None:
    with pytest.raises(ValueError, match="agents"):
        erlang_b(-1, 5.0)
    with pytest.raises(ValueError, match="agents"):
        erlang_b(2.5, 5.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="offered_load"):
        erlang_b(3, -1.0)
    with pytest.raises(ValueError, match="offered_load"):
        erlang_b(3, math.nan)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sl_target": 1.0}, "sl_target"),
        ({"sl_target": -0.1}, "sl_target"),
        ({"patience_s": 0.0}, "patience_s"),
        ({"max_agents": 0}, "agents"),
        ({"calls_per_hour": -1.0}, "calls_per_hour"),
        ({"aht_s": 0.0}, "aht_s"),
    ],
)
def test_invalid_staffing_inputs(kwargs: dict[str, float], match: str) -> None:
    args = {"calls_per_hour": 200.0, "aht_s": 180.0, "sl_target": 0.8, **kwargs}
    with pytest.raises(ValueError, match=match):
        agents_for_service_level(**args)  # type: ignore[arg-type]
