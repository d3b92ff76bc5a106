"""Running sweeps: identical tables whatever the executor, common random numbers, failures, kill -9 and resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

import simulator.replication
from simulator.executors import DaskExecutor, ExecutorUnavailable, imap, make_executor
from simulator.sweep import SweepError, run_sweep, sweep
from tests.conftest import ROOT
from tests.sweep.conftest import assert_same_tables, read_tables, tiny_sweep


def _square(x: int) -> int:
    return x * x


def test_imap_keeps_a_window_and_places_results_by_index() -> None:
    got = dict(imap(_square, [(i,) for i in range(25)], workers=2))
    assert got == {i: i * i for i in range(25)}


def test_same_tables_with_one_worker_two_workers_and_dask(tmp_path: Path) -> None:
    spec = tiny_sweep()
    one = sweep(spec, out=tmp_path / "w1", workers=1, figures=False)
    sweep(spec, out=tmp_path / "w2", workers=2, figures=False)
    sweep(spec, out=tmp_path / "dask", dask_local=2, figures=False)
    assert_same_tables(tmp_path / "w1", tmp_path / "w2")
    assert_same_tables(tmp_path / "w1", tmp_path / "dask")
    assert len(one) == 4 * 3 and not one.duplicated(["point", "replication"]).any()
    assert (one["status"] == "ok").all()
    assert json.loads((tmp_path / "dask" / "meta.json").read_text())["executor"] == "dask: local cluster, 2 workers"


def test_tables_columns_and_confidence_intervals(tmp_path: Path) -> None:
    reps = sweep(tiny_sweep(), out=tmp_path / "o", workers=1, figures=False)
    assert list(reps.columns[:8]) == ["point", "point_id", "label", "sites.s.agents", "demand.calls_per_hour",
                                      "replication", "status", "error"]
    assert {"service_level", "asa_s", "occupancy", "abandon_rate"} <= set(reps.columns)
    points = read_tables(tmp_path / "o")["points"]
    assert len(points) == 4 and (points["replications"] == 3).all()
    x = reps.loc[reps["point"] == 2, "service_level"].to_numpy()
    lo, hi = st.t.interval(0.95, x.size - 1, loc=x.mean(), scale=st.sem(x))  # independent of simulator.stats
    row = points.loc[points["point"] == 2].iloc[0]
    assert hi > lo and (row["service_level_mean"], row["service_level_ci_low"], row["service_level_ci_high"]) == (
        pytest.approx(x.mean(), rel=1e-12), pytest.approx(lo, rel=1e-12), pytest.approx(hi, rel=1e-12))
    sites = read_tables(tmp_path / "o")["sites"]
    assert set(sites["site"]) == {"s", "all"} and len(sites) == 2 * len(reps)
    meta = json.loads((tmp_path / "o" / "meta.json").read_text())
    assert meta["seed"] == 11 and meta["versions"]["numpy"] and meta["tasks"] == 12
    assert "resolved_from" in (tmp_path / "o" / "sweep.yaml").read_text()


def test_common_random_numbers_across_points(tmp_path: Path) -> None:
    reps = sweep(tiny_sweep(grid={"sites.s.agents": [5, 6, 7]}), out=tmp_path / "o", workers=1, figures=False)
    offered = reps.pivot(index="replication", columns="point", values="offered").to_numpy()
    # Staffing does not change who calls: replication k of every point sees the same callers.
    assert (offered == offered[:, [0]]).all()
    assert len(np.unique(offered[:, 0])) == 3  # ... and the replications differ


def test_failing_point_is_recorded_and_others_complete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = simulator.replication.simulate

    def flaky(cfg: Any, seed: int, **kw: Any) -> Any:
        if cfg.sites[0].agents == 7 and cfg.demand.calls_per_hour == 70:
            raise RuntimeError("injected failure")
        return real(cfg, seed, **kw)

    monkeypatch.setattr(simulator.replication, "simulate", flaky)
    outcome = run_sweep(tiny_sweep(), out=tmp_path / "o", workers=1)
    reps = outcome.tables["replications"]
    bad = reps[reps["status"] == "error"]
    assert len(reps) == 12 and len(bad) == 3 and set(bad["point"]) == {3}
    assert (bad["error"] == "RuntimeError: injected failure").all() and bad["service_level"].isna().all()
    assert reps.loc[reps["status"] == "ok", "service_level"].notna().all()
    failures = pd.read_csv(tmp_path / "o" / "failures.csv")
    assert len(failures) == 3 and "injected failure" in failures["traceback"][0]
    points = outcome.tables["points"].set_index("point")
    assert points.loc[3, "failed"] == 3 and points.loc[3, "replications"] == 0 and points.loc[0, "failed"] == 0
    assert outcome.meta["failed"] == 3

    monkeypatch.setattr(simulator.replication, "simulate", real)  # the fault is gone: resume retries the failures
    again = run_sweep(tiny_sweep(), out=tmp_path / "o", workers=1, resume=True)
    assert again.meta["ran"] == 3 and again.meta["failed"] == 0 and not (tmp_path / "o" / "failures.csv").exists()


def test_sigkill_then_resume_equals_an_uninterrupted_run(tmp_path: Path) -> None:
    spec = tiny_sweep(set={"days": 1.0}, replications=12)
    (tmp_path / "spec.json").write_text(json.dumps(spec))  # JSON is YAML
    out = tmp_path / "killed"
    cmd = [sys.executable, "-c", "from simulator.cli import main; main()", "sweep", str(tmp_path / "spec.json"),
           "--out", str(out), "-w", "2", "--no-figures", "--json"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(list(out.glob("runs/*/r*.json"))) < 6 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = len(list(out.glob("runs/*/r*.json")))
    assert 6 <= partial < 48, f"{partial} replications finished before the kill"
    assert not (out / "replications.parquet").exists()
    with pytest.raises(SweepError, match="--resume"):
        run_sweep(spec, out=out, workers=2)
    resumed = run_sweep(spec, out=out, workers=2, resume=True, figures=False)
    assert resumed.meta["resumed"] == partial and resumed.meta["ran"] == 48 - partial
    run_sweep(spec, out=tmp_path / "whole", workers=2, figures=False)
    assert_same_tables(out, tmp_path / "whole")
    reps = read_tables(out)["replications"]
    assert len(reps) == 48 and not reps.duplicated(["point", "replication"]).any()
    assert not list(out.glob("runs/*/.*.tmp"))


def test_resume_refuses_another_seed(tmp_path: Path) -> None:
    run_sweep(tiny_sweep(replications=1), out=tmp_path / "o", workers=1, figures=False)
    with pytest.raises(SweepError, match="another seed or base scenario"):
        run_sweep(tiny_sweep(replications=1, seed=12), out=tmp_path / "o", workers=1, resume=True)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(SweepError, match="does not hold a sweep"):
        run_sweep(tiny_sweep(replications=1), out=tmp_path / "other", workers=1)


def test_resume_with_more_replications_runs_only_the_new_ones(tmp_path: Path) -> None:
    run_sweep(tiny_sweep(replications=2), out=tmp_path / "o", workers=1, figures=False)
    more = run_sweep(tiny_sweep(replications=3), out=tmp_path / "o", workers=1, resume=True, figures=False)
    assert more.meta["resumed"] == 8 and more.meta["ran"] == 4
    run_sweep(tiny_sweep(replications=3), out=tmp_path / "whole", workers=1, figures=False)
    assert_same_tables(tmp_path / "o", tmp_path / "whole")


def test_executor_options_and_missing_dask(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ExecutorUnavailable, match="one executor option"):
        make_executor(workers=2, dask_local=2)
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ExecutorUnavailable, match=r"pip install 'callsim\[dask\]'"):
        with DaskExecutor(n_workers=1):
            pass
