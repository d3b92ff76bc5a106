"""Exact behaviour of the engine on small scenarios, and invariants on random ones."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import simulator as sim
from simulator.demand import draw_day
from simulator.metrics import K
from tests.conftest import ALL_DAYS, scenario

DET = {"dist": "deterministic", "mean_s": 100.0}


def fcfs_single_server(arrivals: np.ndarray, service: float, patience: float) -> tuple[np.ndarray, np.ndarray]:
    """Reference FCFS single-server queue with deterministic service and patience.

    Returns each caller's wait and whether it was answered.
    """
    free_at = 0.0
    waits, answered = [], []
    for t in arrivals:
        start = max(t, free_at)
        if start - t > patience:  # hangs up at t + patience without taking the agent
            waits.append(patience)
            answered.append(False)
            continue
        waits.append(start - t)
        answered.append(True)
        free_at = start + service
    return np.asarray(waits), np.asarray(answered)


def single_agent(patience: dict) -> sim.Scenario:
    return scenario({"days": 0.5, "demand.calls_per_hour": 25, "sites.s.agents": 1,
                     "demand.call_types.a.handle_time": DET, "demand.patience": patience})


def test_fcfs_waits_match_reference_queue() -> None:
    res = sim.simulate(single_agent({"dist": "none"}), seed=3, call_log=True)
    log = res.calls.sort_values("arrival_s")
    waits, answered = fcfs_single_server(log["arrival_s"].to_numpy(), 100.0, math.inf)
    assert answered.all() and len(log) > 100
    np.testing.assert_allclose(log["wait_s"].to_numpy(), waits, atol=1e-9)
    np.testing.assert_allclose(log["handle_s"].to_numpy(), 100.0, atol=1e-9)


def test_deterministic_patience_abandons_exactly() -> None:
    res = sim.simulate(single_agent(DET | {"mean_s": 30.0}), seed=5, call_log=True)
    log = res.calls.sort_values("arrival_s")
    waits, answered = fcfs_single_server(log["arrival_s"].to_numpy(), 100.0, 30.0)
    assert (~answered).sum() > 10
    np.testing.assert_array_equal(log["outcome"].to_numpy() != "abandoned", answered)
    np.testing.assert_allclose(log["wait_s"].to_numpy(), waits, atol=1e-9)


def test_same_seed_is_bit_identical_and_seed_matters(tiny: sim.Scenario) -> None:
    a, b = sim.simulate(tiny, seed=11), sim.simulate(tiny, seed=11)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert not np.array_equal(a.counts, sim.simulate(tiny, seed=12).counts)
    assert not np.array_equal(a.counts, sim.simulate(tiny, seed=11, replication=1).counts)


def test_worker_count_does_not_change_results(tiny: sim.Scenario) -> None:
    one = sim.replicate(tiny, 4, seed=2, workers=1)
    two = sim.replicate(tiny, 4, seed=2, workers=2)
    pd.testing.assert_frame_equal(one.per_replication, two.per_replication)
    pd.testing.assert_frame_equal(one.days, two.days)


def test_handle_time_change_leaves_base_callers_unchanged() -> None:
    """Common random numbers: arrivals, types and patience do not depend on handle times."""
    two_types = [
        {"name": "a", "share": 0.6, "handle_time": {"dist": "exponential", "mean_s": 300}},
        {"name": "b", "share": 0.4, "handle_time": {"dist": "lognormal", "mean_s": 200, "cv": 0.5}},
    ]
    base = scenario({"demand.call_types": two_types})
    changed = scenario({"demand.call_types": two_types, "demand.call_types.a.handle_time.mean_s": 500,
                        "demand.call_types.b.handle_time": {"dist": "gamma", "mean_s": 90, "cv": 2}})
    x, y = draw_day(base, 9, 0, 0, 1e9), draw_day(changed, 9, 0, 0, 1e9)
    for field in ("t_s", "call_type", "patience_s", "u"):
        np.testing.assert_array_equal(getattr(x, field), getattr(y, field))
    assert not np.array_equal(x.handle_s, y.handle_s)
    # ...and inside full runs, the first attempts arrive at the same times.
    la = sim.simulate(base, seed=9, call_log=True).calls
    lb = sim.simulate(changed, seed=9, call_log=True).calls
    first = lambda log: np.sort(log.loc[log.attempt == 0, "arrival_s"].to_numpy())  # noqa: E731
    np.testing.assert_array_equal(first(la), first(lb))


def run_invariants(cfg: sim.Scenario, seed: int) -> None:
    res = sim.simulate(cfg, seed=seed, call_log=True)
    tot = res.totals(measured=False).sum(axis=0)
    c = {k: tot[i] for k, i in K.items()}
    waiting = sum(res.waiting_at_end)
    # Conservation over the whole run.
    assert c["offered"] == c["answered"] + c["abandoned"] + c["blocked"] + waiting
    assert c["offered"] == c["unique_callers"] + c["redials"] + c["repeat_calls"]
    assert c["handled"] + sum(res.in_service_at_end) == c["answered"] + c["email_replied"]
    assert c["resolvable"] + c["scams"] == c["handled"]
    # Email: every arrival is replied, waiting in the backlog or being answered at the end.
    assert c["email_arrived"] == c["email_replied"] + sum(res.emails_at_end) + sum(res.emails_in_service_at_end)
    # Chat: an agent holding chats holds at least one and at most max_concurrency.
    assert c["chat_agent_s"] - 1e-6 <= c["chat_s"] <= cfg.channels.chat.max_concurrency * c["chat_agent_s"] + 1e-6
    # Little's law, exact form: the time integral of the queue equals the sum of waits.
    if waiting == 0:
        assert math.isclose(c["queue_s"], c["wait_answered_s"] + c["wait_abandoned_s"], rel_tol=1e-9, abs_tol=1e-6)
    assert c["busy_s"] <= c["staffed_s"] + 1e-6
    log = res.calls
    assert (log["wait_s"] >= 0).all() and (log["handle_s"] >= 0).all()
    assert len(log) + sum(res.in_service_at_end) == c["answered"] + c["abandoned"] + c["blocked"] + c["email_replied"]
    assert (log["csat"].dropna().between(0, 1)).all()
    assert (log["outcome"] == "abandoned").sum() == c["abandoned"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    agents=st.integers(1, 6),
    rate=st.floats(5, 150),
    patience=st.sampled_from([
        {"dist": "none"}, {"dist": "exponential", "mean_s": 120},
        {"dist": "deterministic", "mean_s": 0}, {"dist": "weibull", "mean_s": 200, "shape": 0.7},
    ]),
    line_limit=st.one_of(st.none(), st.integers(0, 4)),
    redial=st.floats(0, 0.9),
    fcr=st.floats(0.2, 1),
    repeat=st.floats(0, 0.9),
    breaks=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_invariants_hold_on_random_scenarios(agents, rate, patience, line_limit, redial, fcr, repeat, breaks, seed):
    shifts = [{"name": "day", "start_h": 6, "length_h": 10, "weekdays": ALL_DAYS, "share": 0.5,
               "breaks": [{"start_min": 90, "length_min": 20}, {"start_min": 300, "length_min": 45}] if breaks else []},
              {"name": "eve", "start_h": 14, "length_h": 10, "weekdays": ALL_DAYS[:5], "share": 0.5}]
    cfg = scenario({
        "days": 2, "sites.s.agents": agents, "sites.s.line_limit": line_limit, "demand.calls_per_hour": rate,
        "demand.patience": patience, "demand.redial.p": redial, "demand.repeat.p": repeat,
        "demand.repeat.delay": {"dist": "exponential", "mean_s": 3600}, "demand.call_types.a.fcr": fcr,
        "demand.call_types.a.escalation_p": 0.1, "demand.call_types.a.scam_p": 0.05,
        "sites.s.supervisors.count": 1, "sites.s.roster.shifts": shifts,
    })
    run_invariants(cfg, seed)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    agents=st.integers(1, 8),
    rate=st.floats(10, 150),
    shares=st.tuples(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0)).filter(lambda x: sum(x) > 0.1),
    concurrency=st.integers(1, 4),
    reserve=st.integers(0, 2),
    blended=st.booleans(),
    chase=st.booleans(),
    survey_kpi=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_invariants_hold_on_random_multichannel_scenarios(
    agents, rate, shares, concurrency, reserve, blended, chase, survey_kpi, seed
):
    """Conservation, exact Little's law and the chat bounds with every channel mechanism switched on or off."""
    total = sum(shares)
    types = [{"name": ch, "share": x / total, "channel": ch, "fcr": 0.7, "irate_p": 0.1, "escalation_p": 0.1,
              "scam_p": 0.05, "handle_time": {"dist": "exponential", "mean_s": 300}}
             for ch, x in zip(("voice", "chat", "email"), shares, strict=True) if x > 0]
    types[-1]["share"] = 1.0 - sum(t["share"] for t in types[:-1])
    used = [t["channel"] for t in types]
    skills = None if blended or len(used) == 1 else [
        {"name": "one", "channels": used[:1], "share": 0.5}, {"name": "rest", "channels": used[1:], "share": 0.5}]
    shifts = [{"name": "day", "start_h": 6, "length_h": 10, "weekdays": ALL_DAYS, "share": 0.5,
               "breaks": [{"start_min": 90, "length_min": 20}]},
              {"name": "eve", "start_h": 14, "length_h": 10, "weekdays": ALL_DAYS[:5], "share": 0.5}]
    over: dict[str, object] = {
        "days": 3, "sites.s.agents": max(agents, 2 if skills else 1), "demand.calls_per_hour": rate,
        "demand.call_types": types, "demand.redial.p": 0.5, "demand.repeat.p": 0.5,
        "demand.repeat.delay": {"dist": "exponential", "mean_s": 3600}, "sites.s.skills": skills,
        "sites.s.supervisors.count": 1, "sites.s.roster.shifts": shifts,
        "channels.chat.max_concurrency": concurrency, "channels.email.reserve_idle": reserve,
        "satisfaction.survey_share": 0.5, "satisfaction.response_p": 0.5,
    }
    if chase and "voice" in used:
        over.update({"channels.email.chase_after_h": 0.5, "channels.email.chase_p": 0.5})
    if survey_kpi:
        over.update({"sites.s.kpi": {"csat_target": 0.9, "csat_min_responses": 2, "review_days": 1,
                                     "grace_days": 0, "misses_to_dismiss": 1}})
    run_invariants(scenario(over), seed)


def test_invariants_on_baseline_week() -> None:
    from tests.conftest import ROOT

    run_invariants(sim.load_config(ROOT / "configs/baseline.yaml", overrides={"days": 7, "warmup_days": 1,
                                                                                        "spinup_days": 0}), 1)
    run_invariants(sim.load_config(ROOT / "configs/multichannel.yaml", overrides={"days": 7, "warmup_days": 1,
                                                                                            "spinup_days": 0}), 1)


def test_shift_end_finishes_the_call_and_counts_overtime() -> None:
    """Exact overtime: two agents on a 06:00-10:00 shift, 1700 s calls, a queue that never empties.

    Callers never abandon and arrive from 00:00, so both agents answer back to back from 06:00:
    at 06:00 + 1700 k for k = 0..8 (the ninth starts at 09:46:40, before the shift end) and each
    finishes at 06:00 + 9 x 1700 s = 10:15:00, i.e. 900 s of overtime per agent per day. Paid time is
    the scheduled 4 h per agent; wages are (paid + 1.5 overtime) x wage.
    """
    cfg = scenario({"days": 0.5, "demand.calls_per_hour": 40, "sites.s.agents": 2,
                    "demand.patience": {"dist": "none"}, "sites.s.pay.wage_per_hour": 20,
                    "demand.call_types.a.handle_time": {"dist": "deterministic", "mean_s": 1700},
                    "sites.s.roster.shifts": [
                        {"name": "d", "start_h": 6, "length_h": 4, "weekdays": ALL_DAYS, "share": 1}]})
    res = sim.simulate(cfg, seed=1, call_log=True)
    log = res.calls
    day0 = log[log["arrival_s"] + log["wait_s"] < 86400]
    starts = np.sort((day0["arrival_s"] + day0["wait_s"]).to_numpy())
    np.testing.assert_allclose(starts, np.repeat(6 * 3600 + 1700.0 * np.arange(9), 2), atol=1e-6)
    np.testing.assert_allclose(day0["handle_s"], 1700.0, atol=1e-9)
    s = res.summary_dict()
    assert s["overtime_s"] == pytest.approx(2 * 900.0, abs=1e-6)
    assert s["paid_s"] == 2 * 4 * 3600.0
    assert s["cost_wages"] == pytest.approx(20 * (2 * 4 * 3600.0 + 1.5 * 2 * 900.0) / 3600, rel=1e-12)
    # The overtime lies in the 10:00-10:15 interval, and the drain day repeats the pattern.
    ot = res.counts[:, 0, K["overtime_s"]]
    assert ot[40] == pytest.approx(1800.0, abs=1e-6) and ot.sum() == pytest.approx(2 * 1800.0, abs=1e-6)


def test_break_waits_for_the_call_to_end() -> None:
    """An agent whose break falls mid-call takes it in full after the call."""
    cfg = scenario({"days": 0.5, "demand.calls_per_hour": 6, "sites.s.agents": 1,
                    "demand.call_types.a.handle_time": {"dist": "deterministic", "mean_s": 600},
                    "demand.patience": {"dist": "none"},
                    "sites.s.roster.shifts": [{"name": "d", "start_h": 0, "length_h": 12, "weekdays": ALL_DAYS,
                                               "share": 1, "breaks": [{"start_min": 120, "length_min": 60}]}]})
    log = sim.simulate(cfg, seed=4, call_log=True).calls.sort_values("arrival_s")
    starts = (log["arrival_s"] + log["wait_s"]).to_numpy()
    ends = starts + 600.0
    in_call_at_break = starts[(starts < 7200) & (ends > 7200)]
    break_start = ends[(starts < 7200) & (ends > 7200)][0] if in_call_at_break.size else 7200.0
    # Nobody is answered during the hour after the break really began.
    assert not ((starts >= break_start) & (starts < break_start + 3600 - 1e-9)).any()
    assert (starts >= break_start + 3600 - 1e-9).any()
