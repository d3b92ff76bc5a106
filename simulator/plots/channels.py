"""Figures of the chat and email channels and of customer satisfaction.

Like :mod:`simulator.plots.run`: each function draws onto the axes it is given (or
pyplot's current axes, or a new figure for two panels), returns them, and never shows or
saves. Curves are means over replications with 95% bands; the satisfaction curve is a
plain mean over the contacts of a call log.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from .common import AxesArray, FigureSpec, axes_grid, current_axes, site_text
from .run import daily, intraday

WAIT_EDGES: tuple[float, ...] = (0.0, 1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 15.0, 20.0, 30.0)
"""Bins of wait / target for :func:`satisfaction_vs_wait` (the last bin is open)."""


def channel_service_levels(
    df: pd.DataFrame, channels: Sequence[str], *, site: str = "all", ax: Axes | None = None
) -> Axes:
    """Service level of each real-time channel (voice; chat on its first response) through the day.

    Args:
        df: Intraday table (``ReplicationResult.intraday``).
        channels: Channels to draw among ``voice`` and ``chat`` (others are skipped).
        site: Site label (``"all"`` aggregates the sites).
        ax: Axes to draw on; pyplot's current axes if None.
    """
    ax = ax if ax is not None else current_axes()
    for i, ch in enumerate(c for c in channels if c in ("voice", "chat")):
        intraday(df, f"{ch}_service_level", site=site, ax=ax, label=ch, color=f"C{i}")
    ax.set_title(f"Service level by channel and time of day ({site_text(site)})")
    ax.set_ylabel("service level (share within the channel's T)")
    return ax


def email_backlog(
    days: pd.DataFrame, *, site: str = "all", target_share: float | None = None,
    axes: Sequence[Axes] | AxesArray | None = None,
) -> AxesArray:
    """Emails waiting at each day's end (top) and the share replied within target per day of arrival (bottom).

    Args:
        days: Daily table (``ReplicationResult.days``).
        site: Site label (``"all"`` aggregates the sites).
        target_share: The share the target asks for (``channels.email.target_share``), a dashed line.
        axes: Two axes sharing x; a new pyplot figure if None.
    """
    top, bottom = axes_grid(2, 1, axes, (8, 6.5), sharex=True)
    daily(days, "email_backlog_mean", site=site, ax=top)
    top.set_xlabel("")
    top.tick_params(labelbottom=False)
    daily(days, "email_response_target_met", site=site, ax=bottom)
    if target_share is not None:
        bottom.axhline(target_share, color="C3", ls="--", lw=1.2, label=f"target {target_share:.0%}")
        bottom.legend(loc="best", fontsize="small")
    bottom.set_title(f"Emails replied within target, by day of arrival ({site_text(site)})")
    return np.asarray([top, bottom], dtype=object)


def satisfaction_vs_wait(calls: pd.DataFrame, targets_s: dict[str, float], *, ax: Axes | None = None) -> Axes:
    """Mean satisfaction of handled contacts by their wait relative to the channel's target.

    The wait is the queue wait (voice, chat) or the response time (email, arrival to reply);
    dividing by the channel's target ``T`` puts the channels on one axis. Each point is the
    mean ``csat`` of the contacts in a bin of ``wait / T`` (:data:`WAIT_EDGES`), drawn at the
    bin's mean; bins with fewer than 20 contacts are left out.

    Args:
        calls: A call log (``SimulationResult.calls``).
        targets_s: Target ``T`` per channel (seconds), e.g. ``{"voice": 20, "chat": 60, "email": 86400}``.
        ax: Axes to draw on; pyplot's current axes if None.
    """
    ax = ax if ax is not None else current_axes()
    scored = calls[calls["csat"].notna()]
    for i, (ch, rows) in enumerate(scored.groupby("channel", sort=False)):
        wait = rows["wait_s"] + rows["handle_s"] if ch == "email" else rows["wait_s"]
        x = (wait / targets_s[str(ch)]).to_numpy()
        k = np.digitize(x, WAIT_EDGES[1:])
        frame = pd.DataFrame({"x": x, "k": k, "csat": rows["csat"].to_numpy()})
        g = frame.groupby("k").agg(x=("x", "mean"), csat=("csat", "mean"), n=("csat", "size"))
        g = g[g["n"] >= 20]
        ax.plot(g["x"], g["csat"], marker="o", color=f"C{i}", label=f"{ch} (n = {len(rows):,})")
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlabel("wait / the channel's target T (email: response time / target)")
    ax.set_ylabel("mean satisfaction (share satisfied)")
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_title("Customer satisfaction against wait")
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize="small")
    return ax


def figures(
    intraday_df: pd.DataFrame, days: pd.DataFrame, channels: Sequence[str], *,
    calls: pd.DataFrame | None = None, targets_s: dict[str, float] | None = None,
    email_target_share: float | None = None,
) -> list[FigureSpec]:
    """The channel figures of a run (none for a voice-only scenario without a call log).

    ``channel_service_levels.png`` when chat is used, ``email_backlog.png`` when email is used,
    and ``satisfaction_vs_wait.png`` when a call log is given (with ``targets_s``).
    """
    specs: list[FigureSpec] = []
    if "chat" in channels:
        specs.append(("channel_service_levels.png", (8.0, 4.8),
                      lambda fig: channel_service_levels(intraday_df, channels, ax=fig.subplots())))
    if "email" in channels:
        specs.append(("email_backlog.png", (8.0, 6.5),
                      lambda fig: email_backlog(days, target_share=email_target_share,
                                                axes=fig.subplots(2, 1, sharex=True))))
    if calls is not None and targets_s is not None:
        specs.append(("satisfaction_vs_wait.png", (8.0, 4.8),
                      lambda fig: satisfaction_vs_wait(calls, targets_s, ax=fig.subplots())))
    return specs
