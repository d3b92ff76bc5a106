"""Monte Carlo sweeps: many configurations of one base scenario, many replications each.

A *sweep file* names a base scenario, the replications and the seed, and overrides given by
dotted keys (the paths of ``--set``) in up to four blocks::

    name: agents_vs_volume
    base: ../baseline.yaml          # scenario file (relative to this file) or an inline mapping
    set: {days: 14}                 # fixed overrides of every point
    replications: 10
    seed: 1
    grid:                           # full factorial: 3 x 2 points
      sites.inhouse.agents: [96, 104, 112]
      demand.calls_per_day: [3000, 3400]
    zip:                            # lists of equal length, varied together
      routing.shares.inhouse: [1.0, 0.7]
      routing.shares.vendor: [0.0, 0.3]
    points:                         # explicit named points
      - {name: lean, set: {sites.inhouse.agents: 90}}
    sample:                         # n random points in ranges (Latin hypercube or plain random)
      n: 20
      method: lhs
      ranges: {demand.calls_per_day: [2800, 3600], sites.inhouse.agents: {low: 90, high: 120, integer: true}}

The points are the product of the blocks present (grid rows x zip rows x named points x
samples); their keys must be distinct. Each point's id is a hash of its own overrides, so
it is stable across runs, reorderings and added points. Every point is validated with the
scenario schema before anything runs; :class:`SweepError` names the point and the field.

Replication ``k`` of every point draws its streams from ``(seed, k, stream id)``: the point
never enters the seed, so all points see the same callers (common random numbers) and a
task's result does not depend on where or when it runs.

Running (:func:`sweep`) commits each finished replication to ``OUT/runs/<point id>/r<k>.json``
with an atomic rename, so a killed sweep loses only the replications in flight and
``resume=True`` finishes the rest. At the end the tables are built from those files (see
:func:`sweep` for the folder layout), so a resumed sweep gives the same tables as an
uninterrupted one. A replication that raises is recorded with its error and the sweep goes
on; a resumed sweep tries failed replications again.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import platform
import shutil
import socket
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import config as C
from . import metrics as M
from .executors import Executor, LocalProcesses, make_executor
from .results import staging, versions, write_json
from .rng import stream
from .stats import mean_ci

ID_COLUMNS: tuple[str, ...] = ("point", "point_id", "label")
"""Leading columns of every sweep table: point index (expansion order), stable id, label."""

RUN_COLUMNS: tuple[str, ...] = ("replication", "status", "error")
"""Columns of the replications table between the parameters and the metrics."""

DEFAULT_METRICS: tuple[str, ...] = ("service_level", "asa_s", "abandon_rate", "occupancy")
"""Metrics drawn by default in sweep figures."""

RUNS_DIR = "runs"
"""Sub-folder of a sweep's results folder holding one JSON file per finished replication."""

MAX_ERRORS_SHOWN = 20
"""Validation errors listed before the rest are counted."""


class SweepError(C.ConfigError):
    """A sweep file or its points failed validation; ``errors`` holds ``(where, message)`` pairs."""

    def __init__(self, errors: list[tuple[str, str]], source: str | None = None) -> None:
        super().__init__(errors, source)
        shown = errors[:MAX_ERRORS_SHOWN]
        if len(errors) > MAX_ERRORS_SHOWN:
            shown = [*shown, ("...", f"and {len(errors) - MAX_ERRORS_SHOWN} more errors")]
        where = f" in {source}" if source else ""
        self.args = ("\n".join([f"invalid sweep{where}:", *(f"  {p}: {m}" for p, m in shown)]),)


# --------------------------------------------------------------------------- sweep file schema


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Range(_Model):
    """A range a sampled parameter is drawn from."""

    low: float = Field(description="Lower end.")
    high: float = Field(description="Upper end (inclusive for integers).")
    integer: bool = Field(False, description="Draw whole numbers in [low, high].")
    log: bool = Field(False, description="Uniform in log scale (low > 0).")

    @model_validator(mode="after")
    def _order(self) -> Range:
        if self.low > self.high:
            raise ValueError(f"expected low <= high, got [{self.low:g}, {self.high:g}]")
        if self.log and self.low <= 0:
            raise ValueError(f"log ranges need low > 0, got {self.low:g}")
        return self


class Sample(_Model):
    """Random points: ``n`` draws from ranges, by Latin hypercube or independently."""

    n: int = Field(ge=1, description="Number of sampled points.")
    method: Literal["lhs", "random"] = Field("lhs", description="lhs: Latin hypercube; random: independent.")
    seed: int | None = Field(None, ge=0, description="Seed of the design (default: the sweep seed).")
    ranges: dict[str, Range] = Field(description="Dotted key -> range ([low, high] or a mapping).")

    @field_validator("ranges", mode="before")
    @classmethod
    def _pairs(cls, v: Any) -> Any:
        if isinstance(v, Mapping):
            return {k: {"low": r[0], "high": r[1]} if isinstance(r, list | tuple) and len(r) == 2 else r
                    for k, r in v.items()}
        return v


class NamedPoint(_Model):
    """An explicit point: a name and its overrides."""

    name: str = Field(min_length=1, description="Label of the point in tables and plots.")
    overrides: dict[str, Any] = Field(default_factory=dict, alias="set", description="Dotted key -> value.")


class Report(_Model):
    """What the figures of a sweep show."""

    metrics: list[str] = Field(default_factory=lambda: list(DEFAULT_METRICS), description="Metrics to plot.")
    targets: list[str] = Field(
        default_factory=list, description="Feasibility targets such as 'service_level>=0.8'."
    )
    cost: str | None = Field(None, description="Metric or parameter to minimise among feasible points.")


class SweepSpec(_Model):
    """A sweep file as written (before expansion into points)."""

    name: str = Field(min_length=1, description="Sweep name (default results folder results/sweeps/<name>).")
    base: str | dict[str, Any] = Field(description="Base scenario: a path relative to the sweep file, or a mapping.")
    fixed: dict[str, Any] = Field(default_factory=dict, alias="set", description="Overrides of every point.")
    replications: int = Field(ge=1, description="Replications of every point.")
    seed: int = Field(1, ge=0, description="Root seed; replication k of every point uses (seed, k).")
    grid: dict[str, list[Any]] | None = Field(None, description="Full factorial over dotted keys.")
    zipped: dict[str, list[Any]] | None = Field(None, alias="zip", description="Equal-length lists varied together.")
    points: list[NamedPoint] | None = Field(None, description="Explicit named points.")
    sample: Sample | None = Field(None, description="Random points from ranges.")
    report: Report = Field(default_factory=Report)


# --------------------------------------------------------------------------- expanded sweep


@dataclass(frozen=True)
class Point:
    """One configuration of a sweep."""

    index: int
    """Position in expansion order (0-based)."""
    id: str
    """Stable id: a hash of ``overrides``."""
    label: str
    """Name of a named point, else ``key=value`` pairs."""
    overrides: dict[str, Any]
    """The point's own dotted-key overrides (on top of the sweep's fixed ones)."""
    cfg: C.Scenario = field(repr=False)
    """The validated scenario of the point."""
    params: dict[str, Any]
    """Resolved value of every swept key in ``cfg``."""


@dataclass(frozen=True)
class Sweep:
    """An expanded, validated sweep: the points to run and how.

    Build it with :func:`load_sweep`.
    """

    name: str
    """Sweep name."""
    seed: int
    """Root seed."""
    replications: int
    """Replications of every point."""
    scenario: dict[str, Any] = field(repr=False)
    """Base scenario data with ``extends`` resolved and the fixed overrides applied."""
    points: list[Point] = field(repr=False)
    """The points, in expansion order."""
    parameters: list[str]
    """Swept dotted keys, in block order (grid, zip, points, sample)."""
    dimensions: list[list[str]]
    """Swept keys grouped by what varies together: each grid key alone, a zip block together."""
    report: Report
    """What the figures show."""
    source: str | None = None
    """The sweep file, if loaded from one."""

    @property
    def fingerprint(self) -> str:
        """Hash of what a replication's result depends on besides its point: seed and base scenario."""
        return _digest({"seed": self.seed, "scenario": self.scenario})

    @property
    def n_tasks(self) -> int:
        """Points x replications."""
        return len(self.points) * self.replications

    def resolved(self) -> dict[str, Any]:
        """The sweep as a self-contained sweep file: inline base scenario, explicit points.

        Loading it again gives the same points, ids and results.
        """
        return {
            "name": self.name,
            "seed": self.seed,
            "replications": self.replications,
            "base": self.scenario,
            "points": [{"name": p.label, "set": p.overrides} for p in self.points],
            "report": self.report.model_dump(),
            "resolved_from": {
                "source": self.source,
                "fingerprint": self.fingerprint,
                "parameters": self.parameters,
                "dimensions": self.dimensions,
                "point_ids": [p.id for p in self.points],
            },
        }


def _canonical(value: Any) -> Any:
    """Whole floats as ints, so that ``10`` and ``10.0`` give the same point id."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def _digest(data: Any, length: int = 12) -> str:
    text = json.dumps(_canonical(data), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def point_id(overrides: Mapping[str, Any]) -> str:
    """Stable id of a point: the first 12 hex digits of a SHA-256 of its canonical overrides."""
    return _digest(dict(overrides))


def _label(overrides: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={_fmt_value(v)}" for k, v in overrides.items()) or "base"


def _fmt_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.6g}"
    if v is None:
        return "null"
    return str(v)


def _lookup(data: Any, key: str) -> Any:
    """Value at a dotted key of resolved config data (list items by index or name)."""
    node = data
    parts = key.split(".")
    for depth, part in enumerate(parts):
        container, k = C._step(node, part, ".".join(parts[: depth + 1]))
        node = container[k] if isinstance(container, list) else container.get(k)
    return node


def _sampled(sample: Sample, default_seed: int) -> list[dict[str, Any]]:
    """The ``n`` sampled override rows of a ``sample`` block.

    The design's generator is the ``design`` stream of the block's seed (default: the
    sweep seed), which no simulation uses, so the design never shares numbers with the
    callers.
    """
    seed = default_seed if sample.seed is None else sample.seed
    rng = stream(seed, 0, "design")
    keys = list(sample.ranges)
    n, d = sample.n, len(keys)
    if sample.method == "lhs":
        # One draw in each of n equal strata per dimension, strata shuffled independently.
        u = (np.argsort(rng.random((d, n)), axis=1).T + rng.random((n, d))) / n
    else:
        u = rng.random((n, d))
    rows: list[dict[str, Any]] = [{} for _ in range(n)]
    for j, key in enumerate(keys):
        r = sample.ranges[key]
        if r.integer:
            values: list[Any] = [int(v) for v in np.minimum(np.floor(r.low + u[:, j] * (r.high - r.low + 1)), r.high)]
        elif r.log:
            values = [float(v) for v in np.exp(np.log(r.low) + u[:, j] * (np.log(r.high) - np.log(r.low)))]
        else:
            values = [float(v) for v in r.low + u[:, j] * (r.high - r.low)]
        for row, v in zip(rows, values, strict=True):
            row[key] = v
    return rows


Row = tuple[dict[str, Any], str | None]
"""One row of a block: its overrides and, for a named point, its name."""


def _blocks(spec: SweepSpec, errors: list[tuple[str, str]]) -> tuple[list[list[Row]], list[list[str]]]:
    """Rows of each block present, and the dimensions (key groups) they span."""
    blocks: list[list[Row]] = []
    dims: list[list[str]] = []
    if spec.grid is not None:
        if not spec.grid:
            errors.append(("grid", "empty grid: give at least one key with a list of values"))
        for key, values in spec.grid.items():
            if not values:
                errors.append((f"grid.{key}", "empty list: a grid key needs at least one value"))
        keys = list(spec.grid)
        blocks.append([(dict(zip(keys, combo, strict=True)), None) for combo in itertools.product(*spec.grid.values())])
        dims += [[k] for k in keys]
    if spec.zipped is not None:
        lengths = {k: len(v) for k, v in spec.zipped.items()}
        if not spec.zipped or not any(lengths.values()):
            errors.append(("zip", "empty zip: give keys with lists of values"))
        elif len(set(lengths.values())) > 1:
            errors.append(("zip", f"lists must have equal lengths, got {lengths}"))
        else:
            keys = list(spec.zipped)
            rows = zip(*spec.zipped.values(), strict=True)
            blocks.append([(dict(zip(keys, row, strict=True)), None) for row in rows])
            dims.append(keys)
    if spec.points is not None:
        if not spec.points:
            errors.append(("points", "empty list: give at least one named point"))
        names = [p.name for p in spec.points]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            errors.append(("points", f"point names must be unique, got duplicates {dupes}"))
        blocks.append([(dict(p.overrides), p.name) for p in spec.points])
        keys = list(dict.fromkeys(k for p in spec.points for k in p.overrides))
        if keys:
            dims.append(keys)
    if spec.sample is not None:
        if not spec.sample.ranges:
            errors.append(("sample.ranges", "give at least one key with a range"))
        blocks.append([(row, None) for row in _sampled(spec.sample, spec.seed)])
        dims += [[k] for k in spec.sample.ranges]
    if not blocks:
        errors.append(("<root>", "nothing to sweep: give at least one of grid, zip, points or sample"))
    seen: dict[str, str] = {}
    for name, keys in (("set", list(spec.fixed)), ("grid", list(spec.grid or {})), ("zip", list(spec.zipped or {})),
                       ("points", [k for p in spec.points or [] for k in p.overrides]),
                       ("sample", list(spec.sample.ranges) if spec.sample else [])):
        for key in dict.fromkeys(keys):
            if key in seen and seen[key] != name:
                errors.append((f"{name}.{key}", f"also set in {seen[key]}: each key may be set by one block only"))
            seen.setdefault(key, name)
    return blocks, dims


def _row_label(rows: Sequence[Row]) -> str:
    """Names of named points, then ``key=value`` pairs of the other blocks."""
    names = [name for _, name in rows if name is not None]
    rest = {k: v for overrides, name in rows if name is None for k, v in overrides.items()}
    return ", ".join([*names, *([_label(rest)] if rest or not names else [])])


def _point_where(index: int, label: str, pid: str) -> str:
    return f"point {index} ({label}) [id {pid}]"


def expand(spec: SweepSpec, *, base_dir: Path | None = None, source: str | None = None) -> Sweep:
    """Expand a parsed sweep file into validated points.

    Args:
        spec: The parsed sweep file.
        base_dir: Folder that a relative ``base`` path is resolved against (default: cwd).
        source: Name of the sweep file, for error messages.

    Raises:
        SweepError: naming each bad block, or each point and field that fails the scenario's
            own validation (unknown keys included). Nothing has run.
    """
    errors: list[tuple[str, str]] = []
    if isinstance(spec.base, str):
        try:
            raw = C.read_yaml((base_dir or Path.cwd()) / spec.base)
        except C.ConfigError as exc:
            raise SweepError([(f"base ({spec.base}): {p}", m) for p, m in exc.errors], source) from None
    else:
        raw = dict(spec.base)
    try:
        scenario = C.apply_overrides(raw, spec.fixed)
    except C.ConfigError as exc:
        raise SweepError([(f"set.{p}", m) for p, m in exc.errors], source) from None
    blocks, dims = _blocks(spec, errors)
    if errors:
        raise SweepError(errors, source)
    parameters = list(dict.fromkeys(k for dim in dims for k in dim))
    points: list[Point] = []
    ids: dict[str, int] = {}
    for index, rows in enumerate(itertools.product(*blocks)):
        overrides = {k: v for row, _ in rows for k, v in row.items()}
        pid = point_id(overrides)
        label = _row_label(rows)
        where = _point_where(index, label, pid)
        if pid in ids:
            errors.append((where, f"same overrides as point {ids[pid]}: every point must differ"))
            continue
        ids[pid] = index
        try:
            cfg = C.load_config(scenario, overrides=overrides)
        except C.ConfigError as exc:
            errors += [(f"{where} {p}", m) for p, m in exc.errors]
            continue
        data = cfg.to_dict()
        params = {k: _lookup(data, k) for k in parameters}
        points.append(Point(index, pid, label, overrides, cfg, params))
    if errors:
        raise SweepError(errors, source)
    return Sweep(
        name=spec.name, seed=spec.seed, replications=spec.replications, scenario=scenario, points=points,
        parameters=parameters, dimensions=dims, report=spec.report, source=source,
    )


def load_sweep(source: str | Path | Mapping[str, Any], *, replications: int | None = None,
               seed: int | None = None, overrides: Mapping[str, Any] | None = None) -> Sweep:
    """Read, expand and validate a sweep.

    Args:
        source: A sweep YAML file (which may ``extends:`` another sweep file), or a mapping
            with the same keys (a relative ``base`` path is then resolved against the
            current folder).
        replications: Replace the file's ``replications``.
        seed: Replace the file's ``seed``.
        overrides: Fixed dotted-key overrides added to the file's ``set`` (e.g. ``{"days": 28}``).

    Returns:
        The expanded sweep, every point validated.

    Raises:
        SweepError: naming the block, point and field of every problem.
    """
    if isinstance(source, Mapping):
        data, base_dir, name = dict(source), Path.cwd(), None
    else:
        path = Path(source)
        try:
            data = C.read_yaml(path)  # a sweep file may also `extends:` another one
        except C.ConfigError as exc:
            raise SweepError(exc.errors, str(path)) from None
        base_dir, name = path.parent, str(path)
    if replications is not None:
        data["replications"] = replications
    if seed is not None:
        data["seed"] = seed
    if overrides:
        fixed = data.get("set")
        data["set"] = {**(fixed if isinstance(fixed, Mapping) else {}), **overrides}
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "<root>"
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, ")
            errors.append((where, msg))
        raise SweepError(errors, name) from None
    return expand(spec, base_dir=base_dir, source=name)


# --------------------------------------------------------------------------- one task


def run_task(cfg: C.Scenario, seed: int, replication: int) -> dict[str, Any]:
    """Simulate one replication of one point and return its record (never raises).

    Args:
        cfg: The point's scenario.
        seed: The sweep's root seed.
        replication: Replication index; streams are keyed by ``(seed, replication)``.

    Returns:
        ``status`` (``ok`` or ``error``), ``summary`` (site -> metric -> value), ``error`` and
        ``traceback`` (on error), ``elapsed_s`` and ``host``.
    """
    from .engine import simulate  # workers import the engine; planning a sweep does not

    start = time.perf_counter()
    record: dict[str, Any] = {"seed": seed, "replication": replication, "host": f"{socket.gethostname()}:{os.getpid()}"}
    try:
        summary = simulate(cfg, seed, replication=replication).summary
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


# --------------------------------------------------------------------------- results folder


def _atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Write a file through ``write(tmp)`` in the same folder, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _run_file(out: Path, pid: str, replication: int) -> Path:
    return out / RUNS_DIR / pid / f"r{replication}.json"


def _commit(out: Path, pid: str, record: dict[str, Any]) -> None:
    path = _run_file(out, pid, record["replication"])
    path.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(path, lambda p: p.write_text(json.dumps({"point_id": pid, **record})))


def _read_run(path: Path) -> dict[str, Any] | None:
    try:
        record: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record


def _prepare(out: Path, sw: Sweep, *, resume: bool, overwrite: bool) -> None:
    """Create or check the results folder; write the resolved sweep file."""
    marker = out / "sweep.yaml"
    if out.exists() and any(out.iterdir()):
        if not marker.exists():
            raise SweepError([("out", f"{out} exists and does not hold a sweep; choose another folder")])
        if overwrite:
            shutil.rmtree(out)
        elif not resume:
            raise SweepError([("out", f"{out} already holds a sweep: pass resume (--resume) to finish it "
                                      "or overwrite (--overwrite) to start again")])
        else:
            old = (yaml.safe_load(marker.read_text()) or {}).get("resolved_from", {}).get("fingerprint")
            if old != sw.fingerprint:
                raise SweepError([("out", f"{out} holds a sweep with another seed or base scenario "
                                          f"(fingerprint {old}, now {sw.fingerprint}); its replications "
                                          "cannot be reused: choose another folder or overwrite")])
    for stale in out.glob(f"{RUNS_DIR}/*/.*.tmp"):  # left by a killed run
        stale.unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(sw.resolved(), sort_keys=False)
    _atomic_write(marker, lambda p: p.write_text(text))


def _done(out: Path, sw: Sweep) -> dict[tuple[int, int], dict[str, Any]]:
    """Finished ``ok`` replications already on disk, by (point index, replication)."""
    found: dict[tuple[int, int], dict[str, Any]] = {}
    for p in sw.points:
        folder = out / RUNS_DIR / p.id
        if not folder.is_dir():
            continue
        for k in range(sw.replications):
            rec = _read_run(folder / f"r{k}.json")
            if rec is not None and rec.get("status") == "ok" and rec.get("seed") == sw.seed:
                found[p.index, k] = rec
    return found


# --------------------------------------------------------------------------- tables


def _param_frame(sw: Sweep) -> pd.DataFrame:
    """One row per point: id columns and the resolved value of every swept key."""
    rows = [{"point": p.index, "point_id": p.id, "label": p.label, **p.params} for p in sw.points]
    frame = pd.DataFrame(rows, columns=[*ID_COLUMNS, *sw.parameters])
    for key in sw.parameters:
        col = frame[key]
        if col.dtype == object and not all(isinstance(v, str) for v in col):
            # Mixed or structured values (null next to strings, mappings): text, so Parquet can store them.
            frame[key] = [v if isinstance(v, str) else json.dumps(v) for v in col]
    return frame


def _metric_order(columns: Iterable[str]) -> list[str]:
    cols = list(dict.fromkeys(columns))
    return [k for k in M.SUMMARY_KEYS if k in cols] + [k for k in cols if k not in M.SUMMARY_KEYS]


def build_tables(sw: Sweep, records: Mapping[tuple[int, int], dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """Tables of a sweep from its replication records.

    Args:
        sw: The sweep.
        records: ``(point index, replication) -> record`` as returned by :func:`run_task`.

    Returns:
        ``replications`` (one row per point and replication, site ``all``), ``sites`` (one row
        per point, replication and site, successful replications only), ``points`` (see
        :func:`point_table`), ``failures`` and ``timings``.
    """
    params = _param_frame(sw)
    rep_rows, site_rows, fail_rows, time_rows = [], [], [], []
    for p in sw.points:
        for k in range(sw.replications):
            rec = records.get((p.index, k))
            if rec is None:
                continue
            ok = rec["status"] == "ok"
            rep_rows.append({"point": p.index, "replication": k, "status": rec["status"],
                             "error": None if ok else rec.get("error"),
                             **(rec["summary"]["all"] if ok else {})})
            if ok:
                site_rows += [{"point": p.index, "replication": k, "site": site, **vals}
                              for site, vals in rec["summary"].items()]
            else:
                fail_rows.append({"point": p.index, "replication": k, "error": rec.get("error"),
                                  "traceback": rec.get("traceback")})
            time_rows.append({"point": p.index, "replication": k, "elapsed_s": rec.get("elapsed_s"),
                              "host": rec.get("host")})
    reps = pd.DataFrame(rep_rows, columns=["point", *RUN_COLUMNS]) if not rep_rows else pd.DataFrame(rep_rows)
    metrics = _metric_order(c for c in reps.columns if c not in ("point", *RUN_COLUMNS))
    reps = params.merge(reps[["point", *RUN_COLUMNS, *metrics]], on="point", how="inner")
    reps["error"] = reps["error"].astype(object)
    sites = pd.DataFrame(site_rows) if site_rows else pd.DataFrame(columns=["point", "replication", "site"])
    sites = params.merge(sites[["point", "replication", "site", *metrics]], on="point", how="inner")
    fail_cols = ["point", "replication", "error", "traceback"]
    failures = params[list(ID_COLUMNS)].merge(pd.DataFrame(fail_rows, columns=fail_cols), on="point")
    timings = params[list(ID_COLUMNS)].merge(
        pd.DataFrame(time_rows, columns=["point", "replication", "elapsed_s", "host"]), on="point")
    return {"replications": reps, "sites": sites, "points": point_table(reps, parameters=sw.parameters),
            "failures": failures, "timings": timings}


def point_table(
    replications: pd.DataFrame,
    *,
    parameters: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Per-point means and confidence intervals from a sweep's replications table.

    Args:
        replications: One row per (point, replication), as :func:`sweep` returns.
        parameters: Swept keys (default: the columns between ``label`` and ``replication``).
        metrics: Metrics to summarise (default: those of ``metrics.SUMMARY_KEYS`` present).
        level: Confidence level of the t-intervals (:func:`simulator.stats.mean_ci`).

    Returns:
        One row per point: id columns, parameters, ``replications`` (successful),
        ``failed``, and ``<metric>_mean``, ``<metric>_ci_low``, ``<metric>_ci_high`` per metric.
    """
    cols = list(replications.columns)
    if parameters is None:
        parameters = cols[cols.index("label") + 1: cols.index("replication")]
    if metrics is None:
        metrics = [k for k in M.SUMMARY_KEYS if k in cols]
    rows = []
    for _, group in replications.groupby("point", sort=True):
        ok = group[group["status"] == "ok"]
        row: dict[str, Any] = {c: group[c].iloc[0] for c in (*ID_COLUMNS, *parameters)}
        row["replications"] = len(ok)
        row["failed"] = int((group["status"] != "ok").sum())
        for m in metrics:
            e = mean_ci(ok[m].to_numpy(dtype=float), level)
            row[f"{m}_mean"], row[f"{m}_ci_low"], row[f"{m}_ci_high"] = e.mean, e.ci_low, e.ci_high
        rows.append(row)
    columns = [*ID_COLUMNS, *parameters, "replications", "failed",
               *(f"{m}_{s}" for m in metrics for s in ("mean", "ci_low", "ci_high"))]
    return pd.DataFrame(rows, columns=columns)


def _write_tables(out: Path, tables: Mapping[str, pd.DataFrame]) -> list[str]:
    written = []
    for name in ("replications", "sites", "points"):
        _atomic_write(out / f"{name}.parquet", partial(tables[name].to_parquet, index=False))
        written.append(f"{name}.parquet")
    _atomic_write(out / "points.csv", lambda p: tables["points"].to_csv(p, index=False))
    _atomic_write(out / "timings.csv", lambda p: tables["timings"].to_csv(p, index=False))
    written += ["points.csv", "timings.csv"]
    failures = out / "failures.csv"
    if len(tables["failures"]):
        _atomic_write(failures, lambda p: tables["failures"].to_csv(p, index=False))
        written.append("failures.csv")
    else:
        failures.unlink(missing_ok=True)
    return written


# --------------------------------------------------------------------------- running


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
        tables: ``replications``, ``sites``, ``points``, ``failures`` and ``timings``.
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

    Returns:
        The sweep, folder, tables and metadata.

    Raises:
        SweepError: for an invalid sweep or an unusable folder; nothing has run.
    """
    sw = spec if isinstance(spec, Sweep) else load_sweep(spec)
    from .sweep_plots import parse_target  # validate targets before running

    all_targets = list(dict.fromkeys([*sw.report.targets, *targets]))
    bad = []
    for t in all_targets:
        try:
            parse_target(t)
        except ValueError as exc:
            bad.append((f"target {t!r}", str(exc)))
    if bad:
        raise SweepError(bad, sw.source)
    out_dir = Path(out) if out is not None else default_out(sw)
    ex: Executor = executor if executor is not None else LocalProcesses(workers)
    failed = 0
    with ex:  # start or reach the workers before touching the folder
        description = ex.describe()
        _prepare(out_dir, sw, resume=resume, overwrite=overwrite)
        records: dict[tuple[int, int], dict[str, Any]] = _done(out_dir, sw) if resume else {}
        resumed = len(records)
        todo = [(p, k) for k in range(sw.replications) for p in sw.points if (p.index, k) not in records]
        start = time.perf_counter()

        def report(done: int) -> None:
            if progress is not None:
                progress(Progress(len(todo), done, failed, resumed, time.perf_counter() - start))

        report(0)
        tasks = [(p.cfg, sw.seed, k) for p, k in todo]
        for n, (i, record) in enumerate(ex.imap(run_task, tasks) if tasks else (), start=1):
            p, k = todo[i]
            _commit(out_dir, p.id, record)
            records[p.index, k] = record
            failed += record["status"] != "ok"
            report(n)
    elapsed = time.perf_counter() - start
    tables = build_tables(sw, records)
    written = _write_tables(out_dir, tables)
    task_s = [r.get("elapsed_s") or 0.0 for r in records.values()]
    meta = {
        "name": sw.name, "seed": sw.seed, "replications": sw.replications, "points": len(sw.points),
        "tasks": sw.n_tasks, "ran": len(todo), "resumed": resumed, "failed": int(len(tables["failures"])),
        "executor": description, "elapsed_s": round(elapsed, 3),
        "throughput_per_s": round(len(todo) / elapsed, 4) if elapsed > 0 and todo else None,
        "task_s_mean": round(float(np.mean(task_s)), 4) if task_s else None,
        "fingerprint": sw.fingerprint, "source": sw.source, "command": command or " ".join(sys.argv),
        "host": platform.node(), "versions": versions(), "tables": written,
    }
    if figures:
        from .sweep_plots import save_sweep_figures

        with staging(out_dir / "figures") as tmp:
            meta["figures"] = [p.name for p in save_sweep_figures(
                tables["points"], sw, tmp, targets=all_targets)]
    write_json(out_dir / "meta.json", meta)
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
) -> pd.DataFrame:
    """Run a sweep and return its replications table.

    The results folder (default ``results/sweeps/<name>``) holds ``sweep.yaml`` (the resolved
    sweep: inline base scenario and explicit points), ``meta.json`` (seed, versions,
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

    Returns:
        One row per (point, replication): ``point``, ``point_id``, ``label``, every swept
        key, ``replication``, ``status``, ``error`` and every summary metric of site ``all``.
        Identical, bit for bit, whatever the executor and number of workers.
    """
    executor = make_executor(workers=workers, scheduler=scheduler, dask_local=dask_local)
    outcome = run_sweep(spec, out=out, executor=executor, resume=resume, overwrite=overwrite, figures=figures)
    table = outcome.tables["replications"]
    table.attrs["out"] = str(outcome.out)
    return table


__all__ = [
    "Point",
    "Progress",
    "Sweep",
    "SweepError",
    "SweepOutcome",
    "SweepSpec",
    "build_tables",
    "expand",
    "load_sweep",
    "point_id",
    "point_table",
    "run_sweep",
    "run_task",
    "sweep",
]
