"""Benchmark: sweep throughput with 1 and 2 local worker processes and a 2-worker Dask local cluster.

The workload is one point of the baseline centre (analytic day-0 workforce, no spin-up, default
engine) replicated ``--tasks`` times, each replication simulating ``--days`` days (a few seconds
each), so that per-task costs are small against the work. Each executor runs the same sweep into
its own folder; the tables are checked to be identical. Printed: replications per second of each executor, the
speed-up ``ratio_2w_1w`` (ideal 2 on 2 cores), and the Dask executor's overhead per
replication against local processes, both on this workload and on near-empty tasks
(where the overhead is all there is).

Run: ``make bench-scaling`` (or ``python bench/bench_scaling.py --tasks 8 --days 42``).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

import simulator as sim
from simulator.config import read_yaml

ROOT = Path(__file__).resolve().parents[1]


def spec(days: float, tasks: int) -> dict[str, Any]:
    base = read_yaml(ROOT / "configs" / "baseline.yaml")
    # No workforce spin-up: a 728-day spin-up per replication would dominate the timings whenever its
    # cache is cold (first run, or any edit of the package's source), and time spin-ups, not the sweep.
    return {"name": "bench_scaling", "base": base,
            "set": {"days": days, "warmup_days": min(7.0, days / 4), "spinup_days": 0},
            "replications": tasks, "seed": 1, "points": [{"name": "baseline", "set": {}}]}


def tiny_spec(tasks: int) -> dict[str, Any]:
    base = copy.deepcopy(read_yaml(ROOT / "configs" / "erlang_a.yaml"))
    return {"name": "bench_overhead", "base": base, "set": {"days": 0.01, "warmup_days": 0.0},
            "replications": tasks, "seed": 1, "points": [{"name": "tiny", "set": {}}]}


def timed(s: dict[str, Any], out: Path, **executor: Any) -> tuple[float, pd.DataFrame]:
    """Seconds from the first submitted task to the last result, and the replications table."""
    reps = sim.sweep(s, out=out, figures=False, overwrite=True, **executor)
    meta = json.loads((out / "meta.json").read_text())
    return float(meta["elapsed_s"]), reps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=8, help="replications per executor (default 8)")
    parser.add_argument("--days", type=float, default=42.0, help="simulated days per replication (default 42)")
    parser.add_argument("--tiny-tasks", type=int, default=200, help="near-empty tasks for the overhead (default 200)")
    args = parser.parse_args()
    executors = {"local_1w": {"workers": 1}, "local_2w": {"workers": 2}, "dask_2w": {"dask_local": 2}}
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, tables = {}, {}
        for name, kw in executors.items():
            elapsed[name], tables[name] = timed(spec(args.days, args.tasks), Path(tmp) / name, **kw)
            print(f"{name:<9} {args.tasks} replications x {args.days:g} days: {elapsed[name]:7.2f} s, "
                  f"{args.tasks / elapsed[name]:.3f} replications/s", flush=True)
        for name in ("local_2w", "dask_2w"):
            pd.testing.assert_frame_equal(tables["local_1w"], tables[name], check_exact=True)
        tiny = {}
        for name in ("local_2w", "dask_2w"):
            tiny[name], _ = timed(tiny_spec(args.tiny_tasks), Path(tmp) / f"tiny_{name}", **executors[name])
    per_task_s = elapsed["local_1w"] / args.tasks
    ratio = elapsed["local_1w"] / elapsed["local_2w"]
    dask_overhead = (elapsed["dask_2w"] - elapsed["local_2w"]) * 2 / args.tasks
    tiny_overhead = (tiny["dask_2w"] - tiny["local_2w"]) * 2 / args.tiny_tasks
    print("tables identical across executors: yes")
    print(f"seconds_per_replication_1w: {per_task_s:.2f}")
    print(f"tiny tasks: local_2w {tiny['local_2w'] / args.tiny_tasks * 2 * 1e3:.1f} ms, "
          f"dask_2w {tiny['dask_2w'] / args.tiny_tasks * 2 * 1e3:.1f} ms of worker time per task")
    print(f"dask_overhead_per_replication_s: {dask_overhead:+.3f} (this workload), {tiny_overhead:+.4f} (tiny tasks)")
    print(f"ratio_2w_1w: {ratio:.2f}")
    sys.exit(0)


if __name__ == "__main__":
    main()
