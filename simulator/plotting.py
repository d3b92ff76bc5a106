"""Figures of replicated runs: intraday curves, daily series and waiting-time distributions.

Every plotting function draws onto one matplotlib ``Axes`` (or a pair of them), returns
it, and never calls ``show()`` or ``savefig()``. Pass ``ax=`` (or ``axes=``) to draw into a
figure you own; without it the function draws on pyplot's current axes (or a new
pyplot figure for two-panel plots), which is what a notebook shows inline.

Curves are means over replications with a shaded 95% confidence band from
:func:`simulator.stats.mean_ci`: rows of the input table that share an x value (an
interval of the day or a day) are treated as independent replications. Intervals with no
value in any replication (for example closed hours, or warm-up hours) are left out, so
the curve shows a gap there.

:func:`write_figures` is the only function that writes files: it draws each figure on a
fresh ``matplotlib.figure.Figure`` (no pyplot global state, Agg renderer) and writes PNGs.
:func:`save_figures` uses it for the standard figure set of a
:class:`simulator.replication.ReplicationResult`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, MultipleLocator, PercentFormatter
from numpy.typing import ArrayLike, NDArray

from .metrics import WAIT_BIN_S
from .stats import mean_ci

if TYPE_CHECKING:
    from .replication import ReplicationResult

AxesArray = NDArray[np.object_]
"""A 1-D numpy array of ``Axes`` (what ``Figure.subplots`` returns)."""

LABELS: dict[str, str] = {
    "service_level": "service level (share answered within T)",
    "asa_s": "ASA (s)",
    "occupancy": "occupancy",
    "fatigue_mean": "mean agent fatigue F",
    "offered": "contacts offered per interval",
    "abandon_rate": "abandonment rate",
    "wait_mean_s": "mean wait (s)",
    "aht_s": "AHT (s)",
    "p_wait": "share of contacts that waited",
    "block_rate": "share of contacts blocked",
    "fcr": "first-contact resolution rate",
    "answered": "contacts answered",
    "abandoned": "contacts abandoned",
}
"""Axis labels, with units, of the common metric columns."""

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
}
"""Short plot titles of the common metric columns."""

SHARES: frozenset[str] = frozenset(
    {"service_level", "occupancy", "abandon_rate", "p_wait", "block_rate", "fcr", "escalation_rate", "irate_share"}
)
"""Metrics that are shares in [0, 1]; their axes are shown in percent."""

FULL_RANGE: frozenset[str] = frozenset({"service_level", "occupancy"})
"""Shares drawn on a fixed 0-100% axis (they usually span much of it)."""

CI_LABEL = "95% CI"
"""Legend entry of the confidence band (shown once per axes)."""

DPI = 120
"""Resolution of the PNGs written by :func:`save_figures` (dots per inch)."""

WAIT_FLOOR = 1e-4
"""Smallest P(wait > t) shown by :func:`wait_distribution` (sets the x range)."""


# --------------------------------------------------------------------------- helpers


def axis_label(metric: str) -> str:
    """Human axis label (with units) of a metric column; the column name if unknown."""
    return LABELS.get(metric, metric.replace("_", " "))


def _title(metric: str) -> str:
    return TITLES.get(metric, metric.replace("_", " ").capitalize())


def _site_text(site: str) -> str:
    return "all sites" if site == "all" else f"site {site}"


def _current_axes() -> Axes:
    import matplotlib.pyplot as plt  # only when no axes are given (notebooks)

    return plt.gca()


def _new_axes_pair() -> AxesArray:
    import matplotlib.pyplot as plt  # only when no axes are given (notebooks)

    fig = plt.figure(figsize=(8, 6.5), layout="constrained")
    return np.asarray(fig.subplots(2, 1, sharex=True), dtype=object)


def _axes_pair(axes: Sequence[Axes] | AxesArray | None) -> AxesArray:
    if axes is None:
        return _new_axes_pair()
    arr = np.asarray(axes, dtype=object).ravel()
    if arr.size != 2:
        raise ValueError(f"expected 2 axes, got {arr.size}")
    return arr


def _site_rows(df: pd.DataFrame, metric: str, site: str) -> pd.DataFrame:
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
    rows = _site_rows(df, metric, site)
    out = []
    for x, group in rows.groupby(by, sort=True):
        e = mean_ci(group[metric].to_numpy(dtype=float))
        out.append((x, e.mean, e.ci_low, e.ci_high, e.n))
    return pd.DataFrame(out, columns=[by, "mean", "ci_low", "ci_high", "n"])


def _n_replications(df: pd.DataFrame) -> int:
    return int(df["replication"].nunique()) if "replication" in df.columns else 1


def _ci_legend_label(ax: Axes) -> str:
    """``CI_LABEL`` the first time on ``ax``, afterwards a label the legend ignores."""
    taken = any(c.get_label() == CI_LABEL for c in ax.collections)
    return "_nolegend_" if taken else CI_LABEL


def _y_axis(ax: Axes, metric: str) -> None:
    """Percent ticks for shares; y from 0 (0-100% for full-range shares)."""
    if metric in SHARES:
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    if metric in FULL_RANGE:
        ax.set_ylim(0.0, 1.02)
        return
    ax.set_autoscaley_on(True)
    ax.autoscale_view(scalex=False)
    top = ax.get_ylim()[1]
    ax.set_ylim(0.0, top if top > 0 else 1.0)


def _clipped(t: pd.DataFrame, metric: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """CI ends clipped to the metric's range: >= 0, and <= 1 for shares."""
    hi = 1.0 if metric in SHARES else None
    return (np.clip(t["ci_low"].to_numpy(dtype=float), 0.0, hi), np.clip(t["ci_high"].to_numpy(dtype=float), 0.0, hi))


def _band(
    ax: Axes, x: NDArray[np.float64], t: pd.DataFrame, metric: str, *, line_label: str, color: str | None
) -> None:
    (line,) = ax.plot(x, t["mean"].to_numpy(), marker="o", markersize=3.5, lw=1.8, color=color, label=line_label)
    low, high = _clipped(t, metric)
    ax.fill_between(x, low, high, color=line.get_color(), alpha=0.25, lw=0, label=_ci_legend_label(ax))


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


def _note_if_zero(ax: Axes, t: pd.DataFrame, metric: str) -> None:
    """Say so when every plotted value is exactly zero (e.g. fatigue switched off)."""
    values = t["mean"].to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    if values.size and not values.any():
        if metric not in FULL_RANGE:
            ax.set_ylim(0.0, 1.0)
        ax.text(
            0.5,
            0.5,
            f"{axis_label(metric)} is 0 throughout",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color="0.4",
        )


# --------------------------------------------------------------------------- intraday


def _finish(ax: Axes, t: pd.DataFrame, metric: str, *, xlabel: str, title: str) -> Axes:
    """Labels, title, grid, y range, the all-zero note and the legend of a metric plot."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(axis_label(metric))
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    _y_axis(ax, metric)
    _note_if_zero(ax, t, metric)
    ax.legend(loc="best", fontsize="small")
    return ax


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
    ax = ax if ax is not None else _current_axes()
    t = ci_table(df, metric, "time_h", site=site)
    starts = t["time_h"].to_numpy(dtype=float)
    steps = np.diff(np.unique(starts))
    width = float(steps.min()) if steps.size else 1.0
    _band(
        ax,
        starts + width / 2.0,
        t,
        metric,
        line_label=label or f"mean of {_n_replications(df)} replications",
        color=color,
    )
    _fit_hours(ax, width)
    title = f"{_title(metric)} by time of day ({_site_text(site)})"
    return _finish(ax, t, metric, xlabel="time of day (h)", title=title)


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
    top, bottom = _axes_pair(axes)
    intraday(df, "service_level", site=site, ax=top)
    if sl_target is not None:
        top.axhline(sl_target, color="C3", ls="--", lw=1.2, label=f"target {sl_target:.0%}")
        top.legend(loc="best", fontsize="small")
    top.set_title(f"Service level and ASA by time of day ({_site_text(site)})")
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
    top, bottom = _axes_pair(axes)
    intraday(df, "occupancy", site=site, ax=top)
    top.set_title(f"Occupancy and fatigue by time of day ({_site_text(site)})")
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
    ax = ax if ax is not None else _current_axes()
    t = ci_table(df, metric, "day", site=site)
    days = t["day"].to_numpy(dtype=float)
    if "warmup" in df.columns:
        warm = np.unique(df.loc[df["warmup"].astype(bool), "day"].to_numpy(dtype=float))
        for i, d in enumerate(warm):
            ax.axvspan(d - 0.5, d + 0.5, color="0.85", lw=0, zorder=0, label="warm-up" if i == 0 else "_nolegend_")
    line_label = label or f"mean of {_n_replications(df)} replications"
    if days.size == 1:
        # A single day: draw the band as a short bar so that it stays visible.
        (line,) = ax.plot(days, t["mean"].to_numpy(), marker="o", lw=0, label=line_label)
        low, high = _clipped(t, metric)
        ax.fill_between(
            [days[0] - 0.2, days[0] + 0.2],
            [low[0]] * 2,
            [high[0]] * 2,
            color=line.get_color(),
            alpha=0.25,
            lw=0,
            label=_ci_legend_label(ax),
        )
    else:
        _band(ax, days, t, metric, line_label=line_label, color=None)
    if days.size:
        ax.set_xlim(days.min() - 0.5, days.max() + 0.5)
    if days.size <= 15:
        ax.set_xticks(days)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return _finish(ax, t, metric, xlabel="day", title=f"{_title(metric)} per day ({_site_text(site)})")


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
    ax = ax if ax is not None else _current_axes()
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
            label=f"{_site_text(names[r])} (n = {int(total):,}{note})",
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


def _caption(fig: Figure, rep: ReplicationResult) -> None:
    cfg = rep.cfg
    fig.suptitle(
        f"{cfg.name}: {rep.replications} replications, seed {rep.seed}, days {cfg.warmup_days:g}-{cfg.days:g} "
        f"measured, T = {cfg.sl_threshold_s:g} s",
        fontsize="medium",
        color="0.3",
    )


def save_figures(rep: ReplicationResult, out_dir: str | Path) -> list[Path]:
    """Write the standard figures of a replicated run as PNGs and return their paths.

    Figures (all for site ``all``; the wait distribution has one curve per site):
    ``intraday_service_level_asa.png``, ``wait_distribution.png``,
    ``intraday_occupancy_fatigue.png`` and ``daily_service_level.png``.

    Args:
        rep: The replicated run.
        out_dir: Folder to write into (created if missing).

    Returns:
        The paths written, in the order above.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    site_labels = [*rep.cfg.site_names, "all"]

    def sl_asa(fig: Figure) -> None:
        service_level_and_asa(rep.intraday, axes=fig.subplots(2, 1, sharex=True))

    def waits(fig: Figure) -> None:
        wait_distribution(rep.wait_hist, labels=site_labels, ax=fig.subplots(), sl_threshold_s=rep.cfg.sl_threshold_s)

    def occ_fatigue(fig: Figure) -> None:
        occupancy_and_fatigue(rep.intraday, axes=fig.subplots(2, 1, sharex=True))

    def daily_sl(fig: Figure) -> None:
        daily(rep.days, "service_level", ax=fig.subplots())

    return write_figures(out, [
        ("intraday_service_level_asa.png", (8.0, 6.5), sl_asa),
        ("wait_distribution.png", (8.0, 4.8), waits),
        ("intraday_occupancy_fatigue.png", (8.0, 6.5), occ_fatigue),
        ("daily_service_level.png", (8.0, 4.8), daily_sl),
    ], lambda fig: _caption(fig, rep))


FigureSpec = tuple[str, tuple[float, float], Callable[[Figure], Any]]
"""``(file name, (width, height) in inches, draw(fig))`` of one figure to write."""


def write_figures(out: Path, specs: Sequence[FigureSpec], caption: Callable[[Figure], Any]) -> list[Path]:
    """Draw each figure of ``specs`` on a fresh Agg ``Figure``, caption it, write a PNG to ``out``."""
    paths = []
    for name, size, draw in specs:
        fig = Figure(figsize=size, layout="constrained")
        try:
            draw(fig)
            caption(fig)
            path = out / name
            fig.savefig(path, dpi=DPI)
            paths.append(path)
        finally:
            fig.clear()
    return paths
