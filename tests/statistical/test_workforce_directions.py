"""Directions of the workforce mechanisms of docs/model.md (preparedness, supervisors, burnout from load).

Each claim runs paired replications of the baseline centre, scaled down (replication k of both
variants sees the same callers and the same per-agent uniforms), and holds when the
``1 - 2 ALPHA / CLAIMS`` two-sided interval of the paired difference (variant - reference) lies
on its documented side of zero: a one-sided t test at ``ALPHA / CLAIMS`` per claim, so that a
model in which none of the three effects exists passes any of them with probability at most
ALPHA = 0.05 (Bonferroni over the family of this file).

Replications were sized from a pilot (seed 11): each claim's standardised effect
``d = mean / sd`` of the paired differences, and R such that the claim is confirmed with
probability ``P(T > t(1 - ALPHA / CLAIMS, R - 1)) >= 0.95`` (T noncentral t, noncentrality
``d sqrt(R)``); the pilot's values are given with each claim. The classroom claim needs 20
runs of 200 days (about 2 minutes), so it runs in ``make test-full`` only (marker ``statistical``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import simulator as sim
from simulator.engine import Simulation
from simulator.stats import paired_difference
from tests.conftest import ROOT

SEED = 11
CLAIMS = 3
ALPHA = 0.05
LEVEL = 1 - 2 * ALPHA / CLAIMS

ALL_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def summaries(overrides: dict[str, Any], reps: int, site: str = "all") -> dict[str, np.ndarray]:
    cfg = sim.load_config(ROOT / "configs/baseline.yaml", overrides=overrides)
    rows = [Simulation(cfg, seed=SEED, replication=r).run().summary_dict(site) for r in range(reps)]
    return {k: np.array([row[k] for row in rows]) for k in rows[0]}


def paired(metric: str, reference: dict[str, Any], variant: dict[str, Any], reps: int) -> sim.Estimate:
    ref, var = summaries(reference, reps), summaries({**reference, **variant}, reps)
    return paired_difference(var[metric], ref[metric], level=LEVEL)


# -------------------------------------------------------------------- preparedness

HIRING: dict[str, Any] = {
    # 60 agents who quit fast, every hire starting at once: many hires whose 90 days close in the run.
    "days": 200, "warmup_days": 0, "sites.inhouse.agents": 60, "demand.calls_per_day": 1700,
    "sites.inhouse.line_limit": 30, "sites.inhouse.supervisors.count": 3,
    "sites.inhouse.attrition.annual_quit_rate": 0.5, "sites.inhouse.hiring.lead_time_days": 7,
    "sites.inhouse.training.class_interval_days": None,
}


@pytest.mark.statistical
def test_fewer_classroom_days_raise_new_hire_attrition() -> None:
    """5 instead of 20 classroom days: hires start unprepared, so more leave within 90 days (pilot d = 1.4, R = 10)."""
    e = paired("new_hire_attrition_90d", HIRING, {"sites.inhouse.training.classroom_days": 5}, reps=10)
    assert e.ci_low > 0, f"new-hire attrition should rise with thin training: {e}"


# -------------------------------------------------------------------- supervisors

SUPERVISED: dict[str, Any] = {
    "days": 21, "warmup_days": 7, "sites.inhouse.agents": 40, "demand.calls_per_day": 1100,
    "sites.inhouse.line_limit": 20, "sites.inhouse.supervisors.count": 3,
    "sites.inhouse.attrition.annual_quit_rate": 0.0, "sites.inhouse.attrition.early_quit_multiplier": 1.0,
}


def test_thinner_supervisor_pool_raises_escalation_wait() -> None:
    """One supervisor on duty instead of three: escalated callers wait longer (pilot d = 4.1, R = 4)."""
    e = paired("escalation_wait_s", SUPERVISED, {"sites.inhouse.supervisors.count": 1}, reps=4)
    assert e.ci_low > 0, f"escalation waits should rise with fewer supervisors: {e}"


# -------------------------------------------------------------------- burnout from the day's load

def one_long_shift(*, calls_per_day: float, profile: list[float]) -> dict[str, Any]:
    """Every agent works 08:00-20:00 every day; calls arrive by ``profile`` (hourly weights)."""
    return {
        "days": 28, "warmup_days": 7, "sites.inhouse.agents": 40, "demand.calls_per_day": calls_per_day,
        "demand.weekday_factors": dict.fromkeys(ALL_WEEK, 1.0),
        "demand.open_h": dict.fromkeys(ALL_WEEK, [8, 20]), "demand.intraday_profile": profile,
        "demand.repeat.p": 0.0, "demand.redial.p": 0.0,
        "sites.inhouse.absence_p": 0.0, "sites.inhouse.leave_days_per_year": 0, "sites.inhouse.kpi.aht_target_s": None,
        "sites.inhouse.attrition.annual_quit_rate": 0.0, "sites.inhouse.attrition.early_quit_multiplier": 1.0,
        "sites.inhouse.roster": {"shifts": [{"name": "all", "start_h": 8, "length_h": 12, "weekdays": ALL_WEEK,
                                             "share": 1.0}]},
    }


MORNING = [0] * 8 + [1] * 4 + [0] * 12
"""All calls 08:00-12:00, so fatigue has eight idle hours to fade before the shift ends."""
HEAVY = one_long_shift(calls_per_day=1800, profile=MORNING)
LIGHT = one_long_shift(calls_per_day=600, profile=MORNING)


def test_heavier_days_raise_burnout_at_equal_end_of_shift_fatigue() -> None:
    """Three times the morning calls: more burnout (pilot d = 30, R = 3), while fatigue near the shift's
    end (sampled at 19:45) is the same, about eight idle hours after the last call (both below 1e-6)."""
    heavy, light = summaries(HEAVY, 3), summaries(LIGHT, 3)
    e = paired_difference(heavy["burnout_mean"], light["burnout_mean"], level=LEVEL)
    assert e.ci_low > 0, f"burnout should rise with the day's load: {e}"
    for cfg_overrides in (HEAVY, LIGHT):
        cfg = sim.load_config(ROOT / "configs/baseline.yaml", overrides=cfg_overrides)
        res = Simulation(cfg, seed=SEED).run()
        day = res.intraday
        last = day[(day.site == "all") & (day.time_h == 19.5)]
        assert len(last) == 1
        assert (last.fatigue_mean < 1e-6).all(), last.fatigue_mean
