"""What every figure shares: axis labels with units, titles, percent axes and confidence bands.

Plot functions in :mod:`simulator.plots` take tidy DataFrames, draw on one matplotlib
``Axes`` (or an array of them for multi-panel figures), return it and never call ``show()``
or ``savefig()``; :mod:`simulator.output` writes figure files. Bands are 95% t-intervals
over replications from :func:`simulator.stats.mean_ci`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter
from numpy.typing import NDArray

from ..metrics import SHARES
from ..stats import mean_ci

AxesArray = NDArray[np.object_]
"""A 1-D numpy array of ``Axes`` (what ``Figure.subplots`` returns, flattened)."""

LABELS: dict[str, str] = {
    "service_level": "service level (share answered within T)",
    "asa_s": "ASA (s)",
    "occupancy": "occupancy (share of staffed time busy)",
    "fatigue_mean": "mean agent fatigue F (dimensionless)",
    "offered": "contacts offered per interval",
    "abandon_rate": "abandonment rate",
    "wait_mean_s": "mean wait (s)",
    "wait_p90_s": "90th percentile of wait (s)",
    "aht_s": "AHT (s)",
    "p_wait": "share of contacts that waited",
    "block_rate": "share of contacts blocked",
    "fcr": "first-contact resolution rate",
    "answered": "contacts answered",
    "abandoned": "contacts abandoned",
    "escalation_rate": "share of handled contacts escalated",
    "repeat_share": "share of contacts that are repeat calls",
    "attrition_annual": "annual attrition (separations / mean headcount per year)",
    "quits": "quits (agents)",
    "dismissals": "dismissals (agents)",
    "hires": "hires (agents)",
    "headcount_mean": "mean headcount (agents)",
    "agents_on_floor_mean": "mean agents staffed (agents)",
    "absence_rate": "absence rate (share of scheduled agent-days)",
    "burnout_mean": "mean burnout B of floor agents (dimensionless)",
    "proficiency_mean": "mean proficiency p of floor agents (0-1)",
    "kpi_miss_rate": "share of KPI reviews missed",
    "overtime_s": "overtime (s)",
    "paid_s": "paid time (s)",
    "cost_wages": "wages ({currency})",
    "cost_hiring": "hiring cost ({currency})",
    "cost_calls": "vendor price of contacts ({currency})",
    "cost_fraud": "fraud losses ({currency})",
    "cost_abandon": "cost of abandoned contacts ({currency})",
    "cost_total": "total cost ({currency})",
    "cost_per_resolved": "cost per resolved caller ({currency})",
    "voice_service_level": "voice service level (share answered within T)",
    "chat_service_level": "chat service level (share of first responses within T)",
    "email_backlog_mean": "emails waiting at the end of the day",
    "email_response_target_met": "share of emails replied within the target",
    "csat": "customer satisfaction (share satisfied)",
    "csat_survey": "survey score (share of satisfied answers)",
}
"""Axis labels, with units, of the common metric columns (``{currency}`` is filled in)."""

TITLES: dict[str, str] = {
    "service_level": "Service level",
    "asa_s": "Average speed of answer",
    "occupancy": "Agent occupancy",
    "fatigue_mean": "Mean agent fatigue",
    "offered": "Contacts offered",
    "abandon_rate": "Abandonment rate",
    "wait_mean_s": "Mean wait",
    "aht_s": "Average handle time",
    "fcr": "First-contact resolution",
    "attrition_annual": "Annual attrition",
    "cost_per_resolved": "Cost per resolved caller",
    "voice_service_level": "Voice service level",
    "chat_service_level": "Chat service level",
    "email_backlog_mean": "Email backlog at day end",
    "email_response_target_met": "Emails replied within target",
    "csat": "Customer satisfaction",
}
"""Short plot titles of the common metric columns."""

PERCENT: frozenset[str] = SHARES | {"attrition_annual"}
"""Metrics shown in percent: the shares and annual attrition (which may exceed 100%)."""

FULL_RANGE: frozenset[str] = frozenset({"service_level", "occupancy", "voice_service_level", "chat_service_level"})
"""Shares drawn on a fixed 0-100% axis (they usually span much of it)."""

FigureSpec = tuple[str, tuple[float, float], Callable[[Figure], Any]]
"""``(file name, (width, height) in inches, draw(fig))`` of one figure of a figure set."""

CI_LABEL = "95% CI"
"""Legend entry of the confidence band (shown once per axes)."""

MIN_REPLICATIONS_FOR_CI = 3
"""Below this many replications an interval is too wide to read: figures say so."""


def axis_label(metric: str, *, currency: str = "currency units") -> str:
    """Human axis label (with units) of a metric column; the column name if unknown."""
    return LABELS.get(metric, metric.replace("_", " ")).format(currency=currency)


def title(metric: str) -> str:
    """Short title of a metric column."""
    return TITLES.get(metric, metric.replace("_", " ").capitalize())


def site_text(site: str) -> str:
    """``all sites`` or ``site NAME``."""
    return "all sites" if site == "all" else f"site {site}"


def current_axes() -> Axes:
    """Pyplot's current axes: only used when a caller passes no axes (notebooks)."""
    import matplotlib.pyplot as plt  # only when no axes are given (notebooks)

    return plt.gca()


def axes_grid(n_rows: int, n_cols: int, axes: Sequence[Axes] | AxesArray | None, size: tuple[float, float],
              **subplots: Any) -> AxesArray:
    """The ``n_rows x n_cols`` axes given (flattened), or a new pyplot figure's if None."""
    if axes is None:
        import matplotlib.pyplot as plt  # only when no axes are given (notebooks)

        fig = plt.figure(figsize=size, layout="constrained")
        axes = fig.subplots(n_rows, n_cols, squeeze=False, **subplots)
    arr = np.asarray(axes, dtype=object).ravel()
    if arr.size != n_rows * n_cols:
        raise ValueError(f"expected {n_rows * n_cols} axes, got {arr.size}")
    return arr


def colors(n: int) -> list[Any]:
    """``n`` distinct colours (tab10, cycled)."""
    from matplotlib import colormaps

    return [colormaps["tab10"](i % 10) for i in range(n)]


def site_rows(df: pd.DataFrame, metric: str, site: str) -> pd.DataFrame:
    """Rows of ``site`` (all rows if there is no ``site`` column); clear errors for a bad metric or site."""
    if metric not in df.columns:
        raise KeyError(f"no column {metric!r}; columns are {list(df.columns)}")
    if "site" not in df.columns:
        return df
    rows = df[df["site"] == site]
    if rows.empty:
        raise ValueError(f"no rows for site {site!r}; sites are {list(pd.unique(df['site']))}")
    return rows


def ci_table(df: pd.DataFrame, metric: str, by: str, *, site: str = "all") -> pd.DataFrame:
    """Mean and 95% confidence interval of ``metric`` over replications, per value of ``by``.

    Args:
        df: Tidy table with columns ``by``, ``metric`` and (optionally) ``site``.
        metric: Column to summarise.
        by: Grouping column, e.g. ``time_h`` or ``day``.
        site: Site label to keep (``"all"`` aggregates the sites).

    Returns:
        One row per value of ``by`` (sorted): ``by``, ``mean``, ``ci_low``, ``ci_high`` and
        ``n`` (replications with a value). All NaN where no replication has a value.
    """
    rows = site_rows(df, metric, site)
    out = []
    for x, group in rows.groupby(by, sort=True):
        e = mean_ci(group[metric].to_numpy(dtype=float))
        out.append((x, e.mean, e.ci_low, e.ci_high, e.n))
    return pd.DataFrame(out, columns=[by, "mean", "ci_low", "ci_high", "n"])


def n_replications(df: pd.DataFrame) -> int:
    """Replications in a tidy table (1 without a ``replication`` column)."""
    return int(df["replication"].nunique()) if "replication" in df.columns else 1


def ci_legend_label(ax: Axes) -> str:
    """``CI_LABEL`` the first time on ``ax``, afterwards a label the legend ignores."""
    taken = any(c.get_label() == CI_LABEL for c in ax.collections)
    return "_nolegend_" if taken else CI_LABEL


def percent_axis(ax: Axes, metric: str, axis: str = "y") -> None:
    """Percent ticks on ``axis`` for the metrics in :data:`PERCENT`."""
    if metric in PERCENT:
        (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))


def y_axis(ax: Axes, metric: str) -> None:
    """Percent ticks for shares; y from 0 (0-100% for full-range shares)."""
    percent_axis(ax, metric)
    if metric in FULL_RANGE:
        ax.set_ylim(0.0, 1.02)
        return
    ax.set_autoscaley_on(True)
    ax.autoscale_view(scalex=False)
    top = ax.get_ylim()[1]
    ax.set_ylim(0.0, top if top > 0 else 1.0)


def clipped(t: pd.DataFrame, metric: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """CI ends clipped to the metric's range: >= 0, and <= 1 for shares."""
    hi = 1.0 if metric in SHARES else None
    return (np.clip(t["ci_low"].to_numpy(dtype=float), 0.0, hi), np.clip(t["ci_high"].to_numpy(dtype=float), 0.0, hi))


def band(
    ax: Axes, x: NDArray[np.float64], t: pd.DataFrame, metric: str, *, line_label: str, color: Any = None,
    alpha: float = 0.25, marker: str | None = "o",
) -> None:
    """A mean line with its shaded 95% band, from a table with ``mean``, ``ci_low`` and ``ci_high``."""
    (line,) = ax.plot(x, t["mean"].to_numpy(), marker=marker, markersize=3.5, lw=1.8, color=color, label=line_label)
    low, high = clipped(t, metric)
    ax.fill_between(x, low, high, color=line.get_color(), alpha=alpha, lw=0, label=ci_legend_label(ax))


def note_if_zero(ax: Axes, t: pd.DataFrame, metric: str) -> None:
    """Say so when every plotted value is exactly zero (e.g. fatigue switched off)."""
    values = t["mean"].to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    if values.size and not values.any():
        if metric not in FULL_RANGE:
            ax.set_ylim(0.0, 1.0)
        ax.text(0.5, 0.5, f"{axis_label(metric)} is 0 throughout", transform=ax.transAxes, ha="center",
                va="center", color="0.4")


def note_small_n(ax: Axes, n: int) -> None:
    """Say on the axes when ``n`` replications are too few for a useful interval."""
    if n < MIN_REPLICATIONS_FOR_CI:
        ax.text(0.01, 0.01, f"only {n} replication{'s' if n != 1 else ''}: intervals are wide and rough",
                transform=ax.transAxes, ha="left", va="bottom", fontsize="small", color="C3")


def finish(ax: Axes, t: pd.DataFrame, metric: str, *, xlabel: str, title: str) -> Axes:
    """Labels, title, grid, y range, the all-zero note and the legend of a metric plot."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(axis_label(metric))
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    y_axis(ax, metric)
    note_if_zero(ax, t, metric)
    ax.legend(loc="best", fontsize="small")
    return ax
