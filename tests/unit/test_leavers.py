"""The exact day on which leavers stop and hires start taking calls (docs/model.md 7.1, 7.2, 7.6).

A separation at the midnight starting day ``d`` (``left_day = d``) takes the agent off the
plan of day ``d``: its last calls are answered on day ``d - 1`` and none from ``00:00`` of day
``d`` on (a call already in progress at midnight is finished). A hire graduating at the
midnight starting day ``g`` (``floor_day = g``) takes its first call on day ``g``.

The engine test uses a churning floor (KPI dismissals every few days, high quit hazard,
short lead time and course) on 24-hour shifts with more calls than agents, so every agent
on the plan of a day answers calls that day; the day of every first and last call then
pins the day the agent joined or left the plan.
"""

from __future__ import annotations

import numpy as np
import pytest

import simulator as sim
from simulator.engine import Simulation
from simulator.metrics import K
from simulator.workforce import DISMISSED, QUIT, AgentState, Stage, Workforce, plan_day
from tests.conftest import scenario

DAY_S = 86400.0
CHURN = {"days": 24, "sites.s.attrition": {"annual_quit_rate": 0.95, "early_quit_multiplier": 6.0},
         "sites.s.kpi": {"aht_target_s": 200, "review_days": 3, "min_calls": 5, "grace_days": 0,
                         "misses_to_dismiss": 2},
         "sites.s.hiring.lead_time_days": 3, "sites.s.training.classroom_days": 2}


@pytest.fixture  # function scope: mutation testing credits a model call to the test that made it
def churn() -> sim.SimulationResult:
    return Simulation(scenario(CHURN), seed=4, call_log=True).run()


def answers(res: sim.SimulationResult) -> tuple[np.ndarray, np.ndarray]:
    """Agent and answer time (s) of every answered contact."""
    log = res.calls
    answered = log[log["agent"] >= 0]
    return answered["agent"].to_numpy(), (answered["arrival_s"] + answered["wait_s"]).to_numpy()


def test_churn_exercises_quits_dismissals_and_hires(churn: sim.SimulationResult) -> None:
    a = churn.agents
    assert a is not None
    assert (a.leave_reason == QUIT).sum() >= 3 and (a.leave_reason == DISMISSED).sum() >= 5
    assert (a.floor_day >= 1).sum() >= 5, "hires graduating during the run"


def test_leavers_answer_until_the_day_before_they_leave(churn: sim.SimulationResult) -> None:
    """No answer at or after 00:00 of ``left_day``; at least one answer on ``left_day - 1``."""
    a = churn.agents
    assert a is not None
    agent, t = answers(churn)
    last = np.full(len(a), -np.inf)
    np.maximum.at(last, agent, t)
    leavers = np.flatnonzero(~np.isnan(a.left_day))
    on_floor_before = leavers[a.floor_day[leavers] <= a.left_day[leavers] - 1]
    assert on_floor_before.size >= 8
    late = leavers[last[leavers] >= a.left_day[leavers] * DAY_S]
    assert late.size == 0, f"agents {late.tolist()} answered on or after the day they left"
    day_of_last = np.floor(last[on_floor_before] / DAY_S)
    np.testing.assert_array_equal(day_of_last, a.left_day[on_floor_before] - 1)


def test_hires_answer_from_their_graduation_day(churn: sim.SimulationResult) -> None:
    """A hire's first answer falls on ``floor_day``, never before."""
    a = churn.agents
    assert a is not None
    agent, t = answers(churn)
    first = np.full(len(a), np.inf)
    np.minimum.at(first, agent, t)
    hires = np.flatnonzero(a.floor_day >= 1)
    np.testing.assert_array_equal(np.floor(first[hires] / DAY_S), a.floor_day[hires])


def test_separation_counters_match_the_leavers(churn: sim.SimulationResult) -> None:
    """Quits, dismissals and hires booked on day d are the agents whose left_day or hire_day is d."""
    a = churn.agents
    assert a is not None
    per_day = round(DAY_S / churn.interval_s)
    counts = churn.counts[:, 0, :]
    n_days = counts.shape[0] // per_day
    by_day = counts[: n_days * per_day].reshape(n_days, per_day, -1).sum(axis=1)
    for name, mask, day in (
        ("quits", a.leave_reason == QUIT, a.left_day),
        ("dismissals", a.leave_reason == DISMISSED, a.left_day),
        ("hires", (a.stage != Stage.RECRUITING) & (a.hire_day >= 0), a.hire_day),
    ):
        expected = np.bincount(day[mask].astype(int), minlength=n_days)
        np.testing.assert_array_equal(by_day[:, K[name]], expected, err_msg=name)


class _FirstQuits(np.random.Generator):
    """Quit uniforms 0 for agent 0 (it quits if employed) when ``quit_agent_0``, else nobody quits or is absent."""

    def __init__(self, quit_agent_0: bool) -> None:
        super().__init__(np.random.PCG64(0))
        self.quit_agent_0 = quit_agent_0

    def random(self, n: int) -> np.ndarray:  # type: ignore[override]
        u = np.full(n, 1 - 1e-12)
        if self.quit_agent_0:
            u[0], self.quit_agent_0 = 0.0, False
        return u


def test_plan_of_the_leaving_day_excludes_the_leaver() -> None:
    """Day-level unit: an agent quitting at the midnight starting day 5 is on the plan of day 4,
    not of day 5; its replacement (no lead time, 1 classroom day) is on the plan from its graduation."""
    cfg = scenario({"sites.s.attrition.annual_quit_rate": 0.5, "sites.s.training.classroom_days": 1,
                    "start_weekday": "wed"})
    wf = Workforce(cfg)
    s = AgentState.empty()
    s.append(np.zeros(2, dtype=np.int64), np.zeros(2, dtype=np.int64), Stage.FLOOR, np.full(2, -500.0))
    s.floor_day[:] = -400.0
    planned = {}
    for day in range(1, 9):
        wf.start_day(s, day, _FirstQuits(day == 5), np.random.default_rng(0))
        planned[day] = sorted(plan_day(s, cfg, day).agent.tolist())
    assert planned[4] == [0, 1] and planned[5] == [1] and s.left_day[0] == 5
    # Hire row 2 starts day 5 (a Monday) in the classroom, attends that day, graduates day 6.
    assert s.hire_day[2] == 5 and s.floor_day[2] == 6
    assert planned[6] == [1, 2]
