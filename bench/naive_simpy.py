"""Naive SimPy reference model of the stationary Erlang A queue (M/M/n+M).

Written "the obvious way" a typical SimPy user would: one generator process
for arrivals that spawns one process per call; each call requests an agent
from a ``simpy.Resource`` and races the request against its patience timeout.
Random draws come one at a time from ``random.Random(seed)`` (no numpy).

This is a baseline for speed and a cross-check for correctness, not part of
the simulator itself.
"""

from __future__ import annotations

import random
import time

import simpy


def run_naive(
    *,
    calls: int,
    calls_per_hour: float,
    aht_s: float,
    patience_s: float,
    agents: int,
    seed: int,
) -> dict[str, float]:
    """Simulate ``calls`` arrivals to an M/M/n+M queue and return summary stats.

    Time unit is seconds. Interarrival, service and patience times are
    exponential with means ``3600 / calls_per_hour``, ``aht_s`` and
    ``patience_s``. An abandoner's wait is its patience; a caller served at
    once waits 0.
    """
    rng = random.Random(seed)
    env = simpy.Environment()
    pool = simpy.Resource(env, capacity=agents)

    arrival_rate = calls_per_hour / 3600.0
    service_rate = 1.0 / aht_s
    patience_rate = 1.0 / patience_s

    # Minimal bookkeeping: counters and sums only.
    stats = {"answered": 0, "abandoned": 0, "waited": 0, "wait_sum": 0.0}

    def call(env: simpy.Environment):
        arrived = env.now
        patience = rng.expovariate(patience_rate)
        with pool.request() as req:
            result = yield req | env.timeout(patience)
            if req in result:
                wait = env.now - arrived
                stats["answered"] += 1
                if wait > 0:
                    stats["waited"] += 1
                stats["wait_sum"] += wait
                yield env.timeout(rng.expovariate(service_rate))
            else:
                # Abandoned; leaving the ``with`` block cancels the request.
                stats["abandoned"] += 1
                stats["waited"] += 1
                stats["wait_sum"] += patience

    def source(env: simpy.Environment):
        for _ in range(calls):
            yield env.timeout(rng.expovariate(arrival_rate))
            env.process(call(env))

    env.process(source(env))
    env.run()  # until the arrival process has stopped and all calls finished

    offered = stats["answered"] + stats["abandoned"]
    return {
        "offered": offered,
        "answered": stats["answered"],
        "abandoned": stats["abandoned"],
        "p_wait": stats["waited"] / offered if offered else 0.0,
        "abandon_rate": stats["abandoned"] / offered if offered else 0.0,
        "asa_s": stats["wait_sum"] / offered if offered else 0.0,
    }


if __name__ == "__main__":
    params = dict(
        calls=200_000,
        calls_per_hour=1000.0,
        aht_s=180.0,
        patience_s=300.0,
        agents=50,
        seed=1,
    )
    t0 = time.perf_counter()
    res = run_naive(**params)
    elapsed = time.perf_counter() - t0
    print(f"params: {params}")
    print(f"elapsed: {elapsed:.2f} s  ({params['calls'] / elapsed:,.0f} calls/s)")
    for key, value in res.items():
        print(f"  {key:10s} {value}")
