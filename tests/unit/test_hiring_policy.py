"""The order-up-to hiring policy (``sites.N.hiring.policy: order_up_to``): review arithmetic, shares, engines.

Hand cases on a built state check the equations of ``docs/model.md`` 7.6: position = floor
``p`` plus ``w`` per hire in the pipeline, hires ``min(ceil((level - position) / w),
class_capacity)``; the backfill path keeps its draws (the golden tests pin it); both engines
run the policy identically.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import simulator as sim
from simulator import config as C
from simulator.rng import stream
from simulator.workforce import (
    AgentState,
    Backfill,
    OrderUpTo,
    Stage,
    Workforce,
    entry_proficiency,
    fill_shares,
    hiring_policies,
)
from tests.conftest import ALL_DAYS, ROOT, scenario
from tests.unit.test_engines_identical import assert_identical

ORDER: dict[str, Any] = {"sites.s.hiring.policy": "order_up_to", "sites.s.hiring.level": 10.0,
                         "sites.s.hiring.pipeline_p": 1.0, "sites.s.hiring.review_days": 7,
                         "sites.s.hiring.lead_time_days": 3}


def floor_state(p: list[float], pipeline: dict[int, int] | None = None, shifts: list[int] | None = None) -> AgentState:
    """Site-0 agents on the floor with proficiencies ``p``, plus pipeline rows ``{stage: count}``."""
    state = AgentState.empty()
    n = len(p)
    state.append(np.zeros(n, dtype=np.int64), np.asarray(shifts or [0] * n, dtype=np.int64), Stage.FLOOR,
                 np.full(n, -100.0))
    state.proficiency[:] = p
    for stage, count in (pipeline or {}).items():
        state.append(np.zeros(count, dtype=np.int64), np.zeros(count, dtype=np.int64), stage, np.zeros(count))
    return state


def policy(cfg: sim.Scenario) -> OrderUpTo:
    return OrderUpTo(cfg, np.ones(len(cfg.sites), dtype=bool))


def test_level_10_position_7_3_orders_3() -> None:
    cfg = scenario(ORDER)
    state = floor_state([1.0] * 7 + [0.3])
    pol = policy(cfg)
    assert pol.position(state, 0) == pytest.approx(7.3)
    assert pol.order(state, 0, 7) == 3
    v = pol.vacancies(state, 7, np.zeros(len(state), dtype=bool))
    assert v.site.tolist() == [0, 0, 0] and v.hire_day.tolist() == [10.0, 10.0, 10.0]


def test_whole_gap_orders_exactly_and_surplus_orders_none() -> None:
    pol = policy(scenario(ORDER))
    assert pol.order(floor_state([1.0] * 7), 0, 7) == 3  # 10 - 7 = 3: no extra hire from rounding
    assert pol.order(floor_state([1.0] * 11), 0, 7) == 0


def test_pipeline_counts_at_pipeline_p() -> None:
    """Recruiting and classroom rows count ``w`` each; gone agents nothing."""
    state = floor_state([1.0] * 5, {Stage.RECRUITING: 2, Stage.CLASSROOM: 1, Stage.GONE: 4})
    cfg = scenario({**ORDER, "sites.s.hiring.pipeline_p": 0.5})
    pol = policy(cfg)
    assert pol.position(state, 0) == pytest.approx(5.0 + 0.5 * 3)
    assert pol.order(state, 0, 7) == math.ceil((10.0 - 6.5) / 0.5)  # 7 hires of 0.5 each


def test_pipeline_defaults_to_entry_proficiency() -> None:
    cfg = scenario({**ORDER, "sites.s.hiring.pipeline_p": None, "sites.s.training.classroom_days": 10,
                    "sites.s.training.p_entry": 0.2})
    p0 = entry_proficiency(cfg.sites[0].training)
    state = floor_state([1.0] * 8, {Stage.CLASSROOM: 2})
    pol = policy(cfg)
    assert pol.position(state, 0) == pytest.approx(8.0 + 2 * p0)
    assert pol.order(state, 0, 7) == math.ceil((10.0 - 8.0 - 2 * p0) / p0)


def test_class_capacity_caps_and_reviews_only_on_review_days() -> None:
    cfg = scenario({**ORDER, "sites.s.hiring.class_capacity": 2})
    state = floor_state([1.0] * 4)
    pol = policy(cfg)
    assert pol.order(state, 0, 7) == 2
    none = np.zeros(len(state), dtype=bool)
    assert pol.vacancies(state, 8, none).site.size == 0
    assert pol.vacancies(state, 14, none).site.size == 2


def test_level_grows_compound() -> None:
    pol = policy(scenario({**ORDER, "sites.s.hiring.level_growth_per_year": 0.2}))
    assert pol.level(0, 365.0) == pytest.approx(12.0)
    assert pol.level(0, 182.5) == pytest.approx(10.0 * math.sqrt(1.2))


def test_hires_fill_the_shift_furthest_below_its_share() -> None:
    assert fill_shares(3, [0.5, 0.5], np.array([0, 0, 0, 1])).tolist() == [1, 1, 0]
    assert fill_shares(2, [0.25, 0.75], np.zeros(0, dtype=np.int64)).tolist() == [1, 0]
    shifts = [{"name": n, "start_h": 0, "length_h": 8, "weekdays": ALL_DAYS, "share": sh}
              for n, sh in (("a", 0.5), ("b", 0.5))]
    cfg = scenario({**ORDER, "sites.s.roster.shifts": shifts})
    v = policy(cfg).vacancies(floor_state([1.0] * 6, shifts=[0, 0, 0, 0, 0, 1]), 7, np.zeros(6, dtype=bool))
    assert v.shift.tolist() == [1, 1, 1, 1]  # 10 - 6 = 4 hires, all to the short shift (5 + 5)


def test_order_up_to_opens_no_vacancy_for_leavers() -> None:
    cfg = scenario({**ORDER, "sites.s.hiring.level": 0.0})
    state = floor_state([1.0] * 3)
    wf = Workforce(cfg)
    state.stage[0] = Stage.GONE
    wf._open_vacancies(state, 3, np.array([True, False, False]), stream(1, 0, "resilience", 3))
    assert len(state) == 3


def test_policies_registry_backfill_first() -> None:
    raw = scenario().to_dict()
    site = raw["sites"][0]
    raw["sites"] = [{**site, "name": "a", "hiring": {"policy": "order_up_to", "level": 1.0}}, {**site, "name": "b"}]
    kinds = [type(p) for p in hiring_policies(C.validate(raw))]
    assert kinds == [Backfill, OrderUpTo]


def test_config_requires_level() -> None:
    with pytest.raises(sim.ConfigError, match="level"):
        scenario({"sites.s.hiring.policy": "order_up_to"})


def test_zero_pipeline_weight_is_an_error() -> None:
    cfg = scenario({"sites.s.hiring.policy": "order_up_to", "sites.s.hiring.level": 3.0,
                    "sites.s.training.p_entry": 0.0})
    with pytest.raises(ValueError, match="pipeline_p"):
        Workforce(cfg)


def test_order_up_to_run_hires_to_the_level() -> None:
    """A floor short of its level: the first review (day 0) orders the gap; headcount rises."""
    cfg = scenario({**ORDER, "days": 15, "sites.s.agents": 4, "sites.s.hiring.level": 6.0,
                    "sites.s.initial_proficiency": [1.0, 1.0]})
    res = sim.simulate(cfg, seed=1)
    days = res.days[res.days["site"] == "all"].set_index("day")
    assert days.loc[3, "hires"] == 2  # ordered at day 0, lead time 3
    assert days.loc[4, "employed_days"] == 6


def test_engines_identical_with_order_up_to() -> None:
    """Baseline-like workforce on a short horizon, reviews every week, capped classes, growing level."""
    cfg = sim.load_config(ROOT / "configs/baseline.yaml", overrides={
        "days": 30, "warmup_days": 1, "spinup_days": 0, "demand.calls_per_day": 800, "sites.inhouse.agents": 30,
        "sites.inhouse.attrition.annual_quit_rate": 0.9, "sites.inhouse.hiring.policy": "order_up_to",
        "sites.inhouse.hiring.level": 30.0, "sites.inhouse.hiring.review_days": 7,
        "sites.inhouse.hiring.class_capacity": 3, "sites.inhouse.hiring.level_growth_per_year": 0.5,
        "sites.inhouse.hiring.lead_time_days": 2, "sites.inhouse.training.classroom_days": 3,
        "sites.inhouse.training.class_interval_days": 7})
    res = assert_identical(cfg, seed=3)
    assert res.agents is not None and (res.agents.hire_day >= 0).sum() > 0


def test_spinup_holds_the_level_at_day_0() -> None:
    """A spin-up settles at day 0's level, as it does at day 0's demand: no growth inside it."""
    from simulator.spinup import spinup_config

    cfg = sim.load_config(ROOT / "configs/baseline.yaml", overrides={
        "sites.inhouse.hiring.policy": "order_up_to", "sites.inhouse.hiring.level": 100.0,
        "sites.inhouse.hiring.level_growth_per_year": 0.2, "demand.trend_per_year": 0.2})
    spun = spinup_config(cfg)
    assert spun.sites[0].hiring.level_growth_per_year == 0.0 and spun.demand.trend_per_year == 0.0
    assert spun.sites[0].hiring.level == 100.0


def test_spinup_must_keep_the_hiring_review_phase() -> None:
    with pytest.raises(sim.ConfigError, match="spinup_days: must be a multiple of 140 .*hiring reviews"):
        sim.load_config(ROOT / "configs/baseline.yaml", overrides={
            "sites.inhouse.hiring.policy": "order_up_to", "sites.inhouse.hiring.level": 100.0,
            "sites.inhouse.hiring.review_days": 20})
