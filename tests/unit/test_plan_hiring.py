"""Hiring plans (``simulator.planning.hiring``): shapes, the chosen level, the naive plan under growth, JSON, figures.

A 14-agent site open 8 hours a day with high attrition, a learning curve, a 3-day lead time
and a 5-day course, planned over eight 7-day months while demand grows 200% a year (+18%
over the plan): replacing each leaver keeps the headcount flat and the service level falls
below 80%, while the order-up-to plan, whose level grows with demand, keeps it.
"""

from __future__ import annotations

import functools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import simulator as sim  # noqa: E402
from simulator.planning.hiring import (  # noqa: E402
    HiringPlan,
    first_floor_day,
    hiring_json,
    plan_hiring,
    verify_hiring,
)
from simulator.plots.planning import fan_chart  # noqa: E402
from tests.conftest import ALL_DAYS, scenario  # noqa: E402

SMALL = {
    "days": 10, "warmup_days": 7, "demand.mode": "profile", "demand.calls_per_day": 1000,
    "demand.open_h": dict.fromkeys(ALL_DAYS, [8, 16]), "sites.s.agents": 14,
    "sites.s.roster.shifts": [{"name": "day", "start_h": 8, "length_h": 8, "weekdays": ALL_DAYS, "share": 1.0}],
    "sites.s.attrition.annual_quit_rate": 0.9, "sites.s.hiring.lead_time_days": 3,
    "sites.s.training.classroom_days": 5, "sites.s.training.p_entry": 0.3, "sites.s.training.tau_days": 10,
    "behaviour.learning_calls": 300, "behaviour.novice_slowdown": 1.0, "sites.s.pay.wage_per_hour": 20,
    "sites.s.hiring.cost_per_hire": 1000, "sites.s.hiring.review_days": 7,
}
MONTHS = 8


def small() -> sim.Scenario:
    return scenario(SMALL)


@functools.cache
def plan() -> HiringPlan:
    return plan_hiring(small(), months=MONTHS, month_days=7, volume_growth=2.0, replications=4, seed=3, workers=1)


def test_shapes() -> None:
    p = plan()
    assert len(p.months) == 2 * MONTHS
    assert set(p.months["plan"]) == {"order_up_to", "naive"}
    assert len(p.per_replication) == 2 * MONTHS * 4
    for col in ("hires", "headcount", "classroom", "novice", "experienced", "recruiting", "proficient_fte",
                "attrition", "service_level", "service_level_ci_low", "service_level_ci_high", "cost",
                "cost_ci_low", "cost_ci_high", "frozen", "target_met"):
        assert col in p.months.columns, col
    assert p.months["month"].tolist()[:MONTHS] == list(range(1, MONTHS + 1))
    assert (p.months["headcount"] > 0).all() and (p.months["cost"] > 0).all()
    assert p.cfg.days == 7 + MONTHS * 7
    assert p.level in set(p.search["level"])


def test_frozen_months_end_when_first_hires_take_calls() -> None:
    # Ordered at day 7, start day 10 (a Thursday), 5 course days Thu-Wed, on the floor at day 17.
    assert first_floor_day(plan().cfg, 0, 7) == 17
    # The first review is day 0: start day 3 (a Thursday), on the floor at day 10, in month 1 (days 7-13).
    assert first_floor_day(plan().cfg, 0, 0) == 10
    assert plan().frozen_months == 1


def test_chosen_level_meets_the_target_and_is_the_smallest_tried() -> None:
    p = plan()
    assert p.feasible
    mine = p.months[(p.months["plan"] == "order_up_to") & ~p.months["frozen"]]
    assert (mine["service_level"] >= 0.8).all()
    below = p.search[p.search["level"] < p.level]
    assert not below["feasible"].any()
    assert not below.empty  # the bisection bracketed the level from below


def test_naive_plan_falls_below_target_as_demand_grows() -> None:
    p = plan()
    naive = p.months[p.months["plan"] == "naive"].set_index("month")
    assert not p.naive_feasible
    assert naive.loc[MONTHS, "service_level"] < 0.8
    assert naive.loc[MONTHS, "service_level"] < naive.loc[1, "service_level"]
    assert "naive plan misses it" in p.note


def test_common_random_numbers_frozen_month_equal_across_levels() -> None:
    """Before any of the plan's hires takes calls (month 1: days 7-9), two levels see the same calls."""
    runs = [plan_hiring(small(), months=2, month_days=3, volume_growth=2.0, replications=2, seed=3, workers=1,
                        levels=[level]) for level in (5.0, 30.0)]
    assert runs[0].frozen_months == 1
    first = [r.per_replication.query("plan == 'order_up_to' and month == 1") for r in runs]
    pd.testing.assert_series_equal(first[0]["service_level"], first[1]["service_level"])
    assert (first[1]["headcount"] > first[0]["headcount"]).all()  # the higher level's day-0 hires, in class


def test_json_shape() -> None:
    j = hiring_json(plan())
    assert set(j) == {"months", "naive", "level", "targets"}
    assert len(j["months"]) == len(j["naive"]) == MONTHS
    assert set(j["months"][0]) == {"month", "hires", "headcount", "proficient_fte", "service_level", "cost"}
    assert j["targets"] == ["service_level>=0.8"]


def test_verify_with_fresh_seeds() -> None:
    p = plan()
    v = verify_hiring(p, seed=11, replications=2, workers=1)
    assert v.level == p.level and v.seed == 11 and len(v.search) == 1
    assert len(v.per_replication) == 2 * MONTHS * 2
    with pytest.raises(ValueError, match="fresh seed"):
        verify_hiring(p, seed=p.seed)


def test_fan_chart_draws_both_panels() -> None:
    fig = plt.figure()
    axes = fig.subplots(1, 2)
    out = fan_chart(plan(), axes=axes)
    assert len(out) == 2
    assert out[1].get_ylabel().startswith("service level")
    assert any("target" in t.get_text() for t in out[1].get_legend().get_texts())
    plt.close(fig)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown site"):
        plan_hiring(small(), months=1, month_days=7, site="nope", workers=1)
    with pytest.raises(ValueError, match="monthly metric"):
        plan_hiring(small(), months=1, month_days=7, targets=["sites.s.agents>=3"], workers=1)


def test_per_replication_is_tidy() -> None:
    pr = plan().per_replication
    assert isinstance(pr, pd.DataFrame)
    assert not pr.duplicated(["plan", "replication", "month"]).any()
