"""Benchmark: callsim's engine against a straightforward SimPy model, in the same run.

Both simulate the stationary Erlang A queue (M/M/n+M) for the same number of calls. The
reference (bench/naive_simpy.py) is written the obvious way: a process per call, a
``simpy.Resource``, ``request | timeout`` for patience and Python's ``random``. The two are
alternated over several repeats so machine noise hits both alike; each repeat gives a
ratio of calls per second, and the last line prints the median ratio.

Run: ``make bench`` (or ``python bench/bench_engine.py --calls 200000 --repeats 5``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from naive_simpy import run_naive  # noqa: E402

import simulator as sim  # noqa: E402
from simulator.config import erlang_scenario  # noqa: E402

CASE = {"calls_per_hour": 1000.0, "aht_s": 180.0, "patience_s": 300.0, "agents": 50}
"""Load 50 Erlang on 50 agents: about 58% of callers wait and 5% abandon."""


def run_ours(calls: int, seed: int) -> tuple[float, int]:
    cfg = erlang_scenario(calls_per_hour=CASE["calls_per_hour"], aht_s=CASE["aht_s"], agents=CASE["agents"],
                          patience_s=CASE["patience_s"], hours=calls / CASE["calls_per_hour"], warmup_h=0.0)
    start = time.perf_counter()
    res = sim.simulate(cfg, seed)
    elapsed = time.perf_counter() - start
    return elapsed, int(res.totals(measured=False)[:, 0].sum())


def run_reference(calls: int, seed: int) -> tuple[float, int]:
    start = time.perf_counter()
    out = run_naive(calls=calls, seed=seed, **CASE)
    return time.perf_counter() - start, int(out["offered"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=150_000, help="calls per simulation")
    parser.add_argument("--repeats", type=int, default=5, help="alternated repeats")
    args = parser.parse_args()
    run_ours(2_000, 0)  # warm imports and caches
    run_reference(2_000, 0)
    print(f"Erlang A: {CASE}, {args.calls:,} calls per run, {args.repeats} alternated repeats")
    print(f"{'repeat':>6} {'callsim calls/s':>16} {'naive SimPy calls/s':>20} {'ratio':>7}")
    ratios = []
    for r in range(args.repeats):
        order = [run_ours, run_reference] if r % 2 == 0 else [run_reference, run_ours]
        rates = {}
        for fn in order:
            elapsed, n = fn(args.calls, seed=r + 1)
            rates[fn.__name__] = n / elapsed
        ratio = rates["run_ours"] / rates["run_reference"]
        ratios.append(ratio)
        print(f"{r:>6} {rates['run_ours']:>16,.0f} {rates['run_reference']:>20,.0f} {ratio:>7.2f}")
    print(f"speedup_vs_naive_simpy: {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
