"""Interval staffing by simulation: agents needed on the phones per interval and weekday.

The requirement is found with an iterative staffing algorithm in the spirit of Feldman,
Mandelbaum, Massey and Whitt (2008, *Management Science* 54(2)): simulate the scenario with
generous staffing, read each interval's offered load and performance, restaff every interval,
and repeat with the same random numbers until no interval changes. The simulated scenario
keeps its own arrivals (intraday profile, weekday factors, overdispersed days), patience,
redials, repeat calls and handle times (learning and fatigue included); only the site's
roster is replaced by a staffing plan (``sites.N.staffing``).

Restaffing an interval: Feldman et al. set the staffing to a quantile of the simulated
number in system, which targets the delay probability. Service-level and abandonment targets
need a map from staffing to performance, so each interval is restaffed to the fewest agents
``n`` that meet every target on its **Erlang A curve re-centred on the simulation**:

    predicted(n) = ErlangA(n; lambda_i, AHT_i, patience) + (measured_i - ErlangA(s_i; lambda_i, AHT_i, patience))

``lambda_i`` (offered contacts per hour, redials and repeats included) and ``AHT_i`` are
measured in interval ``i`` under the current staffing ``s_i``, ``patience`` is the scenario's
mean patience. At a fixed point ``predicted(s_i) = measured_i``, so the plan meets every target
in every interval of the planning sample, and ``s_i - 1`` does not on the re-centred curve. In a
stationary M/M/n+M scenario the offset is sampling noise and the plan is the exact Erlang A
(or, without abandonment, Erlang C) minimum. Beside it, :func:`erlang_requirements` is the
per-interval Erlang requirement a planner computes from the forecast (the SIPP method:
stationary independent period-by-period), to show where it misses.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import yaml
from numpy.typing import NDArray

from .. import config as C
from .. import metrics as M
from ..analytic import erlang_a
from ..demand import expected_calls, weekday_of
from ..distributions import from_spec
from ..engine import DEFAULT_ENGINE
from ..replication import run_tasks
from ..spinup import engine_class, simulate
from ..stats import Estimate, mean_ci
from ..targets import Target, parse_target
from ..units import HOUR_S, MINUTE_S, clock_hhmm, intervals_per_day

PLANNED_METRICS: dict[str, str] = {"service_level": ">=", "abandon_rate": "<=", "p_wait": "<=", "asa_s": "<="}
"""Metrics a staffing plan can target, each with the direction that asks for more performance."""

CELL_COUNTERS = ("offered", "answered", "abandoned", "answered_within_sl", "waited", "wait_answered_s",
                 "handled", "handle_s", "staffed_s")
"""Counters summed per (weekday, interval) cell of the planned site."""
_CK = {name: j for j, name in enumerate(CELL_COUNTERS)}
_COUNTER_INDEX = np.array([M.K[name] for name in CELL_COUNTERS])

WARMUP_DAYS = 1
"""Days simulated before the measured weeks of each planning run (the queue fills from empty)."""

_OPS: dict[str, Callable[[Any, Any], Any]] = {">=": operator.ge, "<=": operator.le, ">": operator.gt,
                                                   "<": operator.lt}


def staffing_targets(targets: Sequence[str | Target]) -> tuple[Target, ...]:
    """Parse and check planning targets (``service_level>=0.8``, ``abandon_rate<=0.05``, ``p_wait``, ``asa_s``).

    Raises:
        ValueError: for an unparsable target, a metric a staffing plan cannot target, or a
            direction that asks for less performance.
    """
    out = []
    for t in targets:
        t = parse_target(t) if isinstance(t, str) else t
        want = PLANNED_METRICS.get(t.metric)
        if want is None:
            raise ValueError(f"target {t}: staffing plans target {sorted(PLANNED_METRICS)}, got {t.metric!r}")
        if t.op[0] != want[0]:
            raise ValueError(f"target {t}: {t.metric} improves with staffing, so expected {t.metric}{want}value")
        out.append(t)
    if not out:
        raise ValueError("expected at least one target, e.g. service_level>=0.8")
    return tuple(out)


# --------------------------------------------------------------------------- the planning runs


def planning_scenario(cfg: C.Scenario, site: int, counts: NDArray[np.int64], *, interval_min: int,
                      weeks: int) -> C.Scenario:
    """``cfg`` with site ``site`` staffed by ``counts`` (shape ``(7, intervals)``, Monday first).

    The horizon is :data:`WARMUP_DAYS` plus ``weeks`` weeks, started from the analytic day-0
    workforce (no spin-up), and the site's headcount is a pool large enough that absence,
    leave, quits and hires still in the classroom never leave a count unmet.
    """
    peak = int(counts.max(initial=0))
    table = {wd: [int(n) for n in counts[k]] for k, wd in enumerate(C.WEEKDAYS)}
    name = cfg.sites[site].name
    return C.load_config(cfg.model_dump(mode="json"), overrides={
        "days": WARMUP_DAYS + 7 * weeks, "warmup_days": WARMUP_DAYS, "spinup_days": 0,
        f"sites.{name}.agents": 2 * peak + 10,
        f"sites.{name}.staffing": {"interval_min": interval_min, "agents": table},
    })


def cell_counts(cfg: C.Scenario, seed: int, replication: int, engine: str, site: int,
                interval_min: int) -> NDArray[np.float64]:
    """One replication's counters of ``site`` summed per (weekday, interval) over the measured days.

    Returns shape ``(7, intervals_per_day(interval_min), len(CELL_COUNTERS))``, Monday first.
    """
    res = simulate(cfg, seed, replication=replication, engine=engine)
    per_day = intervals_per_day(cfg.interval_min)
    n_days = math.ceil(cfg.days)
    counts = res.counts[: n_days * per_day, site][:, _COUNTER_INDEX]
    counts = counts.reshape(n_days, intervals_per_day(interval_min), -1, len(CELL_COUNTERS)).sum(axis=2)
    out = np.zeros((7, counts.shape[1], len(CELL_COUNTERS)))
    for day in range(math.ceil(cfg.warmup_days), n_days):
        out[C.WEEKDAYS.index(weekday_of(cfg, day))] += counts[day]
    return out


def simulate_cells(cfg: C.Scenario, site: int, interval_min: int, replications: int, seed: int,
                    workers: int | None, engine: str, progress: Callable[[int], None] | None) -> NDArray[np.float64]:
    """Cell counters of ``site`` per replication (:func:`cell_counts`): ``(replications, 7, intervals, counters)``."""
    tasks = [(cfg, seed, r, engine, site, interval_min) for r in range(replications)]
    return np.stack(run_tasks(cell_counts, tasks, workers=workers, engine=engine, progress=progress))


def cell_metrics(cells: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
    """Per-cell metrics from summed counters (last axis :data:`CELL_COUNTERS`); NaN where undefined."""
    c = {name: cells[..., j] for name, j in _CK.items()}
    queued = c["answered"] + c["abandoned"]
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "service_level": c["answered_within_sl"] / queued,
            "abandon_rate": c["abandoned"] / queued,
            "p_wait": c["waited"] / queued,
            "asa_s": c["wait_answered_s"] / c["answered"],
            "aht_s": c["handle_s"] / c["handled"],
        }


# --------------------------------------------------------------------------- Erlang A per interval


def _voice_mean(cfg: C.Scenario, spec: Callable[[C.CallType], C.DurationSpec]) -> float:
    """Share-weighted mean of a duration over the voice call types (seconds; ``inf`` without voice)."""
    voice = [t for t in cfg.demand.call_types if t.channel == "voice"]
    total = sum(t.share for t in voice)
    return sum(t.share * from_spec(spec(t)).mean for t in voice) / total if total else math.inf


def mean_patience_s(cfg: C.Scenario) -> float:
    """Share-weighted mean patience of the voice call types (seconds; ``inf`` if nobody abandons)."""
    return _voice_mean(cfg, lambda t: t.patience or cfg.demand.patience)


def erlang_metrics(n: int, calls_per_hour: float, aht_s: float, patience_s: float, sl_threshold_s: float
                   ) -> dict[str, float]:
    """Erlang A (Erlang C with infinite patience) metrics at ``n`` agents; an unstable or empty staffing misses."""
    if n < 1 or (patience_s == math.inf and calls_per_hour * aht_s / HOUR_S >= n):
        return {"service_level": 0.0, "abandon_rate": 1.0, "p_wait": 1.0, "asa_s": math.inf}
    return erlang_a(calls_per_hour=calls_per_hour, aht_s=aht_s, patience_s=patience_s, agents=n,
                    sl_target_s=sl_threshold_s)


def least_agents(meets: Callable[[int], bool], start: int, limit: int) -> int:
    """The fewest agents in ``[0, limit]`` for which the monotone ``meets`` holds, searched from ``start``."""
    n = min(max(start, 0), limit)
    if meets(n):
        while n > 0 and meets(n - 1):
            n -= 1
        return n
    while n < limit and not meets(n):
        n += 1
    return n


def requirement(targets: Sequence[Target], calls_per_hour: float, aht_s: float, patience_s: float,
                sl_threshold_s: float, *, start: int, offset: dict[str, float] | None = None) -> int:
    """Fewest agents meeting every target on the Erlang A curve (shifted by ``offset`` per metric).

    Zero when no contacts are offered; at most ``3 A + 20`` (``A`` the offered load in Erlangs).
    """
    if not calls_per_hour > 0:
        return 0
    shift = offset or {}
    limit = math.ceil(3 * calls_per_hour * aht_s / HOUR_S) + 20

    def meets(n: int) -> bool:
        m = erlang_metrics(n, calls_per_hour, aht_s, patience_s, sl_threshold_s)
        return all(_OPS[t.op](m[t.metric] + shift.get(t.metric, 0.0), t.value) for t in targets)

    return least_agents(meets, start, limit)


def site_share(cfg: C.Scenario, site: int) -> float:
    """Share of the forecast offered to ``site``: its routing share (split), or all for the first site (overflow).

    Under overflow routing a later site sees only what the first passes on, which a forecast
    does not say: its share is taken as 0.
    """
    if cfg.routing.policy == "overflow":
        return 1.0 if site == 0 else 0.0
    shares = cfg.routing.shares or {cfg.sites[0].name: 1.0}
    return float(shares.get(cfg.sites[site].name, 0.0))


def erlang_requirements(cfg: C.Scenario, targets: Sequence[str | Target], *, site: int = 0, interval_min: int = 30,
                        weeks: int = 4, aht_s: float | None = None) -> NDArray[np.int64]:
    """The per-interval Erlang requirement from the forecast (SIPP), shape ``(7, intervals)``, Monday first.

    Each interval's forecast is the mean expected base arrivals (``demand.expected_calls``) over
    the planning weeks' days of its weekday, times the site's share (:func:`site_share`); redials
    and repeat calls are not in a forecast. The handle time is ``aht_s`` (default: the call
    types' share-weighted base mean), the patience :func:`mean_patience_s`.
    """
    parsed = staffing_targets(targets)
    per = interval_min // cfg.interval_min
    calls = np.zeros((7, intervals_per_day(interval_min)))
    days = np.zeros(7)
    for day in range(WARMUP_DAYS, WARMUP_DAYS + 7 * weeks):
        k = C.WEEKDAYS.index(weekday_of(cfg, day))
        calls[k] += expected_calls(cfg, day).reshape(-1, per).sum(axis=1)
        days[k] += 1
    per_hour = site_share(cfg, site) * calls / np.maximum(days, 1)[:, None] * (HOUR_S / (interval_min * MINUTE_S))
    aht = aht_s if aht_s is not None else base_aht_s(cfg)
    patience = mean_patience_s(cfg)
    req = np.zeros(per_hour.shape, dtype=np.int64)
    for k, i in np.ndindex(per_hour.shape):
        a = per_hour[k, i] * aht / HOUR_S
        req[k, i] = requirement(parsed, float(per_hour[k, i]), aht, patience, cfg.sl_threshold_s, start=math.ceil(a))
    return req


def base_aht_s(cfg: C.Scenario) -> float:
    """Share-weighted mean base handle time of the voice call types (seconds)."""
    return _voice_mean(cfg, lambda t: t.handle_time)


# --------------------------------------------------------------------------- the algorithm


@dataclass(frozen=True)
class StaffingPlan:
    """Agents needed on the phones per interval and weekday, from simulation, beside the Erlang (SIPP) requirement.

    Attributes:
        table: One row per (weekday, interval): ``weekday``, ``start`` (``HH:MM``), ``interval``
            (index in the day), ``agents`` (the plan), ``agents_erlang`` (SIPP),
            ``calls_per_hour`` (offered contacts per hour measured at the plan: redials and
            repeats included), ``aht_s`` (measured), ``offered_load`` (Erlangs: calls per hour x
            AHT / 3600), and the plan's measured ``service_level``, ``abandon_rate``, ``p_wait``,
            ``asa_s`` (NaN where nobody queued).
        iterations: One row per simulation round: ``iteration``, ``phase`` (``search``, or
            ``repair`` once the search settled), ``changed`` (intervals whose staffing the round
            changed), ``agent_hours`` (weekly agent-hours on the phones of the staffing simulated
            in that round).
        converged: Whether the last round changed nothing: every interval meets every target in
            the planning sample (else the iteration limit was hit).
        site: Name of the planned site.
        interval_min: Interval length (minutes).
        targets: The targets.
        seed: Root seed of the planning runs.
        replications: Replications per round.
        weeks: Measured weeks per replication.
        engine: The engine that ran the simulations.
    """

    table: pd.DataFrame
    iterations: pd.DataFrame
    converged: bool
    site: str
    interval_min: int
    targets: tuple[Target, ...]
    seed: int
    replications: int
    weeks: int
    engine: str = DEFAULT_ENGINE
    extra: dict[str, Any] = field(default_factory=dict)

    def counts(self, column: str = "agents") -> NDArray[np.int64]:
        """The plan (or ``agents_erlang``) as an array ``(7, intervals)``, Monday first."""
        return self.table[column].to_numpy(dtype=np.int64).reshape(7, -1)

    @property
    def agent_hours(self) -> float:
        """Weekly agent-hours on the phones of the plan."""
        return float(self.table["agents"].sum() * self.interval_min / 60)


def plan_staffing(
    cfg: C.Scenario,
    targets: Sequence[str | Target],
    *,
    site: str | None = None,
    interval_min: int = 30,
    weeks: int = 4,
    replications: int = 8,
    seed: int = 1,
    workers: int | None = None,
    engine: str = DEFAULT_ENGINE,
    max_iterations: int = 20,
    progress: Callable[[int], None] | None = None,
) -> StaffingPlan:
    """Agents on the phones needed per interval and weekday to meet ``targets``, by iterative simulation.

    Each round simulates ``replications`` replications of :data:`WARMUP_DAYS` + ``weeks`` weeks
    (the same seeds every round: common random numbers) and restaffs every interval to the
    fewest agents meeting every target on its re-centred Erlang A curve (module docstring).
    Rounds stop when no interval changes. Staffing changes move the random paths a little (a
    different agent answers, a caller redials or not), so the search can wander by an agent
    here and there instead of settling: when a round changes no fewer intervals than one of
    the two before it, or undoes the previous round, each interval takes the smaller of its
    last two staffings, and from then on each interval that misses a target in the sample gets
    more agents each round (what its re-centred curve asks for, at least 1 and at most 10% more)
    until none misses (at most ``max_iterations`` rounds in all). (The
    smaller, because a round can over-react where a backlog from the interval before spills
    over; repairing upwards only adds what the sample shows is needed.)

    Args:
        cfg: The scenario; its roster at ``site`` is replaced by the staffing plan being searched.
        targets: E.g. ``["service_level>=0.8", "abandon_rate<=0.05"]`` (:data:`PLANNED_METRICS`).
        site: Name of the planned site (default: the first).
        interval_min: Planning interval (minutes): a multiple of ``cfg.interval_min`` among
            5, 10, 15, 20, 30, 60.
        weeks: Measured weeks per replication.
        replications: Replications per round.
        seed: Root seed.
        workers: Worker processes (None: all cores; 1: this process).
        engine: ``"fast"`` or ``"simpy"``: the same plan, at different speeds.
        max_iterations: Most simulation rounds.
        progress: Called with 1 after each replication simulated.

    Raises:
        ValueError: for a bad target, site, interval or count.
    """
    parsed = staffing_targets(targets)
    k_site = site_index(cfg, site)
    _check_interval(cfg, interval_min)
    if weeks < 1 or replications < 2 or max_iterations < 1:
        raise ValueError(f"expected weeks >= 1, replications >= 2, max_iterations >= 1, got {weeks}, "
                         f"{replications}, {max_iterations}")
    engine_class(engine)
    patience = mean_patience_s(cfg)
    cell_days = replications * weeks

    def measure(staffing: NDArray[np.int64]) -> NDArray[np.float64]:
        run_cfg = planning_scenario(cfg, k_site, staffing, interval_min=interval_min, weeks=weeks)
        return simulate_cells(run_cfg, k_site, interval_min, replications, seed, workers, engine, progress)

    forecast = erlang_requirements(cfg, parsed, site=k_site, interval_min=interval_min, weeks=weeks)
    staffing = np.ceil(1.5 * forecast + 3 * (forecast > 0)).astype(np.int64)  # generous: near-infinite-server
    previous: NDArray[np.int64] | None = None
    repairing, converged = False, False
    rounds: list[dict[str, Any]] = []
    for iteration in range(max_iterations):
        cells = measure(staffing)
        total = cells.sum(axis=0)
        suggested = _restaff(total, cell_days, staffing, parsed, interval_min, patience, cfg.sl_threshold_s,
                             base_aht_s(cfg))
        if repairing:  # up where the sample misses: as suggested, by 1 to 10% (at least 1) a round
            step = np.clip(suggested - staffing, 1, np.maximum(1, np.ceil(0.1 * staffing).astype(np.int64)))
            new = staffing + misses(total, parsed) * step
        else:
            new = suggested
            changes = [r["changed"] for r in rounds]
            stalled = len(changes) >= 2 and int((new != staffing).sum()) >= min(changes[-2:])
            if stalled or (previous is not None and np.array_equal(new, previous)):
                new, repairing = np.minimum(new, staffing), True  # settle on the smaller, then repair upwards
        changed = int((new != staffing).sum())
        rounds.append({"iteration": iteration, "phase": "repair" if repairing else "search", "changed": changed,
                       "agent_hours": float(staffing.sum() * interval_min / 60)})
        if changed == 0:
            converged = True
            break
        previous, staffing = staffing, new
    else:
        cells = measure(staffing)  # the final plan's own measurement
    overall_aht = float(cells[..., _CK["handle_s"]].sum() / max(cells[..., _CK["handled"]].sum(), 1.0))
    erlang = erlang_requirements(cfg, parsed, site=k_site, interval_min=interval_min, weeks=weeks, aht_s=overall_aht)
    return StaffingPlan(
        table=_table(cells.sum(axis=0), cell_days, staffing, erlang, interval_min),
        iterations=pd.DataFrame(rounds), converged=converged, site=cfg.sites[k_site].name,
        interval_min=interval_min, targets=parsed, seed=seed, replications=replications, weeks=weeks, engine=engine,
        extra={"erlang_aht_s": overall_aht, "patience_s": patience},
    )


def misses(cells: NDArray[np.float64], targets: Sequence[Target]) -> NDArray[np.int64]:
    """1 where a cell's measured metric misses a target (cells where nobody queued meet it), else 0."""
    measured = cell_metrics(cells)
    miss = np.zeros(cells.shape[:-1], dtype=bool)
    for t in targets:
        m = measured[t.metric]
        miss |= ~np.isnan(m) & ~_OPS[t.op](m, t.value)
    return miss.astype(np.int64)


def _calls_per_hour(cells: NDArray[np.float64], cell_days: int, interval_min: int) -> NDArray[np.float64]:
    return cells[..., _CK["offered"]] / (cell_days * interval_min / 60)


def _restaff(cells: NDArray[np.float64], cell_days: int, staffing: NDArray[np.int64], targets: Sequence[Target],
             interval_min: int, patience_s: float, sl_threshold_s: float, fallback_aht_s: float) -> NDArray[np.int64]:
    """Each cell's fewest agents meeting the targets on its Erlang A curve re-centred on the measurement."""
    measured = cell_metrics(cells)
    per_hour = _calls_per_hour(cells, cell_days, interval_min)
    new = np.zeros_like(staffing)
    for k, i in np.ndindex(staffing.shape):
        lam, s, aht = float(per_hour[k, i]), int(staffing[k, i]), float(measured["aht_s"][k, i])
        if not lam > 0:
            continue
        if not aht > 0:  # nobody was served here: the scenario's base handle time
            aht = fallback_aht_s
        here = erlang_metrics(s, lam, aht, patience_s, sl_threshold_s)
        offset = {t.metric: float(measured[t.metric][k, i]) - here[t.metric] for t in targets
                  if math.isfinite(here[t.metric]) and not math.isnan(measured[t.metric][k, i])}
        new[k, i] = requirement(targets, lam, aht, patience_s, sl_threshold_s, start=s, offset=offset)
    return new


def _table(cells: NDArray[np.float64], cell_days: int, staffing: NDArray[np.int64], erlang: NDArray[np.int64],
           interval_min: int) -> pd.DataFrame:
    n = staffing.shape[1]
    measured = cell_metrics(cells)
    per_hour = _calls_per_hour(cells, cell_days, interval_min)
    minutes = np.arange(n) * interval_min
    return pd.DataFrame({
        "weekday": np.repeat(C.WEEKDAYS, n),
        "start": np.tile([clock_hhmm(int(m)) for m in minutes], 7),
        "interval": np.tile(np.arange(n), 7),
        "agents": staffing.ravel(),
        "agents_erlang": erlang.ravel(),
        "calls_per_hour": per_hour.ravel(),
        "aht_s": measured["aht_s"].ravel(),
        "offered_load": (per_hour * np.nan_to_num(measured["aht_s"]) / HOUR_S).ravel(),
        **{name: measured[name].ravel() for name in PLANNED_METRICS},
    })


def site_index(cfg: C.Scenario, site: str | None) -> int:
    """Index of the site named ``site`` (None: the first); ``ValueError`` naming the sites if unknown."""
    names = [s.name for s in cfg.sites]
    if site is None:
        return 0
    if site not in names:
        raise ValueError(f"site: expected one of {names}, got {site!r} (unknown site)")
    return names.index(site)


def _check_interval(cfg: C.Scenario, interval_min: int) -> None:
    if interval_min not in (5, 10, 15, 20, 30, 60) or interval_min % cfg.interval_min:
        raise ValueError(f"interval_min: expected a multiple of the scenario's interval_min ({cfg.interval_min}) "
                         f"among 5, 10, 15, 20, 30, 60, got {interval_min}")


# --------------------------------------------------------------------------- checking a plan


@dataclass(frozen=True)
class StaffingCheck:
    """A staffing plan simulated with fresh seeds.

    Attributes:
        intervals: One row per (weekday, interval) with offered contacts: ``weekday``,
            ``start``, ``interval``, ``agents``, for each targeted metric its mean over
            replications and 95% t-interval (``{metric}_ci_low``, ``{metric}_ci_high``), and
            ``meets``: the target is not significantly missed (it lies inside the interval or
            on its good side); ``meets_simultaneous``: the same with simultaneous intervals
            (Bonferroni: each at ``1 - 0.05 / intervals``), so that "every interval meets the
            target" is a claim at 95% for the whole family, not for each interval alone.
        overall: One row per targeted metric over every measured interval: ``metric``,
            ``mean``, ``ci_low``, ``ci_high`` over replications.
    """

    intervals: pd.DataFrame
    overall: pd.DataFrame

    def summary(self) -> dict[str, Any]:
        """Counts of intervals checked and missed (alone, and simultaneously) and the overall metrics.

        ``{"intervals", "intervals_missing", "intervals_missing_simultaneous", "overall": {m: {"mean", "ci95"}}}``.
        """
        return {
            "intervals": len(self.intervals), "intervals_missing": int((~self.intervals["meets"]).sum()),
            "intervals_missing_simultaneous": int((~self.intervals["meets_simultaneous"]).sum()),
            "overall": {r.metric: {"mean": r.mean, "ci95": [r.ci_low, r.ci_high]} for r in self.overall.itertuples()},
        }


def verify_staffing(
    cfg: C.Scenario,
    plan: StaffingPlan,
    *,
    column: str = "agents",
    weeks: int | None = None,
    replications: int = 8,
    seed: int = 2,
    workers: int | None = None,
    engine: str = DEFAULT_ENGINE,
    progress: Callable[[int], None] | None = None,
) -> StaffingCheck:
    """Simulate a plan (``column``: ``agents``, or ``agents_erlang`` for SIPP) with fresh seeds.

    Per replication each metric is the ratio of the replication's sums over the interval's
    measured days (or over every interval, overall); means and 95% t-intervals are over
    replications.
    """
    k_site = site_index(cfg, plan.site)
    counts = plan.counts(column)
    run_cfg = planning_scenario(cfg, k_site, counts, interval_min=plan.interval_min, weeks=weeks or plan.weeks)
    cells = simulate_cells(run_cfg, k_site, plan.interval_min, replications, seed, workers, engine, progress)
    return check_cells(cells, plan.targets, plan.interval_min, counts)


def _not_missed(t: Target, est: Estimate) -> bool:
    """The target lies inside the interval or on its good side (or the metric is undefined)."""
    good_end = est.ci_high if t.op[0] == ">" else est.ci_low
    return bool(math.isnan(good_end) or _OPS[t.op](good_end, t.value) or good_end == t.value)


def check_cells(cells: NDArray[np.float64], targets: Sequence[Target], interval_min: int,
                counts: NDArray[np.int64] | None = None) -> StaffingCheck:
    """Per-interval and overall metrics with 95% CIs over replications from :func:`simulate_cells` output.

    ``counts`` (agents per cell, ``(7, intervals)``) fills the ``agents`` column (NaN without it).
    """
    per_rep = cell_metrics(cells)
    cells_used = [(k, i) for k, i in np.ndindex(cells.shape[1:3]) if cells[:, k, i, _CK["offered"]].sum() > 0]
    family = 1.0 - 0.05 / max(len(cells_used), 1)  # Bonferroni: every interval at once, 95%
    rows = []
    for k, i in cells_used:
        row: dict[str, Any] = {"weekday": C.WEEKDAYS[k], "start": clock_hhmm(i * interval_min), "interval": i,
                               "agents": math.nan if counts is None else int(counts[k, i])}
        ok, ok_all = True, True
        for t in targets:
            values = per_rep[t.metric][:, k, i]
            est = mean_ci(values)
            row |= {t.metric: est.mean, f"{t.metric}_ci_low": est.ci_low, f"{t.metric}_ci_high": est.ci_high}
            ok &= _not_missed(t, est)
            ok_all &= _not_missed(t, mean_ci(values, level=family))
        row["meets"] = ok
        row["meets_simultaneous"] = ok_all
        rows.append(row)
    overall = cell_metrics(cells.sum(axis=(1, 2)))
    estimates = [(t.metric, mean_ci(overall[t.metric])) for t in targets]
    return StaffingCheck(
        intervals=pd.DataFrame(rows),
        overall=pd.DataFrame([{"metric": m, "mean": e.mean, "ci_low": e.ci_low, "ci_high": e.ci_high}
                              for m, e in estimates]),
    )


def staffing_yaml(plan: StaffingPlan, *, extends: str, column: str = "agents") -> str:
    """YAML of a scenario that ``extends`` the planned one with the plan as the site's staffing.

    The headcount is left as it is: a staffing plan takes its agents from those present.
    """
    counts = plan.counts(column)
    doc = {
        "extends": extends,
        "sites": [{"name": plan.site, "staffing": {
            "interval_min": plan.interval_min,
            "agents": {wd: [int(n) for n in counts[k]] for k, wd in enumerate(C.WEEKDAYS)},
        }}],
    }
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=200)


def staffing_json(plan: StaffingPlan) -> dict[str, Any]:
    """The plan as ``{"intervals": [{"weekday", "start", "agents", "agents_erlang", ...}], ...}``."""
    cols = ["weekday", "start", "agents", "agents_erlang", "calls_per_hour", "offered_load",
            *[t.metric for t in plan.targets]]
    records = plan.table[cols].astype(object).where(plan.table[cols].notna(), None).to_dict("records")
    return {
        "site": plan.site, "interval_min": plan.interval_min, "targets": [str(t) for t in plan.targets],
        "converged": plan.converged, "iterations": len(plan.iterations),
        "agent_hours_per_week": plan.agent_hours,
        "agent_hours_per_week_erlang": float(plan.table["agents_erlang"].sum() * plan.interval_min / 60),
        "intervals": records,
    }
