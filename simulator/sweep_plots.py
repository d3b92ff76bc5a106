"""Figures of sweeps: a metric against a swept parameter, heatmaps and feasibility maps.

Every function takes a sweep's *points table* (one row per point, as written to
``points.parquet`` and returned by :func:`simulator.sweep.point_table`): swept keys as
columns named by their dotted keys, and ``<metric>_mean``, ``<metric>_ci_low`` and
``<metric>_ci_high`` per metric. Like :mod:`simulator.plotting`, they draw on one ``Axes``,
return it and never call ``show()`` or ``savefig()``; :func:`save_sweep_figures` is the only
function that writes files.

Targets are strings such as ``service_level>=0.8`` or ``attrition_annual<=0.35``: a metric
(compared by its mean over replications, or by the unfavourable end of its 95% interval
with ``conservative=True``) or a swept parameter, an operator among ``>=``, ``<=``, ``>``
and ``<``, and a number.
"""

from __future__ import annotations

import math
import operator
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .plotting import DPI, SHARES, _band, _finish, _title, axis_label

if TYPE_CHECKING:
    from .sweep import Sweep

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


def _values(points: pd.DataFrame, name: str, *, end: str = "mean") -> pd.Series:
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
        ok &= _OPS[t.op](_values(points, t.metric, end=end), t.value).fillna(False).astype(bool)
    return ok


def cheapest_feasible(
    points: pd.DataFrame, targets: Sequence[str | Target], cost: str, *, conservative: bool = False
) -> pd.Series | None:
    """The feasible point with the lowest mean ``cost`` (a metric or a parameter); None if none is feasible."""
    ok = points[feasible(points, targets, conservative=conservative)]
    if ok.empty:
        return None
    return ok.loc[_values(ok, cost).astype(float).idxmin()]


# --------------------------------------------------------------------------- axes helpers


def _positions(values: pd.Series) -> tuple[np.ndarray[Any, Any], list[str] | None]:
    """Numeric x positions of parameter values: the values if all numeric, else category indexes."""
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().all():
        return numeric.to_numpy(dtype=float), None
    cats = list(dict.fromkeys(_text(v) for v in values))
    return np.array([cats.index(_text(v)) for v in values], dtype=float), cats


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "null"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _categorical(ax: Axes, cats: list[str] | None, axis: str = "x") -> None:
    if cats is None:
        return
    if axis == "x":
        ax.set_xticks(range(len(cats)), cats)
    else:
        ax.set_yticks(range(len(cats)), cats)


def param_label(key: str) -> str:
    """Axis label of a swept key: the dotted key, with its unit spelled out when it has one."""
    units = {"_s": "s", "_min": "min", "_h": "h", "_days": "days", "_pct": "%"}
    for suffix, unit in units.items():
        if key.endswith(suffix):
            return f"{key} ({unit})"
    return key


def _fmt(metric: str, v: float) -> str:
    if not math.isfinite(v):
        return "-"
    if metric in SHARES:
        return f"{v:.0%}"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def _unique_cells(points: pd.DataFrame, keys: Sequence[str]) -> None:
    dupes = points.duplicated(subset=list(keys), keep=False)
    if dupes.any():
        raise ValueError(
            f"several points share each value of {list(keys)}: filter the points table to one value of the other "
            "swept keys first, e.g. points[points['key'] == value]"
        )


def _new_axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # only when no axes are given (notebooks)

    return plt.gca()


# --------------------------------------------------------------------------- plots


def metric_vs_parameter(
    points: pd.DataFrame, metric: str, x: str, *, by: str | None = None, ax: Axes | None = None
) -> Axes:
    """Plot a metric's mean against a swept key with its 95% CI band, one curve per value of ``by``.

    Args:
        points: A sweep's points table.
        metric: Metric name, e.g. ``service_level`` (columns ``<metric>_mean`` etc.).
        x: Swept key on the x axis.
        by: Second swept key; one curve per value.
        ax: Axes to draw on; pyplot's current axes if None.

    Returns:
        The axes drawn on.
    """
    ax = _new_axes(ax)
    _values(points, metric)
    _unique_cells(points, [x, *([by] if by else [])])
    xs, cats = _positions(points[x])
    frame = points.assign(_x=xs)
    groups = [(None, frame)] if by is None else list(frame.groupby(by, sort=True, dropna=False))
    for value, g in groups:
        g = g.sort_values("_x")
        t = pd.DataFrame({"mean": g[f"{metric}_mean"], "ci_low": g[f"{metric}_ci_low"],
                          "ci_high": g[f"{metric}_ci_high"]})
        label = "mean over replications" if by is None else f"{by} = {_text(value)}"
        _band(ax, g["_x"].to_numpy(dtype=float), t, metric, line_label=label, color=None)
    _categorical(ax, cats)
    if cats is None and points[x].nunique() <= 12:
        ax.set_xticks(sorted(set(xs)))
    n = int(points["replications"].min()) if "replications" in points.columns else None
    title = f"{_title(metric)} by {x}" + (f" ({n} replications per point)" if n else "")
    return _finish(ax, t, metric, xlabel=param_label(x), title=title)


def heatmap(points: pd.DataFrame, metric: str, x: str, y: str, *, ax: Axes | None = None) -> Axes:
    """Draw a metric's mean over two swept keys as a coloured grid with the values written in.

    Args:
        points: A sweep's points table (one point per (x, y) cell).
        metric: Metric name.
        x: Swept key across.
        y: Swept key up.
        ax: Axes to draw on; pyplot's current axes if None.

    Returns:
        The axes drawn on.
    """
    ax = _new_axes(ax)
    values = _values(points, metric)
    _unique_cells(points, [x, y])
    xcats = sorted(points[x].unique(), key=_sort_key)
    ycats = sorted(points[y].unique(), key=_sort_key)
    grid = np.full((len(ycats), len(xcats)), np.nan)
    for (xv, yv), v in zip(zip(points[x], points[y], strict=True), values, strict=True):
        grid[_index(ycats, yv), _index(xcats, xv)] = v
    finite = grid[np.isfinite(grid)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis", vmin=vmin, vmax=vmax)
    for (r, c), v in np.ndenumerate(grid):
        light = math.isfinite(v) and (v - vmin) < 0.5 * (vmax - vmin)
        ax.text(c, r, _fmt(metric, v), ha="center", va="center", fontsize="small", color="w" if light else "k")
    ax.set_xticks(range(len(xcats)), [_text(v) for v in xcats])
    ax.set_yticks(range(len(ycats)), [_text(v) for v in ycats])
    ax.set_xlabel(param_label(x))
    ax.set_ylabel(param_label(y))
    ax.set_title(f"{_title(metric)}: mean over replications")
    bar = ax.figure.colorbar(image, ax=ax)
    bar.set_label(axis_label(metric))
    if metric in SHARES:
        from matplotlib.ticker import PercentFormatter

        bar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    return ax


def _sort_key(v: Any) -> tuple[int, float, str]:
    """Numbers in order, then null, then text."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return (1, 0.0, "")
    if isinstance(v, int | float | np.number):
        return (0, float(v), "")
    return (2, 0.0, str(v))


def _index(cats: list[Any], v: Any) -> int:
    key = _sort_key(v)
    return next(i for i, c in enumerate(cats) if _sort_key(c) == key)


def feasibility_map(
    points: pd.DataFrame,
    targets: Sequence[str | Target],
    x: str,
    y: str | None = None,
    *,
    cost: str | None = None,
    conservative: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Mark the points that meet every target, and the cheapest of them.

    With two swept keys the points sit on the (x, y) grid; ``y`` may also be a metric (by
    default ``cost``), drawn as its mean with 95% CI error bars.

    Args:
        points: A sweep's points table.
        targets: Targets such as ``"service_level>=0.8"``.
        x: Swept key across.
        y: Second swept key, or a metric, up (None: ``cost``).
        cost: Metric or parameter to minimise among feasible points (starred).
        conservative: Judge targets by the unfavourable end of the 95% CI.
        ax: Axes to draw on; pyplot's current axes if None.

    Returns:
        The axes drawn on.
    """
    ax = _new_axes(ax)
    parsed = [parse_target(t) if isinstance(t, str) else t for t in targets]
    y = y if y is not None else cost
    if y is None:
        raise ValueError("give a second swept key y, or a cost to draw up the y axis")
    ok = feasible(points, parsed, conservative=conservative).to_numpy()
    xs, xcats = _positions(points[x])
    y_is_metric = f"{y}_mean" in points.columns
    if y_is_metric:
        _unique_cells(points, [x])
        ys, ycats = _values(points, y).to_numpy(dtype=float), None
        low, high = points[f"{y}_ci_low"].to_numpy(dtype=float), points[f"{y}_ci_high"].to_numpy(dtype=float)
        ax.errorbar(xs, ys, yerr=[ys - low, high - ys], fmt="none", ecolor="0.6", lw=1, capsize=3, zorder=1,
                    label="95% CI")
    else:
        _unique_cells(points, [x, y])
        ys, ycats = _positions(points[y])
    ax.scatter(xs[~ok], ys[~ok], marker="X", s=70, color="C3", label="misses a target", zorder=2)
    ax.scatter(xs[ok], ys[ok], marker="o", s=70, color="C2", label="meets every target", zorder=2)
    handles: list[Any] = []
    if cost is not None:
        best = cheapest_feasible(points, parsed, cost, conservative=conservative)
        if best is not None:
            i = points.index.get_loc(best.name)
            c = float(_values(points.loc[[best.name]], cost).iloc[0])
            ax.scatter([xs[i]], [ys[i]], marker="*", s=380, color="gold", edgecolor="k", zorder=3)
            handles.append(Line2D([], [], marker="*", color="gold", markeredgecolor="k", markersize=15, lw=0,
                                  label=textwrap.fill(f"cheapest feasible: {best['label']} ({cost} {_fmt(cost, c)})",
                                                      60, subsequent_indent="  ")))
        else:
            ax.text(0.5, 0.97, "no point meets every target", transform=ax.transAxes, ha="center", va="top",
                    color="C3")
    _categorical(ax, xcats)
    _categorical(ax, ycats, axis="y")
    if xcats is None and points[x].nunique() <= 12:
        ax.set_xticks(sorted(set(xs)))
    if not y_is_metric and ycats is None and points[y].nunique() <= 12:
        ax.set_yticks(sorted(set(ys)))
    ax.set_xlabel(param_label(x))
    ax.set_ylabel(axis_label(y) if y_is_metric else param_label(y))
    ax.set_title("Feasible points: " + ", ".join(str(t) for t in parsed), fontsize="medium")
    ax.grid(True, alpha=0.3)
    ax.margins(0.12)
    h, _ = ax.get_legend_handles_labels()
    ax.legend(handles=[*h, *handles], loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=1, fontsize="small",
              frameon=False)
    return ax


# --------------------------------------------------------------------------- figure set


def _axes_keys(points: pd.DataFrame, sw: Sweep) -> list[str]:
    """One swept key per dimension that varies, in sweep order."""
    return [dim[0] for dim in sw.dimensions if points[dim[0]].astype(str).nunique() > 1]


def _slug(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "-", key).strip("-")


def save_sweep_figures(points: pd.DataFrame, sw: Sweep, out_dir: str | Path, *,
                       targets: Sequence[str] | None = None) -> list[Path]:
    """Write the standard figures of a sweep as PNGs and return their paths.

    For each metric of ``sw.report.metrics`` present: the metric against the first varying
    swept key, one curve per value of the second (``<metric>_vs_<key>.png``), and with two
    varying keys a heatmap (``<metric>_heatmap.png``). With targets, a feasibility map
    (``feasibility.png``) starring the point of lowest ``report.cost``. Sweeps with more
    than two varying keys, or whose points do not form a grid over them, get no figures:
    plot them from the tables.

    Args:
        points: The sweep's points table.
        sw: The sweep.
        out_dir: Folder to write into (created if missing).
        targets: Feasibility targets (default: ``sw.report.targets``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    keys = _axes_keys(points, sw)
    if not 1 <= len(keys) <= 2 or points.duplicated(subset=keys).any():
        return []
    x, by = keys[0], (keys[1] if len(keys) == 2 else None)
    metrics = [m for m in sw.report.metrics if f"{m}_mean" in points.columns]
    caption = f"{sw.name}: {len(points)} points x {sw.replications} replications, seed {sw.seed}"
    draws: list[tuple[str, Callable[..., Any]]] = []  # each called with ax=
    for m in metrics:
        draws.append((f"{m}_vs_{_slug(x)}.png", partial(metric_vs_parameter, points, m, x, by=by)))
        if by is not None:
            draws.append((f"{m}_heatmap.png", partial(heatmap, points, m, x, by)))
    all_targets = list(dict.fromkeys(sw.report.targets if targets is None else targets))
    if all_targets:
        cost = sw.report.cost
        y = by or cost or parse_target(all_targets[0]).metric
        draws.append(("feasibility.png", partial(feasibility_map, points, all_targets, x, y, cost=cost)))
    paths = []
    for name, draw in draws:
        fig = Figure(figsize=(8.0, 5.2), layout="constrained")
        try:
            draw(ax=fig.subplots())
            fig.suptitle(caption, fontsize="medium", color="0.3")
            fig.savefig(out / name, dpi=DPI)
            paths.append(out / name)
        finally:
            fig.clear()
    return paths
