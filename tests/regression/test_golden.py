"""Golden summaries: catch accidental changes in stream consumption or metric definitions.

A change that alters these numbers on purpose (a new mechanism, a different draw order) must
regenerate them in a commit that says why: ``CALLSIM_UPDATE_GOLDEN=1 pytest tests/regression``.
numpy guarantees its streams only within a version range, so pyproject pins numpy's major.

The ``workforce_13_weeks`` case is a small site (14 agents) run for 13 weeks with the whole
workforce model of the baseline on, tuned so that KPI reviews, misses, dismissals, quits,
hires, classroom graduations and missed scams all occur. Its counters are also checked
against identities computed independently from the agents' final state and the call log
(headcount flow, agent-days employed and in the classroom, paid time, costs, conservation of
contacts), so regenerating the golden file cannot silently bless a bug in those counters.

Every case starts from the analytic initial workforce (``spinup_days: 0``, whatever the
config file says): the spin-up has its own exact tests (``tests/unit/test_spinup.py``).
"""

from __future__ import annotations

import functools
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import simulator as sim
from simulator.demand import weekday_of
from simulator.metrics import K
from simulator.workforce import DISMISSED, QUIT, AgentState, Stage
from tests.conftest import ROOT

GOLDEN = Path(__file__).with_name("golden.json")
WORKFORCE: dict[str, Any] = {
    "days": 91, "warmup_days": 7, "spinup_days": 0, "demand.calls_per_day": 360,
    "demand.call_types.billing.scam_p": 0.03,
    "sites.inhouse.agents": 14, "sites.inhouse.line_limit": 10, "sites.inhouse.supervisors.count": 1,
    "sites.inhouse.attrition.annual_quit_rate": 0.6, "sites.inhouse.hiring.lead_time_days": 7,
    "sites.inhouse.kpi": {"aht_target_s": 400, "review_days": 7, "grace_days": 21, "min_calls": 20,
                          "misses_to_dismiss": 2},
    # One shift pattern, so paid time has a closed form: 8.5 h less an unpaid 30-minute lunch.
    "sites.inhouse.roster": {"shifts": [{
        "name": "all", "start_h": 8.0, "length_h": 8.5, "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat"],
        "share": 1.0, "breaks": [
            {"start_min": 105, "length_min": 15, "stagger_min": 30},
            {"start_min": 210, "length_min": 30, "stagger_min": 60, "paid": False},
            {"start_min": 300, "length_min": 60, "rest": False, "weekdays": ["wed"]},
            {"start_min": 420, "length_min": 15}]}]},
}
CASES = {
    "baseline_3_days": (ROOT / "configs/baseline.yaml", {"days": 3, "warmup_days": 1, "spinup_days": 0}, 1),
    "erlang_a_4_hours": (ROOT / "configs/erlang_a.yaml", {"days": 0.25, "warmup_days": 0.05}, 2),
    "workforce_13_weeks": (ROOT / "configs/baseline.yaml", WORKFORCE, 2),
}


@functools.cache
def run(case: str, engine: str = sim.DEFAULT_ENGINE) -> sim.SimulationResult:
    path, overrides, seed = CASES[case]
    return sim.simulate(sim.load_config(path, overrides=overrides), seed, call_log=True, engine=engine)


def summaries(engine: str) -> dict[str, dict[str, float]]:
    return {name: dict(sorted(run(name, engine).summary_dict().items())) for name in CASES}


@pytest.mark.parametrize("engine", sorted(sim.ENGINES))
def test_summaries_match_golden(engine: str) -> None:
    """Both engines reproduce the golden summaries (regenerated from the reference SimPy engine)."""
    got = summaries(engine)
    if os.environ.get("CALLSIM_UPDATE_GOLDEN") == "1":
        if engine == "simpy":
            GOLDEN.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
        pytest.skip("golden summaries regenerated from the SimPy engine")
    want = json.loads(GOLDEN.read_text())
    assert set(got) == set(want)
    for case, metrics in want.items():
        for key, value in metrics.items():
            g = got[case][key]
            if value is None or (isinstance(value, float) and math.isnan(value)):
                assert g != g, (case, key)
            else:
                assert g == pytest.approx(value, rel=1e-9, abs=1e-9), (case, key)


# --------------------------------------------------------------------------- workforce case


def test_workforce_case_exercises_the_workforce() -> None:
    """Every workforce event occurs in the measured window, so the golden numbers cover them."""
    res = run("workforce_13_weeks")
    s = res.summary_dict()
    for key in ("kpi_reviews", "kpi_misses", "dismissals", "quits", "hires", "scams", "scams_missed",
                "escalations", "blocked", "abandoned", "overtime_s", "cost_hiring", "cost_fraud"):
        assert s[key] > 0, key
    a = res.agents
    assert a is not None
    graduated = (a.floor_day >= res.cfg.warmup_days) & (a.floor_day < res.cfg.days)
    assert graduated.sum() > 0, "no classroom graduation in the measured window"


def test_workforce_case_counters_follow_from_the_agents_and_the_log() -> None:
    """Identities between the all-time counters and the final agent state and call log.

    The midnight update (and its census) runs on days 0..D-1 and on the drain day D only if the
    run went past the horizon, so there are ``min(ceil(end_s / 86400), D + 1)`` census days. An
    agent employed from day s to the midnight it leaves (or to the end) counts ``end - s``
    employed days, and likewise in the classroom from its start to its graduation
    (``floor_day``) or departure.
    """
    res = run("workforce_13_weeks")
    cfg, a, log = res.cfg, res.agents, res.calls
    assert a is not None
    site = cfg.sites[0]
    c = {k: float(v) for k, v in zip(K, res.totals(measured=False)[0], strict=True)}
    n_census = min(math.ceil(res.end_s / 86400.0), math.ceil(cfg.days) + 1)
    initial = AgentState.drawn(cfg, res.seed, res.replication)
    n0 = len(initial)
    is_initial = np.arange(len(a)) < n0
    started = is_initial | (a.stage != Stage.RECRUITING)
    hires = started & ~is_initial
    left = ~np.isnan(a.left_day)
    employed_now = (a.stage == Stage.CLASSROOM) | (a.stage == Stage.FLOOR)

    # Contacts are conserved.
    assert c["offered"] == c["answered"] + c["abandoned"] + c["blocked"] + sum(res.waiting_at_end)
    assert c["offered"] == c["unique_callers"] + c["redials"] + c["repeat_calls"]
    assert c["answered"] == c["handled"] + sum(res.in_service_at_end)
    outcomes = log["outcome"].value_counts()
    assert c["abandoned"] == outcomes.get("abandoned", 0) and c["blocked"] == outcomes.get("blocked", 0)
    assert c["scams_missed"] == outcomes.get("scam_missed", 0)
    assert c["handled"] == len(log) - c["abandoned"] - c["blocked"]

    # Headcount flow: leavers and hires as recorded on the agents.
    assert c["quits"] == (a.leave_reason == QUIT).sum() and c["dismissals"] == (a.leave_reason == DISMISSED).sum()
    assert c["hires"] == hires.sum()
    assert employed_now.sum() == n0 + c["hires"] - c["quits"] - c["dismissals"]
    assert employed_now.sum() + (a.stage == Stage.RECRUITING).sum() == site.agents  # backfill keeps the headcount

    # Agent-days employed and in the classroom.
    start = np.where(is_initial, 0.0, a.hire_day)
    end = np.where(left, a.left_day, n_census)
    assert c["employed_days"] == (end - start)[started].sum()
    was_in_class = started & (np.isnan(a.floor_day) | (a.floor_day >= 0))
    class_end = np.where(~np.isnan(a.floor_day), a.floor_day, end)
    assert c["classroom_days"] == (class_end - start)[was_in_class].sum()
    # Classes start on Mondays (every 14 days from a Monday): 20 weekdays end on the fourth Friday
    # and the hire graduates at the midnight starting Saturday, 26 days after it started.
    graduates = hires & ~np.isnan(a.floor_day)
    assert graduates.sum() > 0 and ((a.floor_day - a.hire_day)[graduates] == 26).all()

    # Paid time: scheduled shifts (8 paid hours here) plus classroom hours of the days attended.
    (shift,) = site.roster.shifts
    assert shift.length_h == 8.5 and [b.paid for b in shift.breaks] == [True, False, True, True]
    attended = ((initial.class_left - a.class_left[:n0]).sum()
                + (site.training.classroom_days - a.class_left[hires]).sum())
    assert c["paid_s"] == pytest.approx(
        8.0 * 3600 * c["scheduled_days"] + site.training.classroom_hours_per_day * 3600 * attended, rel=1e-12)
    # Supervisors are paid for the opening hours of every census day (docs/model.md, Supervisors).
    open_s = sum((h[1] - h[0]) * 3600 for d in range(n_census)
                 if (h := cfg.demand.open_h[weekday_of(cfg, d)]) is not None)
    assert c["supervisor_paid_s"] == site.supervisors.count * open_s

    # Costs from the independent counts.
    pay = site.pay
    assert c["cost_wages"] == pytest.approx(
        pay.wage_per_hour * (c["paid_s"] + (1 + pay.overtime_premium) * c["overtime_s"]) / 3600, rel=1e-12)
    assert c["cost_hiring"] == site.hiring.cost_per_hire * hires.sum()
    assert c["cost_fraud"] == cfg.money.fraud_loss_per_scam * outcomes.get("scam_missed", 0)
    assert c["cost_overhead"] == pytest.approx(pay.overhead_per_hour * (c["paid_s"] + c["overtime_s"]) / 3600,
                                               rel=1e-12)
    assert c["cost_supervisors"] == pytest.approx(site.supervisors.wage_per_hour * c["supervisor_paid_s"] / 3600,
                                                  rel=1e-12)
    assert c["cost_abandon"] == pytest.approx(cfg.money.abandoned_call_cost * c["abandoned"], rel=1e-12)
    parts = ("cost_wages", "cost_overhead", "cost_supervisors", "cost_hiring", "cost_calls", "cost_fraud",
             "cost_abandon")
    assert c["cost_total"] == pytest.approx(sum(c[k] for k in parts), rel=1e-12)
