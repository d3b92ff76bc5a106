"""With burnout, early-tenure quits and dismissals off, attrition matches the configured rate.

``annual_quit_rate`` q is the probability that an agent quits within a year: every employed
agent (classroom or floor) quits at each midnight with probability ``p = 1 - exp(-h0)``,
``h0 = -ln(1 - q) / 365``, independently of everything else here. The scenario makes both
checks exact binomial tests:

- N_SITE agents per replication, REPS replications, a 1-day warm-up and D = 91 days; leavers
  are replaced the same day (lead time 0), so the headcount stays N_SITE and the measured
  window (days 1..90) holds exactly N_SITE x 90 quit trials per replication;
- the day-0 cohort (N_SITE x REPS agents) must lose ``Binomial(cohort, 1 - exp(-90 h0))``
  agents at the midnights of days 1..90;
- ``attrition_annual`` = separations / mean headcount x 365 / days, so its mean over the
  replications is ``365 K / T`` with ``K ~ Binomial(T, p)`` quits in ``T = REPS x N_SITE x 90``
  trials. Its expectation ``365 p`` is the continuous rate ``365 h0 = -ln(1 - q)`` up to the
  daily discretisation (``p = h0 (1 - h0 / 2 + ...)``, 0.3% lower), which the test keeps exact.

**Level.** Each count must lie in its central binomial range of probability 1 - a, with
a = ALPHA / 2 (Bonferroni over the two checks), so a correct model fails either with
probability <= ALPHA = 0.01.

**Power.** A quit hazard 10% too high (h0 -> 1.1 h0) moves the cohort share from 0.433 to
0.464 and ``p`` by 10%. The probability that a count then leaves its range is computed
exactly from the binomial law at the wrong probability and asserted >= 0.9: 0.919 for the
cohort (N = 4500) and 0.983 for the rate (T = 405 000). The design minimises agent-days:
the cohort's share ``P = 1 - exp(-L)`` separates best from ``1 - exp(-1.1 L)`` in units of
its binomial SD near ``L = 1.6``, but the cost per agent grows with the horizon; q = 0.9 and
90 days (L = 0.57) need 4500 agents for power 0.9 (about 410 000 agent-days), where q = 0.35
over a year would need 5250 agents for a year (1.9 million). Agents work one shift a week:
quits do not depend on the roster, and rostering is most of the cost of an agent-day.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as st

import simulator as sim
from simulator.engine import Simulation
from simulator.workforce import QUIT
from tests.conftest import scenario

Q = 0.9
REPS = 3
N_SITE = 1500
CHECKS = 90
"""Quit midnights in the measured window (days 1..90) and for the day-0 cohort."""
H0 = -math.log(1 - Q) / 365
"""Daily hazard, written out here (not taken from the simulator) so that a wrong h0 there fails."""
ALPHA = 0.01
A_EACH = ALPHA / 2
POWER = 0.9
HAZARD_ERROR = 1.1
"""The wrong model the checks must catch: every quit hazard 10% too high."""
QUARTER = {
    "days": CHECKS + 1, "warmup_days": 1, "demand.calls_per_hour": 2, "sites.s.agents": N_SITE,
    "sites.s.roster.shifts.0.weekdays": ["mon"], "sites.s.attrition.annual_quit_rate": Q,
    "sites.s.hiring.lead_time_days": 0, "sites.s.training.classroom_days": 10,
}


def binomial_range(n: int, p: float, a: float) -> tuple[int, int]:
    """Central range ``[lo, hi]`` of Binomial(n, p) holding probability >= 1 - a."""
    return int(st.binom.ppf(a / 2, n, p)), int(st.binom.isf(a / 2, n, p))


def binomial_power(n: int, p: float, p_wrong: float, a: float) -> float:
    """Probability that Binomial(n, p_wrong) falls outside the central 1 - a range of Binomial(n, p)."""
    lo, hi = binomial_range(n, p, a)
    return float(st.binom.cdf(lo - 1, n, p_wrong) + st.binom.sf(hi, n, p_wrong))


def check_count(label: str, count: int, n: int, p: float, p_wrong: float) -> None:
    lo, hi = binomial_range(n, p, A_EACH)
    assert lo <= count <= hi, f"{label}: {count} of {n}, expected {n * p:.1f} in [{lo}, {hi}]"
    power = binomial_power(n, p, p_wrong, A_EACH)
    assert power >= POWER, f"{label}: power {power:.3f} against a hazard x{HAZARD_ERROR} < {POWER}"


@pytest.fixture(scope="module")
def runs() -> list[sim.SimulationResult]:
    cfg = scenario(QUARTER)
    return [Simulation(cfg, seed=11, replication=r).run() for r in range(REPS)]


def test_day0_cohort_loses_the_configured_share(runs: list[sim.SimulationResult]) -> None:
    quitters = cohort = 0
    for res in runs:
        a = res.agents
        assert a is not None
        day0 = a.hire_day <= 0
        cohort += int(day0.sum())
        quitters += int(np.sum((a.leave_reason[day0] == QUIT) & (a.left_day[day0] <= CHECKS)))
    assert cohort == REPS * N_SITE
    check_count("day-0 cohort quits", quitters, cohort, -math.expm1(-CHECKS * H0),
                -math.expm1(-HAZARD_ERROR * CHECKS * H0))


def test_attrition_annual_estimates_the_hazard_rate(runs: list[sim.SimulationResult]) -> None:
    rows = [res.summary_dict() for res in runs]
    assert all(r["headcount_mean"] == N_SITE and r["dismissals"] == 0 for r in rows)
    trials = N_SITE * CHECKS
    # attrition_annual x agent-years of the window = separations: the binomial quit count.
    counts = [r["attrition_annual"] * trials / 365.0 for r in rows]
    assert counts == pytest.approx([r["quits"] for r in rows], abs=1e-6)
    check_count("quits in the window", round(sum(counts)), REPS * trials, -math.expm1(-H0),
                -math.expm1(-HAZARD_ERROR * H0))
