"""Config validation: every bad input names its field; overrides and extends work."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

import simulator as sim
from simulator.config import ConfigError, apply_overrides, parse_set_options
from tests.conftest import BASE, ROOT, scenario


def error_paths(overrides: dict, base: dict | None = None) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as info:
        scenario(overrides, base)
    return info.value.errors


@pytest.mark.parametrize(
    ("overrides", "path", "expected"),
    [
        ({"demand.calls_per_hour": -5}, "demand.calls_per_hour", "greater than or equal to 0"),
        ({"demand.bogus": 1}, "demand.bogus", "unknown key"),
        ({"days": "many"}, "days", "valid number"),
        ({"days": 0}, "days", "greater than 0"),
        ({"warmup_days": 2}, "warmup_days", "below days"),
        ({"demand.call_types.0.share": 0.7}, "demand.call_types", "sum to 1"),
        ({"demand.call_types.0.fcr": 1.5}, "demand.call_types.0.fcr", "less than or equal to 1"),
        ({"demand.call_types.0.handle_time.dist": "cauchy"}, "demand.call_types.0.handle_time", "dist"),
        ({"demand.call_types.0.handle_time.mean_s": -3}, "demand.call_types.0.handle_time.mean_s", "greater than 0"),
        ({"demand.patience": {"dist": "lognormal", "mean_s": 60}}, "demand.patience.cv", "Field required"),
        ({"sites.s.roster.shifts.all.length_h": 30}, "sites.0.roster.shifts.0.length_h", "less than or equal to 24"),
        ({"sites.s.roster.shifts.all.share": 0.5}, "sites.0.roster.shifts", "sum to 1"),
        ({"sites.s.roster.shifts.all.length_h": 8, "sites.s.roster.shifts.all.breaks": [
            {"start_min": 470, "length_min": 30}]}, "sites.0.roster.shifts.0.breaks.0", "must lie inside the shift"),
        ({"sites.s.agents": -1}, "sites.0.agents", "greater than or equal to 0"),
        ({"sites.s.agent_selection": "fastest"}, "sites.0.agent_selection", "longest_idle"),
        ({"sites.s.initial_proficiency": [0.9, 0.2]}, "sites.0.initial_proficiency", "low <= high"),
        ({"routing.shares": {"s": 0.5, "nowhere": 0.5}}, "routing.shares", "unknown sites ['nowhere']"),
        ({"demand.intraday_profile": [1, 2, 3]}, "demand.intraday_profile", "expected 24 hourly weights"),
        ({"demand.open_h.mon": [20, 8]}, "demand.open_h.mon", "open_h < close_h"),
        ({"interval_min": 7}, "interval_min", "15"),
        ({"demand.redial.p": 2}, "demand.redial.p", "less than or equal to 1"),
        ({"sites.s.roster.shifts": [{"name": "x", "start_h": 0, "length_h": 8, "share": 0.5},
                                    {"name": "x", "start_h": 8, "length_h": 8, "share": 0.5}]},
         "sites.0.roster.shifts", "shift names must be unique"),
        ({"demand.repeat.delay": {"mean_s": 60}}, "demand.repeat.delay", "missing 'dist'"),
    ],
)
def test_bad_input_names_the_field(overrides: dict, path: str, expected: str) -> None:
    errors = error_paths(overrides)
    assert any(p == path and expected in msg for p, msg in errors), errors


def test_error_message_lists_every_field() -> None:
    with pytest.raises(ConfigError) as info:
        scenario({"days": -1, "demand.calls_per_hour": -1})
    text = str(info.value)
    assert "days:" in text and "demand.calls_per_hour:" in text


def test_missing_required_section() -> None:
    raw = copy.deepcopy(BASE)
    del raw["sites"]
    with pytest.raises(ConfigError) as info:
        sim.load_config(raw)
    assert ("sites", "Field required") in info.value.errors


def test_overrides_parse_yaml_values_and_address_by_name() -> None:
    cfg = scenario(parse_set_options(["demand.calls_per_hour=90", "sites.s.agents=9", "days=0.5"]))
    assert cfg.demand.calls_per_hour == 90 and cfg.sites[0].agents == 9 and cfg.days == 0.5


@pytest.mark.parametrize(
    ("key", "message"),
    [("sites.nowhere.agents", "no item named 'nowhere'"), ("sites.5.agents", "out of range"),
     ("days.x", "cannot descend"), ("a..b", "dotted path")],
)
def test_bad_override_path(key: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        apply_overrides(copy.deepcopy(BASE), {key: 1})


def test_set_option_needs_equals() -> None:
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_set_options(["days"])


def test_config_is_frozen(tiny: sim.Scenario) -> None:
    with pytest.raises(ValueError, match="frozen"):
        tiny.days = 3  # type: ignore[misc]


def test_shipped_configs_are_valid_and_demo_extends_baseline() -> None:
    for path in sorted((ROOT / "configs").glob("*.yaml")):
        sim.load_config(path)
    demo = sim.load_config(ROOT / "configs/demo.yaml")
    base = sim.load_config(ROOT / "configs/baseline.yaml")
    assert demo.name == "demo" and demo.days == 14
    assert demo.sites == base.sites and demo.demand == base.demand


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        sim.load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("days: [1,\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        sim.load_config(bad)


def test_resolved_config_round_trips(tiny: sim.Scenario) -> None:
    assert sim.load_config(tiny.to_dict()) == tiny
