"""The callsim command line: help, validate, show, run (tables, JSON, folder), compare and erlang."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import simulator as sim
from simulator.cli import ERLANG_KEYS, main
from simulator.config import erlang_scenario
from tests.conftest import BASE, ROOT
from tests.unit.test_analytic import chain_reference
from tests.unit.test_compare import approx, paired_interval, t_interval

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


def nan_if_none(x: float | None) -> float:
    """JSON output writes NaN as null."""
    return math.nan if x is None else x


def assert_mean_ci(entry: dict[str, Any], values: np.ndarray) -> None:
    """A JSON ``{"mean", "ci95"}`` entry equals scipy's 95% t-interval of the per-replication ``values``."""
    got = (nan_if_none(entry["mean"]), *map(nan_if_none, entry["ci95"]))
    assert got == tuple(map(approx, t_interval(values)))


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
    data = json.loads(result.stdout)
    assert set(data) == {"summary", "seed", "engine", "replications", "version", "config"}
    assert REQUIRED_KEYS <= set(data["summary"])
    # The replications are the package's for the same seed, and the printed means and intervals are the
    # t-intervals scipy computes from them (site "all").
    api = sim.replicate(sim.load_config(tiny_file, overrides={"days": 0.5}), 3, seed=5, workers=1).per_replication
    reps = pd.read_csv(out / "replications.csv")
    reps, api = reps[reps["site"] == "all"], api[api["site"] == "all"]
    np.testing.assert_allclose(reps[sorted(REQUIRED_KEYS)], api[sorted(REQUIRED_KEYS)], rtol=1e-12)
    for key in REQUIRED_KEYS:
        assert_mean_ci(data["summary"][key], reps[key].to_numpy(dtype=float))
    assert np.ptp(reps["service_level"]) > 0  # a real interval, not a collapsed one
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
    data = json.loads(result.stdout)
    assert round(data["analytic"]["service_level"], 4) == 0.8884
    assert round(data["analytic"]["p_wait"], 4) == 0.1741
    exact = sim.erlang_c(calls_per_hour=200, aht_s=180, agents=14)
    assert data["analytic"] == {k: exact[k] for k in ERLANG_KEYS}
    # Textbook closed forms with load A = 10 Erlang: ASA = P(wait) x AHT / (n - A), occupancy A / n.
    assert data["analytic"]["asa_s"] == pytest.approx(data["analytic"]["p_wait"] * 180 / 4, rel=1e-12)
    assert data["analytic"]["occupancy"] == pytest.approx(10 / 14, rel=1e-12)


def test_erlang_simulate_json_shape(runner: CliRunner) -> None:
    result = runner.invoke(main, ["erlang", "-n", "10", "-l", "150", "-a", "200", "--patience-s", "240", "--simulate",
                                  "-r", "3", "--hours", "4", "-w", "1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["analytic"]) == set(data["simulated"])
    assert {"p_wait", "abandon_rate", "asa_s", "service_level", "occupancy"} <= set(data["analytic"])
    assert set(data["simulated"]["p_wait"]) == {"mean", "ci95"}
    # Analytic: the package's Erlang A, and an independent birth-death chain (tests/unit/test_analytic.py).
    queue = {"calls_per_hour": 150.0, "aht_s": 200.0, "patience_s": 240.0, "agents": 10}
    exact = sim.erlang_a(**queue, sl_target_s=20.0)
    chain = chain_reference(**queue, sl_target_s=20.0)
    for key in ERLANG_KEYS:
        assert data["analytic"][key] == exact[key]
        assert data["analytic"][key] == pytest.approx(chain[key], rel=1e-9), key
    # Simulated: scipy's t-intervals of the package's replications for the same seed (default 1).
    reps = sim.replicate(erlang_scenario(**queue, hours=4), 3, seed=1, workers=1).per_replication
    reps = reps[reps["site"] == "all"]
    for key in ERLANG_KEYS:
        assert_mean_ci(data["simulated"][key], reps[key].to_numpy())


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
            "--set", "demand.calls_per_day=900", "--set", "spinup_days=0"]
    result = runner.invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["reference"] == "baseline" and set(data["scenarios"]) == {"baseline", "unrealistic_kpi"}
    kpi = data["scenarios"]["unrealistic_kpi"]
    assert REQUIRED_KEYS <= set(kpi)
    assert isinstance(kpi["aht_s"]["diff"], float) and len(kpi["aht_s"]["diff_ci95"]) == 2
    assert "diff" not in data["scenarios"]["baseline"]["aht_s"]
    # Values: scipy's t-intervals of each scenario's replications, and its paired (ttest_rel) interval of
    # the per-replication differences, from the written replications table (site "all").
    reps = pd.read_csv(out / "replications.csv").query("site == 'all'").sort_values(["scenario", "replication"])
    col = {name: rows for name, rows in reps.groupby("scenario")}
    for key in REQUIRED_KEYS:
        base, lever = (col[name][key].to_numpy(dtype=float) for name in ("baseline", "unrealistic_kpi"))
        assert_mean_ci(data["scenarios"]["baseline"][key], base)
        assert_mean_ci(kpi[key], lever)
        got = (nan_if_none(kpi[key]["diff"]), *map(nan_if_none, kpi[key]["diff_ci95"]))
        assert got == tuple(map(approx, paired_interval(lever, base))), key
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
