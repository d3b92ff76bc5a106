"""Figures of a scenario comparison: lever chart, workforce over time, end-of-run distributions.

The lever chart shows headline metrics per scenario; the workforce figure shows
month-by-month headcount by stage, leavers, burnout and weekly service; the distributions
show burnout and proficiency of the agents on the floor at the horizon.

Like :mod:`simulator.plotting`, each function draws on axes you pass (or pyplot's current
figure in a notebook) and returns them; only :func:`save_comparison_figures` writes files.
Every line and marker is a mean over replications; error bars and bands are 95% t-intervals
over replications.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from . import metrics as M
from .plotting import SHARES, axis_label, write_figures
from .stats import mean_ci

if TYPE_CHECKING:
    from .compare import Comparison

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

_PERCENT = SHARES | {"attrition_annual"}


def _axes(n_rows: int, n_cols: int, axes: Any, size: tuple[float, float]) -> np.ndarray:
    if axes is None:
        import matplotlib.pyplot as plt  # only when no axes are given (notebooks)

        fig = plt.figure(figsize=size, layout="constrained")
        axes = fig.subplots(n_rows, n_cols, squeeze=False)
    arr = np.asarray(axes, dtype=object).ravel()
    if arr.size != n_rows * n_cols:
        raise ValueError(f"expected {n_rows * n_cols} axes, got {arr.size}")
    return arr


def _colors(n: int) -> list[Any]:
    from matplotlib import colormaps

    return [colormaps["tab10"](i % 10) for i in range(n)]


def lever_chart(
    comp: Comparison, metrics: Sequence[str] = LEVER_METRICS, *, site: str = "all", axes: Any = None
) -> np.ndarray:
    """One panel per metric: each scenario's mean with its 95% CI; the reference dashed.

    A filled marker means the paired difference against the reference (the first scenario)
    is significant at 95%; a hollow marker means it is not.
    """
    axs = _axes(1, len(metrics), axes, (3.0 * len(metrics), 3.6))
    table = comp.table(site, metrics)
    names = comp.names
    y = np.arange(len(names))[::-1]
    currency = comp.runs[0].cfg.money.currency
    for ax, metric in zip(axs, metrics, strict=True):
        t = table[table["metric"] == metric].set_index("scenario").reindex(names)
        for yi, name, color in zip(y, names, _colors(len(names)), strict=True):
            r = t.loc[name]
            err = [[r["mean"] - r["ci_low"]], [r["ci_high"] - r["mean"]]]
            filled = name == names[0] or bool(r["significant"])
            ax.errorbar(r["mean"], yi, xerr=err, fmt="o", color=color, capsize=4, ms=7,
                        mfc=color if filled else "white")
        ax.axvline(t.loc[names[0], "mean"], color="0.5", ls="--", lw=1)
        ax.set_yticks(y, names if ax is axs[0] else [""] * len(names))
        ax.set_ylim(-0.6, len(names) - 0.4)
        title, xlabel = LEVER_TITLES.get(metric, (metric.replace("_", " ").capitalize(), axis_label(metric)))
        ax.set_xlabel(xlabel.format(currency=currency))
        ax.set_title(title, fontsize="medium")
        ax.grid(True, axis="x", alpha=0.3)
        if metric in _PERCENT:
            ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    return axs


def _periodic(days: pd.DataFrame, length: int) -> pd.DataFrame:
    """Counters and rates per (replication, period of ``length`` days), site ``all``.

    Counters are summed over the period and rates derived from the sums
    (:func:`simulator.metrics.columns`), exactly as for a whole run; agent-day counters
    (``*_days``) are divided by the days in the period, giving mean headcounts.
    """
    d = days[days["site"] == "all"]
    g = d.assign(period=d["day"] // length).groupby(["replication", "period"], sort=True)
    sums = g[list(M.COUNTERS)].sum()
    out = pd.DataFrame(M.columns(sums.to_numpy()), index=sums.index)
    headcounts = [c for c in M.COUNTERS if c.endswith("_days")]
    out[headcounts] = out[headcounts].div(g.size(), axis=0)
    return out.reset_index()


def _line(ax: Axes, table: pd.DataFrame, metric: str, x_scale: float, **style: Any) -> None:
    rows = []
    for period, group in table.groupby("period", sort=True):
        e = mean_ci(group[metric].to_numpy(dtype=float))
        rows.append((period, e.mean, e.ci_low, e.ci_high))
    p, m, lo, hi = (np.asarray(v, dtype=float) for v in zip(*rows, strict=True))
    x = (p + 0.5) * x_scale
    (line,) = ax.plot(x, m, **style)
    ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.15, lw=0)


MONTHLY: tuple[tuple[str, int, str], ...] = (
    ("classroom_days", 30, "in classroom (agents)"),
    ("novice_days", 30, "novices, p < 0.8 (agents)"),
    ("experienced_days", 30, "experienced, p >= 0.8 (agents)"),
    ("burnout_mean", 30, "mean burnout B (floor)"),
    ("quits", 30, "quits per month"),
    ("dismissals", 30, "dismissals per month"),
    ("asa_s", 7, "weekly ASA (s)"),
    ("abandon_rate", 7, "weekly abandonment"),
)
"""Panels of :func:`workforce_over_time`: (metric, period in days, y label)."""


def workforce_over_time(comp: Comparison, *, axes: Any = None) -> np.ndarray:
    """Month-by-month (and week-by-week) lines per scenario, with 95% bands.

    Panels: headcount by stage (classroom, novice, experienced), mean burnout, quits and
    dismissals per month, weekly ASA and abandonment. Warm-up days are shaded.
    """
    axs = _axes(4, 2, axes, (11.0, 12.0))
    colors = _colors(len(comp.runs))
    tables = {length: [_periodic(r.days, length) for r in comp.runs] for length in (7, 30)}
    warmup = comp.runs[0].cfg.warmup_days / 30.0
    for ax, (metric, length, ylabel) in zip(axs, MONTHLY, strict=True):
        for run, table, color in zip(comp.runs, tables[length], colors, strict=True):
            _line(ax, table, metric, length / 30.0, color=color, label=run.cfg.name)
        if warmup > 0:
            ax.axvspan(0, warmup, color="0.9", zorder=0, label="warm-up")
        ax.set_ylabel(ylabel)
        ax.set_xlabel("month (30 days)")
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        if metric in _PERCENT:
            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    handles, labels = axs[0].get_legend_handles_labels()
    axs[0].figure.legend(handles, labels, loc="outside lower center", ncol=len(labels), fontsize="small")
    return axs


def end_distributions(comp: Comparison, *, site: str = "all", axes: Any = None) -> np.ndarray:
    """Cumulative distributions of burnout and proficiency of the floor agents at the horizon.

    Each curve pools the agents of all replications of one scenario: the share of floor
    agents at or below each value.
    """
    axs = _axes(1, 2, axes, (10.0, 3.8))
    for run, color in zip(comp.runs, _colors(len(comp.runs)), strict=True):
        a = run.agents[run.agents["stage"] == "floor"]
        if site != "all":
            a = a[a["site"] == site]
        for ax, metric in zip(axs, ("burnout", "proficiency"), strict=True):
            x = np.sort(a[metric].to_numpy())
            ax.step(x, np.arange(1, x.size + 1) / max(x.size, 1), where="post", lw=1.8, color=color,
                    label=f"{run.cfg.name} ({x.size / run.replications:.0f} agents)")
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


def save_comparison_figures(comp: Comparison, out_dir: str | Path) -> list[Path]:
    """Write ``lever_chart.png``, ``workforce_over_time.png`` and ``end_distributions.png``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n = comp.runs[0].replications
    cfg = comp.runs[0].cfg
    caption = (f"{n} replications per scenario, seed {comp.seed}, common random numbers; "
               f"days {cfg.warmup_days:g}-{cfg.days:g} measured; bars and bands: 95% CI")
    return write_figures(out, [
        ("lever_chart.png", (15.0, 3.9), lambda fig: lever_chart(comp, axes=fig.subplots(1, len(LEVER_METRICS)))),
        ("workforce_over_time.png", (11.0, 12.5), lambda fig: workforce_over_time(comp, axes=fig.subplots(4, 2))),
        ("end_distributions.png", (10.0, 4.0), lambda fig: end_distributions(comp, axes=fig.subplots(1, 2))),
    ], lambda fig: fig.suptitle(caption, fontsize="medium", color="0.3"))
