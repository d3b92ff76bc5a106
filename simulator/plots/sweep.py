"""Figures of sweeps: a metric against a swept parameter, heatmaps and feasibility maps.

Every function takes a sweep's *points table* (one row per point, as written to
``points.parquet`` and returned by :func:`simulator.sweep.point_table`): swept keys as
columns named by their dotted keys, and ``<metric>_mean``, ``<metric>_ci_low`` and
``<metric>_ci_high`` per metric. Like the other :mod:`simulator.plots` modules they draw
on one ``Axes``, return it and never call ``show()`` or ``savefig()``;
:func:`simulator.output.write_sweep_figures` writes the figure set of :func:`figures`.
Targets are parsed by :mod:`simulator.targets`.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from ..metrics import SHARES
from ..targets import Target, cheapest_feasible, cheapest_feasible_by, feasible, parse_target, values
from .common import (
    MIN_REPLICATIONS_FOR_CI,
    FigureSpec,
    axis_label,
    band,
    clipped,
    current_axes,
    finish,
    note_small_n,
    title,
)

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


# --------------------------------------------------------------------------- plots


def metric_vs_parameter(
    points: pd.DataFrame, metric: str, x: str, *, by: str | None = None, ax: Axes | None = None
) -> Axes:
    """Plot a metric's mean against a swept key with its 95% CI, one curve per value of ``by``.

    The intervals are light bands; with fewer than
    :data:`~simulator.plots.common.MIN_REPLICATIONS_FOR_CI` replications per point they are
    error bars instead, and the figure says that they are rough.

    Args:
        points: A sweep's points table.
        metric: Metric name, e.g. ``service_level`` (columns ``<metric>_mean`` etc.).
        x: Swept key on the x axis.
        by: Second swept key; one curve per value.
        ax: Axes to draw on; pyplot's current axes if None.

    Returns:
        The axes drawn on.
    """
    ax = ax if ax is not None else current_axes()
    values(points, metric)
    _unique_cells(points, [x, *([by] if by else [])])
    xs, cats = _positions(points[x])
    frame = points.assign(_x=xs)
    groups = [(None, frame)] if by is None else list(frame.groupby(by, sort=True, dropna=False))
    n = int(points["replications"].min()) if "replications" in points.columns else None
    rough = n is not None and n < MIN_REPLICATIONS_FOR_CI
    span = float(np.ptp(xs)) if len(xs) else 0.0
    for i, (value, g) in enumerate(groups):
        g = g.sort_values("_x")
        t = pd.DataFrame({"mean": g[f"{metric}_mean"], "ci_low": g[f"{metric}_ci_low"],
                          "ci_high": g[f"{metric}_ci_high"]})
        label = "mean over replications" if by is None else f"{by} = {_text(value)}"
        gx = g["_x"].to_numpy(dtype=float)
        if rough:
            mean = t["mean"].to_numpy()
            (line,) = ax.plot(gx, mean, marker="o", markersize=3.5, lw=1.8, label=label)
            low, high = clipped(t, metric)
            dodge = (i - (len(groups) - 1) / 2) * 0.01 * span  # curves' bars side by side, not on top
            ax.errorbar(gx + dodge, mean, yerr=[mean - low, high - mean], fmt="none", ecolor=line.get_color(),
                        alpha=0.6, capsize=2, lw=1)
        else:
            band(ax, gx, t, metric, line_label=label, alpha=0.12)
    _categorical(ax, cats)
    if cats is None and points[x].nunique() <= 12:
        ax.set_xticks(sorted(set(xs)))
    if n is not None:
        note_small_n(ax, n)
    heading = f"{title(metric)} by {x}" + (f" ({n} replications per point)" if n else "")
    return finish(ax, t, metric, xlabel=param_label(x), title=heading)


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
    ax = ax if ax is not None else current_axes()
    means = values(points, metric)
    _unique_cells(points, [x, y])
    xcats = sorted(points[x].unique(), key=_sort_key)
    ycats = sorted(points[y].unique(), key=_sort_key)
    grid = np.full((len(ycats), len(xcats)), np.nan)
    for (xv, yv), v in zip(zip(points[x], points[y], strict=True), means, strict=True):
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
    ax.set_title(f"{title(metric)}: mean over replications")
    bar = ax.figure.colorbar(image, ax=ax)
    bar.set_label(axis_label(metric))
    if metric in SHARES:
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
    scenarios: Sequence[str] = (),
    conservative: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Mark the points that meet every target, and the cheapest of them (or of each scenario).

    With two swept keys the points sit on the (x, y) grid; ``y`` may also be a metric (by
    default ``cost``), drawn as its mean with 95% CI error bars.

    Args:
        points: A sweep's points table.
        targets: Targets such as ``"service_level>=0.8"``.
        x: Swept key across.
        y: Second swept key, or a metric, up (None: ``cost``).
        cost: Metric or parameter to minimise among feasible points (starred).
        scenarios: Swept keys that are scenarios, not decisions: the cheapest feasible point of
            each of their values is starred and the stars joined (a staffing curve).
        conservative: Judge targets by the unfavourable end of the 95% CI.
        ax: Axes to draw on; pyplot's current axes if None.

    Returns:
        The axes drawn on.
    """
    ax = ax if ax is not None else current_axes()
    parsed = [parse_target(t) if isinstance(t, str) else t for t in targets]
    y = y if y is not None else cost
    if y is None:
        raise ValueError("give a second swept key y, or a cost to draw up the y axis")
    ok = feasible(points, parsed, conservative=conservative).to_numpy()
    xs, xcats = _positions(points[x])
    y_is_metric = f"{y}_mean" in points.columns
    if y_is_metric:
        _unique_cells(points, [x])
        ys, ycats = values(points, y).to_numpy(dtype=float), None
        low, high = points[f"{y}_ci_low"].to_numpy(dtype=float), points[f"{y}_ci_high"].to_numpy(dtype=float)
        ax.errorbar(xs, ys, yerr=[ys - low, high - ys], fmt="none", ecolor="0.6", lw=1, capsize=3, zorder=1,
                    label="95% CI")
    else:
        _unique_cells(points, [x, y])
        ys, ycats = _positions(points[y])
    ax.scatter(xs[~ok], ys[~ok], marker="X", s=70, color="C3", label="misses a target", zorder=2)
    ax.scatter(xs[ok], ys[ok], marker="o", s=70, color="C2", label="meets every target", zorder=2)
    handles: list[Any] = []
    if cost is not None and scenarios:
        curve = cheapest_feasible_by(points, parsed, cost, scenarios, conservative=conservative)
        found = curve.dropna(subset=["point_id"])
        at = [points.index[points["point_id"] == pid][0] for pid in found["point_id"]]
        i = [points.index.get_loc(j) for j in at]
        order = np.argsort(xs[i] if scenarios[0] == x else ys[i], kind="stable")
        ax.plot(xs[i][order], ys[i][order], color="0.3", lw=1.2, zorder=2.5)
        ax.scatter(xs[i], ys[i], marker="*", s=380, color="gold", edgecolor="k", zorder=3)
        missing = len(curve) - len(found)
        label = f"cheapest feasible ({cost}) per {', '.join(param_label(k) for k in scenarios)}"
        handles.append(Line2D([], [], marker="*", color="0.3", markerfacecolor="gold", markeredgecolor="k",
                              markersize=15, lw=1.2,
                              label=label + (f"; {missing} with none feasible" if missing else "")))
    elif cost is not None:
        best = cheapest_feasible(points, parsed, cost, conservative=conservative)
        if best is not None:
            i = points.index.get_loc(best.name)
            c = float(values(points.loc[[best.name]], cost).iloc[0])
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


def _slug(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "-", key).strip("-")


def figures(
    points: pd.DataFrame, dimensions: Sequence[Sequence[str]], metrics: Sequence[str], *,
    targets: Sequence[str] = (), cost: str | None = None, scenarios: Sequence[str] = (),
) -> list[FigureSpec]:
    """The standard figures of a sweep, to be drawn by :func:`simulator.output.write_figures`.

    For each metric of ``metrics`` present: the metric against the first varying swept
    key, one curve per value of the second (``<metric>_vs_<key>.png``), and with two
    varying keys a heatmap (``<metric>_heatmap.png``). With targets, a feasibility map
    (``feasibility.png``) starring the point of lowest ``cost``. Sweeps with more than two
    varying keys, or whose points do not form a grid over them, get no figures: plot them
    from the tables.

    Args:
        points: The sweep's points table.
        dimensions: Swept keys grouped by what varies together (``Sweep.dimensions``).
        metrics: Metrics to draw.
        targets: Feasibility targets.
        cost: Metric or parameter to minimise among feasible points.
        scenarios: Swept keys that are scenarios: the feasibility map stars the cheapest point per value.
    """
    keys = [dim[0] for dim in dimensions if points[dim[0]].astype(str).nunique() > 1]
    if not 1 <= len(keys) <= 2 or points.duplicated(subset=keys).any():
        return []
    x, by = keys[0], (keys[1] if len(keys) == 2 else None)
    size = (8.0, 5.2)

    def on_axes(draw: Any) -> Any:
        return lambda fig: draw(ax=fig.subplots())

    specs: list[FigureSpec] = []
    for m in (m for m in metrics if f"{m}_mean" in points.columns):
        specs.append((f"{m}_vs_{_slug(x)}.png", size, on_axes(partial(metric_vs_parameter, points, m, x, by=by))))
        if by is not None:
            specs.append((f"{m}_heatmap.png", size, on_axes(partial(heatmap, points, m, x, by))))
    if targets:
        y = by or cost or parse_target(targets[0]).metric
        specs.append(("feasibility.png", size, on_axes(partial(feasibility_map, points, targets, x, y, cost=cost,
                                                               scenarios=scenarios))))
    return specs
