"""Figures of replicated runs: intraday curves, daily series and waiting-time distributions.

Every plotting function takes a tidy table (or a histogram array), draws onto one
matplotlib ``Axes`` (or a pair of them), returns it, and never calls ``show()`` or
``savefig()``. Pass ``ax=`` (or ``axes=``) to draw into a
figure you own; without it the function draws on pyplot's current axes (or a new
pyplot figure for two-panel plots), which is what a notebook shows inline.

Curves are means over replications with a shaded 95% confidence band from
:func:`simulator.stats.mean_ci`: rows of the input table that share an x value (an
interval of the day or a day) are treated as independent replications. Intervals with no
value in any replication (for example closed hours, or warm-up hours) are left out, so
the curve shows a gap there.

The standard figure set of a run is written by :func:`simulator.output.write_run`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator, MultipleLocator, PercentFormatter
from numpy.typing import ArrayLike

from ..metrics import WAIT_BIN_S
from .common import (
    AxesArray,
    FigureSpec,
    axes_grid,
    band,
    ci_legend_label,
    ci_table,
    clipped,
    current_axes,
    finish,
    n_replications,
    site_text,
    title,
)

WAIT_FLOOR = 1e-4
"""Smallest P(wait > t) shown by :func:`wait_distribution` (sets the x range)."""


def _fit_hours(ax: Axes, width: float) -> None:
    """Limit x to the whole hours spanned by every curve drawn so far (within 0-24 h)."""
    xs = [
        np.asarray(line.get_xdata(), dtype=float)[np.isfinite(np.asarray(line.get_ydata(), dtype=float))]
        for line in ax.lines
    ]
    finite = np.concatenate(xs) if xs else np.empty(0)
    if finite.size == 0:
        lo, hi = 0.0, 24.0
    else:
        lo = max(0.0, float(np.floor(finite.min() - width / 2.0)))
        hi = min(24.0, float(np.ceil(finite.max() + width / 2.0)))
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(MultipleLocator(3 if hi - lo > 14 else 2 if hi - lo > 6 else 1))
    ax.xaxis.set_minor_locator(MultipleLocator(1 if hi - lo > 6 else 0.25))


# --------------------------------------------------------------------------- intraday


def intraday(
    df: pd.DataFrame,
    metric: str,
    *,
    site: str = "all",
    ax: Axes | None = None,
    label: str | None = None,
    color: str | None = None,
) -> Axes:
    """Plot a metric through the day: mean over replications with a shaded 95% CI band.

    Each interval's value is drawn at the interval's mid-point. Intervals where every
    replication is NaN (closed or warm-up hours) are skipped, leaving a gap.

    Note that the counters of ``ReplicationResult.intraday`` (``offered``, ``answered``...)
    are sums over the measured days; rates (``service_level``, ``asa_s``...) are not
    affected.

    Args:
        df: Intraday table, one row per (replication, ``time_h``, site), e.g.
            ``ReplicationResult.intraday``.
        metric: Column to plot, e.g. ``"service_level"`` or ``"asa_s"``.
        site: Site label (``"all"`` aggregates the sites).
        ax: Axes to draw on; pyplot's current axes if None.
        label: Legend label of the mean curve (default: ``mean of N replications``).
        color: Line and band colour (default: the axes' next colour).

    Returns:
        The axes drawn on.
    """
    ax = ax if ax is not None else current_axes()
    t = ci_table(df, metric, "time_h", site=site)
    starts = t["time_h"].to_numpy(dtype=float)
    steps = np.diff(np.unique(starts))
    width = float(steps.min()) if steps.size else 1.0
    band(
        ax,
        starts + width / 2.0,
        t,
        metric,
        line_label=label or f"mean of {n_replications(df)} replications",
        color=color,
    )
    _fit_hours(ax, width)
    heading = f"{title(metric)} by time of day ({site_text(site)})"
    return finish(ax, t, metric, xlabel="time of day (h)", title=heading)


def service_level_and_asa(
    df: pd.DataFrame,
    *,
    site: str = "all",
    sl_target: float | None = None,
    axes: Sequence[Axes] | AxesArray | None = None,
) -> AxesArray:
    """Plot service level (top) and ASA (bottom) through the day, with 95% CI bands.

    Args:
        df: Intraday table (``ReplicationResult.intraday``).
        site: Site label (``"all"`` aggregates the sites).
        sl_target: Service-level target as a share (e.g. 0.8), drawn as a dashed line.
        axes: Two axes sharing x (top, bottom); a new pyplot figure if None.

    Returns:
        The two axes, as a numpy array.
    """
    top, bottom = axes_grid(2, 1, axes, (8, 6.5), sharex=True)
    intraday(df, "service_level", site=site, ax=top)
    if sl_target is not None:
        top.axhline(sl_target, color="C3", ls="--", lw=1.2, label=f"target {sl_target:.0%}")
        top.legend(loc="best", fontsize="small")
    top.set_title(f"Service level and ASA by time of day ({site_text(site)})")
    top.set_xlabel("")
    top.tick_params(labelbottom=False)
    intraday(df, "asa_s", site=site, ax=bottom)
    bottom.set_title("")
    return np.asarray([top, bottom], dtype=object)


def occupancy_and_fatigue(
    df: pd.DataFrame,
    *,
    site: str = "all",
    axes: Sequence[Axes] | AxesArray | None = None,
) -> AxesArray:
    """Plot agent occupancy (top) and mean fatigue F (bottom) through the day, with 95% CI bands.

    Args:
        df: Intraday table (``ReplicationResult.intraday``).
        site: Site label (``"all"`` aggregates the sites).
        axes: Two axes sharing x (top, bottom); a new pyplot figure if None.

    Returns:
        The two axes, as a numpy array.
    """
    top, bottom = axes_grid(2, 1, axes, (8, 6.5), sharex=True)
    intraday(df, "occupancy", site=site, ax=top)
    top.set_title(f"Occupancy and fatigue by time of day ({site_text(site)})")
    top.set_xlabel("")
    top.tick_params(labelbottom=False)
    intraday(df, "fatigue_mean", site=site, ax=bottom, color="C1")
    bottom.set_title("")
    return np.asarray([top, bottom], dtype=object)


# --------------------------------------------------------------------------- daily


def daily(
    df: pd.DataFrame, metric: str, *, site: str = "all", ax: Axes | None = None, label: str | None = None
) -> Axes:
    """Plot a metric per day: mean over replications with a 95% CI band; warm-up days shaded.

    Args:
        df: Daily table, one row per (replication, ``day``, site), with a ``warmup`` column,
            e.g. ``ReplicationResult.days``.
        metric: Column to plot, e.g. ``"service_level"``.
        site: Site label (``"all"`` aggregates the sites).
        ax: Axes to draw on; pyplot's current axes if None.
        label: Legend label of the mean curve (default: ``mean of N replications``).

    Returns:
        The axes drawn on.
    """
    ax = ax if ax is not None else current_axes()
    t = ci_table(df, metric, "day", site=site)
    days = t["day"].to_numpy(dtype=float)
    if "warmup" in df.columns:
        warm = np.unique(df.loc[df["warmup"].astype(bool), "day"].to_numpy(dtype=float))
        for i, d in enumerate(warm):
            ax.axvspan(d - 0.5, d + 0.5, color="0.85", lw=0, zorder=0, label="warm-up" if i == 0 else "_nolegend_")
    line_label = label or f"mean of {n_replications(df)} replications"
    if days.size == 1:
        # A single day: draw the band as a short bar so that it stays visible.
        (line,) = ax.plot(days, t["mean"].to_numpy(), marker="o", lw=0, label=line_label)
        low, high = clipped(t, metric)
        ax.fill_between(
            [days[0] - 0.2, days[0] + 0.2],
            [low[0]] * 2,
            [high[0]] * 2,
            color=line.get_color(),
            alpha=0.25,
            lw=0,
            label=ci_legend_label(ax),
        )
    else:
        band(ax, days, t, metric, line_label=line_label, color=None)
    if days.size:
        ax.set_xlim(days.min() - 0.5, days.max() + 0.5)
    if days.size <= 15:
        ax.set_xticks(days)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return finish(ax, t, metric, xlabel="day", title=f"{title(metric)} per day ({site_text(site)})")


# --------------------------------------------------------------------------- waits


def wait_distribution(
    hist: ArrayLike,
    *,
    bin_s: float = WAIT_BIN_S,
    labels: Sequence[str] | None = None,
    ax: Axes | None = None,
    max_wait_s: float | None = None,
    log: bool = True,
    sl_threshold_s: float | None = None,
) -> Axes:
    """Plot the complementary CDF P(wait > t) of answered contacts' waits, one curve per row.

    Bins follow ``metrics.WAIT_BINS``: bin 0 holds zero waits, bin ``k`` waits in
    ``((k - 1) bin_s, k bin_s]``; so P(wait > t) is exact at ``t = 0, bin_s, 2 bin_s, ...``
    (at ``t = 0`` it is the probability of waiting at all). The x axis runs to ``max_wait_s`` if given, else to
    where the curves fall below :data:`WAIT_FLOOR`. With one site plus ``all`` the two
    rows are identical and only ``all`` is drawn.

    Args:
        hist: Wait counts, shape ``(n_rows, n_bins)`` (or one row), e.g.
            ``ReplicationResult.wait_hist``: one row per site, then ``all``.
        bin_s: Bin width (seconds).
        labels: Row labels (default: ``site 0``, ``site 1``, ..., ``all``).
        ax: Axes to draw on; pyplot's current axes if None.
        max_wait_s: Upper end of the x axis (seconds).
        log: Logarithmic y axis.
        sl_threshold_s: Service-level threshold T (seconds), drawn as a dotted vertical line.

    Returns:
        The axes drawn on.
    """
    ax = ax if ax is not None else current_axes()
    h = np.atleast_2d(np.asarray(hist, dtype=float))
    n_rows = h.shape[0]
    names = list(labels) if labels is not None else [*(f"site {i}" for i in range(n_rows - 1)), "all"]
    if len(names) != n_rows:
        raise ValueError(f"expected {n_rows} labels, got {len(names)}")
    rows = list(range(n_rows))
    if n_rows == 2 and names[-1] == "all":
        rows = [1]
    edges = np.arange(h.shape[1] - 1) * bin_s
    x_end = 0.0
    y_min = 1.0
    for r in rows:
        total = h[r].sum()
        if total <= 0:
            continue
        ccdf = 1.0 - np.cumsum(h[r])[:-1] / total
        ccdf = np.clip(ccdf, 0.0, 1.0)
        shown = ccdf > WAIT_FLOOR
        if shown.any():
            x_end = max(x_end, float(edges[np.nonzero(shown)[0][-1]]) + bin_s)
            y_min = min(y_min, float(ccdf[shown].min()))
        y = np.where(ccdf > 0, ccdf, np.nan) if log else ccdf
        is_all = names[r] == "all"
        note = ", nobody waited" if ccdf[0] == 0 else ""
        ax.plot(
            edges,
            y,
            lw=2.2 if is_all else 1.4,
            color="k" if is_all and len(rows) > 1 else None,
            label=f"{site_text(names[r])} (n = {int(total):,}{note})",
        )
    if sl_threshold_s is not None:
        ax.axvline(sl_threshold_s, color="C3", ls=":", lw=1.2, label=f"T = {sl_threshold_s:g} s")
    ax.set_xlim(0.0, max_wait_s if max_wait_s is not None else max(x_end, 4 * bin_s))
    if log:
        ax.set_yscale("log")
        ax.set_ylim(max(WAIT_FLOOR, 10 ** np.floor(np.log10(max(y_min, WAIT_FLOOR)))), 1.2)
    else:
        ax.set_ylim(0.0, 1.02)
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_xlabel("wait t (s)")
    ax.set_ylabel("P(wait > t)")
    ax.set_title("Waiting-time distribution of answered contacts")
    ax.grid(True, which="major", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize="small")
    else:
        ax.text(0.5, 0.5, "no answered contacts", transform=ax.transAxes, ha="center", va="center")
    return ax


# --------------------------------------------------------------------------- figure set


def figures(
    intraday_df: pd.DataFrame, days: pd.DataFrame, wait_hist: ArrayLike, *, site_labels: Sequence[str],
    sl_threshold_s: float,
) -> list[FigureSpec]:
    """The standard figures of a replicated run, to be drawn by :func:`simulator.output.write_figures`.

    Figures (all for site ``all``; the wait distribution has one curve per site):
    ``intraday_service_level_asa.png``, ``wait_distribution.png``,
    ``intraday_occupancy_fatigue.png`` and ``daily_service_level.png``.

    Args:
        intraday_df: ``ReplicationResult.intraday``.
        days: ``ReplicationResult.days``.
        wait_hist: ``ReplicationResult.wait_hist`` (one row per site, then ``all``).
        site_labels: Site names, then ``all``.
        sl_threshold_s: Service-level threshold T (seconds).
    """
    return [
        ("intraday_service_level_asa.png", (8.0, 6.5),
         lambda fig: service_level_and_asa(intraday_df, axes=fig.subplots(2, 1, sharex=True))),
        ("wait_distribution.png", (8.0, 4.8),
         lambda fig: wait_distribution(wait_hist, labels=site_labels, ax=fig.subplots(),
                                       sl_threshold_s=sl_threshold_s)),
        ("intraday_occupancy_fatigue.png", (8.0, 6.5),
         lambda fig: occupancy_and_fatigue(intraday_df, axes=fig.subplots(2, 1, sharex=True))),
        ("daily_service_level.png", (8.0, 4.8), lambda fig: daily(days, "service_level", ax=fig.subplots())),
    ]
