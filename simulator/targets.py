"""Feasibility targets of a sweep: ``service_level>=0.8``, ``attrition_annual<=0.35``.

A target is a metric (compared by its mean over replications, or by the unfavourable end
of its 95% interval with ``conservative=True``) or a swept parameter, an operator among
``>=``, ``<=``, ``>`` and ``<``, and a number. Functions here read a sweep's *points table*
(:func:`simulator.sweep.point_table`; planning uses the same targets).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .metrics import SHARES

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt,
}
_TARGET = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(>=|<=|>|<)\s*([-+0-9.eE]+)\s*$")


@dataclass(frozen=True)
class Target:
    """A feasibility target: ``metric op value``."""

    metric: str
    """Metric name (``service_level``) or swept key (``sites.inhouse.agents``)."""
    op: str
    """One of ``>=``, ``<=``, ``>``, ``<``."""
    value: float
    """Threshold."""

    def __str__(self) -> str:
        value = f"{self.value:.0%}" if self.metric in SHARES else f"{self.value:g}"
        return f"{self.metric} {self.op} {value}"


def parse_target(text: str) -> Target:
    """Parse ``"service_level>=0.8"`` into a :class:`Target`.

    Raises:
        ValueError: if the text is not ``name op number``.
    """
    m = _TARGET.match(text)
    if m is None:
        raise ValueError(f"expected METRIC>=NUMBER (or <=, >, <), e.g. service_level>=0.8, got {text!r}")
    try:
        value = float(m.group(3))
    except ValueError:
        raise ValueError(f"not a number: {m.group(3)!r} in {text!r}") from None
    return Target(m.group(1), m.group(2), value)


def values(points: pd.DataFrame, name: str, *, end: str = "mean") -> pd.Series:
    """A metric's ``_mean`` (or ``_ci_low``/``_ci_high``) column, or a parameter column."""
    if f"{name}_{end}" in points.columns:
        return points[f"{name}_{end}"].astype(float)
    if name in points.columns:
        return points[name]
    metrics = sorted(c.removesuffix("_mean") for c in points.columns if c.endswith("_mean"))
    raise KeyError(f"no metric or parameter {name!r}; metrics are {metrics}")


def feasible(points: pd.DataFrame, targets: Sequence[str | Target], *, conservative: bool = False) -> pd.Series:
    """Which points meet every target.

    Args:
        points: A sweep's points table.
        targets: Targets as strings or :class:`Target`.
        conservative: Compare the interval's unfavourable end (``ci_low`` for ``>=``)
            instead of the mean.

    Returns:
        A boolean Series aligned with ``points``; a point with a NaN metric is not feasible.
    """
    ok = pd.Series(True, index=points.index)
    for t in targets:
        t = parse_target(t) if isinstance(t, str) else t
        end = ("ci_low" if t.op in (">=", ">") else "ci_high") if conservative else "mean"
        ok &= _OPS[t.op](values(points, t.metric, end=end), t.value).fillna(False).astype(bool)
    return ok


def cheapest_feasible(
    points: pd.DataFrame, targets: Sequence[str | Target], cost: str, *, conservative: bool = False
) -> pd.Series | None:
    """The feasible point with the lowest mean ``cost`` (a metric or a parameter); None if none is feasible."""
    ok = points[feasible(points, targets, conservative=conservative)]
    if ok.empty:
        return None
    return ok.loc[values(ok, cost).astype(float).idxmin()]


def cheapest_feasible_by(
    points: pd.DataFrame, targets: Sequence[str | Target], cost: str, by: Sequence[str], *,
    conservative: bool = False,
) -> pd.DataFrame:
    """The cheapest feasible point for each value of the scenario keys ``by`` (a decision per scenario).

    A sweep over a decision (agents) and a scenario (demand) answers "how many agents at
    each demand", not "which cell of the grid is cheapest". Returns one row per combination
    of ``by`` values, in order of first appearance: those values, ``feasible_points`` (how
    many points of the scenario meet every target), and the cheapest one's ``point_id``,
    ``label`` and mean ``cost`` (None and NaN where none is feasible).
    """
    ok = feasible(points, targets, conservative=conservative)
    rows = []
    for key, group in points.groupby(list(by), sort=False, dropna=False):
        values_by = key if isinstance(key, tuple) else (key,)
        best = cheapest_feasible(group, targets, cost, conservative=conservative)
        rows.append({
            **dict(zip(by, values_by, strict=True)), "feasible_points": int(ok.loc[group.index].sum()),
            "point_id": None if best is None else best["point_id"], "label": None if best is None else best["label"],
            cost: float("nan") if best is None else float(values(points.loc[[best.name]], cost).iloc[0]),
        })
    return pd.DataFrame(rows)


def check_targets(targets: Sequence[str]) -> list[tuple[str, str]]:
    """``(target, message)`` for each target that does not parse; empty if all do."""
    bad = []
    for t in targets:
        try:
            parse_target(t)
        except ValueError as exc:
            bad.append((f"target {t!r}", str(exc)))
    return bad
