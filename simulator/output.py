"""The only writer of results folders: staging and atomic rename, JSON, tables and figure sets.

Every folder is written so that an interruption leaves nothing half-written: a run or a
comparison is written into a hidden sibling folder and renamed into place in one step
(:func:`staging`); a sweep commits each finished replication, each table and its meta file
by an atomic rename of its own (:func:`atomic_write`), so a killed sweep keeps every
replication it finished and ``--resume`` carries on.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from matplotlib.figure import Figure

from . import metrics as M
from .compare import Comparison
from .plots import channels as channel_plots
from .plots import compare as compare_plots
from .plots import run as run_plots
from .plots.common import FigureSpec
from .replication import ReplicationResult
from .version import versions

DPI = 120
"""Resolution of the PNGs written (dots per inch)."""

RUNS_DIR = "runs"
"""Sub-folder of a sweep's results folder holding one JSON file per finished replication."""


# --------------------------------------------------------------------------- primitives


def json_safe(x: Any) -> Any:
    """``x`` with non-finite floats as None and numpy scalars as Python numbers, ready for JSON."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    if isinstance(x, np.generic):
        return json_safe(x.item())
    return x


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON (NaN written as null)."""
    path.write_text(json.dumps(json_safe(data), indent=2) + "\n")


def write_yaml(path: Path, data: Any) -> None:
    """Write ``data`` as block-style YAML, keys in their order."""
    path.write_text(yaml.safe_dump(data, sort_keys=False))


@contextmanager
def staging(out: Path) -> Iterator[Path]:
    """Write into a temporary sibling folder, then move it to ``out`` in one rename.

    If anything fails, nothing is left at ``out``; an existing ``out`` is replaced only on
    success.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Write a file through ``write(tmp)`` in the same folder, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_figures(out: Path, specs: Sequence[FigureSpec], caption: str) -> list[Path]:
    """Draw each figure of ``specs`` on a fresh Agg ``Figure``, caption it, write a PNG to ``out``.

    No pyplot state is touched, so this is safe in worker processes and notebooks alike.
    """
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, size, draw in specs:
        fig = Figure(figsize=size, layout="constrained")
        try:
            draw(fig)
            fig.suptitle(caption, fontsize="medium", color="0.3")
            path = out / name
            fig.savefig(path, dpi=DPI)
            paths.append(path)
        finally:
            fig.clear()
    return paths


# --------------------------------------------------------------------------- run


def write_run(rep: ReplicationResult, out: Path, *, elapsed_s: float, command: str,
              calls: pd.DataFrame | None = None) -> Path:
    """Write a replicated run's results folder atomically and return its path.

    Contents: ``config.yaml`` (resolved), ``meta.json`` (seed, engine, replications, versions,
    wall time, command), ``summary.csv`` (mean and 95% CI per site and metric),
    ``replications.csv``, ``days.csv``, ``intraday.csv``, ``wait_hist.csv``,
    ``figures/*.png`` and, if given, ``calls.csv`` (a per-contact log).
    """
    cfg = rep.cfg
    with staging(Path(out)) as tmp:
        write_yaml(tmp / "config.yaml", cfg.to_dict())
        write_json(tmp / "meta.json", {
            "seed": rep.seed, "engine": rep.engine, "replications": rep.replications, "versions": rep.versions,
            "elapsed_s": round(elapsed_s, 3), "command": command,
        })
        rep.summary.to_csv(tmp / "summary.csv", index=False)
        rep.per_replication.to_csv(tmp / "replications.csv", index=False)
        rep.days.to_csv(tmp / "days.csv", index=False)
        rep.intraday.to_csv(tmp / "intraday.csv", index=False)
        labels = [*cfg.site_names, "all"]
        hist = pd.DataFrame(rep.wait_hist.T, columns=labels)
        hist.insert(0, "wait_from_s", np.arange(hist.shape[0]) * M.WAIT_BIN_S)
        hist.to_csv(tmp / "wait_hist.csv", index=False)
        if calls is not None:
            calls.to_csv(tmp / "calls.csv", index=False)
        specs = run_plots.figures(rep.intraday, rep.days, rep.wait_hist, site_labels=labels,
                                  sl_threshold_s=cfg.sl_threshold_s)
        specs += channel_plots.figures(rep.intraday, rep.days, cfg.channels_used, calls=calls,
                                       targets_s=cfg.channel_targets_s,
                                       email_target_share=cfg.channels.email.target_share)
        write_figures(tmp / "figures", specs, (
            f"{cfg.name}: {rep.replications} replications, seed {rep.seed}, days {cfg.warmup_days:g}-{cfg.days:g} "
            f"measured, T = {cfg.sl_threshold_s:g} s"))
    return Path(out)


# --------------------------------------------------------------------------- comparison


def write_comparison(comp: Comparison, out: Path, *, elapsed_s: float, command: str) -> Path:
    """Write a comparison folder atomically and return its path.

    Contents: ``configs/<name>.yaml`` (resolved), ``meta.json`` (seed, engine, replications,
    versions, wall time, command), ``comparison.csv`` (every site and metric),
    ``replications.csv``, ``days.csv``, ``agents_end.csv`` and ``figures/`` (lever chart,
    month-by-month workforce lines, end-of-run distributions).
    """
    ref = comp.runs[0]
    with staging(Path(out)) as tmp:
        (tmp / "configs").mkdir()
        for run in comp.runs:
            write_yaml(tmp / "configs" / f"{run.cfg.name}.yaml", run.cfg.to_dict())
        write_json(tmp / "meta.json", {
            "seed": comp.seed, "engine": comp.engine, "replications": ref.replications, "scenarios": comp.names,
            "versions": versions(), "elapsed_s": round(elapsed_s, 3), "command": command,
        })
        pd.concat([comp.table(site) for site in comp.sites], ignore_index=True).to_csv(
            tmp / "comparison.csv", index=False)
        days, agents = comp.days, comp.agents
        comp.per_replication.to_csv(tmp / "replications.csv", index=False)
        days.to_csv(tmp / "days.csv", index=False)
        agents.to_csv(tmp / "agents_end.csv", index=False)
        specs = compare_plots.figures(comp.table("all", compare_plots.LEVER_METRICS), days, agents,
                                      currency=ref.cfg.money.currency, warmup_days=ref.cfg.warmup_days)
        write_figures(tmp / "figures", specs, (
            f"{ref.replications} replications per scenario, seed {comp.seed}, common random numbers; "
            f"days {ref.cfg.warmup_days:g}-{ref.cfg.days:g} measured; bars and bands: 95% CI"))
    return Path(out)


# --------------------------------------------------------------------------- plans


def write_plan(out: Path, *, cfg: Mapping[str, Any], meta: Mapping[str, Any], tables: Mapping[str, pd.DataFrame],
               texts: Mapping[str, str], specs: Sequence[FigureSpec], caption: str) -> Path:
    """Write a planning command's results folder atomically and return its path.

    Contents: ``config.yaml`` (the resolved input scenario), ``meta.json`` (seed, engine,
    replications, versions, wall time, command, targets ...), one CSV per table, the text
    files (e.g. a scenario YAML that ``extends`` the input) and ``figures/``.
    """
    with staging(Path(out)) as tmp:
        write_yaml(tmp / "config.yaml", dict(cfg))
        write_json(tmp / "meta.json", {**meta, "versions": versions()})
        for name, table in tables.items():
            table.to_csv(tmp / f"{name}.csv", index=False)
        for name, text in texts.items():
            (tmp / name).write_text(text)
        write_figures(tmp / "figures", specs, caption)
    return Path(out)


# --------------------------------------------------------------------------- sweep


class SweepFolder:
    """A sweep's results folder: the resolved sweep, one committed file per replication, tables, figures.

    Layout: ``sweep.yaml`` (the resolved sweep), ``runs/<point id>/r<k>.json`` (one record
    per finished replication), ``replications.parquet``, ``sites.parquet``,
    ``points.parquet``, ``points.csv``, ``timings.csv``, ``failures.csv`` (if any failed),
    ``figures/`` and ``meta.json``. Deciding whether a folder may be reused is the
    runner's (:func:`simulator.sweep.run_sweep`); this class reads and writes.
    """

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        """The folder."""

    @property
    def marker(self) -> Path:
        """The resolved sweep file, ``sweep.yaml``."""
        return self.out / "sweep.yaml"

    def is_empty(self) -> bool:
        """True if the folder does not exist or holds nothing."""
        return not self.out.exists() or not any(self.out.iterdir())

    def fingerprint(self) -> str | None:
        """The fingerprint recorded in ``sweep.yaml`` (None if there is none)."""
        if not self.marker.exists():
            return None
        data = yaml.safe_load(self.marker.read_text()) or {}
        found = data.get("resolved_from", {}).get("fingerprint")
        return None if found is None else str(found)

    def reset(self) -> None:
        """Delete the folder and everything in it."""
        shutil.rmtree(self.out, ignore_errors=True)

    def open(self, resolved: Mapping[str, Any]) -> None:
        """Create the folder, drop files left by a killed run, and write the resolved sweep."""
        for stale in self.out.glob(f"{RUNS_DIR}/*/.*.tmp"):
            stale.unlink(missing_ok=True)
        self.out.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(dict(resolved), sort_keys=False)
        atomic_write(self.marker, lambda p: p.write_text(text))

    def _run_file(self, pid: str, replication: int) -> Path:
        return self.out / RUNS_DIR / pid / f"r{replication}.json"

    def commit(self, pid: str, record: dict[str, Any]) -> None:
        """Save one replication's record of point ``pid`` atomically."""
        path = self._run_file(pid, record["replication"])
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda p: p.write_text(json.dumps({"point_id": pid, **record})))

    def finished(self, points: Sequence[tuple[int, str]], replications: int,
                 seed: int) -> dict[tuple[int, int], dict[str, Any]]:
        """Records of ``ok`` replications of ``seed`` on disk, by (point index, replication).

        Args:
            points: ``(index, id)`` of each point.
            replications: Replications per point.
            seed: The sweep's root seed; records of another seed are ignored.
        """
        found: dict[tuple[int, int], dict[str, Any]] = {}
        for index, pid in points:
            for k in range(replications):
                try:
                    rec = json.loads(self._run_file(pid, k).read_text())
                except (OSError, ValueError):
                    continue
                if rec.get("status") == "ok" and rec.get("seed") == seed:
                    found[index, k] = rec
        return found

    def write_tables(self, tables: Mapping[str, pd.DataFrame]) -> list[str]:
        """Write the sweep's tables (Parquet and CSV) and return their file names."""
        written = []
        for name in ("replications", "sites", "points"):
            atomic_write(self.out / f"{name}.parquet", partial(tables[name].to_parquet, index=False))
            written.append(f"{name}.parquet")
        for name in ("points", "timings", "cheapest_by_scenario"):
            if name in tables:
                atomic_write(self.out / f"{name}.csv", partial(tables[name].to_csv, index=False))
                written.append(f"{name}.csv")
        failures = self.out / "failures.csv"
        if len(tables["failures"]):
            atomic_write(failures, partial(tables["failures"].to_csv, index=False))
            written.append("failures.csv")
        else:
            failures.unlink(missing_ok=True)
        return written

    def write_figures(self, specs: Sequence[FigureSpec], caption: str) -> list[str]:
        """Replace ``figures/`` with the given figure set and return the file names."""
        with staging(self.out / "figures") as tmp:
            paths = write_figures(tmp, specs, caption)
        return [p.name for p in paths]

    def write_meta(self, meta: Mapping[str, Any]) -> None:
        """Write ``meta.json`` atomically."""
        atomic_write(self.out / "meta.json", lambda p: write_json(p, meta))
