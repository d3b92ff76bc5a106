"""Surveys against the true satisfaction, and the survey-score KPI on small samples.

**Unbiased surveys.** Without response bias (``dissatisfied_response_ratio`` 1) a response
is a Bernoulli draw of the contact's own satisfaction probability, so the survey mean
estimates the true mean: the paired difference ``csat_survey - csat`` over R replications
must be 0 within its t-bound at level ALPHA / 2 (two checks in this family). With a ratio
``b`` the survey mean is about ``s / (s + b (1 - s))``; a bias of ``b = 1.3`` (0.04 below
the true 0.8) must be caught with power >= 0.9, asserted on the run's own spread.

**Survey KPI.** Agents of identical true satisfaction (all proficient, every call resolved)
are reviewed weekly on about 17 survey responses against a target (0.83) below their true
mean (0.85).
Binomial noise alone makes some miss twice in a row and be dismissed: paired against the same
scenario without the KPI, dismissals rise (t-interval of the paired difference above 0), and
most dismissals are *unfair* (the agent's true satisfaction over the period met the target;
the others are replacement hires, whose novice penalty puts them truly below it).
"""

from __future__ import annotations

import copy
import math

import numpy as np

import simulator as sim
from simulator.stats import paired_difference, t_quantile
from tests.conftest import BASE

from .test_erlang import POWER, power

ALPHA = 0.01
A_EACH = ALPHA / 2
SEED = 20261203


def survey_scenario(ratio: float) -> sim.Scenario:
    raw = copy.deepcopy(BASE)
    raw["days"] = 3
    raw["demand"]["calls_per_hour"] = 100
    raw["demand"]["call_types"][0]["fcr"] = 0.7  # a mix of resolved (0.85) and unresolved (0.64) contacts
    raw["sites"][0]["agents"] = 10
    raw["satisfaction"] = {"survey_share": 1.0, "response_p": 0.3, "dissatisfied_response_ratio": ratio}
    return sim.load_config(raw)


def run_all(cfg: sim.Scenario, reps: int) -> list[dict[str, float]]:
    return [sim.simulate(cfg, SEED, replication=r).summary_dict() for r in range(reps)]


def test_unbiased_surveys_estimate_the_true_satisfaction() -> None:
    rows = run_all(survey_scenario(1.0), 16)
    d = np.array([r["csat_survey"] - r["csat"] for r in rows])
    true = float(np.mean([r["csat"] for r in rows]))
    assert 0.7 < true < 0.85
    bound = t_quantile(1 - A_EACH / 2, d.size - 1) * d.std(ddof=1) / math.sqrt(d.size)
    assert abs(d.mean()) <= bound, f"survey - true: {d.mean():.4f} +- {bound:.4f}"
    shift = true / (true + 1.3 * (1 - true)) - true
    assert power(shift, d.std(ddof=1), d.size, A_EACH) >= POWER
    assert min(r["survey_responses"] for r in rows) > 1000


def test_unhappy_customers_answering_more_bias_the_survey_down() -> None:
    fair, biased = run_all(survey_scenario(1.0), 8), run_all(survey_scenario(2.0), 8)
    assert [r["csat"] for r in fair] == [r["csat"] for r in biased]  # the same contacts and agents
    diff = paired_difference(np.array([r["csat_survey"] for r in biased]), np.array([r["csat_survey"] for r in fair]))
    assert diff.ci_high < 0
    true = float(np.mean([r["csat"] for r in fair]))
    expected = true / (true + 2.0 * (1 - true)) - true  # about -0.12
    assert abs(diff.mean - expected) < 0.03


def kpi_scenario(csat_target: float | None) -> sim.Scenario:
    raw = copy.deepcopy(BASE)
    raw["days"] = 35
    raw["demand"]["calls_per_hour"] = 100
    raw["sites"][0].update(agents=10, kpi={"csat_target": csat_target, "csat_min_responses": 10,
                                           "review_days": 7, "grace_days": 0, "misses_to_dismiss": 2})
    raw["sites"][0]["hiring"] = {"backfill": True, "lead_time_days": 0}
    raw["satisfaction"] = {"survey_share": 1.0, "response_p": 0.01}  # ~17 responses per agent-week
    raw["behaviour"]["novice_slowdown"] = 0.0
    return sim.load_config(raw)


def test_a_noisy_survey_kpi_dismisses_agents_who_meet_the_target() -> None:
    reps = 6
    with_kpi, without = run_all(kpi_scenario(0.83), reps), run_all(kpi_scenario(None), reps)
    assert all(r["dismissals"] == 0 for r in without)
    assert 0.84 < np.mean([r["csat"] for r in without]) < 0.86  # every agent's true mean is above 0.83
    diff = paired_difference(np.array([r["dismissals"] for r in with_kpi]),
                             np.array([r["dismissals"] for r in without]))
    assert diff.ci_low > 0, diff
    unfair, dismissed = (sum(r[k] for r in with_kpi) for k in ("csat_unfair_dismissals", "dismissals"))
    assert 0.5 * dismissed <= unfair <= dismissed  # replacements start as novices, truly below target
    assert 0.05 < np.mean([r["csat_miss_rate"] for r in with_kpi]) < 0.6
