"""The model's equations checked against their closed forms, one call and one agent at a time.

Directional tests (``test_mechanisms.py``) only say that a mechanism moves an output the right
way; these say by how much. Each closed form is written out here from ``docs/model.md``
(sections 2.2, 4.6, 4.7, 7.4, 7.5 and 7.7), not imported from the simulator, so a changed
factor in the code cannot change the reference with it.

- **Answer and service-end equations** (4.6, 4.7): a small floor with every mechanism on is
  simulated with a call log, then replayed call by call in plain Python from the log's
  answer times and agents and the callers' pre-drawn numbers (``demand.draw_day``). The
  replay recomputes proficiency (learning), fatigue (increment per call, exponential
  recovery), pressure (daily KPI reviews), anger, the handle time and the outcome of every
  call, and the fatigue sampled at every interval end. Equality is exact up to float
  rounding (relative 1e-9), so any changed factor, exponent or comparison shows up.
- **Quit hazard and absence probability** (7.5, 7.7): :meth:`Workforce.start_day` is fed
  uniforms placed just below and just above each agent's closed-form probability
  (relative offset 1e-7, far above float rounding), so the decision flips exactly at the
  closed form. A large-sample test adds a binomial bound on the real generator.
- **Intraday profile** (2.2): expected arrivals per interval exactly, and a binomial bound
  on drawn arrivals.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import simulator as sim
from simulator.demand import DECISIONS, draw_day, expected_calls
from simulator.engine import Simulation
from simulator.formulas import ContactModel
from simulator.metrics import K
from simulator.workforce import QUIT, AgentState, Stage, Workforce
from tests.conftest import scenario

DAY_S = 86400.0


class Scripted(np.random.Generator):
    """A generator whose successive ``random(n)`` calls return scripted arrays.

    Each script entry is an array of length ``n`` or a function of ``n``.
    """

    def __init__(self, *draws: Sequence[float] | Callable[[int], np.ndarray]) -> None:
        super().__init__(np.random.PCG64(0))
        self.draws = list(draws)

    def random(self, n: int) -> np.ndarray:  # type: ignore[override]
        d = self.draws.pop(0)
        out = np.asarray(d(n) if callable(d) else d, dtype=float)
        assert out.shape == (n,), (out.shape, n)
        return out


def never(n: int) -> np.ndarray:
    """Uniforms just below 1: no quit, no absence."""
    return np.full(n, 1 - 1e-12)


def floor_agents(n: int, *, hire_day: float = -500.0) -> AgentState:
    """``n`` floor agents of site 0, shift 0, proficiency 1, on the floor for 400 days."""
    s = AgentState.empty()
    s.append(np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), Stage.FLOOR, np.full(n, hire_day))
    s.floor_day[:] = -400.0
    s.proficiency[:] = 1.0
    return s


# ------------------------------------------------------------------------- answer equations

BEHAVIOUR = {
    "novice_slowdown": 0.8, "fatigue_slowdown": 0.4, "irate_handle_multiplier": 1.25, "rush_strength": 0.3,
    "fcr_floor": 0.4, "fatigue_error": 0.3, "rush_fcr_penalty": 0.25, "novice_escalation": 1.5,
    "irate_escalation_multiplier": 2.0, "detect_floor": 0.3, "scam_detected_handle_fraction": 0.4,
    "learning_calls": 80,
    "fatigue": {"load_per_call": 0.15, "irate_load_multiplier": 2.0, "failed_load_multiplier": 1.5,
                "coping": 0.6, "recovery_tau_s": 900},
}
TYPE = {"name": "a", "share": 1.0, "handle_time": {"dist": "exponential", "mean_s": 240}, "fcr": 0.8,
        "irate_p": 0.15, "escalation_p": 0.1, "scam_p": 0.08}
KPI = {"aht_target_s": 290, "review_days": 1, "grace_days": 0, "min_calls": 1, "pressure_step": 0.25}
EVERYTHING_ON = scenario({
    "days": 3, "demand.calls_per_hour": 30, "demand.anger_per_min": 0.3, "demand.call_types": [TYPE],
    "sites.s.agents": 5, "sites.s.initial_proficiency": [0.2, 0.7], "sites.s.resolution_multiplier": 0.9,
    "sites.s.kpi": KPI, "behaviour": BEHAVIOUR,
})
SEED = 7


@dataclass
class Replay:
    """A run of :data:`EVERYTHING_ON` and its call-by-call reference."""

    res: sim.SimulationResult
    calls: pd.DataFrame
    """Handled calls in answer order, with the engine's and the reference's values."""
    fatigue_sum: np.ndarray
    """Reference fatigue summed over agents at each interval end up to the horizon."""


def replay_answers(cfg: sim.Scenario, seed: int) -> Replay:
    """Simulate ``cfg`` and recompute every handled call from the closed forms of docs/model.md 4.6-4.7, 7.4."""
    b, f = cfg.behaviour, cfg.behaviour.fatigue
    ct, site, kpi = cfg.demand.call_types[0], cfg.sites[0], cfg.sites[0].kpi
    engine = Simulation(cfg, seed=seed, call_log=True)
    p_start = engine.agents.proficiency.copy()
    res = engine.run()

    days = [draw_day(cfg, seed, 0, d, cfg.days * DAY_S) for d in range(math.ceil(cfg.days))]
    base_s = np.concatenate([d.handle_s for d in days])
    u = {name: np.concatenate([d.u[i] for d in days]) for i, name in enumerate(DECISIONS)}

    log = res.calls
    assert (log["attempt"] == 0).all(), "no follow-ups in this scenario: callers index the base draws"
    calls = log[~log["outcome"].isin(["abandoned", "blocked"])].copy()
    calls["t_ans"] = calls["arrival_s"] + calls["wait_s"]
    calls = calls.sort_values("t_ans").reset_index(drop=True)
    n = len(calls)
    ref = {col: np.zeros(n) for col in ("handle", "p", "f", "r", "irate")}
    ref_outcome = [""] * n
    t_all, wait_all, handle_all = calls["t_ans"].to_numpy(), calls["wait_s"].to_numpy(), calls["handle_s"].to_numpy()
    caller_all, agent_all = calls["caller"].to_numpy(), calls["agent"].to_numpy()
    timeline: dict[int, list[tuple[float, float, float, float]]] = {}  # agent -> (t_ans, t_end, F_ans, F_end)

    for a in np.unique(agent_all).tolist():
        p, r, f_end, t_end = float(p_start[a]), 0.0, 0.0, -math.inf
        period_s, period_n, review_day = 0.0, 0, 1
        pending: tuple[float, float] | None = None  # (end, handle) of the last call, not yet booked
        timeline[a] = []
        for i in np.flatnonzero(agent_all == a).tolist():
            t_ans, wait, k = float(t_all[i]), float(wait_all[i]), int(caller_all[i])
            # KPI reviews at every midnight up to this answer (7.4): mean of the period's handle times.
            while review_day * DAY_S <= t_ans:
                if pending is not None and pending[0] < review_day * DAY_S:
                    period_s, period_n, pending = period_s + pending[1], period_n + 1, None
                if period_n >= kpi.min_calls:
                    miss = period_s / period_n > kpi.aht_target_s
                    r = min(1.0, r + kpi.pressure_step) if miss else max(0.0, r - kpi.pressure_step)
                period_s, period_n, review_day = 0.0, 0, review_day + 1
            if pending is not None:
                period_s, period_n, pending = period_s + pending[1], period_n + 1, None
            # Fatigue recovered since the end of the last call (4.7).
            fat = f_end * math.exp(-(t_ans - t_end) / f.recovery_tau_s) if f_end else 0.0
            irate = bool(u["irate"][k] < ct.irate_p + cfg.demand.anger_per_min * wait / 60.0)
            h = (base_s[k] * (1 + b.novice_slowdown * (1 - p)) * (1 + b.fatigue_slowdown * fat)
                 * (1 - b.rush_strength * r) * (b.irate_handle_multiplier if irate else 1.0))
            if u["scam"][k] < ct.scam_p:
                detected = u["detect"][k] < b.detect_floor + (1 - b.detect_floor) * p
                outcome = "scam_detected" if detected else "scam_missed"
                h *= b.scam_detected_handle_fraction if detected else 1.0
            else:
                p_esc = ct.escalation_p * (1 + b.novice_escalation * (1 - p)) * (
                    b.irate_escalation_multiplier if irate else 1.0)
                p_res = (ct.fcr * site.resolution_multiplier * (b.fcr_floor + (1 - b.fcr_floor) * p)
                         * (1 - b.fatigue_error * fat) * (1 - b.rush_fcr_penalty * r))
                outcome = "escalated" if u["escalate"][k] < p_esc else (
                    "resolved" if u["resolve"][k] < p_res else "unresolved")
            for col, v in (("handle", h), ("p", p), ("f", fat), ("r", r), ("irate", irate)):
                ref[col][i] = v
            ref_outcome[i] = outcome
            # Service end: fatigue increment with p before learning, then the learning step. The
            # engine's own end time and handle time carry the state on, so that one wrong call
            # shows as one mismatch (its handle time is compared with h separately).
            t_end = t_ans + float(handle_all[i])
            failed = outcome in ("unresolved", "escalated")
            f_end = fat + (f.load_per_call * (1 - f.coping * p) * (f.irate_load_multiplier if irate else 1.0)
                           * (f.failed_load_multiplier if failed else 1.0))
            p = 1 - (1 - p) * math.exp(-1 / b.learning_calls)
            pending = (t_end, float(handle_all[i]))
            timeline[a].append((t_ans, t_end, fat, f_end))
    for col, v in ref.items():
        calls[f"ref_{col}"] = v
    calls["ref_outcome"] = ref_outcome
    calls["u_irate"] = u["irate"][caller_all]

    # Fatigue sampled at each interval end: busy agents hold their answer-time F, others recover.
    interval_s = cfg.interval_min * 60.0
    ends = interval_s * np.arange(1, round(cfg.days * DAY_S / interval_s) + 1)
    total = np.zeros(ends.size)
    for line in timeline.values():
        starts = [x[0] for x in line]
        for j, t in enumerate(ends.tolist()):
            m = bisect.bisect_right(starts, t)
            if m == 0:
                continue
            _, t_end, f_ans, f_after = line[m - 1]
            total[j] += f_ans if t < t_end else f_after * math.exp(-(t - t_end) / f.recovery_tau_s)
    return Replay(res, calls, total)


@pytest.fixture
def replay() -> Replay:
    # Function scope on purpose: mutation testing maps each model function to the tests that
    # call it, and a module-scoped run would be credited to the first test only.
    return replay_answers(EVERYTHING_ON, SEED)


def test_replay_exercises_every_term(replay: Replay) -> None:
    """The scenario reaches every branch, so the exact comparisons below constrain every factor."""
    c = replay.calls
    assert len(c) > 1500
    assert set(c["ref_outcome"]) == {"resolved", "unresolved", "escalated", "scam_detected", "scam_missed"}
    anger_only = (c["ref_irate"] == 1) & (c["u_irate"] >= TYPE["irate_p"])
    assert anger_only.sum() > 20 and (c["ref_irate"] == 1).sum() > 200
    assert (c["ref_r"] > 0).sum() > 200 and (c["ref_r"] == 0).sum() > 200
    falls = sum(int((np.diff(g.to_numpy()) < 0).sum()) for _, g in c.groupby("agent")["ref_r"])
    assert falls > 0, "a met target must lower pressure somewhere"
    assert c["ref_f"].max() > 0.5 and (c["ref_p"].max() - c["ref_p"].min()) > 0.3


def test_handle_time_matches_closed_form(replay: Replay) -> None:
    """h = b (1 + novice_slowdown (1 - p)) (1 + fatigue_slowdown F) (1 - rush_strength r) x irate x scam, exactly."""
    c = replay.calls
    np.testing.assert_allclose(c["handle_s"], c["ref_handle"], rtol=1e-9, atol=1e-6)


def test_outcomes_match_closed_form(replay: Replay) -> None:
    """Scam detection, escalation and resolution probabilities of 4.6 decide every call's outcome."""
    c = replay.calls
    wrong = c[c["outcome"] != c["ref_outcome"]]
    assert wrong.empty, wrong[["caller", "agent", "outcome", "ref_outcome", "ref_p", "ref_f", "ref_r"]].head()


def test_fatigue_samples_match_recovery(replay: Replay) -> None:
    """Interval-end fatigue: F_end exp(-(t - t_end) / recovery_tau_s) for idle agents, F at answer for busy ones."""
    got = replay.res.counts[: replay.fatigue_sum.size, 0, K["fatigue_sum"]]
    np.testing.assert_allclose(got, replay.fatigue_sum, rtol=1e-9, atol=1e-12)
    assert (replay.res.counts[: replay.fatigue_sum.size, 0, K["fatigue_n"]] == 5).all()


def test_learning_and_fatigue_helpers() -> None:
    """The per-call helpers themselves: learning step, call load (irate, failed, frailty) and recovery."""
    from simulator import workforce as W

    f = EVERYTHING_ON.behaviour.fatigue
    assert W.learn(0.3, math.exp(-1 / 80)) == pytest.approx(1 - 0.7 * math.exp(-1 / 80), rel=1e-15)
    load = ContactModel(EVERYTHING_ON).load
    assert f.failed_load_multiplier == 1.5 and f.irate_load_multiplier == 2.0
    assert load(0.4, False, False, 1.0) == pytest.approx(0.15 * (1 - 0.6 * 0.4), rel=1e-15)
    assert load(0.4, True, False, 1.0) == pytest.approx(0.15 * 2.0 * (1 - 0.6 * 0.4), rel=1e-15)
    assert load(0.4, True, True, 0.5) == pytest.approx(0.15 * 2.0 * 1.5 * (1 - 0.6 * 0.4) * 0.5, rel=1e-15)
    assert W.fatigue_now(0.8, 100.0, 1000.0, 900.0) == pytest.approx(0.8 * math.exp(-900 / 900), rel=1e-15)


# ------------------------------------------------------------------------- quits and absences

QUIT_SITE = {"sites.s.attrition": {"annual_quit_rate": 0.4, "quit_burnout": 0.7, "early_tenure_days": 60,
                                   "early_quit_multiplier": 2.5, "outside_options": 1.3,
                                   "recognition_retention": 0.6},
             "sites.s.recognition": 0.7, "sites.s.hiring.backfill": False, "behaviour.burnout.tau_days": 20}


def quit_hazard(q: float, k: float, burnout: np.ndarray, outside: float, retention: float, recognition: float,
                early: np.ndarray, early_mult: float) -> np.ndarray:
    """Daily hazard of docs/model.md 7.5, written out."""
    h0 = -math.log(1 - q) / 365
    return h0 * np.exp(k * burnout) * outside * (1 - retention * recognition) * np.where(early, early_mult, 1.0)


@pytest.mark.parametrize("recognition", [0.0, 0.7])
def test_quit_decision_flips_at_the_closed_form_hazard(recognition: float) -> None:
    """Each agent quits iff u < 1 - exp(-h); u is put 1e-7 (relative) below or above that threshold.

    Agents vary burnout (0, 0.5, 2) and tenure (59, 60, 61 days: early means tenure < 60);
    each appears twice, once just below and once just above its threshold. A classroom agent
    quits like a floor agent; a vacancy never quits.
    """
    cfg = scenario({**QUIT_SITE, "sites.s.recognition": recognition})
    day = 100
    burnouts, tenures = [0.0, 0.5, 2.0], [59.0, 60.0, 61.0]
    grid = [(b, t) for b in burnouts for t in tenures] * 2
    s = floor_agents(len(grid))
    s.burnout[:] = [b for b, _ in grid]
    s.hire_day[:] = [day - t for _, t in grid]
    s.stage[0] = Stage.CLASSROOM
    s.append(np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), Stage.RECRUITING, np.array([200.0]))
    b_night = s.burnout[: len(grid)] * math.exp(-1 / 20)  # 7.3: nobody worked, burnout only decays
    h = quit_hazard(0.4, 0.7, b_night, 1.3, 0.6, recognition, np.array([t < 60 for _, t in grid]), 2.5)
    threshold = -np.expm1(-h)
    half = len(grid) // 2
    below = np.r_[threshold[:half] * (1 - 1e-7), threshold[half:] * (1 + 1e-7), 0.0]
    counts = Workforce(cfg).start_day(s, day, Scripted(below, never), np.random.default_rng(0))
    quit_ = s.leave_reason == QUIT
    np.testing.assert_array_equal(quit_, np.r_[np.ones(half, bool), np.zeros(half + 1, bool)])
    assert counts["quits"][0] == half and np.all(s.left_day[quit_] == day)
    assert s.stage[-1] == Stage.RECRUITING


def test_quit_count_within_binomial_bound_of_the_hazard() -> None:
    """Large sample on a real generator: quits of 200,000 early-tenure rested agents and of
    200,000 tenured burnt-out agents in one night, each within its Binomial(n, 1 - exp(-h))
    central interval at 99.95% (Bonferroni: 99.9% for the pair).

    Each count has mean ~7,100-8,000 and standard deviation ~85; the interval is +-3.5 sd, so a
    hazard off by 10% (+8 sd) fails with a margin of about 4.5 sd.
    """
    q, n = 0.99, 200_000
    cfg = scenario({"sites.s.attrition": {"annual_quit_rate": q, "quit_burnout": 1.0, "early_tenure_days": 90,
                                          "early_quit_multiplier": 4.0, "outside_options": 1.2,
                                          "recognition_retention": 0.8},
                    "sites.s.recognition": 0.5, "sites.s.hiring.backfill": False})
    day = 30
    s = floor_agents(2 * n)
    early = np.r_[np.ones(n, bool), np.zeros(n, bool)]
    s.hire_day[:] = np.where(early, day - 10.0, -500.0)
    s.burnout[n:] = 1.5
    b_night = s.burnout * math.exp(-1 / 30)
    h = quit_hazard(q, 1.0, b_night, 1.2, 0.8, 0.5, early, 4.0)
    Workforce(cfg).start_day(s, day, np.random.default_rng(20240611), np.random.default_rng(0))
    quit_ = s.stage == Stage.GONE
    for group in (early, ~early):
        prob = float(-np.expm1(-h[group][0]))
        lo, hi = stats.binom.ppf([0.00025, 0.99975], n, prob)
        assert lo <= quit_[group].sum() <= hi, (quit_[group].sum(), lo, hi, n * prob)


def test_absence_flips_at_the_closed_form_probability() -> None:
    """Absent iff u < absence_p (1 + absence_weight B) (1 + stuck_absence max(0, 1 - outside_options)).

    Scheduled floor agents with burnout 0, 0.4 and 1.5 get uniforms 1e-7 (relative) below and
    above their probability; a classroom agent with u = 0 is never absent.
    """
    cfg = scenario({"sites.s.absence_p": 0.1, "behaviour.burnout.absence_weight": 0.8,
                    "behaviour.burnout.tau_days": 20,
                    "sites.s.attrition": {"stuck_absence": 1.5, "outside_options": 0.6}})
    burnout = np.array([0.0, 0.4, 1.5] * 2)
    s = floor_agents(burnout.size + 1)
    s.burnout[: burnout.size] = burnout
    s.stage[-1] = Stage.CLASSROOM
    s.class_left[-1] = 5
    p = 0.1 * (1 + 0.8 * burnout * math.exp(-1 / 20)) * (1 + 1.5 * (1 - 0.6))
    u = np.r_[p[:3] * (1 - 1e-7), p[3:] * (1 + 1e-7), 0.0]
    counts = Workforce(cfg).start_day(s, 3, Scripted(never, u), np.random.default_rng(0))
    np.testing.assert_array_equal(s.absent, [True] * 3 + [False] * 4)
    assert counts["absent_days"][0] == 3 and counts["scheduled_days"][0] == 6
    assert counts["paid_s"][0] == 6 * 24 * 3600.0 + 8 * 3600.0  # shifts (absences paid) plus one classroom day


# ------------------------------------------------------------------------- demand

PROFILE: dict[str, Any] = {
    "demand.mode": "profile", "demand.calls_per_day": 4000, "interval_min": 15,
    "demand.open_h": dict.fromkeys(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], [0, 24]),
    "demand.intraday_profile": [0.0] * 9 + [1.0, 3.0] + [0.0] * 13,
}


def test_expected_calls_follow_the_intraday_profile() -> None:
    """calls_per_day x weekday factor x w_i / sum(w) per open interval: 250 and 750 calls per quarter hour."""
    cfg = scenario({**PROFILE, "demand.weekday_factors": {"tue": 0.5}, "start_weekday": "mon"})
    lam = expected_calls(cfg, 0)
    expected = np.zeros(96)
    expected[36:40], expected[40:44] = 4000 * 1 / 16, 4000 * 3 / 16
    np.testing.assert_allclose(lam, expected, rtol=1e-12)
    np.testing.assert_allclose(expected_calls(cfg, 1), expected * 0.5, rtol=1e-12)


def test_drawn_arrivals_follow_the_intraday_profile() -> None:
    """No arrival outside the weighted hours; the share in the weight-3 hour is Binomial(n, 3/4).

    Given the n arrivals of the two hours (Poisson counts per interval), the number in the
    second hour is Binomial(n, 0.75); it must lie in the central 99.9% interval (about
    +-0.023 around 0.75 for n ~ 4000). An ignored profile (a flat 1/24 per hour) gives 0.5.
    """
    cfg = scenario(PROFILE)
    t = draw_day(cfg, 3, 0, 0, DAY_S).t_s
    hour = np.floor(t / 3600.0)
    assert set(np.unique(hour)) == {9.0, 10.0}
    n, k = t.size, int((hour == 10).sum())
    lo, hi = stats.binom.ppf([0.0005, 0.9995], n, 0.75)
    assert lo <= k <= hi, (k, n, lo, hi)
