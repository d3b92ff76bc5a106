"""Sweep files: expansion into points, stable ids, and errors that name the point and field before anything runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from simulator.sweep import SweepError, load_sweep, point_id
from tests.sweep.conftest import tiny_sweep


def test_grid_is_full_factorial_in_order() -> None:
    sw = load_sweep(tiny_sweep())
    assert [p.overrides for p in sw.points] == [
        {"sites.s.agents": 5, "demand.calls_per_hour": 50}, {"sites.s.agents": 5, "demand.calls_per_hour": 70},
        {"sites.s.agents": 7, "demand.calls_per_hour": 50}, {"sites.s.agents": 7, "demand.calls_per_hour": 70},
    ]
    assert [p.cfg.sites[0].agents for p in sw.points] == [5, 5, 7, 7]
    assert all(p.cfg.days == 0.25 for p in sw.points)  # fixed overrides reach every point
    assert sw.parameters == ["sites.s.agents", "demand.calls_per_hour"]
    assert sw.points[1].params == {"sites.s.agents": 5, "demand.calls_per_hour": 70.0}
    assert sw.points[1].label == "sites.s.agents=5, demand.calls_per_hour=70"


def test_grid_times_zip_times_named_points() -> None:
    sw = load_sweep(tiny_sweep(
        grid={"sites.s.agents": [5, 6]},
        zip={"demand.calls_per_hour": [40, 60, 80], "demand.patience.mean_s": [200, 300, 400]},
        points=[{"name": "fast", "set": {"demand.call_types.a.fcr": 0.9}}, {"name": "plain", "set": {}}],
    ))
    assert len(sw.points) == 2 * 3 * 2
    assert sw.dimensions == [["sites.s.agents"], ["demand.calls_per_hour", "demand.patience.mean_s"],
                             ["demand.call_types.a.fcr"]]
    p = sw.points[1]
    assert p.label == "plain, sites.s.agents=5, demand.calls_per_hour=40, demand.patience.mean_s=200"
    assert p.params["demand.call_types.a.fcr"] == 1.0  # not overridden: the point's resolved value
    assert sw.points[0].cfg.demand.call_types[0].fcr == 0.9


def test_point_ids_are_stable_and_ignore_order_and_whole_floats() -> None:
    a = point_id({"sites.s.agents": 5, "demand.calls_per_hour": 50})
    assert a == point_id({"demand.calls_per_hour": 50.0, "sites.s.agents": 5})
    assert a != point_id({"sites.s.agents": 6, "demand.calls_per_hour": 50})
    assert a == "3142553471c5"  # pinned: ids name result folders and must not drift
    more = load_sweep(tiny_sweep(grid={"sites.s.agents": [4, 5, 7], "demand.calls_per_hour": [50, 70]}))
    ids = {p.id for p in load_sweep(tiny_sweep()).points}
    assert ids < {p.id for p in more.points}  # adding values keeps the old points' ids


def test_latin_hypercube_sample_is_stratified_and_reproducible() -> None:
    sample = {"n": 8, "method": "lhs", "ranges": {"demand.calls_per_hour": [40, 80],
                                                  "sites.s.agents": {"low": 4, "high": 11, "integer": True}}}
    sw = load_sweep(tiny_sweep(grid=None, sample=sample))
    rates = np.array([p.overrides["demand.calls_per_hour"] for p in sw.points])
    agents = sorted(p.overrides["sites.s.agents"] for p in sw.points)
    assert sorted(np.floor((rates - 40) / 5).astype(int)) == list(range(8))  # one draw per stratum
    assert agents == list(range(4, 12))
    assert [p.id for p in load_sweep(tiny_sweep(grid=None, sample=sample)).points] == [p.id for p in sw.points]
    other = load_sweep(tiny_sweep(grid=None, sample={**sample, "seed": 99}))
    assert [p.id for p in other.points] != [p.id for p in sw.points]


def test_resolved_sweep_reloads_to_the_same_points(tmp_path: Path) -> None:
    sw = load_sweep(tiny_sweep(zip={"demand.patience.mean_s": [200, 300]}))
    path = tmp_path / "resolved.yaml"
    resolved = sw.resolved()
    del resolved["resolved_from"]
    path.write_text(yaml.safe_dump(resolved))
    again = load_sweep(path)
    assert [p.id for p in again.points] == [p.id for p in sw.points]
    assert [p.cfg for p in again.points] == [p.cfg for p in sw.points]
    assert again.fingerprint == sw.fingerprint


@pytest.mark.parametrize(("changes", "where", "message"), [
    ({"grid": {"sites.s.agentz": [1, 2]}}, "point 0 (sites.s.agentz=1) [id", "sites.0.agentz: unknown key"),
    ({"grid": {"sites.nowhere.agents": [1]}}, "point 0", "no item named 'nowhere'"),
    ({"grid": {"sites.s.agents": [5, -2]}}, "point 1 (sites.s.agents=-2)",
     "sites.0.agents: Input should be greater than or equal to 0 (got -2)"),
    ({"grid": {"sites.s.agents": []}}, "grid.sites.s.agents", "empty list"),
    ({"grid": {}}, "grid", "empty grid"),
    ({"grid": None}, "<root>", "nothing to sweep"),
    ({"grid": None, "zip": {"days": [1, 2], "sites.s.agents": [3]}}, "zip", "equal lengths"),
    ({"set": {"sites.s.agents": 3}}, "grid.sites.s.agents", "also set in set"),
    ({"grid": {"sites.s.agents": [5, 5.0]}}, "point 1", "same overrides as point 0"),
    ({"replications": 0}, "replications", "greater than or equal to 1"),
    ({"grdi": {"days": [1]}}, "grdi", "unknown key"),
    ({"grid": None, "points": [{"name": "a", "set": {"days": 1}}, {"name": "a", "set": {"days": 2}}]},
     "points", "unique"),
    ({"base": "missing.yaml"}, "base (missing.yaml)", "no such file"),
])
def test_invalid_sweeps_name_the_point_and_field(changes: dict[str, object], where: str, message: str) -> None:
    with pytest.raises(SweepError) as info:
        load_sweep(tiny_sweep(**changes))
    text = str(info.value)
    assert text.startswith("invalid sweep")
    assert any(where in w and message in m or where in f"{w}: {m}" and message in f"{w}: {m}"
               for w, m in info.value.errors), text


def test_error_list_is_capped_but_complete() -> None:
    with pytest.raises(SweepError) as info:
        load_sweep(tiny_sweep(grid={"sites.s.agents": list(range(-30, 0))}))
    assert len(info.value.errors) == 30
    assert "and 10 more errors" in str(info.value)
