"""Figures of plans: staffing per interval (simulation and Erlang), roster coverage, hiring fan charts.

Every function takes a plan's table, draws onto one matplotlib ``Axes`` and returns it; it
never calls ``show()`` or ``savefig()``. Without ``ax=`` it draws on pyplot's current axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, MultipleLocator

from ..targets import parse_target
from .common import AxesArray, FigureSpec, axes_grid, current_axes

if TYPE_CHECKING:
    from ..planning.hiring import HiringPlan

WEEKDAY_NAMES = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
                 "sat": "Saturday", "sun": "Sunday"}


def staffing_requirement(table: pd.DataFrame, weekday: str, *, ax: Axes | None = None,
                         verified: pd.DataFrame | None = None) -> Axes:
    """Agents on the phones per interval of ``weekday``: simulation plan, Erlang (SIPP), offered load.

    Args:
        table: A staffing plan's table (``StaffingPlan.table``).
        weekday: ``mon`` .. ``sun``.
        ax: Axes to draw on.
        verified: Optional rows of ``verify_staffing`` for the Erlang plan; intervals where it
            significantly misses a target are marked.
    """
    ax = ax or current_axes()
    rows = table[table["weekday"] == weekday]
    hours = rows["interval"].to_numpy() * _width_h(table)
    edges = np.append(hours, hours[-1] + _width_h(table)) if hours.size else hours
    ax.stairs(rows["agents"], edges, label="simulation (iterative staffing)", color="C0", linewidth=2)
    ax.stairs(rows["agents_erlang"], edges, label="Erlang per interval (SIPP)", color="C1", linestyle="--")
    ax.stairs(rows["offered_load"].fillna(0.0), edges, label="offered load (Erlangs)", color="0.5",
              fill=True, alpha=0.25)
    if verified is not None:
        miss = verified[(verified["weekday"] == weekday) & ~verified["meets"]]
        if not miss.empty:
            x = miss["interval"].to_numpy() * _width_h(table) + _width_h(table) / 2
            y = rows.set_index("interval").loc[miss["interval"], "agents_erlang"].to_numpy()
            ax.plot(x, y, "x", color="C3", label="Erlang plan misses the target (fresh seeds)")
    busy = rows[(rows["agents"] > 0) | (rows["agents_erlang"] > 0)]["interval"].to_numpy() * _width_h(table)
    if busy.size:
        ax.set_xlim(max(0.0, np.floor(busy.min()) - 1), min(24.0, np.ceil(busy.max()) + 2))
    ax.xaxis.set_major_locator(MultipleLocator(2))
    ax.set_xlabel("time of day (h)")
    ax.set_ylabel("agents on the phones")
    ax.set_title(WEEKDAY_NAMES.get(weekday, weekday))
    ax.grid(alpha=0.3)
    return ax


def _width_h(table: pd.DataFrame) -> float:
    n = int(table["interval"].max()) + 1
    return 24.0 / n


def staffing_figures(table: pd.DataFrame, weekdays: Sequence[str],
                     verified: pd.DataFrame | None = None) -> list[FigureSpec]:
    """The figure set of a staffing plan: ``staffing.png``, one panel per weekday in ``weekdays``."""
    n = len(weekdays)
    cols = min(n, 2)
    rows = -(-n // cols)

    def draw(fig: Figure) -> None:
        axes = fig.subplots(rows, cols, squeeze=False, sharey=True)
        for ax, wd in zip(axes.ravel(), weekdays, strict=False):
            staffing_requirement(table, wd, ax=ax, verified=verified)
        for ax in axes.ravel()[n:]:
            ax.set_visible(False)
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize="small")

    return [("staffing.png", (6.0 * cols, 3.2 * rows + 0.6), draw)]


def roster_coverage(coverage: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Required agents on the phones over the week against the roster's expected agents on the phones."""
    ax = ax or current_axes()
    hours = np.arange(len(coverage)) * 7 * 24 / max(len(coverage), 1)
    step = hours[1] - hours[0] if hours.size > 1 else 1.0
    edges = np.append(hours, hours[-1] + step) if hours.size else hours
    ax.stairs(coverage["required"], edges, label="required on the phones", color="C0", linewidth=1.5)
    ax.stairs(coverage["on_phones"], edges, label="roster: expected on the phones", color="C2", linestyle="--")
    ax.set_xticks(np.arange(7) * 24 + 12, [WEEKDAY_NAMES[d][:3] for d in WEEKDAY_NAMES])
    for d in range(1, 7):
        ax.axvline(d * 24, color="0.8", linewidth=0.8)
    ax.set_xlim(0, 7 * 24)
    ax.set_ylabel("agents")
    ax.legend(loc="upper right", fontsize="small")
    ax.grid(alpha=0.3, axis="y")
    return ax


def coverage_figures(coverage: pd.DataFrame) -> list[FigureSpec]:
    """The figure set of a roster: ``coverage.png``."""
    return [("coverage.png", (11.0, 3.6), lambda fig: roster_coverage(coverage, ax=fig.subplots()))]


# --------------------------------------------------------------------------- hiring plans


PLAN_LABELS: dict[str, str] = {"order_up_to": "order-up-to plan", "naive": "naive (replace each leaver)"}
"""Legend labels of the plans."""


def _fan(ax: Axes, plan: HiringPlan, column: str, *, low: float = 0.1, high: float = 0.9) -> None:
    """Median line and ``low``-``high`` quantile band across replications, per plan."""
    for i, name in enumerate(PLAN_LABELS):
        t = plan.per_replication[plan.per_replication["plan"] == name]
        q = t.groupby("month")[column].quantile([low, 0.5, high]).unstack()
        x = q.index.to_numpy()
        (line,) = ax.plot(x, q[0.5].to_numpy(), marker="o", markersize=3, lw=1.8, color=f"C{i}",
                          label=f"{PLAN_LABELS[name]}, median")
        ax.fill_between(x, q[low].to_numpy(), q[high].to_numpy(), color=line.get_color(), alpha=0.2, lw=0,
                        label=f"{low:.0%}-{high:.0%} of {plan.replications} replications")
    if plan.frozen_months:
        ax.axvspan(0.5, plan.frozen_months + 0.5, color="0.85", alpha=0.5, lw=0, label="frozen months")
    ax.set_xlabel(f"month ({plan.month_days} days)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, alpha=0.3)


def plot_hiring_headcount(plan: HiringPlan, *, ax: Axes | None = None) -> Axes:
    """Headcount (employed: classroom and floor) per month: median and 10-90% band across replications."""
    ax = ax or current_axes()
    _fan(ax, plan, "headcount")
    ax.set_ylabel(f"headcount at {plan.site} (agents, monthly mean)")
    ax.set_title("Headcount")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_hiring_service_level(plan: HiringPlan, *, ax: Axes | None = None) -> Axes:
    """Monthly service level: median and 10-90% band across replications, with the target line."""
    ax = ax or current_axes()
    _fan(ax, plan, "service_level")
    for t in plan.targets:
        target = parse_target(t)
        if target.metric == "service_level":
            ax.axhline(target.value, color="C3", ls="--", lw=1.2, label=f"target {target}")
    ax.set_ylabel("service level (share answered within T, month)")
    ax.yaxis.set_major_formatter("{x:.0%}")
    ax.set_title("Service level")
    ax.legend(loc="best", fontsize="small")
    return ax


def fan_chart(plan: HiringPlan, *, axes: Sequence[Axes] | AxesArray | None = None) -> AxesArray:
    """Headcount and monthly service level of both plans, side by side (two axes)."""
    arr = axes_grid(1, 2, axes, (12.0, 4.5))
    plot_hiring_headcount(plan, ax=arr[0])
    plot_hiring_service_level(plan, ax=arr[1])
    return arr
