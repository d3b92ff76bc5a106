"""The callsim command line: help, validate, show, run (tables, JSON, folder), compare and erlang."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from simulator.cli import main
from tests.conftest import BASE, ROOT

REQUIRED_KEYS = {"offered", "answered", "abandoned", "blocked", "service_level", "asa_s", "abandon_rate", "p_wait",
                 "occupancy", "aht_s", "fcr", "escalations", "scams_missed", "redials", "repeat_calls",
                 "attrition_annual", "quits", "dismissals", "hires", "headcount_mean", "absence_rate", "burnout_mean",
                 "proficiency_mean", "repeat_share", "cost_total", "cost_per_resolved"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def tiny_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(BASE))
    return path


@pytest.mark.parametrize("command", [[], ["run"], ["compare"], ["erlang"], ["validate"], ["show"]])
def test_every_command_has_help(runner: CliRunner, command: list[str]) -> None:
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_validate_ok_and_bad(runner: CliRunner, tiny_file: Path, tmp_path: Path) -> None:
    assert runner.invoke(main, ["validate", str(tiny_file)]).exit_code == 0
    result = runner.invoke(main, ["validate", str(tiny_file), "--set", "sites.s.agents=-2"])
    assert result.exit_code == 1
    assert "sites.0.agents" in result.output and "greater than or equal to 0" in result.output


def test_show_prints_resolved_defaults(runner: CliRunner, tiny_file: Path) -> None:
    result = runner.invoke(main, ["show", str(tiny_file), "--set", "days=3"])
    shown = yaml.safe_load(result.output)
    assert shown["days"] == 3 and shown["sl_threshold_s"] == 20 and "behaviour" in shown


def test_run_json_shape_and_results_folder(runner: CliRunner, tiny_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(main, ["run", str(tiny_file), "-r", "3", "--seed", "5", "-w", "1", "--out", str(out),
                                  "--json", "--set", "days=0.5"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"summary", "seed", "replications", "version", "config"}
    assert REQUIRED_KEYS <= set(data["summary"])
    sl = data["summary"]["service_level"]
    assert sl["ci95"][0] <= sl["mean"] <= sl["ci95"][1]
    assert data["seed"] == 5 and data["replications"] == 3 and data["config"]["days"] == 0.5
    for name in ("config.yaml", "meta.json", "summary.csv", "replications.csv", "days.csv", "intraday.csv",
                 "wait_hist.csv"):
        assert (out / name).stat().st_size > 0
    assert len(list((out / "figures").glob("*.png"))) >= 4
    meta = json.loads((out / "meta.json").read_text())
    assert meta["seed"] == 5 and meta["versions"]["callsim"]


def test_run_prints_table_and_call_log(runner: CliRunner, tiny_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = runner.invoke(main, ["run", str(tiny_file), "-r", "2", "-w", "1", "--out", str(out), "--call-log",
                                  "--set", "days=0.25"])
    assert result.exit_code == 0, result.output
    assert "service_level" in result.output and "95% CI" in result.output and str(out) in result.output
    assert (out / "calls.csv").read_text().startswith("caller,attempt")


def test_bad_config_writes_nothing(runner: CliRunner, tiny_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "never"
    result = runner.invoke(main, ["run", str(tiny_file), "--out", str(out), "--set", "demand.calls_per_hour=-1"])
    assert result.exit_code == 1 and "demand.calls_per_hour" in result.output
    assert not out.exists() and not any(tmp_path.glob(".never*"))


def test_erlang_analytic_published_example(runner: CliRunner) -> None:
    result = runner.invoke(main, ["erlang", "--agents", "14", "--calls-per-hour", "200", "--aht-s", "180", "--json"])
    data = json.loads(result.output)
    assert round(data["analytic"]["service_level"], 4) == 0.8884
    assert round(data["analytic"]["p_wait"], 4) == 0.1741


def test_erlang_simulate_json_shape(runner: CliRunner) -> None:
    result = runner.invoke(main, ["erlang", "-n", "10", "-l", "150", "-a", "200", "--patience-s", "240", "--simulate",
                                  "-r", "3", "--hours", "4", "-w", "1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data["analytic"]) == set(data["simulated"])
    assert {"p_wait", "abandon_rate", "asa_s", "service_level", "occupancy"} <= set(data["analytic"])
    assert set(data["simulated"]["p_wait"]) == {"mean", "ci95"}


def test_erlang_unstable_is_a_clear_error(runner: CliRunner) -> None:
    result = runner.invoke(main, ["erlang", "-n", "5", "-l", "200", "-a", "180"])
    assert result.exit_code == 1 and "unstable" in result.output


def test_shipped_configs_validate(runner: CliRunner) -> None:
    for path in sorted((ROOT / "configs").glob("*.yaml")):
        assert runner.invoke(main, ["validate", str(path)]).exit_code == 0


def test_compare_levers_json_table_and_folder(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    configs = [str(ROOT / f"configs/{n}.yaml") for n in ("baseline", "unrealistic_kpi")]
    args = ["compare", *configs, "-r", "2", "-w", "1", "--seed", "3", "--out", str(out),
            "--set", "days=6", "--set", "warmup_days=1", "--set", "sites.inhouse.agents=30",
            "--set", "demand.calls_per_day=900"]
    result = runner.invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["reference"] == "baseline" and set(data["scenarios"]) == {"baseline", "unrealistic_kpi"}
    kpi = data["scenarios"]["unrealistic_kpi"]
    assert REQUIRED_KEYS <= set(kpi)
    assert isinstance(kpi["aht_s"]["diff"], float) and len(kpi["aht_s"]["diff_ci95"]) == 2
    assert "diff" not in data["scenarios"]["baseline"]["aht_s"]
    assert data["configs"]["unrealistic_kpi"]["sites"][0]["kpi"]["aht_target_s"] == 300
    for name in ("comparison.csv", "replications.csv", "days.csv", "agents_end.csv", "meta.json",
                 "configs/baseline.yaml", "figures/lever_chart.png", "figures/workforce_over_time.png",
                 "figures/end_distributions.png"):
        assert (out / name).stat().st_size > 0, name
    table = runner.invoke(main, args)
    assert table.exit_code == 0, table.output
    assert "paired, 95% CI" in table.output and "cost_per_resolved" in table.output


def test_compare_rejects_duplicate_names(runner: CliRunner, tmp_path: Path) -> None:
    path = str(ROOT / "configs/baseline.yaml")
    result = runner.invoke(main, ["compare", path, path, "-r", "2", "--out", str(tmp_path / "x")])
    assert result.exit_code != 0 and "distinct" in result.output
    assert not (tmp_path / "x").exists()
