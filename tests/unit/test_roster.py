"""The roster integer programme: coverage by hand, the MILP against brute force, the written scenario."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simulator as sim
from simulator.config import WEEKDAYS, Break, ConfigError
from simulator.planning.roster import (
    FIVE_DAY_SETS,
    ShiftPattern,
    candidate_patterns,
    coverage_matrix,
    day_set_label,
    expected_overlap,
    interval_index,
    requirement_vector,
    roster_shares,
    roster_yaml,
    solve_roster,
)
from simulator.workforce import split_by_share
from tests.conftest import ROOT

MON_FRI = ("mon", "tue", "wed", "thu", "fri")


def column(pattern: ShiftPattern, interval_min: int) -> pd.Series:
    """Coverage of one pattern indexed by "weekday HH:MM", nonzero entries only."""
    idx = interval_index(interval_min)
    values = coverage_matrix([pattern], interval_min)[:, 0]
    series = pd.Series(values, index=idx.weekday + " " + idx.start)
    return series[series > 0]


def requirement(rows: dict[str, float]) -> pd.DataFrame:
    """A requirement table from {"mon 08:00": agents}."""
    days, starts = zip(*(k.split() for k in rows), strict=True)
    return pd.DataFrame({"weekday": days, "start": starts, "agents": list(rows.values())})


# --------------------------------------------------------------------------- coverage by hand


def test_shift_without_breaks_covers_its_intervals_fully() -> None:
    p = ShiftPattern("p", 8.0, 2.0, ("tue",))
    assert column(p, 30).to_dict() == {"tue 08:00": 1.0, "tue 08:30": 1.0, "tue 09:00": 1.0, "tue 09:30": 1.0}


def test_partial_intervals_at_a_shift_edge() -> None:
    p = ShiftPattern("p", 8.25, 1.0, ("mon",))  # 08:15-09:15
    assert column(p, 30).to_dict() == {"mon 08:00": 0.5, "mon 08:30": 1.0, "mon 09:00": 0.5}


def test_break_inside_the_shift() -> None:
    p = ShiftPattern("p", 8.0, 2.0, ("mon",), (Break(start_min=30, length_min=15),))
    assert column(p, 30).to_dict() == {"mon 08:00": 1.0, "mon 08:30": 0.5, "mon 09:00": 1.0, "mon 09:30": 1.0}


def test_staggered_break_counts_its_expected_overlap() -> None:
    # Break of 30 min starting uniformly in [08:30, 09:00): by 15-min interval the expected time on
    # break is 3.75, 11.25, 11.25, 3.75 minutes (integrals of the trapezoid), so coverage is
    # 0.75, 0.25, 0.25, 0.75; by 30-min interval 15 and 15 minutes, coverage 0.5 and 0.5.
    p = ShiftPattern("p", 8.0, 2.0, ("mon",), (Break(start_min=30, length_min=30, stagger_min=30),))
    assert column(p, 15).to_dict() == pytest.approx({
        "mon 08:00": 1.0, "mon 08:15": 1.0, "mon 08:30": 0.75, "mon 08:45": 0.25, "mon 09:00": 0.25,
        "mon 09:15": 0.75, "mon 09:30": 1.0, "mon 09:45": 1.0}, abs=1e-12)
    assert column(p, 30).to_dict() == pytest.approx(
        {"mon 08:00": 1.0, "mon 08:30": 0.5, "mon 09:00": 0.5, "mon 09:30": 1.0}, abs=1e-12)


def test_stagger_longer_than_the_break_matches_the_engines_spread_agents() -> None:
    # plan_day starts the k-th of n agents' break k/n of the way into its window: the mean over
    # a large n tends to the expected overlap.
    a, b = np.arange(0.0, 120.0, 15.0), np.arange(15.0, 135.0, 15.0)
    start, stagger, length = 20.0, 50.0, 15.0
    n = 20000
    u = start + stagger * np.arange(n) / n
    discrete = np.clip(np.minimum(b[:, None], u + length) - np.maximum(a[:, None], u), 0, None).mean(axis=1)
    assert expected_overlap(a, b, np.float64(start), np.float64(stagger), np.float64(length)) == pytest.approx(
        discrete, abs=1e-3)
    assert expected_overlap(a, b, np.float64(start), np.float64(stagger), np.float64(length)).sum() == \
        pytest.approx(length)


def test_break_on_some_weekdays_only() -> None:
    p = ShiftPattern("p", 8.0, 1.0, ("mon", "tue"), (Break(start_min=0, length_min=30, weekdays=["tue"]),))
    assert column(p, 30).to_dict() == {"mon 08:00": 1.0, "mon 08:30": 1.0, "tue 08:30": 1.0}


def test_shift_past_midnight_continues_into_the_next_weekday() -> None:
    p = ShiftPattern("p", 22.0, 4.0, ("mon",))
    assert column(p, 60).to_dict() == {"mon 22:00": 1.0, "mon 23:00": 1.0, "tue 00:00": 1.0, "tue 01:00": 1.0}


def test_sunday_night_wraps_to_monday_with_a_break_after_midnight() -> None:
    p = ShiftPattern("p", 23.0, 3.0, ("sun",), (Break(start_min=90, length_min=30),))
    assert column(p, 60).to_dict() == {"mon 00:00": 0.5, "mon 01:00": 1.0, "sun 23:00": 1.0}


def test_coverage_sums_to_minutes_on_the_phones() -> None:
    site = sim.load_config(ROOT / "configs/baseline.yaml").sites[0]
    patterns = candidate_patterns(site, starts_every_min=90)
    cover = coverage_matrix(patterns, 15)
    assert cover.shape == (7 * 96, len(patterns))
    assert cover.min() >= 0.0 and cover.max() <= 1.0
    for j, p in enumerate(patterns):
        off = sum(b.length_min * (len(b.weekdays) if b.weekdays else len(p.weekdays)) for b in p.breaks)
        assert cover[:, j].sum() * 15 == pytest.approx(p.length_h * 60 * len(p.weekdays) - off)


# --------------------------------------------------------------------------- patterns


def test_paid_hours_leave_out_unpaid_breaks_on_their_days() -> None:
    lunch = Break(start_min=240, length_min=30, paid=False, weekdays=["mon"])
    p = ShiftPattern("p", 8.0, 8.5, MON_FRI, (lunch, Break(start_min=360, length_min=15)))
    assert p.paid_hours_per_week == 5 * 8.5 - 0.5
    assert p.to_shift(1.0).breaks[0] == lunch


def test_pattern_is_validated_like_a_shift() -> None:
    with pytest.raises(ValueError, match="breaks.0"):
        ShiftPattern("p", 8.0, 1.0, ("mon",), (Break(start_min=50, length_min=30),))


def test_day_set_labels() -> None:
    assert day_set_label(MON_FRI) == "mon-fri"
    assert day_set_label(("sat", "sun", "mon", "tue", "wed")) == "sat-wed"
    assert day_set_label(("mon", "tue", "wed", "thu", "sat")) == "mon-thu+sat"
    assert day_set_label(WEEKDAYS) == "mon-sun"
    assert [day_set_label(s) for s in FIVE_DAY_SETS] == [
        "mon-fri", "tue-sat", "wed-sun", "thu-mon", "fri-tue", "sat-wed", "sun-thu"]


def test_candidates_of_the_baseline_site() -> None:
    cfg = sim.load_config(ROOT / "configs/baseline.yaml")
    site = cfg.sites[0]
    everything = candidate_patterns(site)
    # 48 starts x 3 templates (8.5 h full-time, 4 h part-time, 8.5 h Saturday) x 9 day sets.
    assert len(everything) == 48 * 3 * 9
    assert len({p.name for p in everything}) == len(everything)
    assert all("." not in p.name for p in everything)
    opened = candidate_patterns(site, open_hours=cfg.demand.open_h)
    assert len(opened) == 60
    for p in opened:  # every working day's shift lies within opening hours; nothing on (closed) Sundays
        for wd in p.weekdays:
            lo, hi = cfg.demand.open_h[wd]
            assert lo <= p.start_h and p.start_h + p.length_h <= hi
    # Coaching (tue-thu) stays on the days a pattern works; the part-time Wednesday session goes with Wednesday.
    tue_sat = next(p for p in everything if p.name == "0900_8h30_tue-sat")
    assert tue_sat.breaks[2].weekdays == ["tue", "wed", "thu"]
    fri_tue = next(p for p in everything if p.name == "0900_8h30_fri-tue")
    assert fri_tue.breaks[2].weekdays == ["tue"]
    assert [len(p.breaks) for p in everything if p.name == "0900_4h_fri-tue"] == [1]
    # Slack lets the 8.5-hour shifts straddle Saturday's 9-17 opening hours.
    slack = candidate_patterns(site, open_hours=cfg.demand.open_h, open_slack_h=0.5)
    assert any("sat" in p.weekdays and p.length_h == 8.5 for p in slack)


def test_explicit_lengths_starts_and_day_sets() -> None:
    site = sim.load_config(ROOT / "configs/baseline.yaml").sites[0]
    pats = candidate_patterns(site, starts_h=[6.0, 22.0], lengths_h=[4.0, 10.0], day_sets=[("mon", "wed")])
    assert sorted(p.name for p in pats) == [
        "0600_10h_mon+wed", "0600_4h_mon+wed", "2200_10h_mon+wed", "2200_4h_mon+wed"]
    assert all(p.breaks == () for p in pats if p.length_h == 10.0)  # no existing 10-hour shift: no breaks
    # Monday night runs into Tuesday, open all day; Tuesday night into Wednesday, missing, so open 8-20.
    hours = {"mon": (0.0, 24.0), "tue": (0.0, 24.0)}
    kept = candidate_patterns(site, starts_h=[22.0], lengths_h=[4.0], day_sets=[("mon",), ("tue",)], open_hours=hours)
    assert [p.name for p in kept] == ["2200_4h_mon"]


def test_requirement_vector_checks_its_input() -> None:
    r = requirement_vector(requirement({"tue 08:30": 3, "sun 23:30": 1}), 30)
    assert r[48 + 17] == 3 and r[6 * 48 + 47] == 1 and r.sum() == 4
    with pytest.raises(ValueError, match="grid"):
        requirement_vector(requirement({"tue 08:10": 3}), 30)
    with pytest.raises(ValueError, match="weekdays"):
        requirement_vector(requirement({"tues 08:00": 3}), 30)
    with pytest.raises(ValueError, match="more than one row"):
        requirement_vector(pd.concat([requirement({"tue 08:00": 3})] * 2), 30)


# --------------------------------------------------------------------------- the integer programme


SMALL = [  # one day, 08:00-16:00 in 8 hourly intervals
    ShiftPattern("a", 8.0, 4.0, ("mon",)),
    ShiftPattern("b", 12.0, 4.0, ("mon",), (Break(start_min=60, length_min=20, stagger_min=40),)),
    ShiftPattern("c", 8.0, 8.0, ("mon",), (Break(start_min=200, length_min=30, paid=False, stagger_min=60),)),
    ShiftPattern("d", 10.0, 5.0, ("mon",), (Break(start_min=100, length_min=15),)),
]


def brute_force(required: np.ndarray, cover: np.ndarray, cost: np.ndarray) -> float:
    """Least cost over every integer vector up to a bound no optimal roster exceeds."""
    rows = required > 0
    positive = np.where(cover > 0, cover, np.inf)[rows].min(axis=0)
    bound = np.ceil(required.max() / positive).astype(int)  # x_p above this covers p's rows alone
    grid = np.array(list(itertools.product(*(range(b + 1) for b in bound)))).T
    ok = (cover[rows] @ grid >= required[rows, None] - 1e-9).all(axis=0)
    return float((cost @ grid)[ok].min())


@pytest.mark.parametrize("seed", range(12))
def test_milp_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shrinkage = [0.0, 0.15][seed % 2]
    agents = rng.integers(0, 5, size=8)
    table = pd.DataFrame({"weekday": "mon", "start": [f"{h:02d}:00" for h in range(8, 16)], "agents": agents})
    plan = solve_roster(table, SMALL, interval_min=60, shrinkage=shrinkage, mip_rel_gap=0.0)
    required = requirement_vector(table, 60)
    cost = np.array([p.paid_hours_per_week for p in SMALL])
    assert plan.status == "optimal"
    assert plan.paid_hours == pytest.approx(brute_force(required, (1 - shrinkage) * coverage_matrix(SMALL, 60), cost))
    assert (plan.coverage.on_phones >= plan.coverage.required - 1e-6).all()
    assert plan.headcount == plan.table.agents.sum()
    assert plan.paid_hours == pytest.approx((plan.table.agents * plan.table.paid_hours_per_week).sum())


def test_shrinkage_scales_the_agents_needed() -> None:
    one = [ShiftPattern("all_day", 0.0, 24.0, ("mon",))]
    for shrinkage, agents in [(0.0, 10), (0.2, 13), (0.5, 20), (0.2 + 1e-12, 13)]:
        plan = solve_roster(requirement({"mon 09:00": 10}), one, interval_min=30, shrinkage=shrinkage)
        assert plan.table.agents.tolist() == [agents]
        at_nine = plan.coverage.set_index(["weekday", "start"]).loc[("mon", "09:00")]
        assert at_nine.on_phones == pytest.approx(agents * (1 - shrinkage))
    # 8 / (1 - 0.2) = 10 exactly: float rounding must not ask for an 11th agent.
    assert solve_roster(requirement({"mon 09:00": 8}), one, interval_min=30, shrinkage=0.2).headcount == 10


def test_uncovered_requirement_is_named() -> None:
    with pytest.raises(ValueError, match=r"no shift pattern covers mon 16:30, sun 03:00,"):
        solve_roster(requirement({"mon 09:00": 2, "sun 03:00": 1, "mon 16:30": 1}), SMALL, interval_min=30)


def test_no_requirement_gives_an_empty_roster() -> None:
    plan = solve_roster(requirement({"mon 09:00": 0}), SMALL, interval_min=30)
    assert plan.headcount == 0 and plan.table.empty and plan.paid_hours == 0.0
    with pytest.raises(ValueError, match="at least one agent"):
        roster_yaml(plan, extends="x.yaml", site_name="s")


def test_baseline_candidates_solve_quickly() -> None:
    cfg = sim.load_config(ROOT / "configs/baseline.yaml")
    patterns = candidate_patterns(cfg.sites[0], open_hours=cfg.demand.open_h)
    idx = interval_index(30)
    hour = idx.start.str[:2].astype(int)
    open_ = np.array([cfg.demand.open_h[d] is not None and cfg.demand.open_h[d][0] <= h < cfg.demand.open_h[d][1]
                      for d, h in zip(idx.weekday, hour, strict=True)])
    weekday = idx.weekday.map(cfg.demand.weekday_factors).to_numpy()
    agents = np.where(open_, np.ceil(30 * weekday * (1 + np.sin(hour / 3.0) ** 2)), 0)
    plan = solve_roster(idx.assign(agents=agents), patterns, interval_min=30, shrinkage=0.1, time_limit_s=20,
                        mip_rel_gap=1e-2)
    assert (plan.coverage.on_phones >= plan.coverage.required - 1e-6).all()
    assert plan.mip_gap <= 1e-2 or plan.status == "time_limit"
    assert set(plan.table.name) <= {p.name for p in patterns}


# --------------------------------------------------------------------------- the written scenario


def test_shares_give_back_the_counts_exactly() -> None:
    rng = np.random.default_rng(3)
    for _ in range(500):
        agents = rng.integers(1, 60, size=rng.integers(1, 25)).tolist()
        shares = roster_shares(agents)
        assert split_by_share(sum(agents), shares) == agents
        assert abs(sum(shares) - 1.0) < 1e-9


def test_roster_yaml_round_trip_through_load_config(tmp_path: Path) -> None:
    parent = sim.load_config(ROOT / "configs/baseline.yaml")
    site = parent.sites[0]
    part_time = candidate_patterns(site, lengths_h=[4.0], day_sets=[MON_FRI, ("sat",)], starts_h=[8.0, 12.0, 16.0])
    target = {"0800_4h_mon-fri": 3, "1200_4h_mon-fri": 7, "1600_4h_mon-fri": 1, "0800_4h_sat": 11, "1200_4h_sat": 5}
    patterns = [p for p in part_time if p.name in target]
    # Each requirement sits in the first half hour of one shift, which no other pattern covers.
    rows = {f"{p.weekdays[0]} {int(p.start_h):02d}:00": target[p.name] for p in patterns}
    plan = solve_roster(requirement(rows), patterns, interval_min=30)
    assert dict(zip(plan.table.name, plan.table.agents, strict=True)) == target
    assert plan.headcount == 27

    (tmp_path / "configs").mkdir()
    shutil.copy(ROOT / "configs/baseline.yaml", tmp_path / "configs/baseline.yaml")
    out = tmp_path / "configs/plans"
    out.mkdir()
    text = roster_yaml(plan, extends="../baseline.yaml", site_name="inhouse", name="rostered",
                       replace_shifts=[s.name for s in site.roster.shifts])
    (out / "roster.yaml").write_text(text)
    cfg = sim.load_config(out / "roster.yaml")

    assert cfg.name == "rostered"
    new = cfg.sites[0]
    assert new.agents == 27
    used = [s for s in new.roster.shifts if s.share > 0]
    assert [s for s in new.roster.shifts if s.share == 0] == [
        s.model_copy(update={"share": 0.0}) for s in site.roster.shifts]
    assert used == [p.to_shift(s.share) for p, s in zip(plan.patterns, used, strict=True)]
    counts = split_by_share(new.agents, [s.share for s in new.roster.shifts])
    assert {s.name: c for s, c in zip(new.roster.shifts, counts, strict=True) if c} == target
    # Everything else about the site, and the scenario, is inherited.
    keep = {"agents", "roster"}
    assert new.model_dump(exclude=keep) == site.model_dump(exclude=keep)
    assert cfg.model_dump(exclude={"name", "sites"}) == parent.model_dump(exclude={"name", "sites"})


def test_extends_cannot_drop_a_parents_shift(tmp_path: Path) -> None:
    shutil.copy(ROOT / "configs/baseline.yaml", tmp_path / "baseline.yaml")
    plan = solve_roster(requirement({"mon 09:00": 4}), [ShiftPattern("x", 9.0, 8.0, MON_FRI)], interval_min=30)
    (tmp_path / "roster.yaml").write_text(roster_yaml(plan, extends="baseline.yaml", site_name="inhouse"))
    with pytest.raises(ConfigError, match="shares must sum to 1"):  # the parent's shifts are merged in
        sim.load_config(tmp_path / "roster.yaml")


def test_roster_yaml_replaces_a_parent_shift_of_the_same_name(tmp_path: Path) -> None:
    shutil.copy(ROOT / "configs/baseline.yaml", tmp_path / "baseline.yaml")
    plan = solve_roster(requirement({"mon 09:00": 4}), [ShiftPattern("early", 9.0, 8.0, MON_FRI)], interval_min=30)
    names = [s.name for s in sim.load_config(ROOT / "configs/baseline.yaml").sites[0].roster.shifts]
    (tmp_path / "roster.yaml").write_text(
        roster_yaml(plan, extends="baseline.yaml", site_name="inhouse", replace_shifts=names))
    shifts = sim.load_config(tmp_path / "roster.yaml").sites[0].roster.shifts
    early = next(s for s in shifts if s.name == "early")
    assert (early.start_h, early.length_h, early.share, early.breaks) == (9.0, 8.0, 1.0, [])
    assert sum(s.share for s in shifts) == 1.0


@pytest.mark.skipif("staffing" not in sim.config.Site.model_fields, reason="no staffing plans in this schema")
def test_clear_staffing_writes_null(tmp_path: Path) -> None:
    shutil.copy(ROOT / "configs/baseline.yaml", tmp_path / "baseline.yaml")
    plan = solve_roster(requirement({"mon 09:00": 4}), [ShiftPattern("early", 9.0, 8.0, MON_FRI)], interval_min=30)
    names = [s.name for s in sim.load_config(ROOT / "configs/baseline.yaml").sites[0].roster.shifts]
    text = roster_yaml(plan, extends="baseline.yaml", site_name="inhouse", replace_shifts=names, clear_staffing=True)
    assert "staffing: null" in text
    (tmp_path / "roster.yaml").write_text(text)
    assert sim.load_config(tmp_path / "roster.yaml").sites[0].staffing is None
