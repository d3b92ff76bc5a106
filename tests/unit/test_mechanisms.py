"""Each intraday mechanism moves the outputs in its documented direction.

Each test runs paired replications (common random numbers: replication k of both variants
sees the same base callers) and asserts that the 95% confidence interval of the paired
difference lies on the expected side of zero, not a single lucky seed. These tests check
directions only; the sizes are checked against closed forms in ``test_formulas.py`` and the
agent-selection rules against a reference floor in ``test_selection.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

import simulator as sim
from simulator.stats import paired_difference
from tests.conftest import ALL_DAYS, scenario

REPS = 6
BUSY = {"days": 1, "demand.calls_per_hour": 100, "sites.s.agents": 10}  # load 8.3 Erlang on 10 agents


def diff(metric: str, base: dict[str, Any], variant: dict[str, Any], site: str = "all"):
    """Paired difference variant - base of a summary metric over REPS replications."""
    vals = []
    for overrides in (base, variant):
        rep = sim.replicate(scenario({**BUSY, **overrides}), REPS, seed=17, workers=1)
        per = rep.per_replication
        vals.append(per.loc[per.site == site, metric].to_numpy())
    return paired_difference(vals[1], vals[0])


def increases(metric: str, base: dict[str, Any], variant: dict[str, Any], **kw: Any) -> None:
    e = diff(metric, base, variant, **kw)
    assert e.ci_low > 0, f"{metric} should rise: {e}"


def decreases(metric: str, base: dict[str, Any], variant: dict[str, Any], **kw: Any) -> None:
    e = diff(metric, base, variant, **kw)
    assert e.ci_high < 0, f"{metric} should fall: {e}"


def shift(breaks: list[dict[str, float]]) -> list[dict[str, Any]]:
    return [{"name": "d", "start_h": 0, "length_h": 24, "weekdays": ALL_DAYS, "share": 1.0, "breaks": breaks}]


def test_more_breaks_raise_asa() -> None:
    breaks = [{"start_min": 60 * h, "length_min": 20} for h in range(1, 23, 2)]
    increases("asa_s", {"sites.s.roster.shifts": shift([])}, {"sites.s.roster.shifts": shift(breaks)})


def test_longer_patience_lowers_abandonment() -> None:
    decreases("abandon_rate", {"demand.patience.mean_s": 120}, {"demand.patience.mean_s": 600})


def test_novices_raise_handle_time() -> None:
    increases("aht_s", {"behaviour.novice_slowdown": 1.0},
              {"behaviour.novice_slowdown": 1.0, "sites.s.initial_proficiency": [0.2, 0.5]})


def test_learning_lowers_handle_time_of_novices() -> None:
    novices = {"sites.s.initial_proficiency": [0.0, 0.2], "behaviour.novice_slowdown": 1.0}
    decreases("aht_s", {**novices, "behaviour.learning_calls": None}, {**novices, "behaviour.learning_calls": 30})


def test_irate_callers_raise_fatigue() -> None:
    tired = {"behaviour.fatigue.load_per_call": 0.05}
    increases("fatigue_mean", {**tired, "demand.call_types.a.irate_p": 0.0},
              {**tired, "demand.call_types.a.irate_p": 0.5})


def test_fatigue_slows_agents() -> None:
    tired = {"behaviour.fatigue.load_per_call": 0.1, "behaviour.fatigue.recovery_tau_s": 7200}
    increases("aht_s", {**tired, "behaviour.fatigue_slowdown": 0.0}, {**tired, "behaviour.fatigue_slowdown": 0.5})


def test_anger_grows_with_wait() -> None:
    increases("irate_share", {"demand.anger_per_min": 0.0}, {"demand.anger_per_min": 0.2})


def test_line_limit_blocks_callers() -> None:
    increases("block_rate", {"sites.s.line_limit": None}, {"sites.s.line_limit": 1})


def test_redials_add_contacts() -> None:
    increases("redials", {"demand.redial.p": 0.0}, {"demand.redial.p": 0.8})


def test_lower_resolution_brings_repeat_calls() -> None:
    repeat = {"demand.repeat.p": 0.8, "demand.repeat.delay": {"dist": "exponential", "mean_s": 1800}}
    increases("repeat_calls", {**repeat, "demand.call_types.a.fcr": 0.95}, {**repeat, "demand.call_types.a.fcr": 0.5})


def test_thinner_skills_miss_more_scams() -> None:
    scams = {"demand.call_types.a.scam_p": 0.2}
    increases("scams_missed", {**scams, "sites.s.initial_proficiency": [1, 1]},
              {**scams, "sites.s.initial_proficiency": [0, 0.2]})


def test_novices_escalate_more() -> None:
    esc = {"demand.call_types.a.escalation_p": 0.1, "behaviour.novice_escalation": 1.0, "sites.s.supervisors.count": 2}
    increases("escalation_rate", {**esc, "sites.s.initial_proficiency": [1, 1]},
              {**esc, "sites.s.initial_proficiency": [0, 0.2]})


def test_absences_raise_asa() -> None:
    increases("asa_s", {"sites.s.absence_p": 0.0}, {"sites.s.absence_p": 0.2})


def test_priority_class_waits_less() -> None:
    types = [{"name": "vip", "share": 0.3, "priority": 0, "handle_time": {"dist": "exponential", "mean_s": 300}},
             {"name": "std", "share": 0.7, "priority": 1, "handle_time": {"dist": "exponential", "mean_s": 300}}]
    res = sim.simulate(scenario({**BUSY, "demand.calls_per_hour": 115, "demand.call_types": types}), seed=3,
                       call_log=True)
    log = res.calls
    waits = log[log.outcome != "abandoned"].groupby("call_type")["wait_s"].mean()
    assert waits[0] < 0.5 * waits[1]


def test_overflow_uses_the_vendor_only_when_inhouse_is_busy() -> None:
    two_sites = {
        "sites": [
            {"name": "inhouse", "agents": 8, "roster": {"shifts": shift([])}},
            {"name": "vendor", "agents": 4, "roster": {"shifts": shift([])}},
        ],
        "routing": {"policy": "overflow", "overflow_queue_min": 2},
    }
    res = sim.simulate(scenario({**BUSY, **two_sites}), seed=2, call_log=True)
    s = res.summary.set_index("site")
    assert 0 < s.loc["vendor", "offered"] < s.loc["inhouse", "offered"]
    # Lower load: the vendor sees fewer calls.
    light = sim.simulate(scenario({**BUSY, **two_sites, "demand.calls_per_hour": 50}), seed=2)
    assert light.summary.set_index("site").loc["vendor", "offered"] < s.loc["vendor", "offered"]
    # A full in-house line sends callers on instead of giving them a busy signal.
    full = sim.simulate(scenario({**BUSY, **two_sites, "sites.inhouse.line_limit": 1}), seed=2)
    f = full.summary.set_index("site")
    assert f.loc["inhouse", "blocked"] == 0 and f.loc["vendor", "offered"] > s.loc["vendor", "offered"]


def test_split_routing_follows_shares() -> None:
    two_sites = {
        "sites": [{"name": "a", "agents": 6, "roster": {"shifts": shift([])}},
                  {"name": "b", "agents": 6, "roster": {"shifts": shift([])}}],
        "routing": {"policy": "split", "shares": {"a": 0.7, "b": 0.3}},
        "days": 4,
    }
    s = sim.simulate(scenario({**BUSY, **two_sites}), seed=5).summary.set_index("site")
    share_b = s.loc["b", "offered"] / s.loc["all", "offered"]
    assert share_b == pytest.approx(0.3, abs=0.03)


def test_overdispersion_widens_daily_volume() -> None:
    days = {"days": 30, "demand.calls_per_hour": 20, "sites.s.agents": 4}
    spread = []
    for cv in (0.0, 0.3):
        d = sim.simulate(scenario({**days, "demand.overdispersion_cv": cv}), seed=8).days
        spread.append(d.loc[d.site == "all", "unique_callers"].std())
    assert spread[1] > 2 * spread[0]


def test_closed_hours_get_no_base_calls() -> None:
    from tests.conftest import ROOT

    cfg = sim.load_config(ROOT / "configs/baseline.yaml", overrides={"days": 7, "warmup_days": 0, "spinup_days": 0})
    d = sim.simulate(cfg, seed=1).days
    sunday = d[(d.site == "all") & (d.day == 6)]
    assert int(sunday["unique_callers"].iloc[0]) == 0
