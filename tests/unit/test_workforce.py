"""Exact tests of the day-level workforce updates, the initial workforce and costs."""

from __future__ import annotations

import math

import numpy as np
import pytest

import simulator as sim
from simulator import metrics as M
from simulator.config import read_yaml
from simulator.costs import book_costs
from simulator.engine import Simulation
from simulator.workforce import (
    DISMISSED,
    QUIT,
    AgentState,
    Stage,
    Workforce,
    entry_proficiency,
    quit_hazard_base,
)
from tests.conftest import ROOT, scenario

WEEK = ["mon", "tue", "wed", "thu", "fri"]


def floor_state(n: int) -> AgentState:
    s = AgentState.empty()
    s.append(np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), Stage.FLOOR, np.full(n, -500.0))
    s.floor_day[:] = -400.0
    s.proficiency[:] = 1.0
    return s


def quiet_rng() -> np.random.Generator:
    """Uniforms of 1 - 1e-12: nobody quits, nobody is absent."""

    class One(np.random.Generator):
        def random(self, n: int) -> np.ndarray:  # type: ignore[override]
            return np.full(n, 1 - 1e-12)

    return One(np.random.PCG64(0))


def test_entry_proficiency_and_base_hazard() -> None:
    cfg = scenario({"sites.s.training.classroom_days": 20, "sites.s.training.p_entry": 0.1,
                    "sites.s.training.tau_days": 60})
    assert entry_proficiency(cfg.sites[0].training) == pytest.approx(1 - 0.9 * math.exp(-20 / 60))
    h0 = quit_hazard_base(0.3)
    assert 1 - math.exp(-365 * h0) == pytest.approx(0.3)
    assert quit_hazard_base(0.0) == 0.0


def test_kpi_review_misses_pressure_and_dismissal() -> None:
    cfg = scenario({"sites.s.kpi.aht_target_s": 300, "sites.s.kpi.review_days": 7, "sites.s.kpi.min_calls": 10,
                    "sites.s.kpi.grace_days": 30, "sites.s.kpi.misses_to_dismiss": 2,
                    "sites.s.kpi.pressure_step": 0.25, "behaviour.burnout.kpi_weight": 0.1})
    wf = Workforce(cfg)
    s = floor_state(3)
    s.floor_day[2] = 0.0  # agent 2 is in its grace period
    for review, expect_gone in ((7, False), (14, True)):
        s.calls_handled[:] = s.kpi_calls_from + 20
        s.kpi_handle_s[:] = [20 * 350.0, 20 * 250.0, 20 * 400.0]  # agent 0 misses, 1 meets, 2 in grace
        counts = wf.start_day(s, review, quiet_rng(), np.zeros(len(s)))
        assert counts["kpi_reviews"][0] == 2 and counts["kpi_misses"][0] == 1
        assert bool(s.stage[0] == Stage.GONE) is expect_gone
    assert s.leave_reason[0] == DISMISSED and s.left_day[0] == 14
    assert s.pressure[1] == 0.0 and s.kpi_misses[1] == 0 and s.kpi_misses[2] == 0
    assert counts["dismissals"][0] == 1
    # The vacancy is a new RECRUITING row on the leaver's shift, hired at once (lead time 0).
    assert len(s) == 4 and s.stage[3] == Stage.FLOOR and s.hire_day[3] == 14
    assert counts["hires"][0] == 1


def test_pressure_rises_by_step_on_a_miss() -> None:
    cfg = scenario({"sites.s.kpi.aht_target_s": 300, "sites.s.kpi.review_days": 1, "sites.s.kpi.min_calls": 1})
    wf = Workforce(cfg)
    s = floor_state(1)
    for day, expected in ((1, 0.25), (2, 0.5)):
        s.calls_handled[:] = s.kpi_calls_from + 5
        s.kpi_handle_s[:] = 5 * 400.0
        wf.start_day(s, day, quiet_rng(), np.zeros(1))
        assert s.pressure[0] == pytest.approx(expected)


def test_batched_class_classroom_countdown_and_graduation() -> None:
    # Day 0 is a Monday; classes start every 7 days; 3 classroom days (Mon-Fri only).
    cfg = scenario({"start_weekday": "mon", "sites.s.training.classroom_days": 3,
                    "sites.s.training.class_interval_days": 7, "sites.s.hiring.lead_time_days": 2,
                    "sites.s.attrition.annual_quit_rate": 0.5})
    wf = Workforce(cfg)
    s = floor_state(1)

    class QuitOnce(np.random.Generator):
        calls = 0

        def random(self, n: int) -> np.ndarray:  # type: ignore[override]
            QuitOnce.calls += 1
            return np.zeros(n) if QuitOnce.calls == 1 else np.full(n, 1 - 1e-12)

    counts = wf.start_day(s, 1, QuitOnce(np.random.PCG64(0)), np.zeros(1))
    assert counts["quits"][0] == 1 and s.leave_reason[0] == QUIT
    stages = {}
    for day in range(2, 13):
        c = wf.start_day(s, day, quiet_rng(), np.zeros(len(s)))
        stages[day] = (int(s.stage[1]), c["paid_s"][0])
    # Lead time ends day 3, but the class starts on day 7 (Mon); classroom Mon-Wed; floor Thu.
    assert all(stages[d][0] == Stage.RECRUITING for d in range(2, 7))
    assert [stages[d][0] for d in (7, 8, 9)] == [Stage.CLASSROOM] * 3
    assert stages[7][1] == 8 * 3600.0
    assert stages[10][0] == Stage.FLOOR and s.floor_day[1] == 10
    assert s.proficiency[1] == pytest.approx(entry_proficiency(cfg.sites[0].training))


def test_burnout_decays_off_and_grows_on_worked_days() -> None:
    cfg = scenario({"behaviour.burnout.tau_days": 10, "behaviour.burnout.fatigue_weight": 0.5,
                    "behaviour.burnout.recognition_relief": 0.1, "sites.s.recognition": 0.2})
    wf = Workforce(cfg)
    s = floor_state(2)
    s.burnout[:] = 1.0
    s.worked[:] = [True, False]
    wf.start_day(s, 1, quiet_rng(), np.array([0.4, 0.4]))
    decay = math.exp(-0.1)
    assert s.burnout[0] == pytest.approx(decay + 0.5 * 0.4 - 0.1 * 0.2)
    assert s.burnout[1] == pytest.approx(decay)


def test_initial_workforce_tenure_rule() -> None:
    never = sim.simulate(scenario(), 1).agents
    assert never is not None and np.all(never.proficiency == 1.0) and np.all(never.stage == Stage.FLOOR)
    cfg = scenario({"sites.s.agents": 2000, "sites.s.attrition.annual_quit_rate": 0.5,
                    "sites.s.training.classroom_days": 20, "behaviour.learning_calls": 500})
    a = AgentState.initial(cfg, np.random.default_rng(3))
    tenure = -a.hire_day
    mean = 1 / quit_hazard_base(0.5)
    assert tenure.mean() == pytest.approx(mean, rel=0.1)
    in_class = a.stage == Stage.CLASSROOM
    assert in_class.mean() == pytest.approx(1 - math.exp(-28 / mean), abs=0.01)
    floor = ~in_class
    p0 = entry_proficiency(cfg.sites[0].training)
    expected = 1 - (1 - p0) * np.exp(-(tenure[floor] - 28) * 35 / 500)
    np.testing.assert_allclose(a.proficiency[floor], expected)


def test_leavers_never_take_calls_again() -> None:
    cfg = scenario({"days": 40, "sites.s.attrition.annual_quit_rate": 0.9, "sites.s.kpi.aht_target_s": 200,
                    "sites.s.kpi.review_days": 3, "sites.s.kpi.min_calls": 5, "sites.s.kpi.grace_days": 0,
                    "sites.s.kpi.misses_to_dismiss": 2, "sites.s.hiring.lead_time_days": 3,
                    "sites.s.training.classroom_days": 2})
    res = Simulation(cfg, seed=4, call_log=True).run()
    a = res.agents
    assert a is not None and (a.stage == Stage.GONE).sum() > 5
    calls = res.calls
    answered = calls[calls["agent"] >= 0]
    left = a.left_day[answered["agent"].to_numpy()]
    answer_day = (answered["arrival_s"] + answered["wait_s"]) / 86400.0
    assert np.all(np.isnan(left) | (answer_day < left + 1)), "a leaver answered a call after the day it left"
    summary = res.summary_dict()
    assert summary["hires"] > 0
    assert summary["quits"] + summary["dismissals"] == (a.stage == Stage.GONE).sum()


def test_costs_are_linear_in_the_counters() -> None:
    cfg = scenario({"sites.s.pay.wage_per_hour": 20, "sites.s.pay.overtime_premium": 0.5,
                    "sites.s.pay.price_per_call": 2, "sites.s.hiring.cost_per_hire": 1000,
                    "money.fraud_loss_per_scam": 300, "money.abandoned_call_cost": 5})
    counts = np.zeros((2, 1, M.N_COUNTERS))
    values = {"paid_s": 7200.0, "overtime_s": 3600.0, "hires": 1, "handled": 10, "scams_missed": 2, "abandoned": 3}
    for k, v in values.items():
        counts[1, 0, M.K[k]] = v
    book_costs(counts, cfg)
    row = counts[1, 0]
    assert row[M.K["cost_wages"]] == pytest.approx(20 * 2 + 30 * 1)
    assert row[M.K["cost_total"]] == pytest.approx(70 + 1000 + 20 + 600 + 15)
    assert counts[0, 0, M.K["cost_total"]] == 0


def test_extends_merges_named_items_by_name() -> None:
    raw = read_yaml(ROOT / "configs/thin_training.yaml")
    base = read_yaml(ROOT / "configs/baseline.yaml")
    site = raw["sites"][0]
    assert site["training"]["classroom_days"] == 5
    assert site["roster"] == base["sites"][0]["roster"] and site["agents"] == base["sites"][0]["agents"]
    two = read_yaml(ROOT / "configs/outsourcing.yaml")
    assert [s["name"] for s in two["sites"]] == ["inhouse", "vendor"]


def test_workforce_off_leaves_the_call_flow_unchanged() -> None:
    """Default workforce settings (no quits, no KPI) give the same calls as before any day update."""
    cfg = scenario({"days": 3})
    res = sim.simulate(cfg, 2).summary_dict()
    assert res["quits"] == res["dismissals"] == res["hires"] == 0
    assert res["headcount_mean"] == 6 and res["attrition_annual"] == 0


def test_a_shorter_horizon_is_an_exact_prefix_of_a_longer_one() -> None:
    """Follow-ups past the horizon consume the same uniforms, so day tables agree up to the end."""
    over = {"demand.redial.p": 0.8, "demand.repeat.p": 0.8, "demand.call_types.a.fcr": 0.5,
            "sites.s.attrition.annual_quit_rate": 0.9, "sites.s.kpi.aht_target_s": 250,
            "sites.s.kpi.review_days": 2, "sites.s.kpi.min_calls": 5, "sites.s.kpi.grace_days": 0}
    short = sim.simulate(scenario({**over, "days": 6}), 3).days
    long = sim.simulate(scenario({**over, "days": 9}), 3).days
    cols = [c for c in short.columns if c not in ("warmup", "site")]
    np.testing.assert_array_equal(short[cols].to_numpy(float), long[long["day"] < 6][cols].to_numpy(float))
