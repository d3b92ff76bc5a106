"""``callsim plan roster`` and ``callsim plan hiring``: JSON shapes, results folders, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import simulator as sim
from simulator.cli import main
from tests.conftest import ROOT
from tests.unit.test_plan_hiring import small


def test_plan_roster_json_shape_and_written_scenario(tmp_path: Path) -> None:
    req = pd.DataFrame({"weekday": ["mon"] * 48, "start": [f"{m // 60:02d}:{m % 60:02d}" for m in range(0, 1440, 30)],
                        "agents": [0] * 16 + [20] * 24 + [0] * 8})
    req.to_csv(tmp_path / "req.csv", index=False)
    out = tmp_path / "roster"
    result = CliRunner().invoke(main, [
        "plan", "roster", str(ROOT / "configs/baseline.yaml"), "--requirements", str(tmp_path / "req.csv"),
        "--set", "spinup_days=0", "--weeks", "1", "-r", "2", "-w", "1", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {"shifts", "paid_hours", "scenario", "verified"} <= set(doc)
    assert all(set(s) == {"name", "agents"} for s in doc["shifts"])
    assert set(doc["verified"]["service_level"]) == {"mean", "ci95"}
    written = sim.load_config(doc["scenario"])  # extends the input by absolute path
    site = written.sites[0]
    assert site.agents == doc["headcount"]
    assert sum(s["agents"] for s in doc["shifts"]) == doc["rostered"]
    assert {s.name for s in site.roster.shifts if s.share > 0} == {s["name"] for s in doc["shifts"]}
    for name in ("shifts.csv", "coverage.csv", "verification.csv", "meta.json", "figures/coverage.png"):
        assert (out / name).exists(), name


def test_plan_roster_bad_requirements_is_a_clear_error(tmp_path: Path) -> None:
    pd.DataFrame({"weekday": ["monday"], "start": ["08:00"], "agents": [3]}).to_csv(tmp_path / "r.csv", index=False)
    out = tmp_path / "roster"
    result = CliRunner().invoke(main, ["plan", "roster", str(ROOT / "configs/baseline.yaml"), "--requirements",
                                       str(tmp_path / "r.csv"), "--out", str(out)])
    assert result.exit_code == 1
    assert "monday" in result.output
    assert not out.exists()


def test_plan_hiring_json_shape(tmp_path: Path) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(small().to_dict()))
    out = tmp_path / "hiring"
    result = CliRunner().invoke(main, [
        "plan", "hiring", str(path), "--months", "4", "--month-days", "7", "--volume-growth", "2.0", "-r", "2",
        "-w", "1", "--seed", "3", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    keys = {"month", "hires", "headcount", "proficient_fte", "service_level", "cost"}
    for plan in ("months", "naive"):
        assert len(doc[plan]) == 4
        assert all(set(m) == keys for m in doc[plan])
    assert doc["verified"]["months"]
    for name in ("months.csv", "per_replication.csv", "search.csv", "figures/fan_chart.png", "meta.json"):
        assert (out / name).exists(), name


@pytest.mark.parametrize("command", ["staffing", "roster", "hiring"])
def test_plan_help_documents_the_common_options(command: str) -> None:
    text = CliRunner().invoke(main, ["plan", command, "--help"]).output
    for option in ("--target", "--set", "--seed", "--replications", "--workers", "--engine", "--out", "--json"):
        assert option in text, option
