"""Bounded by construction: every probability in [0, 1] and every handle-time multiplier positive.

Fatigue F and burnout B have no upper bound, so the equations must stay valid however large
they grow: the per-contact equations (``simulator.formulas``) and the day-level absence and
quit probabilities (``simulator.workforce``) are checked on extreme states drawn by
hypothesis from the whole valid range of the schema, and whole runs of extreme scenarios
(one agent, a flood of callers, maximal anger, fatigue and burnout) are checked end to end.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simulator as sim
from simulator.formulas import ContactModel
from simulator.workforce import AgentState, Stage, Workforce
from tests.conftest import scenario

unit = st.floats(0.0, 1.0)
below_one = st.floats(0.0, 1.0, exclude_max=True)
non_negative = st.floats(0.0, 1e6)
huge = st.floats(0.0, 1e12)

BEHAVIOUR = st.fixed_dictionaries({
    "behaviour.novice_slowdown": non_negative,
    "behaviour.fatigue_slowdown": non_negative,
    "behaviour.irate_handle_multiplier": st.floats(1e-6, 1e6),
    "behaviour.rush_strength": below_one,
    "behaviour.fcr_floor": unit,
    "behaviour.fatigue_error": unit,
    "behaviour.rush_fcr_penalty": unit,
    "behaviour.novice_escalation": non_negative,
    "behaviour.irate_escalation_multiplier": non_negative,
    "behaviour.detect_floor": unit,
    "behaviour.scam_detected_handle_fraction": st.floats(1e-6, 1.0),
    "demand.anger_per_min": non_negative,
    "demand.call_types.0.irate_p": unit,
    "demand.call_types.0.fcr": unit,
    "demand.call_types.0.escalation_p": unit,
})


@settings(max_examples=200, deadline=None)
@given(BEHAVIOUR, unit, huge, unit, huge, st.booleans(), st.floats(1e-9, 1.0))
def test_contact_probabilities_stay_in_unit_interval(overrides: dict[str, Any], p: float, f: float, r: float,
                                                     wait_s: float, irate: bool, site_multiplier: float) -> None:
    eq = ContactModel(scenario(overrides))
    for prob in (eq.irate_probability(0, wait_s), eq.detection_probability(p),
                 eq.escalation_probability(0, p, irate), eq.resolution_probability(0, site_multiplier, p, f, r)):
        assert 0.0 <= prob <= 1.0
    ht = eq.handle_time_s(300.0, p, f, r, irate)
    assert ht > 0.0 and eq.scam_fraction > 0.0


def test_clipping_binds_where_the_raw_expression_leaves_the_interval() -> None:
    eq = ContactModel(scenario({"behaviour.fatigue_error": 0.5, "behaviour.novice_escalation": 9.0,
                                "behaviour.irate_escalation_multiplier": 3.0, "demand.call_types.0.escalation_p": 0.5,
                                "demand.anger_per_min": 0.6, "demand.call_types.0.irate_p": 0.2}))
    assert eq.resolution_probability(0, 1.0, 1.0, 4.0, 0.0) == 0.0  # raw: 1 - 0.5 x 4 = -1
    assert eq.resolution_probability(0, 1.0, 1.0, 1.0, 0.0) == pytest.approx(0.5)  # unclipped inside
    assert eq.escalation_probability(0, 0.0, True) == 1.0  # raw: 0.5 x 10 x 3 = 15
    assert eq.escalation_probability(0, 1.0, False) == pytest.approx(0.5)
    assert eq.irate_probability(0, 120.0) == 1.0  # raw: 0.2 + 0.01 x 120 = 1.4
    assert eq.irate_probability(0, 30.0) == pytest.approx(0.5)


def floor_agents(burnout: np.ndarray) -> AgentState:
    n = burnout.size
    state = AgentState.empty()
    state.append(np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), Stage.FLOOR, np.full(n, -10.0))
    state.burnout[:] = burnout
    return state


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 1e9), min_size=1, max_size=20), unit, st.floats(0.0, 50.0), st.floats(0.0, 50.0),
       st.floats(0.0, 20.0), st.floats(0.0, 0.999), st.floats(1e-6, 100.0))
def test_absence_and_quit_probabilities_stay_in_unit_interval(
    burnout: list[float], absence_p: float, absence_weight: float, quit_burnout: float, stuck: float,
    quit_rate: float, outside: float,
) -> None:
    cfg = scenario({"sites.s.absence_p": absence_p, "behaviour.burnout.absence_weight": absence_weight,
                    "sites.s.attrition.quit_burnout": quit_burnout, "sites.s.attrition.stuck_absence": stuck,
                    "sites.s.attrition.annual_quit_rate": quit_rate, "sites.s.attrition.outside_options": outside})
    wf = Workforce(cfg)
    state = floor_agents(np.asarray(burnout))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow on the way
        for prob in (wf.absence_probability(state), wf.quit_probability(state, day=3)):
            assert np.all((prob >= 0.0) & (prob <= 1.0))


EXTREME = st.fixed_dictionaries({
    "sites.s.agents": st.integers(1, 2),
    "demand.calls_per_hour": st.sampled_from([60.0, 600.0, 5000.0]),
    "demand.anger_per_min": st.sampled_from([0.0, 10.0]),
    "demand.call_types.0.irate_p": unit,
    "demand.call_types.0.escalation_p": unit,
    "behaviour.fatigue.load_per_call": st.sampled_from([0.0, 5.0, 100.0]),
    "behaviour.fatigue.recovery_tau_s": st.sampled_from([60.0, 1e6]),
    "behaviour.fatigue_slowdown": st.sampled_from([0.0, 2.0]),
    "behaviour.fatigue_error": unit,
    "behaviour.rush_strength": st.sampled_from([0.0, 0.99]),
    "behaviour.novice_escalation": st.sampled_from([0.0, 50.0]),
    "behaviour.irate_escalation_multiplier": st.sampled_from([1.0, 50.0]),
})


@settings(max_examples=12, deadline=None)
@given(EXTREME)
def test_extreme_scenarios_run_with_valid_outputs(overrides: dict[str, Any]) -> None:
    cfg = scenario({**overrides, "days": 0.25, "sites.s.supervisors.count": 1})
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        res = sim.simulate(cfg, seed=3, call_log=True)
    calls = res.calls
    served = calls[calls["outcome"].isin(["resolved", "unresolved", "escalated", "scam_detected", "scam_missed"])]
    assert (served["handle_s"] > 0).all() and np.isfinite(served["handle_s"]).all()
    row = res.summary_dict()
    for key in ("service_level", "abandon_rate", "p_wait", "occupancy", "fcr", "escalation_rate", "irate_share"):
        value = row[key]
        assert value != value or 0.0 <= value <= 1.0, (key, value)
