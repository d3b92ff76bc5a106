"""`callsim sweep` (JSON, exit status, errors) and the sweep figures and feasibility helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
import pytest
from click.testing import CliRunner
from matplotlib.figure import Figure

import simulator.replication
from simulator import targets as T
from simulator.cli import main
from simulator.plots import sweep as SP
from tests.conftest import ROOT

matplotlib.use("Agg")


def test_sweep_help() -> None:
    result = CliRunner().invoke(main, ["sweep", "--help"])
    assert result.exit_code == 0 and "--dask-local" in result.output and "--resume" in result.output


def test_sweep_json_tables_and_figures(sweep_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["sweep", str(sweep_file), "--out", str(out), "-w", "1", "--json",
                                       "--target", "asa_s<=60"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["points"] == 4 and data["ran"] == 12 and data["failed"] == 0 and data["failures"] == []
    assert data["targets"] == ["service_level>=0.8", "asa_s<=60"]
    assert data["cheapest_feasible"]["label"].startswith("sites.s.agents=")
    for name in ("sweep.yaml", "meta.json", "replications.parquet", "sites.parquet", "points.parquet", "points.csv",
                 "timings.csv", "figures/feasibility.png", "figures/service_level_heatmap.png",
                 "figures/service_level_vs_sites-s-agents.png"):
        assert (out / name).stat().st_size > 0, name
    again = CliRunner().invoke(main, ["sweep", str(sweep_file), "--out", str(out), "-w", "1"])
    assert again.exit_code == 1 and "--resume" in again.output
    resumed = CliRunner().invoke(main, ["sweep", str(sweep_file), "--out", str(out), "-w", "1", "--resume"])
    assert resumed.exit_code == 0 and "0 ran, 12 resumed, 0 failed" in resumed.output


def test_sweep_exit_status_counts_failures(sweep_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = simulator.replication.simulate

    def flaky(cfg: Any, seed: int, **kw: Any) -> Any:
        if cfg.sites[0].agents == 5 and kw.get("replication") == 1:
            raise ValueError("boom")
        return real(cfg, seed, **kw)

    monkeypatch.setattr(simulator.replication, "simulate", flaky)
    result = CliRunner().invoke(main, ["sweep", str(sweep_file), "--out", str(tmp_path / "o"), "-w", "1",
                                       "--no-figures"])
    assert result.exit_code == 102, result.output
    assert "2 failed" in result.output and "failures.csv" in result.output


def test_invalid_sweep_names_point_and_field_and_writes_nothing(sweep_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "never"
    text = sweep_file.read_text().replace("- 7", "- -7")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    result = CliRunner().invoke(main, ["sweep", str(bad), "--out", str(out)])
    assert result.exit_code == 1
    assert "point 2 (sites.s.agents=-7, demand.calls_per_hour=50)" in result.output
    assert "sites.0.agents" in result.output and not out.exists()
    result = CliRunner().invoke(main, ["sweep", str(sweep_file), "--out", str(out), "--target", "service_level=0.8"])
    assert result.exit_code == 1 and "METRIC>=NUMBER" in result.output and not out.exists()


WORKFORCE_PENDING = ("unknown key", "outsourcing.yaml")
"""What the example sweeps may fail on until the workforce model (training, kpi, outsourcing.yaml) is merged."""


def test_shipped_sweep_files_validate() -> None:
    from simulator.sweep import SweepError, load_sweep

    files = sorted((ROOT / "configs" / "sweeps").glob("*.yaml"))
    assert {"training_vs_kpi.yaml", "outsourcing_share.yaml", "staffing_cluster.yaml"} <= {f.name for f in files}
    for path in files:
        try:
            load_sweep(path)
        except SweepError as exc:
            assert all(any(p in f"{w}: {m}" for p in WORKFORCE_PENDING) for w, m in exc.errors), str(exc)


POINTS = pd.DataFrame({
    "point": [0, 1, 2, 3], "point_id": list("abcd"), "label": list("ABCD"),
    "agents": [5, 5, 7, 7], "share": [0.0, 0.3, 0.0, 0.3], "replications": 4, "failed": 0,
    "service_level_mean": [0.7, 0.82, 0.9, 0.95], "service_level_ci_low": [0.6, 0.78, 0.85, 0.9],
    "service_level_ci_high": [0.8, 0.86, 0.95, 1.0],
    "cost_total_mean": [100.0, 90.0, 120.0, 110.0], "cost_total_ci_low": [95.0, 85.0, 115.0, 105.0],
    "cost_total_ci_high": [105.0, 95.0, 125.0, 115.0],
})


def test_targets_feasibility_and_cheapest() -> None:
    assert T.parse_target(" service_level >= 0.8") == T.Target("service_level", ">=", 0.8)
    with pytest.raises(ValueError, match="METRIC>=NUMBER"):
        T.parse_target("service_level => 0.8")
    assert T.feasible(POINTS, ["service_level>=0.8"]).tolist() == [False, True, True, True]
    assert T.feasible(POINTS, ["service_level>=0.8"], conservative=True).tolist() == [False, False, True, True]
    assert T.feasible(POINTS, ["service_level>=0.8", "agents<=5"]).tolist() == [False, True, False, False]
    best = T.cheapest_feasible(POINTS, ["service_level>=0.8"], "cost_total")
    assert best is not None and best["label"] == "B"
    assert T.cheapest_feasible(POINTS, ["service_level>=0.99"], "cost_total") is None
    with pytest.raises(KeyError, match="no metric or parameter 'attrition'"):
        T.feasible(POINTS, ["attrition<=0.3"])


def test_plots_draw_labelled_axes() -> None:
    fig = Figure()
    ax1, ax2, ax3, ax4 = fig.subplots(1, 4)
    SP.metric_vs_parameter(POINTS, "service_level", "agents", by="share", ax=ax1)
    assert ax1.get_xlabel() == "agents" and "service level" in ax1.get_ylabel() and len(ax1.lines) == 2
    SP.heatmap(POINTS, "cost_total", "agents", "share", ax=ax2)
    assert [t.get_text() for t in ax2.texts] == ["100", "120", "90", "110"]
    SP.feasibility_map(POINTS, ["service_level>=0.8"], "agents", "share", cost="cost_total", ax=ax3)
    assert "cheapest feasible: B" in [t.get_text() for t in ax3.get_legend().get_texts()][-1]
    SP.feasibility_map(POINTS[POINTS["share"] == 0.3], ["service_level>=0.8"], "agents", cost="cost_total", ax=ax4)
    assert ax4.get_ylabel() == "total cost (currency units)"
    with pytest.raises(ValueError, match="several points share"):
        SP.metric_vs_parameter(POINTS, "service_level", "agents", ax=ax1)


def test_few_replications_get_error_bars_and_a_note() -> None:
    from matplotlib.collections import PolyCollection

    fig = Figure()
    many, few = fig.subplots(1, 2)
    SP.metric_vs_parameter(POINTS, "service_level", "agents", by="share", ax=many)
    SP.metric_vs_parameter(POINTS.assign(replications=2), "service_level", "agents", by="share", ax=few)
    assert sum(isinstance(c, PolyCollection) for c in many.collections) == 2  # one band per curve
    assert not any("replications: intervals" in t.get_text() for t in many.texts)
    assert not any(isinstance(c, PolyCollection) for c in few.collections)  # error bars instead of bands
    assert [t.get_text() for t in few.texts] == ["only 2 replications: intervals are wide and rough"]
    assert len(few.lines) >= 2 and few.get_ylim()[1] <= 1.02


def test_cheapest_feasible_decision_per_scenario() -> None:
    """A decision (agents) per scenario value (share): a staffing curve, not one cheapest cell of the grid."""
    curve = T.cheapest_feasible_by(POINTS, ["service_level>=0.8"], "agents", ["share"])
    assert curve["share"].tolist() == [0.0, 0.3]
    by_share = curve.set_index("share")
    for share, group in POINTS.groupby("share"):
        ok = group[group["service_level_mean"] >= 0.8]
        assert by_share.loc[share, "feasible_points"] == len(ok)
        if len(ok):
            assert by_share.loc[share, "agents"] == ok["agents"].min()
            assert by_share.loc[share, "label"] == ok.loc[ok["agents"].idxmin(), "label"]
        else:
            assert pd.isna(by_share.loc[share, "label"])
    none = T.cheapest_feasible_by(POINTS, ["service_level>=0.99"], "agents", ["share"])
    assert none["label"].isna().all() and (none["feasible_points"] == 0).all()
    fig = Figure()
    ax = fig.subplots()
    SP.feasibility_map(POINTS, ["service_level>=0.8"], "agents", "share", cost="agents", scenarios=["share"], ax=ax)
    assert "per share" in [t.get_text() for t in ax.get_legend().get_texts()][-1]


def test_sweep_reports_the_cheapest_decision_per_scenario(tmp_path: Path) -> None:
    from tests.sweep.conftest import tiny_sweep

    spec = tiny_sweep(report={"targets": ["service_level>=0.8"], "cost": "sites.s.agents",
                              "scenarios": ["demand.calls_per_hour"]})
    path = tmp_path / "s.yaml"
    path.write_text(__import__("yaml").safe_dump(spec))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["sweep", str(path), "--out", str(out), "-w", "1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["scenarios"] == ["demand.calls_per_hour"] and data["cheapest_feasible"] is None
    rows = data["cheapest_feasible_by_scenario"]
    assert [r["demand.calls_per_hour"] for r in rows] == [50, 70]
    assert set(rows[0]) == {"demand.calls_per_hour", "feasible_points", "point_id", "label", "sites.s.agents"}
    points = pd.read_csv(out / "points.csv")
    expected = T.cheapest_feasible_by(points, ["service_level>=0.8"], "sites.s.agents", ["demand.calls_per_hour"])
    assert [r["label"] for r in rows] == [None if pd.isna(x) else x for x in expected["label"]]
    assert (out / "cheapest_by_scenario.csv").stat().st_size > 0 and (out / "figures/feasibility.png").exists()
    text = CliRunner().invoke(main, ["sweep", str(path), "--out", str(tmp_path / "o2"), "-w", "1", "--no-figures"])
    assert "cheapest feasible per demand.calls_per_hour" in text.output and "demand.calls_per_hour=50:" in text.output
    bad = tiny_sweep(report={"targets": ["service_level>=0.8"], "cost": "sites.s.agents", "scenarios": ["days"]})
    path.write_text(__import__("yaml").safe_dump(bad))
    err = CliRunner().invoke(main, ["sweep", str(path), "--out", str(tmp_path / "never")])
    assert err.exit_code == 1 and "report.scenarios[0]" in err.output and "expected a swept key" in err.output
