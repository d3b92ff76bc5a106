"""Chat and email against their analytic multi-server queues, with stated power.

**Chat.** With a linear effective capacity ``c(n) = n`` every chat progresses at rate 1
whatever the agent's concurrency, so ``s`` agents holding up to ``k`` chats each are
``s k`` independent servers: with exponential handle times the chat queue is M/M/(sk)
(Erlang C), and with exponential patience M/M/(sk)+M (Erlang A). Every contact is a chat
here, so the site's queue metrics are the chat metrics.

**Email.** Email never abandons and, with no voice or chat, agents take it as soon as they
are free, oldest first: M/M/s. The response time (arrival to reply) is the sojourn time
``S = W + B``; its mean is Erlang C's mean wait plus the mean handle time, and
``P(S > t) = (1 - C) e^{-mu t} + C (theta e^{-mu t} - mu e^{-theta t}) / (theta - mu)``,
``C`` the probability of waiting and ``theta = s mu - lambda`` (the wait of a delayed email
is exponential with rate ``theta``).

**Check and level.** As in ``test_erlang.py``: each metric's mean over R replications must
lie within ``t(1 - a/2, R - 1) s / sqrt(R)`` of the exact value, with a Bonferroni level
``a = ALPHA / COMPARISONS`` over the 10 checks below (family-wise level 0.01).

**Power.** Each point names the wrong models it must catch, and the test asserts that the
run's own spread gives power >= 0.9 against the largest of them (noncentral t, as in
``test_erlang.py``). Sizes come from an 8 x 24 h pilot (seed 5): sigma_1 of P(wait) about
0.18 (chat C) and 0.13 (chat A), of the email mean response about 0.0026 h; with H = 48 h
and R = 24 (chat) or 16 (email) the named biases are caught with power above 0.9.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd
import pytest

import simulator as sim
from simulator.config import erlang_scenario
from simulator.stats import t_quantile

from .test_erlang import POWER, power

ALPHA = 0.01
SEED = 20261202


def chat_scenario(*, calls_per_hour: float, aht_s: float, agents: int, concurrency: int,
                  patience_s: float | None, hours: float) -> sim.Scenario:
    """Every contact a chat, linear capacity c(n) = n, service-level threshold 20 s (as Erlang's)."""
    raw: dict[str, Any] = erlang_scenario(calls_per_hour=calls_per_hour, aht_s=aht_s, agents=agents,
                                          patience_s=patience_s, hours=hours).to_dict()
    raw["demand"]["call_types"][0]["channel"] = "chat"
    raw["channels"] = {"chat": {"max_concurrency": concurrency,
                                "capacity": [float(n) for n in range(1, concurrency + 1)], "sl_threshold_s": 20.0}}
    return sim.load_config(raw)


def email_scenario(*, calls_per_hour: float, aht_s: float, agents: int, target_h: float, hours: float) -> sim.Scenario:
    """Every contact an email."""
    raw: dict[str, Any] = erlang_scenario(calls_per_hour=calls_per_hour, aht_s=aht_s, agents=agents,
                                          hours=hours).to_dict()
    raw["demand"]["call_types"][0]["channel"] = "email"
    raw["channels"] = {"email": {"target_h": target_h}}
    return sim.load_config(raw)


def sojourn_within(*, calls_per_hour: float, aht_s: float, agents: int, t_s: float) -> float:
    """P(S <= t) of the M/M/s sojourn time S = W + B (module docstring)."""
    mu, lam = 1.0 / aht_s, calls_per_hour / 3600.0
    c = sim.erlang_c(calls_per_hour=calls_per_hour, aht_s=aht_s, agents=agents)["p_wait"]
    theta = agents * mu - lam
    tail = (1 - c) * math.exp(-mu * t_s) + c * (theta * math.exp(-mu * t_s) - mu * math.exp(-theta * t_s)) / (
        theta - mu)
    return 1.0 - tail


@dataclass(frozen=True)
class Point:
    """A scenario, its exact metrics and the errors (metric -> shift of the mean) it must catch."""

    name: str
    reps: int
    exact: dict[str, float]
    catches: dict[str, dict[str, float]]


CHAT_C = dict(calls_per_hour=540.0, aht_s=180.0, agents=10, concurrency=3, patience_s=None, hours=48.0)
CHAT_A = dict(calls_per_hour=600.0, aht_s=180.0, agents=10, concurrency=3, patience_s=300.0, hours=48.0)
EMAIL = dict(calls_per_hour=200.0, aht_s=180.0, agents=14, target_h=0.1, hours=48.0)


def _chat_exact(p: dict[str, Any]) -> dict[str, float]:
    servers = p["agents"] * p["concurrency"]
    if p["patience_s"] is None:
        return sim.erlang_c(calls_per_hour=p["calls_per_hour"], aht_s=p["aht_s"], agents=servers)
    return sim.erlang_a(calls_per_hour=p["calls_per_hour"], aht_s=p["aht_s"], patience_s=p["patience_s"],
                        agents=servers)


def _email_exact(p: dict[str, Any]) -> dict[str, float]:
    c = sim.erlang_c(calls_per_hour=p["calls_per_hour"], aht_s=p["aht_s"], agents=p["agents"])
    return {
        "email_response_mean_h": (c["wait_mean_s"] + p["aht_s"]) / 3600.0,
        "email_response_target_met": sojourn_within(calls_per_hour=p["calls_per_hour"], aht_s=p["aht_s"],
                                                    agents=p["agents"], t_s=p["target_h"] * 3600.0),
    }


def _subset(d: dict[str, float], keys: tuple[str, ...]) -> dict[str, float]:
    return {k: d[k] for k in keys}


_CC, _CA, _EM = _chat_exact(CHAT_C), _chat_exact(CHAT_A), _email_exact(EMAIL)
POINTS = {
    "chat C": Point("chat C", 24, _subset(_CC, ("p_wait", "wait_mean_s", "service_level")),
                    {"P(wait) +12%": {"p_wait": 0.12 * _CC["p_wait"]}}),
    "chat A": Point("chat A", 24, _subset(_CA, ("p_wait", "abandon_rate", "wait_mean_s", "asa_s", "service_level")),
                    {"P(wait) +8%": {"p_wait": 0.08 * _CA["p_wait"]},
                     "abandonment +15%": {"abandon_rate": 0.15 * _CA["abandon_rate"]}}),
    "email": Point("email", 16, _EM,
                   {"mean response +2%": {"email_response_mean_h": 0.02 * _EM["email_response_mean_h"]},
                    "target met -1 pt": {"email_response_target_met": -0.01}}),
}
COMPARISONS = sum(len(p.exact) for p in POINTS.values())
A_EACH = ALPHA / COMPARISONS


@cache
def per_replication(name: str) -> pd.DataFrame:
    p = POINTS[name]
    cfg = (email_scenario(**EMAIL) if name == "email"
           else chat_scenario(**(CHAT_C if name == "chat C" else CHAT_A)))
    rep = sim.replicate(cfg, p.reps, seed=SEED, workers=1)
    return rep.per_replication[rep.per_replication.site == "all"]


@pytest.mark.parametrize("name", list(POINTS))
def test_channel_matches_its_analytic_queue(name: str) -> None:
    p = POINTS[name]
    per = per_replication(name)
    for key, exact in p.exact.items():
        x = per[key].to_numpy()
        bound = t_quantile(1 - A_EACH / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
        assert abs(x.mean() - exact) <= bound, f"{name} {key}: simulated {x.mean():.5g} +- {bound:.3g} vs {exact:.5g}"
    for label, shifts in p.catches.items():
        best = max(power(d, per[k].std(ddof=1), len(per), A_EACH) for k, d in shifts.items())
        assert best >= POWER, f"{name}, {label}: power {best:.3f} < {POWER}"


def test_chat_only_site_metrics_are_the_chat_metrics() -> None:
    per = per_replication("chat C")
    assert (per["chat_offered"] == per["offered"]).all()
    assert (per["chat_service_level"] == per["service_level"]).all()
    assert per["voice_service_level"].isna().all()
    # Up to 3 chats per agent; near 27 busy servers on 10 agents, most agents hold several.
    assert (per["chat_concurrency_mean"] > 2.0).all() and (per["chat_concurrency_mean"] <= 3.0).all()


def test_email_is_neither_offered_nor_abandoned() -> None:
    per = per_replication("email")
    assert (per["offered"] == 0).all() and (per["abandoned"] == 0).all()
    assert (per["email_replied"] > 0).all() and (per["handled"] == per["email_replied"]).all()
