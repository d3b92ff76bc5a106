"""Which idle agent answers: every selection rule against a hand-written reference floor.

The floor is small and deterministic apart from the arrival times: four agents on the floor
around the clock, a deterministic handle time, callers who never abandon, no follow-ups, no
breaks. Given the arrival times (read from the call log), a 20-line FCFS reference below
decides who answers each call under the rule of docs/model.md 3.4, with the idle list kept
in the order agents became idle. The engine must pick exactly the same agent for every call.

Each rule's reference is also checked to differ from ``longest_idle`` on many calls, so a rule
replaced by ``longest_idle`` fails. ``random`` is checked against the exact ``selection``
stream it reads (position ``floor(u n_idle)``), and the positions it picked are checked for
uniformity with a chi-square bound.
"""

from __future__ import annotations

import heapq
import math
from collections import deque

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulator.engine import Simulation
from simulator.rng import UniformBlocks, stream
from tests.conftest import scenario

HANDLE_S = 300.0
TAU_S = 1200.0
LOAD, COPING = 0.1, 0.9
FLOOR = {
    "days": 1, "demand.calls_per_hour": 30, "sites.s.agents": 4, "demand.patience": {"dist": "none"},
    "demand.call_types.a.handle_time": {"dist": "deterministic", "mean_s": HANDLE_S},
    "sites.s.initial_proficiency": [0.0, 1.0],
    "behaviour.fatigue": {"load_per_call": LOAD, "coping": COPING, "recovery_tau_s": TAU_S},
}
SEED = 5


def reference_agents(
    arrivals: np.ndarray, p: np.ndarray, rule: str, uniforms: UniformBlocks | None = None,
    picks: list[tuple[int, int]] | None = None,
) -> np.ndarray:
    """Who answers each call (arrivals sorted) under ``rule``, FCFS with ``len(p)`` agents on shift from t = 0.

    Fatigue per docs/model.md 4.7: ``F_end = F_answer + LOAD (1 - COPING p)``, decaying as
    ``exp(-dt / TAU_S)`` while idle. Returns the agent of each call; appends
    ``(idle agents, position picked)`` of every choice to ``picks`` if given.
    """
    idle = list(range(p.size))  # all start their shift at 0, in agent order
    f_end, t_end = np.zeros(p.size), np.zeros(p.size)
    ends: list[tuple[float, int]] = []
    queue: deque[int] = deque()
    who = np.full(arrivals.size, -1)

    def serve(call: int, a: int, now: float) -> None:
        f_answer = f_end[a] * math.exp(-(now - t_end[a]) / TAU_S)
        f_end[a], t_end[a] = f_answer + LOAD * (1 - COPING * p[a]), now + HANDLE_S
        who[call] = a
        heapq.heappush(ends, (now + HANDLE_S, a))

    def current_f(a: int, now: float) -> float:
        return f_end[a] * math.exp(-(now - t_end[a]) / TAU_S)

    for call, now in enumerate(arrivals.tolist()):
        while ends and ends[0][0] <= now:
            t, a = heapq.heappop(ends)
            if queue:
                serve(queue.popleft(), a, t)
            else:
                idle.append(a)
        if not idle:
            queue.append(call)
            continue
        if rule == "longest_idle":
            pos = 0
        elif rule == "least_fatigued":
            fs = [current_f(a, now) for a in idle]
            pos = fs.index(min(fs))  # first minimum: ties go to the longest idle
        elif rule == "most_proficient":
            ps = [p[a] for a in idle]
            pos = ps.index(max(ps))
        else:
            assert uniforms is not None
            pos = min(int(uniforms.next() * len(idle)), len(idle) - 1)
        if picks is not None:
            picks.append((len(idle), pos))
        serve(call, idle.pop(pos), now)
    while ends:
        t, a = heapq.heappop(ends)
        if queue:
            serve(queue.popleft(), a, t)
    return who


def run(rule: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The engine's call log (sorted by arrival) and the agents' proficiencies."""
    engine = Simulation(scenario({**FLOOR, "sites.s.agent_selection": rule}), seed=SEED, call_log=True)
    p = engine.agents.proficiency.copy()
    log = engine.run().calls.sort_values("arrival_s").reset_index(drop=True)
    assert (log["outcome"] != "abandoned").all() and (log["attempt"] == 0).all()
    return log, p


@pytest.mark.parametrize("rule", ["longest_idle", "least_fatigued", "most_proficient", "random"])
def test_engine_picks_the_reference_agent(rule: str) -> None:
    log, p = run(rule)
    t = log["arrival_s"].to_numpy()
    uniforms = UniformBlocks(stream(SEED, 0, "selection")) if rule == "random" else None
    expected = reference_agents(t, p, rule, uniforms)
    assert len(log) > 600
    mismatch = np.flatnonzero(log["agent"].to_numpy() != expected)
    assert mismatch.size == 0, f"{mismatch.size} calls answered by another agent, first at {t[mismatch[0]]:.1f} s"
    if rule != "longest_idle":
        differs = (expected != reference_agents(t, p, "longest_idle")).sum()
        assert differs > 100, f"the scenario does not tell {rule} from longest_idle ({differs} calls)"


def test_reference_waits_match_the_engine() -> None:
    """The reference is the engine's queue: FCFS waits from the reference's answer times agree."""
    log, p = run("longest_idle")
    t = log["arrival_s"].to_numpy()
    free = np.zeros(p.size)
    waits = []
    for a, arr in zip(reference_agents(t, p, "longest_idle").tolist(), t.tolist(), strict=True):
        start = max(arr, free[a])
        waits.append(start - arr)
        free[a] = start + HANDLE_S
    np.testing.assert_allclose(log["wait_s"], waits, atol=1e-6)
    assert (np.asarray(waits) > 0).sum() > 30 and (np.asarray(waits) == 0).sum() > 300


def test_random_positions_are_uniform_over_idle_agents() -> None:
    """Positions picked by ``random`` given n idle agents are uniform on 0..n-1.

    The engine's picks equal the reference's (previous test), so the reference's record of
    (n idle, position) is the engine's. For each n in 2..4 the counts per position are tested
    jointly with Pearson's chi-square (summed over n, 1 + 2 + 3 = 6 degrees of freedom) at its
    99.9% quantile (22.5). A rule stuck at position 0 gives a statistic in the hundreds.
    """
    log, p = run("random")
    picks: list[tuple[int, int]] = []
    who = reference_agents(log["arrival_s"].to_numpy(), p, "random", UniformBlocks(stream(SEED, 0, "selection")), picks)
    np.testing.assert_array_equal(log["agent"].to_numpy(), who)
    chi2, df = 0.0, 0
    for n in (2, 3, 4):
        pos = [k for m, k in picks if m == n]
        assert len(pos) > 40, (n, len(pos))
        counts = np.bincount(pos, minlength=n)
        chi2 += float(((counts - len(pos) / n) ** 2 / (len(pos) / n)).sum())
        df += n - 1
    assert chi2 <= stats.chi2.ppf(0.999, df), chi2
