"""Hiring plans: the order-up-to level that keeps monthly performance on target, chosen by simulation.

A hiring plan answers "how many people do we hire each month over the next ``months``
months?" for a site whose demand may grow, through the simulated attrition by tenure, the
learning curve, the hiring lead time and the class capacity. The policy is the order-up-to
policy of ``sites.N.hiring`` (``policy: order_up_to``, :class:`~simulator.workforce.OrderUpTo`):
every ``review_days`` the site hires up to a level of proficiency-weighted headcount, the
effective workforce of Gans & Zhou (2002, *Operations Research* 50(6), 991-1006), whose
optimal hiring policy is of this hire-up-to type. The level grows with demand
(``level_growth_per_year``, by default the volume growth) and its day-0 value is chosen by
simulation:

1. Every replication ``k`` starts from the same day-0 workforce, the scenario's own long-run
   state under its configured (naive, backfill) policy: its spin-up
   (:func:`~simulator.spinup.initial_state`, cached) or the analytic start. Every candidate
   level and the naive plan run replication ``k`` from that state with the streams of
   ``(seed, k)``: common random numbers, so the candidates differ only by their hiring.
2. Month ``m`` (1-based) is days ``first_day + (m - 1) x month_days`` to ``first_day + m x
   month_days - 1``, ``first_day = ceil(warmup_days)``. A month's metrics are ratios of its
   counter sums (``metrics.RATIOS``); a target is met in a month when the metric's mean over
   replications meets it (``targets.feasible``).
3. *Frozen* months start before a hire ordered at the first review (day 0)
   can take calls: no level changes them, so they are reported but not required.
4. The level is the smallest one, to ``tolerance_fte``, whose every unfrozen month meets every
   target: starting at the day-0 position, a bracket is widened by doubling steps, then bisected
   (or the smallest feasible of ``levels`` when given).

The naive plan is the scenario as configured (``backfill``: each leaver replaced one for one)
with the same seeds. :func:`verify_hiring` re-simulates both plans with fresh seeds.
Everything here returns DataFrames and figures; nothing is written (``simulator.output``
does that).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .. import config as C
from .. import metrics as M
from ..demand import weekday_of
from ..engine import DEFAULT_ENGINE
from ..replication import run_tasks
from ..spinup import engine_class, initial_state
from ..stats import mean_ci
from ..targets import Target, feasible, parse_target
from ..workforce import CLASS_WEEKDAYS, AgentState, OrderUpTo
from .staffing import site_index

PLANS: tuple[str, str] = ("order_up_to", "naive")
"""Plan labels in the tables: the order-up-to policy and the one-for-one replacement."""

WORKFORCE_COLUMNS: dict[str, str] = {
    "headcount": "employed_days", "classroom": "classroom_days", "novice": "novice_days",
    "experienced": "experienced_days", "recruiting": "vacancy_days", "proficient_fte": "proficiency_sum",
}
"""Month columns that are day counters averaged over the month's days (agents), planned site only."""

MAX_BRACKET_STEPS = 8
"""Most doublings of the step while bracketing the level."""


@dataclass(frozen=True)
class HiringPlan:
    """A hiring plan and the naive plan beside it, simulated with the same seeds.

    Attributes:
        cfg: The planning scenario with the naive policy (horizon, warm-up and volume trend set).
        site: Name of the planned site.
        level: Chosen order-up-to level at day 0 (proficient FTE).
        level_growth_per_year: Compound growth of the level per 365 days.
        targets: The targets, e.g. ``("service_level>=0.8",)``.
        seed: Root seed of the replications.
        replications: Replications per plan.
        month_days: Days per month.
        first_day: Day on which month 1 starts (``ceil(warmup_days)``).
        engine: Engine that ran the replications (results do not depend on it).
        initial_position: Mean over replications of the planned site's day-0 position (proficient FTE).
        frozen_months: Months 1 .. this start before a hire of the first review can take calls.
        feasible: Whether the chosen level meets every target in every unfrozen month.
        naive_feasible: Whether the naive plan does.
        months: One row per (plan, month): means over replications, ``service_level`` and
            ``cost`` with ``_ci_low``/``_ci_high`` (95% t-intervals), ``frozen`` and ``target_met``.
        per_replication: One row per (plan, replication, month): the fan chart's data.
        search: One row per level tried: ``level``, ``feasible``, ``worst_month`` and its
            ``worst_<metric>`` for the first target, ``cost`` (mean total over the months).
        note: What the comparison shows, in a sentence or two.
    """

    cfg: C.Scenario
    site: str
    level: float
    level_growth_per_year: float
    targets: tuple[str, ...]
    seed: int
    replications: int
    month_days: int
    first_day: int
    engine: str
    initial_position: float
    frozen_months: int
    feasible: bool
    naive_feasible: bool
    months: pd.DataFrame
    per_replication: pd.DataFrame
    search: pd.DataFrame
    note: str

    @property
    def n_months(self) -> int:
        """Months planned."""
        return int(self.months["month"].max())


# --------------------------------------------------------------------------- scenarios


def planning_config(
    cfg: C.Scenario, *, months: int, month_days: int, volume_growth: float | None = None
) -> C.Scenario:
    """The naive planning scenario: ``cfg`` over ``ceil(warmup_days) + months x month_days`` days.

    ``volume_growth`` (per year), if given, replaces ``demand.trend_per_year``.
    """
    raw = cfg.to_dict()
    raw["days"] = math.ceil(cfg.warmup_days) + months * month_days
    if volume_growth is not None:
        raw["demand"]["trend_per_year"] = volume_growth
    return C.validate(raw, cfg.name)


def order_up_to_config(cfg: C.Scenario, site: int, level: float, growth: float) -> C.Scenario:
    """``cfg`` with site ``site`` on the order-up-to policy at ``level`` growing by ``growth`` a year."""
    raw = cfg.to_dict()
    raw["sites"][site]["hiring"].update(policy="order_up_to", level=level, level_growth_per_year=growth)
    return C.validate(raw, cfg.name)


def first_floor_day(cfg: C.Scenario, site: int, order_day: int) -> int:
    """First day on which a hire ordered at the midnight starting ``order_day`` takes calls.

    The hire starts at the first class start on or after ``order_day + lead_time_days`` and
    graduates at the midnight after its ``classroom_days``-th Monday-Friday day
    (``docs/model.md``, 7.2 and 7.6).
    """
    sc = cfg.sites[site]
    day = math.ceil(order_day + sc.hiring.lead_time_days)
    interval = sc.training.class_interval_days or 1
    day += -day % interval
    left = sc.training.classroom_days
    while left > 0:
        if weekday_of(cfg, day) in CLASS_WEEKDAYS:
            left -= 1
        day += 1
    return day


# --------------------------------------------------------------------------- worker tasks


def day0_state(cfg: C.Scenario, seed: int, replication: int, engine: str = DEFAULT_ENGINE) -> AgentState:
    """The day-0 workforce of replication ``(seed, replication)``: the spin-up's, or the analytic one.

    The analytic state is drawn exactly as a run without ``initial`` draws it, so passing it
    back as ``initial`` changes nothing.
    """
    state = initial_state(cfg, seed, replication, engine=engine)
    return AgentState.drawn(cfg, seed, replication) if state is None else state


def monthly_counts(
    cfg: C.Scenario, seed: int, replication: int, engine: str, initial: AgentState, first_day: int,
    n_months: int, month_days: int,
) -> NDArray[np.float64]:
    """Run one replication from ``initial``; its counters summed by month: ``(n_months, n_sites, N_COUNTERS)``."""
    res = engine_class(engine)(cfg, seed=seed, replication=replication, initial=initial).run()
    per_day = res.per_day
    first, stop = first_day * per_day, (first_day + n_months * month_days) * per_day
    window = res.counts[first:stop]
    return window.reshape(n_months, month_days * per_day, *window.shape[1:]).sum(axis=1)


def _run(
    cfgs: Sequence[C.Scenario], states: Sequence[AgentState], seed: int, *, engine: str, workers: int | None,
    progress: Callable[[int], None] | None, first_day: int, n_months: int, month_days: int,
) -> list[NDArray[np.float64]]:
    """Monthly counters of every scenario, shape ``(replications, n_months, n_sites, N)`` each."""
    r = len(states)
    tasks = [(cfg, seed, k, engine, states[k], first_day, n_months, month_days) for cfg in cfgs for k in range(r)]
    out = run_tasks(monthly_counts, tasks, workers=workers, engine=engine, progress=progress)
    return [np.stack(out[j * r:(j + 1) * r]) for j in range(len(cfgs))]


# --------------------------------------------------------------------------- tables


def _per_replication(
    plan: str, counts: NDArray[np.float64], site: int, month_days: int, first_day: int, metrics: Sequence[str]
) -> pd.DataFrame:
    """One row per (replication, month) from monthly counters ``(R, months, sites, N)``."""
    n_rep, n_months = counts.shape[:2]
    here = M.columns(counts[:, :, site, :])
    every = M.columns(counts.sum(axis=2))
    cols: dict[str, Any] = {
        "plan": plan, "replication": np.repeat(np.arange(n_rep), n_months),
        "month": np.tile(np.arange(1, n_months + 1), n_rep),
        "start_day": np.tile(first_day + np.arange(n_months) * month_days, n_rep),
    }
    for name in ("hires", "quits", "dismissals"):
        cols[name] = here[name].ravel()
    cols["attrition"] = cols["quits"] + cols["dismissals"]
    for name, counter in WORKFORCE_COLUMNS.items():
        cols[name] = here[counter].ravel() / month_days
    cols["service_level"] = every["service_level"].ravel()
    cols["cost"] = every["cost_total"].ravel()
    for m in metrics:
        cols[m] = every[m].ravel()
    return pd.DataFrame(cols)


def _summary(per_rep: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """One row per (plan, month): means, CIs of ``service_level`` and ``cost``, ``<metric>_mean`` of the targets."""
    rows = []
    value_cols = [c for c in per_rep.columns if c not in ("plan", "replication", "month", "start_day")]
    for (plan, month), g in per_rep.groupby(["plan", "month"], sort=False):
        row: dict[str, Any] = {"plan": plan, "month": month, "start_day": int(g["start_day"].iloc[0])}
        for c in value_cols:
            row[c] = float(g[c].mean())
        for c in ("service_level", "cost"):
            e = mean_ci(g[c].to_numpy())
            row[f"{c}_ci_low"], row[f"{c}_ci_high"] = e.ci_low, e.ci_high
        for m in metrics:
            e = mean_ci(g[m].to_numpy())
            row[f"{m}_mean"], row[f"{m}_ci_low"], row[f"{m}_ci_high"] = e.mean, e.ci_low, e.ci_high
        rows.append(row)
    return pd.DataFrame(rows)


def _check(summary: pd.DataFrame, targets: Sequence[Target], frozen: int) -> pd.Series:
    """Per month: every target met (frozen months count as met)."""
    return feasible(summary, list(targets)) | (summary["month"] <= frozen)


def _target_metrics(targets: Sequence[Target]) -> list[str]:
    known = set(M.COUNTERS) | set(M.RATIOS)
    bad = [t.metric for t in targets if t.metric not in known]
    if bad:
        raise ValueError(f"targets name unknown monthly metrics {bad}; use counters or ratios of metrics.RATIOS, "
                         "e.g. service_level, abandon_rate, asa_s")
    return list(dict.fromkeys(t.metric for t in targets))


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class _Setup:
    """Everything a plan's simulations share."""

    cfg: C.Scenario
    site: int
    growth: float
    targets: tuple[Target, ...]
    metrics: tuple[str, ...]
    seed: int
    replications: int
    month_days: int
    first_day: int
    n_months: int
    frozen: int
    engine: str
    workers: int | None
    progress: Callable[[int], None] | None


def _setup(
    cfg: C.Scenario, *, months: int, month_days: int, volume_growth: float | None, level_growth: float | None,
    targets: Sequence[str], replications: int, seed: int, site: str | None, engine: str, workers: int | None,
    progress: Callable[[int], None] | None,
) -> _Setup:
    if months < 1 or month_days < 1:
        raise ValueError(f"months and month_days must be >= 1, got {months} and {month_days}")
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    engine_class(engine)
    s = site_index(cfg, site)
    parsed = tuple(parse_target(t) for t in targets)
    if not parsed:
        raise ValueError("give at least one target, e.g. service_level>=0.8")
    plan_cfg = planning_config(cfg, months=months, month_days=month_days, volume_growth=volume_growth)
    growth = plan_cfg.demand.trend_per_year if level_growth is None else level_growth
    first_day = math.ceil(cfg.warmup_days)
    floor_day = first_floor_day(plan_cfg, s, 0)  # the first review is on day 0
    frozen = min(months, max(0, math.ceil((floor_day - first_day) / month_days)))
    return _Setup(plan_cfg, s, growth, parsed, tuple(_target_metrics(parsed)), seed, replications, month_days,
                  first_day, months, frozen, engine, workers, progress)


def _states(su: _Setup) -> list[AgentState]:
    tasks = [(su.cfg, su.seed, k, su.engine) for k in range(su.replications)]
    return run_tasks(day0_state, tasks, workers=su.workers, engine=su.engine)


def _position(su: _Setup, states: Sequence[AgentState]) -> float:
    policy = OrderUpTo(order_up_to_config(su.cfg, su.site, 0.0, su.growth), np.arange(len(su.cfg.sites)) == su.site)
    return float(np.mean([policy.position(st, su.site) for st in states]))


def _evaluate(su: _Setup, states: Sequence[AgentState], levels: Sequence[float], *, naive: bool) -> list[pd.DataFrame]:
    """Per-replication month tables of ``levels`` (and of the naive plan first, if ``naive``)."""
    cfgs = [order_up_to_config(su.cfg, su.site, lv, su.growth) for lv in levels]
    if naive:
        cfgs.insert(0, su.cfg)
    counts = _run(cfgs, states, su.seed, engine=su.engine, workers=su.workers, progress=su.progress,
                  first_day=su.first_day, n_months=su.n_months, month_days=su.month_days)
    labels = (["naive"] if naive else []) + ["order_up_to"] * len(levels)
    return [_per_replication(lab, c, su.site, su.month_days, su.first_day, su.metrics)
            for lab, c in zip(labels, counts, strict=True)]


def _search_row(su: _Setup, level: float, per_rep: pd.DataFrame) -> dict[str, Any]:
    summary = _summary(per_rep, su.metrics)
    ok = _check(summary, su.targets, su.frozen)
    first = su.targets[0]
    live = summary[summary["month"] > su.frozen]
    values = live[f"{first.metric}_mean"]
    worst = live.loc[values.idxmin() if first.op in (">=", ">") else values.idxmax()] if len(live) else None
    return {
        "level": level, "feasible": bool(ok.all()), "months_met": int(ok.sum()),
        "worst_month": None if worst is None else int(worst["month"]),
        f"worst_{first.metric}": math.nan if worst is None else float(worst[f"{first.metric}_mean"]),
        "cost": float(summary["cost"].sum()),
    }


def plan_hiring(
    cfg: C.Scenario,
    *,
    months: int = 18,
    volume_growth: float | None = None,
    targets: Sequence[str] = ("service_level>=0.8",),
    replications: int = 8,
    seed: int = 1,
    workers: int | None = None,
    engine: str = DEFAULT_ENGINE,
    progress: Callable[[int], None] | None = None,
    month_days: int = 28,
    levels: Sequence[float] | None = None,
    site: str | None = None,
    level_growth: float | None = None,
    tolerance_fte: float = 1.0,
) -> HiringPlan:
    """Choose the order-up-to level that keeps every month on target, and simulate it beside the naive plan.

    Args:
        cfg: The scenario; its site's configured hiring (``backfill``) is the naive plan.
        months: Months to plan.
        volume_growth: Compound demand growth per year; None keeps ``demand.trend_per_year``.
        targets: Monthly targets such as ``service_level>=0.8`` (a counter or a ``metrics.RATIOS``
            ratio, all sites together), met by the mean over replications.
        replications: Replications per level (common random numbers across levels).
        seed: Root seed.
        workers: Worker processes (None: all cores; 1: this process).
        engine: ``"fast"`` or ``"simpy"``: same results.
        progress: Called with 1 per finished replication run.
        month_days: Days per month; 28 keeps each month's weekday mix the same.
        levels: Candidate levels (proficient FTE) to try instead of the bracket-and-bisection search.
        site: Site to plan (default: the first).
        level_growth: Compound growth of the level per year; None: the volume growth (``trend_per_year``).
        tolerance_fte: The bisection stops when the bracket is this narrow (proficient FTE).

    Returns:
        The plan, the naive plan and the levels tried.

    Raises:
        ValueError: for bad arguments or targets naming no monthly metric.
    """
    su = _setup(cfg, months=months, month_days=month_days, volume_growth=volume_growth, level_growth=level_growth,
                targets=targets, replications=replications, seed=seed, site=site, engine=engine, workers=workers,
                progress=progress)
    states = _states(su)
    position = _position(su, states)
    tried: dict[float, pd.DataFrame] = {}
    naive_rep: pd.DataFrame | None = None

    def evaluate(batch: Sequence[float]) -> None:
        nonlocal naive_rep
        todo = [lv for lv in dict.fromkeys(round(float(x), 1) for x in batch) if lv not in tried]
        if not todo and naive_rep is not None:
            return
        out = _evaluate(su, states, todo, naive=naive_rep is None)
        if naive_rep is None:
            naive_rep, out = out[0], out[1:]
        tried.update(zip(todo, out, strict=True))

    def ok(level: float) -> bool:
        level = round(level, 1)
        evaluate([level])
        return bool(_check(_summary(tried[level], su.metrics), su.targets, su.frozen).all())

    if levels is not None:
        evaluate(list(levels))
        feasible_levels = [lv for lv in sorted(tried) if ok(lv)]
        chosen = feasible_levels[0] if feasible_levels else max(tried)
    else:
        chosen = _bracket_and_bisect(ok, round(position, 1), tolerance_fte)
    assert naive_rep is not None
    search = pd.DataFrame([_search_row(su, lv, tried[lv]) for lv in sorted(tried)])
    return _assemble(su, chosen, tried[round(chosen, 1)], naive_rep, search, position)


def _bracket_and_bisect(ok: Callable[[float], bool], start: float, tolerance: float) -> float:
    """The smallest level (to ``tolerance``) with ``ok``, from ``start``; the largest tried if none is."""
    step = max(2.0 * tolerance, 0.05 * start)
    lo: float | None = None
    hi: float | None = None
    if ok(start):
        hi = start
        for _ in range(MAX_BRACKET_STEPS):
            c = max(0.0, hi - step)
            if ok(c):
                hi = c
                if c == 0.0:
                    return 0.0
                step *= 2.0
            else:
                lo = c
                break
    else:
        lo = start
        for _ in range(MAX_BRACKET_STEPS):
            c = lo + step
            if ok(c):
                hi = c
                break
            lo, step = c, step * 2.0
    if hi is None:
        return lo if lo is not None else start
    if lo is None:
        return hi
    while hi - lo > tolerance:
        mid = round((lo + hi) / 2.0, 1)
        if mid in (round(lo, 1), round(hi, 1)):
            break
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _assemble(
    su: _Setup, level: float, plan_rep: pd.DataFrame, naive_rep: pd.DataFrame, search: pd.DataFrame,
    position: float,
) -> HiringPlan:
    per_rep = pd.concat([plan_rep, naive_rep], ignore_index=True)
    months = _summary(per_rep, su.metrics)
    months["frozen"] = months["month"] <= su.frozen
    months["target_met"] = feasible(months, list(su.targets))
    live = ~months["frozen"]
    plan_ok = bool(months.loc[live & (months["plan"] == "order_up_to"), "target_met"].all())
    naive_ok = bool(months.loc[live & (months["plan"] == "naive"), "target_met"].all())
    return HiringPlan(
        cfg=su.cfg, site=su.cfg.site_names[su.site], level=float(level), level_growth_per_year=su.growth,
        targets=tuple(f"{t.metric}{t.op}{t.value:g}" for t in su.targets), seed=su.seed,
        replications=su.replications, month_days=su.month_days, first_day=su.first_day, engine=su.engine,
        initial_position=position, frozen_months=su.frozen, feasible=plan_ok, naive_feasible=naive_ok,
        months=months, per_replication=per_rep, search=search,
        note=_note(months, su, plan_ok, naive_ok, level),
    )


def _note(months: pd.DataFrame, su: _Setup, plan_ok: bool, naive_ok: bool, level: float) -> str:
    targets = ", ".join(str(t) for t in su.targets)
    which, it = ("Month 1 is", "it") if su.frozen == 1 else (f"Months 1-{su.frozen} are", "them")
    frozen = (f" {which} frozen: before a hire ordered at the first review (day 0) can take calls, "
              f"so no level changes {it}."
              if su.frozen else "")
    naive = months[(months["plan"] == "naive") & ~months["frozen"]]
    missed = naive.loc[~naive["target_met"], "month"].tolist()
    cost = {p: float(months.loc[months["plan"] == p, "cost"].sum()) for p in PLANS}
    plan = (f"The order-up-to level {level:.1f} proficient FTE (growing {su.growth:+.0%} a year) meets {targets} "
            f"in every unfrozen month" if plan_ok else
            f"No level tried (up to {level:.1f} proficient FTE) meets {targets} in every unfrozen month")
    naive_text = ("the naive plan (replace each leaver) does too" if naive_ok else
                  f"the naive plan misses it in month{'s' if len(missed) != 1 else ''} "
                  f"{', '.join(str(m) for m in missed)}")
    return (f"{plan}; {naive_text}. Total cost over {su.n_months} months: plan {cost['order_up_to']:,.0f}, "
            f"naive {cost['naive']:,.0f}.{frozen}")


def verify_hiring(
    plan: HiringPlan, *, seed: int, replications: int | None = None, workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> HiringPlan:
    """Re-simulate the plan's level and the naive plan with fresh seeds (``seed`` differs from ``plan.seed``).

    Returns a :class:`HiringPlan` of the same level (its ``search`` holds that one level), so
    its ``feasible`` says whether the plan keeps the targets out of the sample that chose it.

    Raises:
        ValueError: if ``seed`` is the plan's own seed (that would not be a fresh sample).
    """
    if seed == plan.seed:
        raise ValueError(f"verification needs a fresh seed, got the plan's own seed {seed}")
    parsed = tuple(parse_target(t) for t in plan.targets)
    su = _Setup(plan.cfg, plan.cfg.site_names.index(plan.site), plan.level_growth_per_year, parsed,
                tuple(_target_metrics(parsed)), seed, replications or plan.replications, plan.month_days,
                plan.first_day, plan.n_months, plan.frozen_months, plan.engine, workers, progress)
    states = _states(su)
    naive_rep, plan_rep = _evaluate(su, states, [plan.level], naive=True)
    search = pd.DataFrame([_search_row(su, plan.level, plan_rep)])
    return _assemble(su, plan.level, plan_rep, naive_rep, search, _position(su, states))


# --------------------------------------------------------------------------- JSON and figures


MONTH_KEYS: tuple[str, ...] = ("hires", "headcount", "proficient_fte", "service_level", "cost")
"""Per-month keys of :func:`hiring_json` besides ``month``."""


def hiring_json(plan: HiringPlan) -> dict[str, Any]:
    """The plan as JSON data: ``{"months": [...], "naive": [...], "level", "targets"}``.

    Each month is ``{"month", "hires", "headcount", "proficient_fte", "service_level", "cost"}``:
    means over replications; hires and cost are month totals, headcount and proficient FTE
    month means of the planned site, service level and cost over all sites.
    """

    def rows(name: str) -> list[dict[str, Any]]:
        t = plan.months[plan.months["plan"] == name]
        return [{"month": int(r["month"]), **{k: float(r[k]) for k in MONTH_KEYS}} for _, r in t.iterrows()]

    return {"months": rows("order_up_to"), "naive": rows("naive"), "level": plan.level,
            "targets": list(plan.targets)}
