"""Exact tests of the day-level workforce updates, the initial workforce and costs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import simulator as sim
from simulator import metrics as M
from simulator.config import read_yaml
from simulator.costs import book_costs
from simulator.engine import Simulation
from simulator.workforce import (
    DAY_COUNTERS,
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
        s.kpi_calls[:] = 20
        s.kpi_handle_s[:] = [20 * 350.0, 20 * 250.0, 20 * 400.0]  # agent 0 misses, 1 meets, 2 in grace
        counts = wf.start_day(s, review, quiet_rng(), np.random.default_rng(0))
        assert counts["kpi_reviews"][0] == 2 and counts["kpi_misses"][0] == 1
        assert bool(s.stage[0] == Stage.GONE) is expect_gone
    assert s.leave_reason[0] == DISMISSED and s.left_day[0] == 14
    assert s.pressure[1] == 0.0 and s.kpi_misses[1] == 0 and s.kpi_misses[2] == 0
    assert counts["dismissals"][0] == 1
    # The vacancy is a new RECRUITING row on the leaver's shift, hired at once (lead time 0).
    assert len(s) == 4 and s.stage[3] == Stage.FLOOR and s.hire_day[3] == 14
    assert counts["hires"][0] == 1


def test_survey_score_review_misses_unfair_dismissals_and_no_rushing() -> None:
    """docs/model.md 11.4: below csat_target with enough answers is a miss (burnout, towards
    dismissal) that leaves the rushing pressure alone; too few answers is no review; a dismissal
    after a survey miss is unfair when the true satisfaction of the period met the target."""
    cfg = scenario({"sites.s.kpi": {"csat_target": 0.8, "csat_min_responses": 10, "review_days": 7,
                                    "grace_days": 0, "misses_to_dismiss": 1, "pressure_step": 0.25},
                    "behaviour.burnout.kpi_weight": 0.1})
    wf = Workforce(cfg)
    s = floor_state(4)
    s.pressure[:] = 0.5
    #              agent:   0 (miss, true 0.85)  1 (meets)  2 (too few)  3 (miss, true 0.70)
    s.survey_n[:] = [10, 10, 9, 10]
    s.survey_pos[:] = [7, 8, 0, 7]
    s.csat_n[:] = 100
    s.csat_sum[:] = [85.0, 80.0, 80.0, 70.0]
    counts = wf.start_day(s, 7, quiet_rng(), np.random.default_rng(0))
    assert counts["csat_reviews"][0] == 3 and counts["csat_misses"][0] == 2 and counts["kpi_reviews"][0] == 3
    assert counts["dismissals"][0] == 2 and counts["csat_unfair_dismissals"][0] == 1
    np.testing.assert_array_equal(s.stage[:4], [Stage.GONE, Stage.FLOOR, Stage.FLOOR, Stage.GONE])
    np.testing.assert_array_equal(s.pressure[:4], 0.5)  # no AHT target: rushing pressure unchanged
    np.testing.assert_allclose(s.burnout[:4], [0.1, 0.0, 0.0, 0.1])
    # The next period starts from the review: agent 1's tallies are taken as of day 7.
    assert s.kpi_survey_n_from[1] == 10 and s.kpi_survey_pos_from[1] == 8 and s.kpi_csat_n_from[1] == 100


def test_pressure_rises_by_step_on_a_miss() -> None:
    cfg = scenario({"sites.s.kpi.aht_target_s": 300, "sites.s.kpi.review_days": 1, "sites.s.kpi.min_calls": 1})
    wf = Workforce(cfg)
    s = floor_state(1)
    for day, expected in ((1, 0.25), (2, 0.5)):
        s.kpi_calls[:] = 5
        s.kpi_handle_s[:] = 5 * 400.0
        wf.start_day(s, day, quiet_rng(), np.random.default_rng(0))
        assert s.pressure[0] == pytest.approx(expected)


def test_kpi_review_boundaries() -> None:
    """A mean AHT exactly at the target meets it; exactly grace_days on the floor and exactly
    min_calls in the period are reviewed; one day or one call less is not (docs/model.md 7.4).

    Review on day 35 with target 300 s, grace 30 days, min_calls 10. Every agent starts with one
    miss and pressure 0.5: a met review gives (0 misses, r 0.25), a miss (2, 0.75), no review
    leaves (1, 0.5). Every due agent's period restarts, reviewed or not.
    """
    cfg = scenario({"sites.s.kpi": {"aht_target_s": 300, "review_days": 7, "grace_days": 30, "min_calls": 10,
                                    "pressure_step": 0.25}})
    wf = Workforce(cfg)
    #        floor_day, calls, handle sum,         reviewed, missed
    cases = [(-400.0, 20, 20 * 300.0, True, False),  # mean exactly at the target: met
             (-400.0, 20, 20 * 300.0 + 0.01, True, True),  # just above: missed
             (5.0, 20, 20 * 400.0, True, True),  # 35 - 5 = 30 days = grace_days: reviewed
             (6.0, 20, 20 * 400.0, False, False),  # 29 days: still in grace
             (-400.0, 10, 10 * 400.0, True, True),  # exactly min_calls: reviewed
             (-400.0, 9, 9 * 400.0, False, False)]  # one call short: not reviewed
    s = floor_state(len(cases))
    s.floor_day[:] = [c[0] for c in cases]
    s.kpi_calls[:] = [c[1] for c in cases]
    s.kpi_handle_s[:] = [c[2] for c in cases]
    s.kpi_misses[:] = 1
    s.pressure[:] = 0.5
    counts = wf.start_day(s, 35, quiet_rng(), np.random.default_rng(0))
    reviewed = np.array([c[3] for c in cases])
    missed = np.array([c[4] for c in cases])
    np.testing.assert_array_equal(s.kpi_misses, np.where(missed, 2, np.where(reviewed, 0, 1)))
    np.testing.assert_array_equal(s.pressure, np.where(missed, 0.75, np.where(reviewed, 0.25, 0.5)))
    assert counts["kpi_reviews"][0] == reviewed.sum() and counts["kpi_misses"][0] == missed.sum()
    np.testing.assert_array_equal(s.kpi_handle_s, 0.0)
    np.testing.assert_array_equal(s.kpi_calls, 0)


def test_a_dismissed_agent_does_not_also_quit() -> None:
    """Quits are drawn for agents not dismissed the same night (docs/model.md 7.1): u_quit = 0 does not count twice."""
    cfg = scenario({"sites.s.kpi": {"aht_target_s": 300, "review_days": 1, "grace_days": 0, "min_calls": 1,
                                    "misses_to_dismiss": 1},
                    "sites.s.attrition.annual_quit_rate": 0.5})
    s = floor_state(2)
    s.kpi_calls[:] = 5
    s.kpi_handle_s[:] = [5 * 400.0, 5 * 200.0]  # agent 0 is dismissed, agent 1 meets the target

    class QuitAll(np.random.Generator):
        def random(self, n: int) -> np.ndarray:  # type: ignore[override]
            return np.zeros(n)

    counts = Workforce(cfg).start_day(s, 1, QuitAll(np.random.PCG64(0)), np.random.default_rng(0))
    assert counts["dismissals"][0] == 1 and counts["quits"][0] == 1
    assert list(s.leave_reason[:2]) == [DISMISSED, QUIT]


def test_reviews_fall_on_multiples_of_review_days() -> None:
    """With review_days 7, reviews happen at the midnights starting days 7 and 14 only."""
    cfg = scenario({"sites.s.kpi": {"aht_target_s": 300, "review_days": 7, "grace_days": 0, "min_calls": 1}})
    wf = Workforce(cfg)
    s = floor_state(2)
    reviews = []
    for day in range(1, 16):
        s.kpi_calls += 3
        s.kpi_handle_s += 3 * 200.0
        reviews.append(int(wf.start_day(s, day, quiet_rng(), np.random.default_rng(0))["kpi_reviews"][0]))
    assert reviews == [2 if d in (7, 14) else 0 for d in range(1, 16)]


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

    counts = wf.start_day(s, 1, QuitOnce(np.random.PCG64(0)), np.random.default_rng(0))
    assert counts["quits"][0] == 1 and s.leave_reason[0] == QUIT
    stages = {}
    for day in range(2, 13):
        c = wf.start_day(s, day, quiet_rng(), np.random.default_rng(0))
        stages[day] = (int(s.stage[1]), c["paid_s"][0])
    # Lead time ends day 3, but the class starts on day 7 (Mon); classroom Mon-Wed; floor Thu.
    assert all(stages[d][0] == Stage.RECRUITING for d in range(2, 7))
    assert [stages[d][0] for d in (7, 8, 9)] == [Stage.CLASSROOM] * 3
    assert stages[7][1] == 8 * 3600.0
    assert stages[10][0] == Stage.FLOOR and s.floor_day[1] == 10
    assert s.proficiency[1] == pytest.approx(entry_proficiency(cfg.sites[0].training))


def test_burnout_decays_off_and_grows_on_worked_days() -> None:
    cfg = scenario({"behaviour.burnout.tau_days": 10, "behaviour.burnout.load_weight": 0.5,
                    "behaviour.burnout.recognition_relief": 0.1, "sites.s.recognition": 0.2})
    wf = Workforce(cfg)
    s = floor_state(2)
    s.burnout[:] = 1.0
    s.worked[:] = [True, False]
    s.day_load[:] = [0.4, 0.4]
    wf.start_day(s, 1, quiet_rng(), np.random.default_rng(0))
    decay = math.exp(-0.1)
    assert s.burnout[0] == pytest.approx(decay + 0.5 * 0.4 - 0.1 * 0.2)
    assert s.burnout[1] == pytest.approx(decay)
    assert not s.day_load.any()  # the day's load is consumed at its close


def test_initial_workforce_tenure_rule() -> None:
    never = sim.simulate(scenario(), 1).agents
    assert never is not None and np.all(never.proficiency == 1.0) and np.all(never.stage == Stage.FLOOR)
    cfg = scenario({"sites.s.agents": 2000, "sites.s.attrition.annual_quit_rate": 0.5,
                    "sites.s.training.classroom_days": 20, "behaviour.learning_calls": 500})
    a = AgentState.initial(cfg, np.random.default_rng(3), np.random.default_rng(4))
    tenure = -a.hire_day
    mean = 365 / -math.log(1 - 0.5)
    # Two checks at a joint 99.9% (Bonferroni, 0.05% per check, two-sided): the mean of 2000
    # exponential tenures is Gamma(2000, mean / 2000) (about +-7.8% around the mean); the number
    # in the classroom (tenure < 28 days) is Binomial(2000, 1 - exp(-28 / mean)) (p ~ 0.052).
    lo, hi = stats.gamma.ppf([0.00025, 0.99975], a=2000, scale=mean / 2000)
    assert lo <= tenure.mean() <= hi, (tenure.mean(), lo, hi)
    in_class = a.stage == Stage.CLASSROOM
    lo, hi = stats.binom.ppf([0.00025, 0.99975], 2000, 1 - math.exp(-28 / mean))
    assert lo <= in_class.sum() <= hi, (in_class.sum(), lo, hi)
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
    answer_s = (answered["arrival_s"] + answered["wait_s"]).to_numpy()
    # Separated at the midnight starting left_day: no answer from 00:00 of that day on (exact
    # day checks, first and last calls: test_leavers.py).
    assert np.all(np.isnan(left) | (answer_s < left * 86400.0)), "a leaver answered a call on or after the day it left"
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


def test_workforce_off_leaves_the_call_flow_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Default workforce settings (no quits, no KPI) give exactly the calls of a run without any day update.

    The reference run replaces :meth:`Workforce.start_day` by one that touches no agent and
    returns zero counters; every contact of the call log must be identical. So must the log of
    a run with KPI reviews that every agent passes (pressure stays 0) and a recognition level
    with no quit hazard.
    """
    cfg = scenario({"days": 3})
    default = sim.simulate(cfg, 2, call_log=True)
    passing = sim.simulate(scenario({"days": 3, "sites.s.kpi": {"aht_target_s": 1e6, "review_days": 1,
                                                                 "grace_days": 0, "min_calls": 1},
                                     "sites.s.recognition": 0.8}), 2, call_log=True)
    res = default.summary_dict()
    assert res["quits"] == res["dismissals"] == res["hires"] == 0
    assert res["headcount_mean"] == 6 and res["attrition_annual"] == 0
    assert passing.summary_dict()["kpi_reviews"] == 2 * 6

    def no_day_update(self: Workforce, state: AgentState, day: int, rng: np.random.Generator,
                      fatigue_end: np.ndarray) -> dict[str, np.ndarray]:
        return {name: np.zeros(self.n_sites) for name in DAY_COUNTERS}

    monkeypatch.setattr(Workforce, "start_day", no_day_update)
    frozen = sim.simulate(cfg, 2, call_log=True)
    assert len(frozen.calls) > 3000
    pd.testing.assert_frame_equal(default.calls, frozen.calls)
    pd.testing.assert_frame_equal(passing.calls, frozen.calls)
    call_flow = [k for k in M.COUNTERS if k not in DAY_COUNTERS and not k.startswith("cost_")]
    idx = [M.K[k] for k in call_flow]
    np.testing.assert_array_equal(default.counts[..., idx], frozen.counts[..., idx])


def test_a_shorter_horizon_is_an_exact_prefix_of_a_longer_one() -> None:
    """Follow-ups past the horizon consume the same uniforms, so day tables agree up to the end."""
    over = {"demand.redial.p": 0.8, "demand.repeat.p": 0.8, "demand.call_types.a.fcr": 0.5,
            "sites.s.attrition.annual_quit_rate": 0.9, "sites.s.kpi.aht_target_s": 250,
            "sites.s.kpi.review_days": 2, "sites.s.kpi.min_calls": 5, "sites.s.kpi.grace_days": 0}
    short = sim.simulate(scenario({**over, "days": 6}), 3).days
    long = sim.simulate(scenario({**over, "days": 9}), 3).days
    cols = [c for c in short.columns if c not in ("warmup", "site")]
    np.testing.assert_array_equal(short[cols].to_numpy(float), long[long["day"] < 6][cols].to_numpy(float))
