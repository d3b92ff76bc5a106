"""Calibration: the model's values beside the ranges that public evidence gives for them.

Each kind of site (``Site.kind``: ``inhouse`` or ``outsourced``) has a list of *targets* in a
data file (default: the package's ``data/calibration_targets.yaml``): a quantity, the summary
rate it is read from (a key of :data:`simulator.metrics.RATIOS`), the cited range, its unit, its
sources with their kind of evidence, and a note where sources disagree. :func:`calibrate`
replicates a scenario and returns one row per (kind of site present, target): the model's mean
over replications with its 95% confidence interval and whether the mean lies inside the range.

Sites of the same kind are pooled exactly like site ``all``: their counters are summed per
replication and the rate is recomputed from the sums (``docs/metrics.md``, section 3), so a
kind with a single site gives that site's own figures. ``docs/calibration.md`` lists every
target with its sources.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
import yaml
from pydantic import Field, model_validator

from . import config as C
from . import metrics as M
from .engine import DEFAULT_ENGINE
from .replication import ReplicationResult, replicate
from .stats import mean_ci

SITE_KINDS: tuple[str, ...] = get_args(C.Site.model_fields["kind"].annotation)
"""Kinds of site, in the schema's order (``inhouse``, ``outsourced``)."""

EvidenceKind = Literal["survey", "official statistics", "peer-reviewed", "practitioner"]
Unit = Literal["fraction", "per year", "days", "s", "USD/h"]

TABLE_COLUMNS: tuple[str, ...] = (
    "kind", "site", "name", "metric", "unit", "low", "high", "mean", "ci_low", "ci_high", "n",
    "inside", "ci_overlap", "gap", "source", "sources", "note",
)
"""Columns of the calibration table (see :func:`calibration_table`)."""


class Source(C.ConfigModel):
    """One piece of evidence behind a target."""

    publisher: str = Field(description="Who published the figure (organisation, author).")
    title: str = Field(description="Title of the report, article or page.")
    year: int | None = Field(description="Year of publication (null when the page gives none).")
    kind: EvidenceKind = Field(
        description="Kind of evidence: survey, official statistics, peer-reviewed or practitioner."
    )
    figure: str = Field(description="What the source says, in short.")
    via: str | None = Field(None, description="Where the figure was read when it is reported second-hand.")
    url: str | None = Field(None, description="Address of the page read.")

    def text(self) -> str:
        """One-line citation: publisher, title, year (kind of evidence)[, via ...]."""
        year = "n.d." if self.year is None else str(self.year)
        via = f", via {self.via}" if self.via else ""
        return f"{self.publisher}, {self.title}, {year} ({self.kind}{via})"


class Target(C.ConfigModel):
    """A calibrated quantity of one kind of site and its cited range."""

    name: str = Field(description="What is calibrated (printed).")
    metric: str = Field(description="Rate it is read from: a key of metrics.RATIOS.")
    low: float = Field(description="Low end of the cited range, in the metric's unit.")
    high: float = Field(description="High end of the cited range, in the metric's unit.")
    unit: Unit = Field(description="Unit of low, high and the model's value.")
    source: list[Source] = Field(min_length=1, description="The evidence behind the range.")
    note: str | None = Field(None, description="How the range was taken where sources disagree; caveats.")

    @model_validator(mode="after")
    def _check(self) -> Target:
        errors = []
        if self.metric not in M.RATIOS:
            errors.append(f"metric: {self.metric!r} is not a rate of metrics.RATIOS "
                          f"(sites of one kind are pooled by summing counters); expected one of {sorted(M.RATIOS)}")
        if not self.low <= self.high:
            errors.append(f"low: must not exceed high, got {self.low:g} > {self.high:g}")
        if errors:
            raise ValueError("; ".join(errors))
        return self

    def source_text(self) -> str:
        """Every source's citation, joined by ``"; "``."""
        return "; ".join(s.text() for s in self.source)


class TargetFile(C.ConfigModel):
    """The targets data file: targets per kind of site (``sources``/``shared`` hold YAML anchors)."""

    version: Literal[1] = Field(1, description="Format version of the file.")
    sources: dict[str, Source] = Field(default_factory=dict, description="Sources, written once (anchors).")
    shared: dict[str, Target] = Field(default_factory=dict, description="Targets shared by kinds (anchors).")
    kinds: dict[Literal["inhouse", "outsourced"], list[Target]] = Field(description="Targets per kind of site.")


def default_targets_path() -> Path:
    """Path of the targets file shipped with the package."""
    return Path(str(resources.files("simulator") / "data" / "calibration_targets.yaml"))


def load_targets(path: str | Path | None = None) -> dict[str, list[Target]]:
    """Read and validate a targets file; return the targets of each kind of site.

    Args:
        path: A YAML file in the format of the shipped ``data/calibration_targets.yaml``;
            None reads the shipped file.

    Raises:
        ConfigError: for a missing or unreadable file, an unknown kind of site, an unknown
            metric, a range with ``low > high`` or a missing field (errors name their path).
    """
    path = default_targets_path() if path is None else Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise C.ConfigError([("<file>", f"no such targets file: {path}")]) from None
    except yaml.YAMLError as exc:
        raise C.ConfigError([("<file>", f"not valid YAML: {exc}")], str(path)) from None
    if not isinstance(raw, dict):
        raise C.ConfigError([("<root>", f"expected a mapping, got {type(raw).__name__}")], str(path))
    parsed = C.parse_model(TargetFile, raw, str(path))
    return {kind: list(targets) for kind, targets in parsed.kinds.items()}


def kinds_present(cfg: C.Scenario) -> dict[str, list[str]]:
    """Site names of each kind of site present in ``cfg``, kinds in schema order."""
    out: dict[str, list[str]] = {}
    for kind in SITE_KINDS:
        names = [s.name for s in cfg.sites if s.kind == kind]
        if names:
            out[kind] = names
    return out


def check_targets(cfg: C.Scenario, targets: Mapping[str, Sequence[Target]]) -> None:
    """Raise :class:`~simulator.config.ConfigError` if a kind of site in ``cfg`` has no targets."""
    missing = [k for k in kinds_present(cfg) if not targets.get(k)]
    if missing:
        raise C.ConfigError([(f"kinds.{k}", f"no calibration targets for sites of kind {k!r}") for k in missing])


def _rate_per_replication(per_replication: pd.DataFrame, sites: Sequence[str], metric: str) -> np.ndarray:
    """``metric`` of the pooled ``sites`` in each replication: its rate recomputed from summed counters."""
    rows = per_replication[per_replication["site"].isin(list(sites))]
    sums = rows.groupby("replication", sort=True)[list(M.COUNTERS)].sum().to_numpy()
    return M.derive(sums)[metric]


def calibration_table(rep: ReplicationResult, targets: Mapping[str, Sequence[Target]] | None = None) -> pd.DataFrame:
    """The calibration table of a replicated scenario: one row per (kind of site present, target).

    Columns (:data:`TABLE_COLUMNS`): ``kind``; ``site`` (the site names of that kind joined by
    ``+``); the target's ``name``, ``metric``, ``unit``, ``low``, ``high``; the model's ``mean``
    over replications with its 95% Student-t interval ``ci_low``/``ci_high`` and the number
    ``n`` of replications with a value; ``inside`` (``low <= mean <= high``; None when the
    model has no value, e.g. no hire's 90 days ended before the horizon); ``ci_overlap``
    (the interval meets the range); ``gap`` (0 inside, else ``mean - high`` above the range or
    ``mean - low`` below it, in the metric's unit); ``source`` (the citations joined by
    ``"; "``), ``sources`` (the same as a tuple, one citation each) and ``note``.

    Args:
        rep: Replications of the scenario (their per-replication tables carry every counter).
        targets: Targets per kind of site; None reads the shipped file.

    Raises:
        ConfigError: if a kind of site present has no targets.
    """
    targets = load_targets() if targets is None else targets
    check_targets(rep.cfg, targets)
    rows: list[dict[str, Any]] = []
    for kind, sites in kinds_present(rep.cfg).items():
        for t in targets[kind]:
            e = mean_ci(_rate_per_replication(rep.per_replication, sites, t.metric))
            known = not math.isnan(e.mean)
            inside = (t.low <= e.mean <= t.high) if known else None
            overlap = (e.ci_low <= t.high and e.ci_high >= t.low) if known else None
            gap = math.nan if not known else 0.0 if inside else (e.mean - t.high if e.mean > t.high else e.mean - t.low)
            rows.append({
                "kind": kind, "site": "+".join(sites), "name": t.name, "metric": t.metric, "unit": t.unit,
                "low": t.low, "high": t.high, "mean": e.mean, "ci_low": e.ci_low, "ci_high": e.ci_high, "n": e.n,
                "inside": inside, "ci_overlap": overlap, "gap": gap, "source": t.source_text(),
                "sources": tuple(x.text() for x in t.source), "note": t.note,
            })
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def calibrate(
    cfg: C.Scenario,
    replications: int = 4,
    seed: int = 1,
    *,
    workers: int | None = None,
    targets: Mapping[str, Sequence[Target]] | str | Path | None = None,
    progress: Callable[[int], None] | None = None,
    engine: str = DEFAULT_ENGINE,
) -> pd.DataFrame:
    """Replicate ``cfg`` and compare every calibrated quantity with its cited range.

    Args:
        cfg: The scenario (its sites' ``kind`` selects their targets).
        replications: Independent replications (as :func:`~simulator.replication.replicate`).
        seed: Root seed.
        workers: Worker processes (None: all cores; 1: in this process). Results do not depend on it.
        targets: Targets per kind of site, or the path of a targets file; None reads the
            shipped ``data/calibration_targets.yaml``.
        progress: Called with 1 each time a replication finishes.
        engine: Engine that runs the replications: ``"fast"`` (compiled, default) or ``"simpy"``
            (the reference model); the table is identical.

    Returns:
        The calibration table (:func:`calibration_table`).

    Raises:
        ConfigError: for a bad targets file or a kind of site without targets (checked
            before anything runs).
        ValueError: for an unknown ``engine``.
    """
    if targets is None or isinstance(targets, (str, Path)):
        targets = load_targets(targets)
    check_targets(cfg, targets)
    rep = replicate(cfg, replications, seed, workers=workers, progress=progress, engine=engine)
    return calibration_table(rep, targets)


_PERCENT_UNITS = {"fraction": "%", "per year": "%/yr"}
_SUFFIX = {"days": " d", "s": " s", "USD/h": " USD/h"}


def format_value(x: float, unit: str, *, difference: bool = False) -> str:
    """``x`` in the target's display unit: shares and annual rates in percent, others with their unit.

    With ``difference=True`` the value is a signed difference: percentage points (``pp``) for shares.
    """
    if x != x:
        return "-"
    sign = "+" if difference and x > 0 else ""
    if unit in _PERCENT_UNITS:
        suffix = _PERCENT_UNITS[unit].replace("%", " pp") if difference else _PERCENT_UNITS[unit]
        return f"{sign}{100 * x:.1f}{suffix}"
    return f"{sign}{x:.3g}{_SUFFIX.get(unit, '')}" if abs(x) < 1000 else f"{sign}{x:,.0f}{_SUFFIX.get(unit, '')}"


def format_range(low: float, high: float, unit: str) -> str:
    """A cited range such as ``30-45%/yr``, ``91-365 d`` or ``30-60 USD/h``."""
    if unit in _PERCENT_UNITS:
        return f"{100 * low:g}-{100 * high:g}{_PERCENT_UNITS[unit]}"
    return f"{low:g}-{high:g}{_SUFFIX.get(unit, '')}"
