"""The compiled engine against the SimPy model: the same call log (every field) and the same results, bit for bit.

Every shipped config on a short horizon, hypothesis scenarios that switch every mechanism on and
off (channels, skills, routing, selection rules, supervisors, surveys and the survey KPI, learning,
fatigue, the AHT KPI, opening hours, line limits, redials and repeats), the spin-up's end state,
and the compiled engine's buffers grown from tiny sizes. A failure names the first differing
field; ``docs/engines.md`` says how to find where the engines part.
"""

from __future__ import annotations

import math
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simulator as sim
from simulator.engine import FastSimulation, Simulation
from simulator.engine import fast as fast_engine
from tests.conftest import ALL_DAYS, ROOT, scenario

SHIPPED = sorted(p for p in (ROOT / "configs").glob("*.yaml"))
SHORT = {"days": 4, "warmup_days": 1, "spinup_days": 0}


def same(x: Any, y: Any) -> bool:
    """Equal, with NaN equal to NaN (floats compared exactly)."""
    if isinstance(x, float) and isinstance(y, float):
        return x == y or (math.isnan(x) and math.isnan(y))
    return bool(x == y)


def assert_identical(cfg: sim.Scenario, seed: int, *, replication: int = 0, **run: Any) -> sim.SimulationResult:
    """Run both engines; assert every output is identical; return the SimPy result."""
    a = Simulation(cfg, seed=seed, replication=replication, call_log=True).run(**run)
    b = FastSimulation(cfg, seed=seed, replication=replication, call_log=True).run(**run)
    assert a.call_log is not None and b.call_log is not None
    assert len(a.call_log) == len(b.call_log), "number of finished contacts"
    for i, (x, y) in enumerate(zip(a.call_log, b.call_log, strict=True)):
        assert all(same(u, v) for u, v in zip(x, y, strict=True)), f"call log row {i}: {x} != {y}"
    for name in ("counts", "wait_hist", "response_hist"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for name in ("waiting_at_end", "in_service_at_end", "emails_at_end", "emails_in_service_at_end", "end_s"):
        assert getattr(a, name) == getattr(b, name), name
    assert a.agents is not None and b.agents is not None
    for f in fields(a.agents):
        np.testing.assert_array_equal(getattr(a.agents, f.name), getattr(b.agents, f.name), err_msg=f.name)
    return a


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: Path(p).stem)
def test_shipped_configs_are_identical(path: Path) -> None:
    cfg = sim.load_config(path, overrides=SHORT if "erlang" not in path.stem else {"days": 1, "warmup_days": 0.1})
    res = assert_identical(cfg, seed=5)
    assert res.call_log and len(res.call_log) > 1000


def test_staffing_plan_is_identical() -> None:
    """A staffing plan: several spells per agent and day, spells across midnight, a weekday without staff."""
    wave = [max(0, round(30 + 25 * math.sin(i / 48 * 2 * math.pi))) for i in range(48)]
    agents = {wd: wave for wd in ("mon", "tue", "wed", "fri")} | {"thu": [12] * 48}
    cfg = sim.load_config(ROOT / "configs/baseline.yaml", overrides={
        **SHORT, "days": 7, "sites.inhouse.staffing": {"interval_min": 30, "agents": agents}})
    res = assert_identical(cfg, seed=4)
    assert res.call_log and any(row[-4] == "abandoned" for row in res.call_log)


def test_spinup_end_state_is_identical() -> None:
    """``run(drain=False)`` and ``close_horizon()``: the state a spin-up hands to the measured run."""
    cfg = sim.load_config(ROOT / "configs/outsourcing.yaml", overrides={"days": 20, "warmup_days": 0,
                                                                        "spinup_days": 0})
    a, b = Simulation(cfg, seed=2), FastSimulation(cfg, seed=2)
    np.testing.assert_array_equal(a.run(drain=False).counts, b.run(drain=False).counts)
    x, y = a.close_horizon(), b.close_horizon()
    for f in fields(x):
        np.testing.assert_array_equal(getattr(x, f.name), getattr(y, f.name), err_msg=f.name)


def test_buffers_grown_from_tiny_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Contact pool, event heap, call-log buffer and stream refills all grow mid-day, results unchanged."""
    monkeypatch.setattr(fast_engine, "INITIAL_CALLS", 2)
    monkeypatch.setattr(fast_engine, "INITIAL_EVENTS", 2)
    monkeypatch.setattr(fast_engine, "INITIAL_LOG", 2)
    monkeypatch.setattr(fast_engine, "AHEAD", 0)
    cfg = sim.load_config(ROOT / "configs/multichannel.yaml", overrides=SHORT)
    assert_identical(cfg, seed=8)


CHANNELS = ("voice", "chat", "email")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    agents=st.integers(1, 7),
    rate=st.floats(5, 120),
    patience=st.sampled_from([
        {"dist": "none"}, {"dist": "exponential", "mean_s": 120}, {"dist": "deterministic", "mean_s": 0},
        {"dist": "weibull", "mean_s": 200, "shape": 0.7}, {"dist": "gamma", "mean_s": 150, "cv": 1.5},
    ]),
    line_limit=st.one_of(st.none(), st.integers(0, 4)),
    redial=st.floats(0, 0.9),
    repeat=st.floats(0, 0.9),
    shares=st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1)).filter(lambda x: sum(x) > 0.1),
    skills=st.booleans(),
    concurrency=st.integers(1, 3),
    reserve=st.integers(0, 2),
    chase=st.booleans(),
    surveys=st.booleans(),
    survey_kpi=st.booleans(),
    aht_kpi=st.booleans(),
    selection=st.sampled_from(["longest_idle", "least_fatigued", "most_proficient", "random"]),
    two_sites=st.sampled_from([None, "split", "overflow"]),
    supervisors=st.integers(0, 2),
    learning=st.booleans(),
    fatigue=st.booleans(),
    breaks=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_random_scenarios_are_identical(
    agents: int, rate: float, patience: dict[str, Any], line_limit: int | None, redial: float, repeat: float,
    shares: tuple[float, float, float], skills: bool, concurrency: int, reserve: int, chase: bool, surveys: bool,
    survey_kpi: bool, aht_kpi: bool, selection: str, two_sites: str | None, supervisors: int, learning: bool,
    fatigue: bool, breaks: bool, seed: int,
) -> None:
    total = sum(shares)
    types = [{"name": ch, "share": x / total, "channel": ch, "fcr": 0.7, "irate_p": 0.1, "escalation_p": 0.1,
              "scam_p": 0.05, "handle_time": {"dist": "lognormal", "mean_s": 300, "cv": 0.8}}
             for ch, x in zip(CHANNELS, shares, strict=True) if x > 0]
    types[-1]["share"] = 1.0 - sum(t["share"] for t in types[:-1])
    used = [t["channel"] for t in types]
    groups = [{"name": "one", "channels": used[:1], "share": 0.5}, {"name": "rest", "channels": used[1:], "share": 0.5}]
    shifts = [{"name": "day", "start_h": 6, "length_h": 10, "weekdays": ALL_DAYS, "share": 0.5,
               "breaks": [{"start_min": 90, "length_min": 20}, {"start_min": 300, "length_min": 45, "rest": False}]
               if breaks else []},
              {"name": "eve", "start_h": 14, "length_h": 10, "weekdays": ALL_DAYS[:5], "share": 0.5}]
    site: dict[str, Any] = {
        "name": "s", "agents": max(agents, 2), "line_limit": line_limit, "agent_selection": selection,
        "skills": groups if skills and len(used) > 1 else None, "supervisors": {"count": supervisors},
        "roster": {"shifts": shifts},
    }
    if survey_kpi or aht_kpi:
        site["kpi"] = {"review_days": 1, "grace_days": 0, "misses_to_dismiss": 1, "min_calls": 2,
                       **({"csat_target": 0.9, "csat_min_responses": 1} if survey_kpi else {}),
                       **({"aht_target_s": 200} if aht_kpi else {})}
    sites = [site]
    over: dict[str, Any] = {
        "days": 3, "demand.calls_per_hour": rate, "demand.patience": patience, "demand.call_types": types,
        "demand.redial.p": redial, "demand.repeat.p": repeat,
        "demand.repeat.delay": {"dist": "exponential", "mean_s": 3600},
        "channels.chat.max_concurrency": concurrency, "channels.email.reserve_idle": reserve,
        "satisfaction.survey_share": 0.5 if surveys else 0.0, "satisfaction.response_p": 0.5,
        "behaviour.learning_calls": 200 if learning else None, "behaviour.novice_slowdown": 0.5 if learning else 0.0,
        "behaviour.fatigue.load_per_call": 0.02 if fatigue else 0.0,
    }
    if two_sites:
        sites = [site, {**site, "name": "t", "agents": max(agents // 2, 1), "skills": None}]
        over["routing"] = ({"policy": "split", "shares": {"s": 0.6, "t": 0.4}} if two_sites == "split"
                           else {"policy": "overflow", "overflow_queue_min": 2})
    over["sites"] = sites
    if chase and "voice" in used and "email" in used:
        over.update({"channels.email.chase_after_h": 0.5, "channels.email.chase_p": 0.5})
    assert_identical(scenario(over), seed % 1000)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    selection=st.sampled_from(["longest_idle", "least_fatigued", "most_proficient", "random"]),
    chase=st.booleans(),
    seed=st.integers(0, 999),
)
def test_random_profile_scenarios_are_identical(selection: str, chase: bool, seed: int) -> None:
    """Opening hours, an intraday profile, shift patterns, leave and the whole workforce model of the baseline."""
    over: dict[str, Any] = {"days": 3, "warmup_days": 0, "spinup_days": 0,
                            "sites.inhouse.agent_selection": selection}
    path = ROOT / ("configs/multichannel.yaml" if chase else "configs/baseline.yaml")
    assert_identical(sim.load_config(path, overrides=over), seed)
