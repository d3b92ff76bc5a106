"""The workforce spin-up: conversion into day 0's frame, the cache, and wiring into simulate().

The scenario is a 14-agent site with the baseline's workforce model and a fast turnover, so a
56-day spin-up ends with leavers, open vacancies, hires in the classroom and novices.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import simulator as sim
from simulator import spinup
from simulator.engine import Simulation
from simulator.rng import nested_seed
from simulator.units import DAY_S
from simulator.workforce import AgentState, Stage
from tests.conftest import ROOT

SPIN = 56
SMALL: dict[str, Any] = {
    "days": 14, "warmup_days": 0, "spinup_days": SPIN, "demand.calls_per_day": 360,
    "sites.inhouse.agents": 14, "sites.inhouse.line_limit": 10, "sites.inhouse.supervisors.count": 1,
    "sites.inhouse.attrition.annual_quit_rate": 0.9, "sites.inhouse.hiring.lead_time_days": 7,
    "sites.inhouse.kpi": {"aht_target_s": 400, "review_days": 7, "grace_days": 21, "min_calls": 20,
                          "misses_to_dismiss": 2},
}


def small(**overrides: Any) -> sim.Scenario:
    return sim.load_config(ROOT / "configs/baseline.yaml", overrides={**SMALL, **overrides})


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets an empty cache directory of its own (never the user's)."""
    monkeypatch.setenv(spinup.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def assert_same_state(a: AgentState, b: AgentState) -> None:
    for f in fields(AgentState):
        x, y = getattr(a, f.name), getattr(b, f.name)
        assert x.dtype == y.dtype, f.name
        np.testing.assert_array_equal(x, y, err_msg=f.name)


def assert_same_result(a: sim.SimulationResult, b: sim.SimulationResult) -> None:
    assert np.array_equal(a.counts, b.counts)
    assert np.array_equal(a.wait_hist, b.wait_hist)
    assert a.agents is not None and b.agents is not None
    assert_same_state(a.agents, b.agents)


# --------------------------------------------------------------------------- conversion


def test_every_agent_state_field_is_handled() -> None:
    """A field added to AgentState fails here until it is put in one of the three sets (and thought about)."""
    names = {f.name for f in fields(AgentState)}
    sets = (spinup.DAY_FIELDS, spinup.SECOND_FIELDS, spinup.CARRIED_FIELDS)
    assert set().union(*sets) == names, f"unhandled: {sorted(names - set().union(*sets))}"
    assert sum(map(len, sets)) == len(names), "a field is in two sets"


def test_to_day0_drops_leavers_and_shifts_days_and_seconds() -> None:
    state = AgentState.empty()
    state.append(np.array([0, 0, 0, 1]), np.array([0, 1, 0, 2]), Stage.FLOOR, np.array([-30.0, 5.0, 40.0, 100.0]))
    state.stage[1] = Stage.GONE
    state.left_day[1] = 50.0
    state.stage[2] = Stage.CLASSROOM
    state.stage[3] = Stage.RECRUITING  # hire_day: earliest start day
    state.floor_day[0] = 2.0
    state.fatigue_t[:] = [3.5 + 55 * DAY_S, 7.0, 0.0, 0.0]
    state.fatigue[:] = [0.25, 0.5, 0.0, 0.0]
    state.burnout[:] = [0.1, 0.2, 0.3, 0.4]
    state.calls_handled[:] = [900, 10, 0, 0]
    state.kpi_handle_s[:] = [1200.0, 0.0, 0.0, 0.0]
    out = spinup.to_day0(state, 56)
    assert out.stage.tolist() == [Stage.FLOOR, Stage.CLASSROOM, Stage.RECRUITING]
    assert out.hire_day.tolist() == [-86.0, -16.0, 44.0]
    assert out.floor_day[0] == -54.0 and np.isnan(out.floor_day[1:]).all()
    assert np.isnan(out.left_day).all()
    assert out.fatigue_t[0] == 3.5 - DAY_S  # exact: whole seconds are shifted
    for name in spinup.CARRIED_FIELDS:
        np.testing.assert_array_equal(getattr(out, name), getattr(state, name)[[0, 2, 3]], err_msg=name)
    assert state.stage[1] == Stage.GONE  # the input is untouched


def test_spinup_state_is_in_the_measured_runs_frame() -> None:
    cfg = small()
    state = spinup.spinup_state(cfg, 3, 0)
    spin = Simulation(spinup.spinup_config(cfg), seed=nested_seed(3, 0, "spinup"), replication=0)
    spin.run(drain=False)
    raw = spin.close_horizon()
    assert (raw.stage == Stage.GONE).any(), "the scenario must have leavers for this test to mean something"
    assert_same_state(state, spinup.to_day0(raw, SPIN))
    assert (state.stage != Stage.GONE).all()
    assert np.isnan(state.left_day).all() and (state.leave_reason == 0).all()
    employed = (state.stage == Stage.CLASSROOM) | (state.stage == Stage.FLOOR)
    recruiting = state.stage == Stage.RECRUITING
    assert recruiting.any() and (state.stage == Stage.CLASSROOM).any()
    # Hires started at the latest on the spin-up's last day (-1); vacancies opened within the
    # last lead time start from day 0 on; nobody took calls after the spin-up's end.
    assert (state.hire_day[employed] <= -1).all()
    assert (state.hire_day[recruiting] >= -SPIN).all()
    assert (state.hire_day[employed] > -SPIN).any(), "some of the floor was hired during the spin-up"
    floor = state.stage == Stage.FLOOR
    assert (state.floor_day[floor] <= -1).all() and np.isnan(state.floor_day[~floor]).all()
    assert (state.fatigue_t <= 0).all()
    # Backfill keeps employed agents plus vacancies at the headcount.
    assert employed.sum() + recruiting.sum() == cfg.sites[0].agents


def test_spinup_runs_the_scenario_itself_without_trend() -> None:
    cfg = small(**{"demand.trend_per_year": 0.5, "name": "x", "warmup_days": 7})
    spin = spinup.spinup_config(cfg)
    assert (spin.days, spin.warmup_days, spin.spinup_days, spin.demand.trend_per_year) == (SPIN, 0, 0, 0)
    raw, want = spin.to_dict(), cfg.to_dict()
    for d in (raw, want):
        for key in ("days", "warmup_days", "spinup_days"):
            d.pop(key)
        d["demand"].pop("trend_per_year")
    assert raw == want


def test_spinup_streams_are_distinct_from_the_runs() -> None:
    seeds = {nested_seed(1, r, "spinup") for r in range(4)} | {nested_seed(2, 0, "spinup")}
    assert len(seeds) == 5 and not seeds & {0, 1, 2, 3}
    assert nested_seed(1, 0, "spinup") != nested_seed(1, 0, "resilience")


# --------------------------------------------------------------------------- simulate and the cache


def test_spinup_days_zero_is_the_analytic_start(cache: Path) -> None:
    cfg = small(spinup_days=0)
    assert spinup.initial_state(cfg, 3, 0) is None
    assert_same_result(sim.simulate(cfg, 3), Simulation(cfg, seed=3).run())
    assert not cache.exists()


def test_simulate_starts_from_the_spinup(cache: Path) -> None:
    cfg = small()
    res = sim.simulate(cfg, 3, replication=1)
    direct = Simulation(cfg, seed=3, replication=1, initial=spinup.spinup_state(cfg, 3, 1)).run()
    assert_same_result(res, direct)
    assert not np.array_equal(res.counts, sim.simulate(small(spinup_days=0), 3, replication=1).counts)
    assert len(list(cache.glob("spinup-*.npz"))) == 1
    assert not list(cache.glob(".spinup-*"))  # no temporary file left behind


def test_cache_hit_equals_miss_bit_for_bit(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = small()
    path = spinup.cache_path(cfg, 3, 0)
    assert path is not None and not path.exists()
    miss = sim.simulate(cfg, 3, call_log=True)
    assert path.exists() and spinup.is_cached(cfg, 3, 0)
    hit = sim.simulate(cfg, 3, call_log=True)
    assert_same_result(miss, hit)
    assert miss.calls.equals(hit.calls)
    assert_same_state(spinup.initial_state(cfg, 3, 0), spinup.spinup_state(cfg, 3, 0))  # type: ignore[arg-type]
    monkeypatch.setenv(spinup.CACHE_ENV, "off")
    assert spinup.cache_path(cfg, 3, 0) is None
    assert_same_result(miss, sim.simulate(cfg, 3, call_log=True))


def test_a_corrupt_cache_file_is_recomputed(cache: Path) -> None:
    cfg = small()
    want = sim.simulate(cfg, 3)
    path = spinup.cache_path(cfg, 3, 0)
    assert path is not None
    for junk in (b"", b"not a zip file", path.read_bytes()[:200]):
        path.write_bytes(junk)
        assert_same_result(sim.simulate(cfg, 3), want)
        assert spinup.is_cached(cfg, 3, 0) and path.stat().st_size > 200  # rewritten whole


def test_cache_key_ignores_what_does_not_affect_the_spinup() -> None:
    cfg = small()
    key = spinup.cache_key(cfg, 3, 0)
    assert spinup.cache_key(small(name="other", days=28, warmup_days=7), 3, 0) == key
    assert spinup.cache_key(cfg, 4, 0) != key
    assert spinup.cache_key(cfg, 3, 1) != key
    assert spinup.cache_key(small(spinup_days=2 * SPIN), 3, 0) != key
    assert spinup.cache_key(small(**{"sites.inhouse.agents": 15}), 3, 0) != key


def test_replicate_is_the_same_whatever_the_workers_and_the_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = small(days=7)
    cold = sim.replicate(cfg, 2, 5, workers=2)  # two processes computing and writing the cache
    warm = sim.replicate(cfg, 2, 5, workers=1)  # read from it
    monkeypatch.setenv(spinup.CACHE_ENV, "off")
    off = sim.replicate(cfg, 2, 5, workers=1)
    for other in (warm, off):
        assert cold.per_replication.equals(other.per_replication)
        assert cold.days.equals(other.days)
        assert cold.agents.equals(other.agents)


def test_describe_says_a_spinup_runs_and_what_is_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = small()
    assert spinup.describe(small(spinup_days=0), 3, 2) is None
    assert "56-day workforce spin-up (0 of 2 cached" in (spinup.describe(cfg, 3, 2) or "")
    spinup.initial_state(cfg, 3, 1)
    assert "(1 of 2 cached" in (spinup.describe(cfg, 3, 2) or "")
    monkeypatch.setenv(spinup.CACHE_ENV, "off")
    assert "(cache off)" in (spinup.describe(cfg, 3, 2) or "")


@pytest.mark.parametrize("days", [10, 21, -14])
def test_bad_spinup_days_is_a_config_error(days: int) -> None:
    with pytest.raises(sim.ConfigError, match="spinup_days"):
        small(spinup_days=days)
