"""Choosing the engine: ``engine=`` in the API, ``--engine`` on the command line, and where it is recorded.

Every engine of ``simulator.engine.ENGINES`` gives the same results bit for bit, so the choice
is checked to reach the simulation (an unknown name fails early and clearly), to be recorded
(``meta.json``, ``--json``, sweep records) and not to change a single number.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

import simulator as sim
from simulator import spinup
from simulator.cli import main
from simulator.engine import DEFAULT_ENGINE, ENGINES
from simulator.sweep import run_sweep
from tests.conftest import BASE, scenario
from tests.sweep.conftest import tiny_sweep

NAMES = sorted(ENGINES)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def tiny_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump({**BASE, "days": 0.25}))
    return path


def meta(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "meta.json").read_text())


def test_registry_offers_fast_by_default_and_simpy() -> None:
    assert {"fast", "simpy"} <= set(ENGINES) and DEFAULT_ENGINE == "fast"
    assert sim.DEFAULT_ENGINE == DEFAULT_ENGINE and sim.ENGINES is ENGINES


@pytest.mark.parametrize("engine", NAMES)
def test_cli_run_records_the_engine(runner: CliRunner, tiny_file: Path, tmp_path: Path, engine: str) -> None:
    out = tmp_path / "out"
    result = runner.invoke(main, ["run", str(tiny_file), "-r", "1", "-w", "1", "--engine", engine,
                                  "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["engine"] == engine and data["seed"] == 1
    assert meta(out)["engine"] == engine


def test_cli_defaults_to_the_fast_engine(runner: CliRunner, tiny_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(main, ["run", str(tiny_file), "-r", "1", "-w", "1", "--out", str(tmp_path / "o"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["engine"] == "fast" == meta(tmp_path / "o")["engine"]


def test_cli_compare_records_the_engine(runner: CliRunner, tiny_file: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text(yaml.safe_dump({**BASE, "name": "other", "days": 0.25}))
    out = tmp_path / "cmp"
    result = runner.invoke(main, ["compare", str(tiny_file), str(other), "-r", "2", "-w", "1", "--engine", "simpy",
                                  "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["engine"] == "simpy" == meta(out)["engine"]


def test_cli_sweep_records_the_engine_in_meta_json_and_every_replication(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(tiny_sweep(replications=2, grid={"sites.s.agents": [5, 7]}, report={})))
    out = tmp_path / "sw"
    result = runner.invoke(main, ["sweep", str(path), "-w", "2", "--engine", "simpy", "--no-figures",
                                  "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["engine"] == "simpy" == meta(out)["engine"]
    records = [json.loads(p.read_text()) for p in sorted((out / "runs").glob("*/r*.json"))]
    assert len(records) == 4 and {r["engine"] for r in records} == {"simpy"}  # set in the worker, from the task


def test_cli_calibrate_and_erlang_take_the_engine(runner: CliRunner, tiny_file: Path) -> None:
    result = runner.invoke(main, ["calibrate", str(tiny_file), "-r", "1", "-w", "1", "--engine", "simpy", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["engine"] == "simpy"
    result = runner.invoke(main, ["erlang", "-n", "5", "-l", "60", "-a", "200", "--simulate", "-r", "2",
                                  "--hours", "1", "-w", "1", "--engine", "simpy", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["engine"] == "simpy"


@pytest.mark.parametrize("command", [["run", "X"], ["compare", "X"], ["calibrate", "X"], ["sweep", "X"],
                                     ["erlang", "-n", "1", "-l", "1", "-a", "1"]])
def test_cli_rejects_an_unknown_engine_naming_the_choices(
    runner: CliRunner, tiny_file: Path, command: list[str]
) -> None:
    args = [str(tiny_file) if a == "X" else a for a in command]
    result = runner.invoke(main, [*args, "--engine", "nope"])
    assert result.exit_code == 2
    assert "Invalid value for '--engine'" in result.output
    assert all(f"'{name}'" in result.output for name in NAMES)


@pytest.mark.parametrize("command", ["run", "compare", "calibrate", "sweep", "erlang"])
def test_cli_help_explains_the_engine(runner: CliRunner, command: str) -> None:
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0 and "--engine [fast|simpy]" in result.output
    assert "identical" in result.output and "numba" in result.output


def test_unknown_engine_raises_value_error_before_running(tiny: sim.Scenario, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown engine 'nope': choose one of fast, simpy"):
        sim.simulate(tiny, 1, engine="nope")
    with pytest.raises(ValueError, match="unknown engine"):
        sim.replicate(tiny, 2, 1, workers=1, engine="nope")
    with pytest.raises(ValueError, match="unknown engine"):
        sim.compare([tiny], 2, 1, workers=1, engine="nope")
    with pytest.raises(ValueError, match="unknown engine"):
        run_sweep(tiny_sweep(), out=tmp_path / "sw", workers=1, figures=False, engine="nope")
    assert not (tmp_path / "sw").exists()


def assert_same_result(a: sim.SimulationResult, b: sim.SimulationResult) -> None:
    for table in ("summary", "days", "intervals"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table), check_exact=True, obj=table)


def test_engines_give_identical_summaries(tiny: sim.Scenario) -> None:
    cfg = scenario({"days": 1, "demand.calls_per_hour": 90, "sites.s.agents": 7})
    results = {name: sim.simulate(cfg, 3, replication=1, engine=name) for name in NAMES}
    for name in NAMES[1:]:
        assert_same_result(results[NAMES[0]], results[name])


def test_engines_give_identical_spinups_and_share_the_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cfg = scenario({"days": 0.5, "spinup_days": 7})
    monkeypatch.setenv(spinup.CACHE_ENV, "off")
    fresh = {name: spinup.spinup_state(cfg, 5, 0, engine=name) for name in NAMES}
    for name in NAMES[1:]:
        for field, value in vars(fresh[NAMES[0]]).items():
            assert value.tobytes() == getattr(fresh[name], field).tobytes(), field
    monkeypatch.setenv(spinup.CACHE_ENV, str(tmp_path))
    simpy_run = sim.simulate(cfg, 5, engine="simpy")
    assert spinup.is_cached(cfg, 5, 0)  # written by the simpy engine, read by the fast one: no engine in the key
    assert_same_result(simpy_run, sim.simulate(cfg, 5, engine="fast"))


def test_replications_record_the_engine_and_agree_across_engines(tiny: sim.Scenario) -> None:
    cfg = scenario({"days": 0.25})
    reps = {name: sim.replicate(cfg, 2, 4, workers=1, engine=name) for name in NAMES}
    assert {name: r.engine for name, r in reps.items()} == {name: name for name in NAMES}
    for name in NAMES[1:]:
        pd.testing.assert_frame_equal(reps[NAMES[0]].per_replication, reps[name].per_replication, check_exact=True)
    assert sim.compare([cfg], 2, 4, workers=1, engine="simpy").engine == "simpy"
