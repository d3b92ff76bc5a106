"""Running a sweep: every (point, replication) task on an executor, committed as it finishes.

:func:`run_sweep` commits each finished replication to ``OUT/runs/<point id>/r<k>.json``
with an atomic rename (:class:`simulator.output.SweepFolder`), so a killed sweep loses only
the replications in flight and ``resume=True`` finishes the rest. At the end the tables are
built from those records (:func:`simulator.sweep.tables.build_tables`), so a resumed sweep
gives the same tables as an uninterrupted one. A replication that raises is recorded with
its error and the sweep goes on; a resumed sweep tries failed replications again.
"""

from __future__ import annotations

import os
import platform
import socket
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import config as C
from ..engine import DEFAULT_ENGINE, ensure_compiled
from ..executors import Executor, LocalProcesses, make_executor
from ..output import SweepFolder
from ..plots import sweep as sweep_plots
from ..replication import run_replication
from ..spinup import engine_class
from ..targets import cheapest_feasible_by, check_targets
from ..version import versions
from .spec import Sweep, SweepError, load_sweep
from .tables import build_tables


def run_task(cfg: C.Scenario, seed: int, replication: int, engine: str = DEFAULT_ENGINE) -> dict[str, Any]:
    """Simulate one replication of one point and return its record (never raises).

    Args:
        cfg: The point's scenario.
        seed: The sweep's root seed.
        replication: Replication index; streams are keyed by ``(seed, replication)``.
        engine: Name of the engine to run (:data:`~simulator.engine.ENGINES`); a task carries
            it by name, so it reaches local and Dask workers alike.

    Returns:
        ``status`` (``ok`` or ``error``), ``summary`` (site -> metric -> value), ``error`` and
        ``traceback`` (on error), ``engine``, ``elapsed_s`` and ``host``.
    """
    start = time.perf_counter()
    record: dict[str, Any] = {"seed": seed, "replication": replication, "engine": engine,
                              "host": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        summary = run_replication(cfg, seed, replication, engine).summary
        record["status"] = "ok"
        record["summary"] = {
            str(row["site"]): {k: float(v) for k, v in row.items() if k != "site"}
            for row in summary.to_dict("records")
        }
    except Exception as exc:  # noqa: BLE001 - recorded, the sweep goes on
        record["status"] = "error"
        record["error"] = f"{type(exc).__name__}: {exc}"
        record["traceback"] = traceback.format_exc()
    record["elapsed_s"] = time.perf_counter() - start
    return record


@dataclass(frozen=True)
class Progress:
    """Where a running sweep stands; passed to the ``progress`` callback."""

    total: int
    """Replications to run in this session (resumed ones excluded)."""
    done: int
    """Replications finished in this session."""
    failed: int
    """Of ``done``, replications that raised."""
    resumed: int
    """Replications already on disk, skipped."""
    elapsed_s: float
    """Wall time since the first task was submitted (seconds)."""


@dataclass
class SweepOutcome:
    """What :func:`run_sweep` did.

    Attributes:
        sweep: The expanded sweep.
        out: The results folder.
        tables: ``replications``, ``sites``, ``points``, ``failures`` and ``timings``; with
            ``report.scenarios``, ``cheapest_by_scenario``.
        meta: The contents of ``meta.json``.
    """

    sweep: Sweep
    out: Path
    tables: dict[str, pd.DataFrame]
    meta: dict[str, Any]

    @property
    def failed(self) -> int:
        """Replications that raised."""
        return len(self.tables["failures"])


def _prepare(folder: SweepFolder, sw: Sweep, *, resume: bool, overwrite: bool) -> None:
    """Check that ``folder`` may hold ``sw``, clear it if asked, and write the resolved sweep.

    Raises:
        SweepError: if the folder holds something else, another sweep without ``resume``
            or ``overwrite``, or a sweep of another seed or base scenario.
    """
    out = folder.out
    if not folder.is_empty():
        old = folder.fingerprint()
        if not folder.marker.exists():
            raise SweepError([("out", f"{out} exists and does not hold a sweep; choose another folder")])
        if overwrite:
            folder.reset()
        elif not resume:
            raise SweepError([("out", f"{out} already holds a sweep: pass resume (--resume) to finish it "
                                      "or overwrite (--overwrite) to start again")])
        elif old != sw.fingerprint:
            raise SweepError([("out", f"{out} holds a sweep with another seed or base scenario "
                                      f"(fingerprint {old}, now {sw.fingerprint}); its replications "
                                      "cannot be reused: choose another folder or overwrite")])
    folder.open(sw.resolved())


def default_out(sw: Sweep) -> Path:
    """``results/sweeps/<sweep name>``."""
    return Path("results") / "sweeps" / sw.name


def run_sweep(
    spec: Sweep | str | Path | Mapping[str, Any],
    *,
    out: str | Path | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
    resume: bool = False,
    overwrite: bool = False,
    figures: bool = True,
    targets: Sequence[str] = (),
    progress: Callable[[Progress], None] | None = None,
    command: str | None = None,
    engine: str = DEFAULT_ENGINE,
) -> SweepOutcome:
    """Run a sweep into a results folder; the engine behind :func:`sweep` and ``callsim sweep``.

    Args:
        spec: A :class:`Sweep`, a sweep file, or a mapping with its keys.
        out: Results folder (default ``results/sweeps/<name>``).
        executor: Where tasks run (default: :class:`~simulator.executors.LocalProcesses`).
        workers: Local worker processes when no ``executor`` is given (default: all cores).
        resume: Reuse the replications already in ``out`` and run the rest.
        overwrite: Delete a sweep already in ``out`` and start again.
        figures: Draw the figures of ``report`` into ``out/figures``.
        targets: Extra feasibility targets (``"service_level>=0.8"``) for the figures.
        progress: Called before the first task and after each finished one.
        command: Command line recorded in ``meta.json``.
        engine: Engine that runs every task: ``"fast"`` (compiled, default) or ``"simpy"`` (the
            reference model). Recorded in ``meta.json`` and each replication's record; it is not
            part of the sweep's fingerprint, since results do not depend on it, so a sweep may be
            resumed with the other engine.

    Returns:
        The sweep, folder, tables and metadata.

    Raises:
        SweepError: for an invalid sweep or an unusable folder; nothing has run.
        ValueError: for an unknown ``engine``; nothing has run.
    """
    engine_class(engine)
    sw = spec if isinstance(spec, Sweep) else load_sweep(spec)
    all_targets = list(dict.fromkeys([*sw.report.targets, *targets]))
    bad = check_targets(all_targets)
    if bad:
        raise SweepError(bad, sw.source)
    out_dir = Path(out) if out is not None else default_out(sw)
    folder = SweepFolder(out_dir)
    ex: Executor = executor if executor is not None else LocalProcesses(workers)
    failed = 0
    with ex:  # start or reach the workers before touching the folder
        description = ex.describe()
        _prepare(folder, sw, resume=resume, overwrite=overwrite)
        records = folder.finished([(p.index, p.id) for p in sw.points], sw.replications, sw.seed) if resume else {}
        resumed = len(records)
        todo = [(p, k) for k in range(sw.replications) for p in sw.points if (p.index, k) not in records]
        start = time.perf_counter()

        def report(done: int) -> None:
            if progress is not None:
                progress(Progress(len(todo), done, failed, resumed, time.perf_counter() - start))

        report(0)
        tasks = [(p.cfg, sw.seed, k, engine) for p, k in todo]
        if engine == "fast" and len(tasks) > 1 and ex.workers > 1:
            ensure_compiled()  # once here, not once per local worker
        for n, (i, record) in enumerate(ex.imap(run_task, tasks) if tasks else (), start=1):
            p, k = todo[i]
            folder.commit(p.id, record)
            records[p.index, k] = record
            failed += record["status"] != "ok"
            report(n)
    elapsed = time.perf_counter() - start
    tables = build_tables(sw, records)
    if sw.report.scenarios and all_targets and sw.report.cost:
        tables["cheapest_by_scenario"] = cheapest_feasible_by(tables["points"], all_targets, sw.report.cost,
                                                              sw.report.scenarios)
    written = folder.write_tables(tables)
    task_s = [r.get("elapsed_s") or 0.0 for r in records.values()]
    meta = {
        "name": sw.name, "seed": sw.seed, "engine": engine, "replications": sw.replications, "points": len(sw.points),
        "tasks": sw.n_tasks, "ran": len(todo), "resumed": resumed, "failed": int(len(tables["failures"])),
        "executor": description, "elapsed_s": round(elapsed, 3),
        "throughput_per_s": round(len(todo) / elapsed, 4) if elapsed > 0 and todo else None,
        "task_s_mean": round(float(np.mean(task_s)), 4) if task_s else None,
        "fingerprint": sw.fingerprint, "source": sw.source, "command": command or " ".join(sys.argv),
        "host": platform.node(), "versions": versions(), "tables": written,
    }
    if figures:
        specs = sweep_plots.figures(tables["points"], sw.dimensions, sw.report.metrics, targets=all_targets,
                                    cost=sw.report.cost, scenarios=sw.report.scenarios)
        meta["figures"] = folder.write_figures(
            specs, f"{sw.name}: {len(sw.points)} points x {sw.replications} replications, seed {sw.seed}")
    folder.write_meta(meta)
    return SweepOutcome(sw, out_dir, tables, meta)


def sweep(
    spec: Sweep | str | Path | Mapping[str, Any],
    *,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    resume: bool = False,
    overwrite: bool = False,
    figures: bool = True,
    engine: str = DEFAULT_ENGINE,
) -> pd.DataFrame:
    """Run a sweep and return its replications table.

    The results folder (default ``results/sweeps/<name>``) holds ``sweep.yaml`` (the resolved
    sweep: inline base scenario and explicit points), ``meta.json`` (seed, engine, versions,
    executor, timings), ``replications.parquet``, ``sites.parquet``, ``points.parquet`` and
    ``points.csv``, ``timings.csv``, ``failures.csv`` (if any failed), ``figures/`` and
    ``runs/`` (one committed JSON file per replication, used by ``resume``).

    Args:
        spec: A sweep file, a mapping with its keys, or a :class:`Sweep`.
        out: Results folder.
        workers: Local worker processes (default: all cores; 1 runs in this process).
        scheduler: Address of a Dask scheduler (``tcp://host:8786``) to run on instead.
        dask_local: Start a local Dask cluster of this many worker processes instead.
        resume: Reuse finished replications in ``out`` and run the rest.
        overwrite: Delete a sweep already in ``out`` and start again.
        figures: Draw the sweep figures.
        engine: Engine that runs every task: ``"fast"`` (compiled, default) or ``"simpy"`` (the
            reference model); the tables are identical.

    Returns:
        One row per (point, replication): ``point``, ``point_id``, ``label``, every swept
        key, ``replication``, ``status``, ``error`` and every summary metric of site ``all``.
        Identical, bit for bit, whatever the executor, number of workers and engine.
    """
    executor = make_executor(workers=workers, scheduler=scheduler, dask_local=dask_local)
    outcome = run_sweep(spec, out=out, executor=executor, resume=resume, overwrite=overwrite, figures=figures,
                        engine=engine)
    table = outcome.tables["replications"]
    table.attrs["out"] = str(outcome.out)
    return table
