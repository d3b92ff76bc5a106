"""With burnout, early-tenure quits and dismissals off, attrition matches the configured rate.

``annual_quit_rate`` q is the probability that an agent quits within a year, so the daily
hazard is h0 = -ln(1 - q) / 365. Over a year with every leaver replaced:

- the day-0 cohort loses a share q of its members (binomial);
- ``attrition_annual`` (separations / mean headcount x 365 / days) estimates the rate
  365 h0 = -ln(1 - q).

Both are checked against 95% t-intervals over independent replications.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import simulator as sim
from simulator.engine import Simulation
from simulator.stats import mean_ci
from simulator.workforce import QUIT
from tests.conftest import scenario

Q = 0.35
REPS = 10
QUIET_YEAR = {
    "days": 365, "demand.calls_per_hour": 2, "sites.s.agents": 100,
    "sites.s.attrition.annual_quit_rate": Q, "sites.s.hiring.lead_time_days": 10,
    "sites.s.training.classroom_days": 10,
}


@pytest.fixture(scope="module")
def runs() -> list[sim.SimulationResult]:
    cfg = scenario(QUIET_YEAR)
    return [Simulation(cfg, seed=11, replication=r).run() for r in range(REPS)]


def test_day0_cohort_loses_q_in_a_year(runs: list[sim.SimulationResult]) -> None:
    shares = []
    for res in runs:
        a = res.agents
        assert a is not None
        cohort = a.hire_day < 0
        shares.append(float(np.mean((a.leave_reason[cohort] == QUIT) & (a.left_day[cohort] <= 365))))
    e = mean_ci(shares)
    assert e.ci_low <= Q <= e.ci_high, e


def test_attrition_annual_estimates_the_hazard_rate(runs: list[sim.SimulationResult]) -> None:
    e = mean_ci([res.summary_dict()["attrition_annual"] for res in runs])
    assert e.ci_low <= -math.log(1 - Q) <= e.ci_high, e
    assert all(res.summary_dict()["dismissals"] == 0 for res in runs)
