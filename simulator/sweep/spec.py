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

This module reads and expands sweep files; :mod:`simulator.sweep.runner` runs them,
:mod:`simulator.sweep.tables` summarises them and :mod:`simulator.sweep.targets` judges
feasibility.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from .. import config as C
from ..rng import stream

DEFAULT_METRICS: tuple[str, ...] = ("service_level", "asa_s", "abandon_rate", "occupancy")
"""Metrics drawn by default in sweep figures."""

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


class Range(C.ConfigModel):
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


class Sample(C.ConfigModel):
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


class NamedPoint(C.ConfigModel):
    """An explicit point: a name and its overrides."""

    name: str = Field(min_length=1, description="Label of the point in tables and plots.")
    overrides: dict[str, Any] = Field(default_factory=dict, alias="set", description="Dotted key -> value.")


class Report(C.ConfigModel):
    """What the figures of a sweep show."""

    metrics: list[str] = Field(default_factory=lambda: list(DEFAULT_METRICS), description="Metrics to plot.")
    targets: list[str] = Field(
        default_factory=list, description="Feasibility targets such as 'service_level>=0.8'."
    )
    cost: str | None = Field(None, description="Metric or parameter to minimise among feasible points.")
    scenarios: list[str] = Field(
        default_factory=list,
        description="Swept keys that are scenarios (demand, growth, assumptions), not decisions: the cheapest "
        "feasible point is found for each of their values (e.g. a staffing curve over demand.calls_per_day).",
    )


class SweepSpec(C.ConfigModel):
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
        params = {k: C.lookup(data, k) for k in parameters}
        points.append(Point(index, pid, label, overrides, cfg, params))
    for i, key in enumerate(spec.report.scenarios):
        if key not in parameters:
            errors.append((f"report.scenarios[{i}]", f"expected a swept key among {parameters}, got {key!r}"))
    if spec.report.scenarios and not spec.report.cost:
        errors.append(("report.cost", "required with report.scenarios: the cheapest feasible point needs a cost"))
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
    spec = C.parse_model(SweepSpec, data, name, error=SweepError)
    return expand(spec, base_dir=base_dir, source=name)
