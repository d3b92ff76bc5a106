"""Figures of a scenario comparison: lever chart, workforce over time, end-of-run distributions.

Each function takes a tidy table of :class:`simulator.compare.Comparison` with a leading
``scenario`` column (``comp.table()``, ``comp.days``, ``comp.agents``), scenarios in the
order of the comparison (the reference first); it draws on the axes you pass (or a new
pyplot figure in a notebook) and returns them. :func:`simulator.output.write_comparison`
writes them as files. Every line and marker is a mean over replications; error bars and
bands are 95% t-intervals over replications.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from .. import metrics as M
from .common import AxesArray, FigureSpec, axes_grid, axis_label, band, ci_table, colors, percent_axis

LEVER_METRICS: tuple[str, ...] = ("asa_s", "abandon_rate", "service_level", "attrition_annual", "cost_per_resolved")
"""Metrics of the lever chart, one panel each."""

LEVER_TITLES: dict[str, tuple[str, str]] = {
    "asa_s": ("Average speed of answer", "seconds"),
    "abandon_rate": ("Abandonment", "share of queued contacts"),
    "service_level": ("Service level", "answered within T / queued"),
    "attrition_annual": ("Annual attrition", "separations / mean headcount, per year"),
    "cost_per_resolved": ("Cost per resolved caller", "{currency} per resolved caller"),
}
"""Title and x label of each lever-chart panel."""

MONTH_DAYS = 30
"""Days in a "month" of :func:`workforce_over_time`."""


def _scenarios(df: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(df["scenario"]))


def lever_chart(
    table: pd.DataFrame, *, metrics: Sequence[str] = LEVER_METRICS, currency: str = "currency units",
    axes: Any = None,
) -> AxesArray:
    """One panel per metric: each scenario's mean with its 95% CI; the reference dashed.

    A filled marker means the paired difference against the reference (the first scenario)
    is significant at 95%; a hollow marker means it is not.

    Args:
        table: ``Comparison.table()`` rows: ``scenario``, ``metric``, ``mean``, ``ci_low``,
            ``ci_high``, ``significant``; the first scenario is the reference.
        metrics: Metrics to draw, one panel each.
        currency: Currency of the cost metrics' axis labels.
        axes: ``len(metrics)`` axes in a row; a new pyplot figure if None.

    Returns:
        The axes, as a numpy array.
    """
    axs = axes_grid(1, len(metrics), axes, (3.0 * len(metrics), 3.6))
    names = _scenarios(table)
    y = np.arange(len(names))[::-1]
    for ax, metric in zip(axs, metrics, strict=True):
        t = table[table["metric"] == metric].set_index("scenario").reindex(names)
        for yi, name, color in zip(y, names, colors(len(names)), strict=True):
            r = t.loc[name]
            err = [[r["mean"] - r["ci_low"]], [r["ci_high"] - r["mean"]]]
            filled = name == names[0] or bool(r["significant"])
            ax.errorbar(r["mean"], yi, xerr=err, fmt="o", color=color, capsize=4, ms=7,
                        mfc=color if filled else "white")
        ax.axvline(t.loc[names[0], "mean"], color="0.5", ls="--", lw=1)
        ax.set_yticks(y, names if ax is axs[0] else [""] * len(names))
        ax.set_ylim(-0.6, len(names) - 0.4)
        heading, xlabel = LEVER_TITLES.get(metric, (metric.replace("_", " ").capitalize(), axis_label(metric)))
        ax.set_xlabel(xlabel.format(currency=currency))
        ax.set_title(heading, fontsize="medium")
        ax.grid(True, axis="x", alpha=0.3)
        percent_axis(ax, metric, axis="x")
    return axs


def periodic(days: pd.DataFrame, length: int) -> pd.DataFrame:
    """Counters and rates per (replication, period of ``length`` whole days), site ``all``.

    Counters are summed over the period and rates derived from the sums
    (:func:`simulator.metrics.columns`), exactly as for a whole run; agent-day counters
    (``*_days``) are divided by the days in the period, giving mean headcounts. A last
    period shorter than ``length`` days is left out (its flows would look like a drop),
    unless the run is shorter than one period.
    """
    d = days[days["site"] == "all"]
    period = d["day"] // length
    whole = period < (d["day"].max() + 1) // length
    if whole.any():
        d, period = d[whole], period[whole]
    g = d.assign(period=period).groupby(["replication", "period"], sort=True)
    sums = g[list(M.COUNTERS)].sum()
    out = pd.DataFrame(M.columns(sums.to_numpy()), index=sums.index)
    headcounts = [c for c in M.COUNTERS if c.endswith("_days")]
    out[headcounts] = out[headcounts].div(g.size(), axis=0)
    return out.reset_index()


MONTHLY: tuple[tuple[str, int, str], ...] = (
    ("classroom_days", MONTH_DAYS, "in classroom (agents)"),
    ("novice_days", MONTH_DAYS, f"novices, p < {M.NOVICE_P:g} (agents)"),
    ("experienced_days", MONTH_DAYS, f"experienced, p >= {M.NOVICE_P:g} (agents)"),
    ("burnout_mean", MONTH_DAYS, "mean burnout B (floor)"),
    ("quits", MONTH_DAYS, "quits per month"),
    ("dismissals", MONTH_DAYS, "dismissals per month"),
    ("asa_s", 7, "weekly ASA (s)"),
    ("abandon_rate", 7, "weekly abandonment"),
)
"""Panels of :func:`workforce_over_time`: (metric, period in days, y label)."""


def workforce_over_time(days: pd.DataFrame, *, warmup_days: float = 0.0, axes: Any = None) -> AxesArray:
    """Month-by-month (and week-by-week) lines per scenario, with 95% bands.

    Panels: headcount by stage (classroom, novice, experienced), mean burnout, quits and
    dismissals per month, weekly ASA and abandonment. Warm-up days are shaded.

    Args:
        days: ``Comparison.days``: one row per (scenario, replication, day, site).
        warmup_days: Warm-up length to shade (days).
        axes: 8 axes (4 rows x 2); a new pyplot figure if None.

    Returns:
        The axes, as a numpy array.
    """
    axs = axes_grid(4, 2, axes, (11.0, 12.0))
    names = _scenarios(days)
    tables = {length: [periodic(days[days["scenario"] == n], length) for n in names] for length in (7, MONTH_DAYS)}
    warmup = warmup_days / MONTH_DAYS
    for ax, (metric, length, ylabel) in zip(axs, MONTHLY, strict=True):
        for name, table, color in zip(names, tables[length], colors(len(names)), strict=True):
            t = ci_table(table, metric, "period")
            x = (t["period"].to_numpy(dtype=float) + 0.5) * length / MONTH_DAYS
            band(ax, x, t, metric, line_label=name, color=color, alpha=0.15, marker=None)
        if warmup > 0:
            ax.axvspan(0, warmup, color="0.9", zorder=0, label="warm-up")
        ax.set_ylabel(ylabel)
        ax.set_xlabel(f"month ({MONTH_DAYS} days)")
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        percent_axis(ax, metric)
    handles, labels = axs[0].get_legend_handles_labels()
    axs[0].figure.legend(handles, labels, loc="outside lower center", ncol=len(labels), fontsize="small")
    return axs


def end_distributions(agents: pd.DataFrame, *, site: str = "all", axes: Any = None) -> AxesArray:
    """Cumulative distributions of burnout and proficiency of the floor agents at the horizon.

    Each curve pools the agents of all replications of one scenario: the share of floor
    agents at or below each value.

    Args:
        agents: ``Comparison.agents``: one row per (scenario, replication, employed agent).
        site: Site to show (``all``: every site).
        axes: Two axes in a row; a new pyplot figure if None.

    Returns:
        The axes, as a numpy array.
    """
    axs = axes_grid(1, 2, axes, (10.0, 3.8))
    names = _scenarios(agents)
    for name, color in zip(names, colors(len(names)), strict=True):
        mine = agents[agents["scenario"] == name]
        a = mine[mine["stage"] == "floor"]
        if site != "all":
            a = a[a["site"] == site]
        replications = max(mine["replication"].nunique(), 1)
        for ax, metric in zip(axs, ("burnout", "proficiency"), strict=True):
            x = np.sort(a[metric].to_numpy())
            ax.step(x, np.arange(1, x.size + 1) / max(x.size, 1), where="post", lw=1.8, color=color,
                    label=f"{name} ({x.size / replications:.0f} agents)")
    axs[0].set_xlabel("burnout B at the horizon (dimensionless)")
    axs[1].set_xlabel("proficiency p at the horizon (1 = fully proficient)")
    for ax in axs:
        ax.set_ylabel("share of floor agents at or below")
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        ax.set_ylim(0, 1.02)
        ax.grid(True, alpha=0.3)
    axs[0].set_xlim(left=0)
    axs[0].legend(fontsize="small", loc="lower right")
    return axs


def figures(
    table: pd.DataFrame, days: pd.DataFrame, agents: pd.DataFrame, *, currency: str = "currency units",
    warmup_days: float = 0.0,
) -> list[FigureSpec]:
    """``lever_chart.png``, ``workforce_over_time.png`` and ``end_distributions.png``.

    Args:
        table: ``Comparison.table()`` of site ``all``.
        days: ``Comparison.days``.
        agents: ``Comparison.agents``.
        currency: Currency of the cost axes.
        warmup_days: Warm-up length to shade (days).
    """
    n = len(LEVER_METRICS)
    return [
        ("lever_chart.png", (15.0, 3.9), lambda fig: lever_chart(table, currency=currency, axes=fig.subplots(1, n))),
        ("workforce_over_time.png", (11.0, 12.5),
         lambda fig: workforce_over_time(days, warmup_days=warmup_days, axes=fig.subplots(4, 2))),
        ("end_distributions.png", (10.0, 4.0), lambda fig: end_distributions(agents, axes=fig.subplots(1, 2))),
    ]
