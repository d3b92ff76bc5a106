"""Calibration: the new metric keys on hand-computed scenarios, the calibration table, and `callsim calibrate`.

Every scenario here is deterministic where a value is asserted exactly: deterministic handle
times, no quits, KPI dismissals on known days, absences with probability 0 or 1. Definitions
are those of docs/metrics.md (2.2, 3.1) and docs/calibration.md.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

import simulator as sim
from simulator import calibration as calib
from simulator import metrics as M
from simulator import workforce as W
from simulator.cli import main
from tests.conftest import ALL_DAYS, ROOT, scenario

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
DAY_INTERVALS = 96  # 15-minute intervals per day


def shift_scenario(**overrides: Any) -> sim.Scenario:
    """Two sites on one 09:00-17:00 weekday shift with a 30-min break, 7 days from a Monday.

    Site ``a`` (in-house, 3 agents, USD 20/h, no overtime premium) is never absent and takes
    every call; site ``b`` (outsourced, 1 agent, USD 30/h) is absent every day (absence_p 1).
    Handle times are 60 s, so a call never pushes a break past the shift end.
    """
    shift = {"name": "day", "start_h": 9, "length_h": 8, "weekdays": WEEKDAYS, "share": 1.0,
             "breaks": [{"start_min": 240, "length_min": 30}]}
    base = {
        "name": "shifts", "days": 7, "warmup_days": 0, "start_weekday": "mon",
        "demand": {"mode": "stationary", "calls_per_hour": 20,
                   "call_types": [{"name": "a", "share": 1.0, "handle_time": {"dist": "deterministic", "mean_s": 60},
                                   "fcr": 0.8, "irate_p": 0.0, "escalation_p": 0.0}],
                   "patience": {"dist": "exponential", "mean_s": 300}},
        "sites": [
            {"name": "a", "agents": 3, "roster": {"shifts": [shift]},
             "pay": {"wage_per_hour": 20, "overtime_premium": 0}},
            {"name": "b", "kind": "outsourced", "agents": 1, "absence_p": 1.0, "roster": {"shifts": [shift]},
             "pay": {"wage_per_hour": 30}},
        ],
        "behaviour": {"novice_slowdown": 0.0, "learning_calls": None, "novice_escalation": 0.0},
    }
    return scenario(overrides, base=base)


def dismissal_scenario() -> sim.Scenario:
    """Two sites whose novices are dismissed at their first KPI review: known leavers on known days.

    Every agent handles 60 s x (1 + 1.0 x (1 - 0.1)) = 114 s calls against a 90 s target, so it
    misses every review; reviews are daily, one miss dismisses, and the replacement starts at the
    same midnight (no lead time, no classroom) at p = p_entry = 0.1 without learning. The
    initial agents are dismissed at day 1; a hire starting on day h is dismissed at day
    h + grace_days: every 5 days at site ``fast`` (hires on days 1, 6, 11, ...), at day 96 at site
    ``slow`` (tenure 95 > 90 days).
    """
    def site(name: str, grace: int) -> dict[str, Any]:
        return {"name": name, "agents": 2, "initial_proficiency": [0.1, 0.1], "training": {"p_entry": 0.1},
                "kpi": {"aht_target_s": 90, "review_days": 1, "grace_days": grace, "min_calls": 1,
                        "misses_to_dismiss": 1},
                "roster": {"shifts": [{"name": "all", "start_h": 0, "length_h": 24, "weekdays": ALL_DAYS,
                                       "share": 1.0}]}}

    return scenario({
        "days": 100,
        "demand.calls_per_hour": 8,
        "demand.call_types.a.handle_time": {"dist": "deterministic", "mean_s": 60},
        "sites": [site("fast", 5), site("slow", 95)],
        "routing": {"policy": "split", "shares": {"fast": 0.5, "slow": 0.5}},
        "behaviour.novice_slowdown": 1.0,
    })


# --------------------------------------------------------------------------- new metric keys


def test_proficiency_threshold_is_handle_time_within_five_percent() -> None:
    """p* solves 1 + s (1 - p*) = 1.05; slowdowns of at most 0.05 make every agent proficient (p* = 0)."""
    for s in (0.1, 1.0, 1.5, 4.0):
        assert 1.0 + s * (1.0 - M.proficient_p(s)) == pytest.approx(1.0 + M.PROFICIENT_HT_MARGIN, rel=1e-15)
    assert M.proficient_p(1.5) == pytest.approx(1 - 0.05 / 1.5, rel=1e-15)
    assert M.proficient_p(0.05) == 0.0 and M.proficient_p(0.0) == 0.0


def hand_built_agents(rows: list[dict[str, Any]]) -> W.AgentState:
    """An AgentState with one row per dict (site, stage, hire_day and any other field)."""
    state = W.AgentState.empty()
    for r in rows:
        state.append(np.array([r["site"]]), np.array([0]), r["stage"], np.array([float(r["hire_day"])]))
        for name, value in r.items():
            if name not in ("site", "stage", "hire_day"):
                getattr(state, name)[-1] = value
    return state


def test_new_hire_cohorts_are_booked_to_the_start_day_and_censored_at_the_horizon() -> None:
    """docs/metrics.md 2.2: a hire counts if hire_day + 90 < days; it left 'within 90 days' if left - hire <= 90."""
    gone, floor = W.Stage.GONE, W.Stage.FLOOR
    state = hand_built_agents([
        {"site": 0, "stage": gone, "hire_day": -100, "left_day": 5},  # initial workforce: not a hire
        {"site": 0, "stage": gone, "hire_day": 2, "left_day": 50},    # left after 48 days: leaver
        {"site": 0, "stage": gone, "hire_day": 2, "left_day": 93},    # left after 91 days: stayed 90 days
        {"site": 1, "stage": gone, "hire_day": 3, "left_day": 93},    # left after exactly 90 days: leaver
        {"site": 1, "stage": floor, "hire_day": 4},                   # still employed
        {"site": 0, "stage": gone, "hire_day": 10, "left_day": 20},   # 10 + 90 = 100, not < 100: censored
        {"site": 1, "stage": W.Stage.RECRUITING, "hire_day": 5},      # never started
    ])
    counts = np.zeros((100 * DAY_INTERVALS, 2, M.N_COUNTERS))
    W.book_new_hire_attrition(counts, state, horizon_days=100, interval_s=900.0)
    hires, leavers = counts[..., M.K["new_hires_90d"]], counts[..., M.K["new_hire_leavers_90d"]]
    expected_hires = {(2 * DAY_INTERVALS, 0): 2, (3 * DAY_INTERVALS, 1): 1, (4 * DAY_INTERVALS, 1): 1}
    expected_leavers = {(2 * DAY_INTERVALS, 0): 1, (3 * DAY_INTERVALS, 1): 1}
    assert {k: int(hires[k]) for k in zip(*np.nonzero(hires), strict=True)} == expected_hires
    assert {k: int(leavers[k]) for k in zip(*np.nonzero(leavers), strict=True)} == expected_leavers
    rate = M.derive(counts.sum(axis=(0, 1)))["new_hire_attrition_90d"]
    assert rate == 2 / 4


def test_new_hire_attrition_on_a_floor_with_known_dismissals() -> None:
    """Site fast: hires on days 1, 6 (2 agents each) fall in the 100-day horizon's cohort (h + 90 < 100) and all
    leave after 5 days; site slow: the 2 hires of day 1 leave after 95 days. Rates 1, 0 and 4/6 for all.

    The same floor gives the first-month counters exactly: fast has 2 agents in their first 30 floor days at every
    census of days 1-99 (198 agent-days); slow has its day-1 hires on days 1-30 and its day-96 hires on days 96-99
    (68 agent-days); every one has p = 0.1, so the factor is 1.9 and novice_speed_30d = 1/1.9. Nobody learns, so
    nobody reaches proficiency (NaN).
    """
    res = sim.simulate(dismissal_scenario(), seed=3)
    s = res.summary.set_index("site")
    assert s.loc[["fast", "slow", "all"], "new_hires_90d"].tolist() == [4, 2, 6]
    assert s.loc[["fast", "slow", "all"], "new_hire_leavers_90d"].tolist() == [4, 0, 4]
    assert s.loc[["fast", "slow", "all"], "new_hire_attrition_90d"].tolist() == [1.0, 0.0, 4 / 6]
    assert s.loc["fast", "dismissals"] == 2 * 20  # days 1, 6, ..., 96
    days = res.days[res.days["site"] == "fast"].set_index("day")
    assert days["new_hires_90d"][days["new_hires_90d"] > 0].to_dict() == {1: 2, 6: 2}
    assert s.loc[["fast", "slow"], "month1_days"].tolist() == [198, 68]
    for site in ("fast", "slow", "all"):
        assert s.loc[site, "novice_speed_30d"] == pytest.approx(1 / 1.9, rel=1e-12)
        assert s.loc[site, "proficient_reached"] == 0 and math.isnan(s.loc[site, "time_to_proficiency_days"])


def test_shrinkage_and_loaded_cost_on_known_shifts() -> None:
    """Site a: 8 paid hours, 7.5 on the floor (break 30 min; overtime is in both staffed_s and overtime_s and
    cancels) -> shrinkage 0.5/8; site b is absent every day -> 1; all: (3 x 0.5 + 1 x 8) / (4 x 8).

    Loaded cost: a pays USD 20 for every paid and overtime hour (premium 0) -> 20; b is paid 30 for absent
    shifts -> 30; all: the paid-hour weighted mean (a's overtime hours count as paid hours). Per day: weekdays
    1/16, weekends have no paid time (NaN).
    """
    res = sim.simulate(shift_scenario(), seed=5)
    s = res.summary.set_index("site")
    assert s.loc["a", "overtime_s"] > 0  # the premium-free overtime is exercised
    assert s.loc["a", "shrinkage"] == pytest.approx(0.5 / 8, rel=1e-12)
    assert s.loc["b", "shrinkage"] == 1.0
    assert s.loc["all", "shrinkage"] == pytest.approx((3 * 0.5 + 8) / 32, rel=1e-12)
    assert s.loc["a", "shift_paid_s"] == s.loc["a", "paid_s"] == 3 * 5 * 8 * 3600
    assert s.loc[["a", "b"], "loaded_cost_per_paid_hour"].tolist() == pytest.approx([20, 30], rel=1e-12)
    paid_a, paid_b = s.loc["a", "paid_s"] + s.loc["a", "overtime_s"], s.loc["b", "paid_s"]
    assert s.loc["all", "loaded_cost_per_paid_hour"] == pytest.approx((20 * paid_a + 30 * paid_b) / (paid_a + paid_b),
                                                                      rel=1e-12)
    a_days = res.days[res.days["site"] == "a"]
    assert a_days["shrinkage"][:5].tolist() == pytest.approx([1 / 16] * 5, rel=1e-12)
    assert a_days["shrinkage"][5:].isna().all()


def test_time_to_proficiency_and_first_month_counters_from_censuses() -> None:
    """Workforce censuses on hand-set proficiencies (novice_slowdown 1, so p* = 0.95).

    Day 5 (first census): agent b, already proficient, is marked but not counted; month 1 holds a (5 floor days,
    factor 1.5) and c (2 days, factor 1.1). Day 6: a reaches 0.96 -> 1 agent, 6 days; month 1 factors 1.04 + 1.06.
    Day 7: c reaches exactly 0.95 -> 4 days. Day 8: a row appended since (floor day 7, p 0.97) -> 1 day, while a
    and c are not counted again.
    """
    cfg = scenario({"behaviour.novice_slowdown": 1.0})
    wf = W.Workforce(cfg)
    state = hand_built_agents([
        {"site": 0, "stage": W.Stage.FLOOR, "hire_day": -30, "floor_day": 0, "proficiency": 0.5},
        {"site": 0, "stage": W.Stage.FLOOR, "hire_day": -90, "floor_day": -40, "proficiency": 0.99},
        {"site": 0, "stage": W.Stage.FLOOR, "hire_day": -20, "floor_day": 3, "proficiency": 0.9},
    ])
    rng = np.random.default_rng(0)

    def census(day: int) -> tuple[float, ...]:
        count = wf.start_day(state, day, rng, np.random.default_rng(0))
        return tuple(float(count[k][0]) for k in ("proficient_reached", "days_to_proficiency", "month1_days",
                                                  "month1_ht_multiplier"))

    assert census(5) == pytest.approx((0, 0, 2, 1.5 + 1.1))
    state.proficiency[0], state.proficiency[2] = 0.96, 0.94
    assert census(6) == pytest.approx((1, 6, 2, 1.04 + 1.06))
    state.proficiency[2] = 0.95
    assert census(7)[:2] == (1, 4)
    state.append(np.array([0]), np.array([0]), W.Stage.FLOOR, np.array([-3.0]))
    state.floor_day[-1], state.proficiency[-1] = 7, 0.97
    assert census(8)[:3] == (1, 1, 3)  # month 1: a (8 days), c (5), the new agent (1)


# --------------------------------------------------------------------------- the calibration table


def target(name: str, metric: str, low: float, high: float, unit: str = "fraction") -> dict[str, Any]:
    return {"name": name, "metric": metric, "low": low, "high": high, "unit": unit,
            "source": [{"publisher": f"P-{name}", "title": "T", "year": 2020, "kind": "survey", "figure": "F"}]}


TARGETS = {
    "version": 1,
    "kinds": {
        "inhouse": [
            target("shrink", "shrinkage", 0.06, 0.07),               # 0.0625: inside
            target("cost", "loaded_cost_per_paid_hour", 25, 30, "USD/h"),  # 20: below by 5
            target("hires", "new_hire_attrition_90d", 0.1, 0.5),     # no hires: no value
            target("sl", "service_level", 0.0, 1.0),
        ],
        "outsourced": [
            target("shrink", "shrinkage", 0.0, 0.5),                 # 1.0: above by 0.5
            target("cost", "loaded_cost_per_paid_hour", 30, 30, "USD/h"),  # exactly 30: inside (inclusive)
        ],
    },
}


@pytest.fixture
def targets_file(tmp_path: Path) -> Path:
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(TARGETS))
    return path


@pytest.fixture(scope="module")
def rep() -> sim.ReplicationResult:
    return sim.replicate(shift_scenario(), replications=3, seed=2, workers=1)


def test_table_rows_values_and_verdicts(rep: sim.ReplicationResult, targets_file: Path) -> None:
    """One row per (kind present, target); a single-site kind gives that site's summary mean and 95% t-interval;
    inside is decided from the mean (inclusive), gap is mean - high above / mean - low below, None without a value."""
    table = calib.calibration_table(rep, calib.load_targets(targets_file)).set_index(["kind", "name"])
    assert list(table.index) == [("inhouse", "shrink"), ("inhouse", "cost"), ("inhouse", "hires"), ("inhouse", "sl"),
                                 ("outsourced", "shrink"), ("outsourced", "cost")]
    assert table.loc[("inhouse", "shrink"), ["site", "mean", "ci_low", "ci_high", "inside", "gap"]].tolist() == \
        ["a", pytest.approx(0.0625, rel=1e-12), pytest.approx(0.0625, rel=1e-12), pytest.approx(0.0625, rel=1e-12),
         True, 0.0]
    cost = table.loc[("inhouse", "cost")]
    assert (cost["inside"], cost["ci_overlap"], cost["gap"]) == (False, False, pytest.approx(20 - 25, rel=1e-12))
    hires = table.loc[("inhouse", "hires")]
    assert hires["inside"] is None and hires["ci_overlap"] is None and math.isnan(hires["mean"]) and hires["n"] == 0
    shrink_b = table.loc[("outsourced", "shrink")]
    assert (shrink_b["site"], shrink_b["mean"], shrink_b["inside"], shrink_b["gap"]) == ("b", 1.0, False, 0.5)
    assert table.loc[("outsourced", "cost"), "inside"]
    # The stochastic one equals the replication summary of site a (mean and 95% t-interval over replications).
    summary = rep.summary.set_index(["site", "metric"]).loc[("a", "service_level")]
    sl = table.loc[("inhouse", "sl")]
    assert (sl["mean"], sl["ci_low"], sl["ci_high"], sl["n"]) == \
        pytest.approx((summary["mean"], summary["ci_low"], summary["ci_high"], 3), rel=1e-12)
    assert sl["ci_high"] > sl["ci_low"]
    assert table.loc[("inhouse", "shrink"), "source"] == "P-shrink, T, 2020 (survey)"


def test_inside_is_decided_by_the_mean_not_the_interval(rep: sim.ReplicationResult) -> None:
    """A range holding only the mean is met although the CI pokes out of it; a range just above the mean is missed
    although the CI reaches into it (ci_overlap)."""
    m = rep.summary.set_index(["site", "metric"]).loc[("a", "service_level"), "mean"]
    spec = {"version": 1, "kinds": {"inhouse": [target("at", "service_level", m, m),
                                                target("above", "service_level", m + 1e-9, 1.0)],
                                    "outsourced": [target("x", "shrinkage", 0, 1)]}}
    table = calib.calibration_table(rep, calib.TargetFile.model_validate(spec).kinds).set_index("name")
    assert table.loc["at", "inside"] and table.loc["at", "ci_overlap"]
    assert not table.loc["above", "inside"] and table.loc["above", "ci_overlap"]
    assert table.loc["above", "gap"] == pytest.approx(-1e-9, rel=1e-6)


def test_sites_of_one_kind_are_pooled_by_summing_counters() -> None:
    """Two in-house sites: the kind's value is the rate of the summed counters, i.e. site 'all' here."""
    cfg = shift_scenario(**{"sites.b.kind": "inhouse"})
    rep2 = sim.replicate(cfg, replications=2, seed=4, workers=1)
    spec = {"version": 1, "kinds": {"inhouse": [target("shrink", "shrinkage", 0, 1),
                                                target("cost", "loaded_cost_per_paid_hour", 0, 100, "USD/h")]}}
    table = calib.calibration_table(rep2, calib.TargetFile.model_validate(spec).kinds).set_index("name")
    assert table["site"].tolist() == ["a+b", "a+b"]
    assert table.loc["shrink", "mean"] == pytest.approx((3 * 0.5 + 8) / 32, rel=1e-12)
    all_ = rep2.summary.set_index(["site", "metric"])["mean"]
    assert table.loc["cost", "mean"] == pytest.approx(all_[("all", "loaded_cost_per_paid_hour")], rel=1e-12)
    assert 20 < table.loc["cost", "mean"] < 22.5  # a's overtime hours weigh a little more than b's absent ones


# --------------------------------------------------------------------------- the command


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def shift_file(tmp_path: Path) -> Path:
    path = tmp_path / "shifts.yaml"
    path.write_text(yaml.safe_dump(shift_scenario().to_dict()))
    return path


def test_cli_help(runner: CliRunner) -> None:
    result = runner.invoke(main, ["calibrate", "--help"])
    assert result.exit_code == 0 and "--targets" in result.output and "--json" in result.output


def test_cli_json_shape_and_values(runner: CliRunner, shift_file: Path, targets_file: Path, rep: Any) -> None:
    result = runner.invoke(main, ["calibrate", str(shift_file), "-r", "3", "--seed", "2", "-w", "1",
                                  "--targets", str(targets_file), "--json"])
    assert result.exit_code == 0, result.output  # a report: exit 0 although targets are missed
    out = json.loads(result.stdout)
    assert (out["scenario"], out["seed"], out["replications"]) == ("shifts", 2, 3)
    rows = out["targets"]
    assert [(r["kind"], r["name"]) for r in rows] == [
        ("inhouse", "shrink"), ("inhouse", "cost"), ("inhouse", "hires"), ("inhouse", "sl"),
        ("outsourced", "shrink"), ("outsourced", "cost")]
    required = {"name", "site", "kind", "low", "high", "mean", "ci95", "inside", "source"}
    assert all(required <= set(r) for r in rows)
    by = {(r["kind"], r["name"]): r for r in rows}
    assert by[("inhouse", "shrink")]["ci95"] == pytest.approx([0.0625, 0.0625], rel=1e-12)
    assert (by[("inhouse", "shrink")]["low"], by[("inhouse", "shrink")]["high"]) == (0.06, 0.07)
    assert by[("inhouse", "cost")]["inside"] is False and by[("inhouse", "cost")]["gap"] == pytest.approx(-5)
    assert by[("inhouse", "hires")]["mean"] is None and by[("inhouse", "hires")]["inside"] is None
    assert by[("outsourced", "shrink")]["site"] == "b" and by[("outsourced", "shrink")]["mean"] == 1.0
    assert by[("inhouse", "shrink")]["source"] == "P-shrink, T, 2020 (survey)"
    # Same seed, same numbers as the Python API.
    sl = rep.summary.set_index(["site", "metric"]).loc[("a", "service_level")]
    assert (by[("inhouse", "sl")]["mean"], *by[("inhouse", "sl")]["ci95"]) == \
        pytest.approx((sl["mean"], sl["ci_low"], sl["ci_high"]), rel=1e-12)


def test_cli_table_groups_by_kind_and_lists_sources(runner: CliRunner, shift_file: Path, targets_file: Path) -> None:
    result = runner.invoke(main, ["calibrate", str(shift_file), "-r", "2", "-w", "1", "--targets", str(targets_file)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "inhouse (site a)" in out and "outsourced (site b)" in out
    lines: dict[str, list[str]] = {}
    for line in out.splitlines():
        if line.strip():
            lines.setdefault(line.split()[0], []).append(line)
    inhouse_shrink, outsourced_shrink = lines["shrink"]
    assert "6-7%" in inhouse_shrink and "6.2%" in inhouse_shrink and " yes " in inhouse_shrink
    assert "0-50%" in outsourced_shrink and "no (+50.0 pp)" in outsourced_shrink
    assert "25-30 USD/h" in lines["cost"][0] and "no (-5 USD/h)" in lines["cost"][0]
    assert "n/a (no value)" in lines["hires"][0]
    assert "[1] P-shrink, T, 2020 (survey)" in out


@pytest.mark.parametrize("case, message", [
    ("missing config", "no such file"),
    ("missing targets", "no such targets file"),
    ("unknown kind in targets", "kinds.offshore"),
    ("unknown kind in config", "sites.1.kind"),
    ("unknown metric", "not a rate of metrics.RATIOS"),
    ("low above high", "must not exceed high"),
    ("kind without targets", "no calibration targets for sites of kind 'outsourced'"),
])
def test_cli_bad_input_exits_1(runner: CliRunner, shift_file: Path, tmp_path: Path, case: str, message: str) -> None:
    spec: dict[str, Any] = json.loads(json.dumps(TARGETS))
    args = ["calibrate", str(shift_file), "-r", "1", "-w", "1"]
    if case == "missing config":
        args[1] = str(tmp_path / "nope.yaml")
    elif case == "unknown kind in config":
        args += ["--set", "sites.b.kind=offshore"]
    elif case == "unknown kind in targets":
        spec["kinds"]["offshore"] = spec["kinds"]["outsourced"]
    elif case == "unknown metric":
        spec["kinds"]["inhouse"][0]["metric"] = "happiness"
    elif case == "low above high":
        spec["kinds"]["inhouse"][0]["low"] = 0.9
    elif case == "kind without targets":
        del spec["kinds"]["outsourced"]
    path = tmp_path / "targets.yaml"
    if case != "missing targets":
        path.write_text(yaml.safe_dump(spec))
    result = runner.invoke(main, [*args, "--targets", str(path)])
    assert result.exit_code == 1 and message in result.output, result.output


# --------------------------------------------------------------------------- the shipped targets and docs


REQUIRED_METRICS = {"attrition_annual", "new_hire_attrition_90d", "time_to_proficiency_days", "novice_speed_30d",
                    "occupancy", "shrinkage", "service_level", "abandon_rate", "aht_s", "fcr",
                    "loaded_cost_per_paid_hour", "csat"}


def test_shipped_targets_cover_every_quantity_for_both_kinds() -> None:
    targets = calib.load_targets()
    assert set(targets) == set(calib.SITE_KINDS) == {"inhouse", "outsourced"}
    for kind, ts in targets.items():
        assert {t.metric for t in ts} == REQUIRED_METRICS, kind
        assert all(t.source and all(s.url for s in t.source) for t in ts), kind
    attrition = {k: next(t for t in ts if t.metric == "attrition_annual") for k, ts in targets.items()}
    assert (attrition["inhouse"].low, attrition["inhouse"].high) == (0.30, 0.45)
    assert (attrition["outsourced"].low, attrition["outsourced"].high) == (0.45, 0.70)


def test_docs_list_every_target_and_source() -> None:
    """docs/calibration.md names every target of the shipped file and gives every source's address."""
    text = (ROOT / "docs/calibration.md").read_text()
    for ts in calib.load_targets().values():
        for t in ts:
            assert t.name in text and calib.format_range(t.low, t.high, t.unit) in text, t.name
            for s in t.source:
                assert s.url in text, s.url


def test_shipped_scenarios_have_the_expected_kinds() -> None:
    assert calib.kinds_present(sim.load_config(ROOT / "configs/baseline.yaml")) == {"inhouse": ["inhouse"]}
    assert calib.kinds_present(sim.load_config(ROOT / "configs/outsourcing.yaml")) == \
        {"inhouse": ["inhouse"], "outsourced": ["vendor"]}

