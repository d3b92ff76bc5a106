"""Benchmark: callsim's engines against each other and against a straightforward SimPy model, in the same run.

Four sections, each with the same seeds for every contender and the contenders alternated
over repeats so that machine noise hits them alike:

1. **Erlang A.** The stationary M/M/n+M queue for the same number of calls, simulated by the
   fast (numba-compiled) engine, the SimPy engine (``engine="simpy"``, the reference model) and
   bench/naive_simpy.py, which is written the obvious way (a process per call, a
   ``simpy.Resource``, ``request | timeout`` for patience, Python's ``random``). Each repeat
   gives ratios of calls per second; printed: ``speedup_vs_naive_simpy`` (fast engine vs the
   naive model), ``speedup_simpy_engine_vs_naive_simpy`` and ``speedup_fast_vs_simpy_engine_erlang_a``
   (medians over repeats).
2. **One year of the baseline centre.** ``configs/baseline.yaml`` with ``--set spinup_days=0``
   (one replication of 365 days, 28 of them warm-up), both engines alternated; printed:
   ``speedup_fast_vs_simpy_engine`` (median ratio of wall times).
3. **Compile time.** A fresh process with ``NUMBA_CACHE_DIR`` set to an empty folder imports
   simulator and simulates one day of the baseline with the fast engine, then the same day
   again; a second process does the same on the now-filled cache. Printed:
   ``compile_cold_cache_s`` (the cold process's first day minus its warm repeat: numba compiles
   on first call) and ``cache_load_s`` (the same with a filled cache: what loading it costs).
4. **Memory.** The fast engine on the Erlang A case with N and 4N calls, each in a fresh
   process: the peak resident set during the run (VmHWM, reset just before it) minus the
   resident set before it, after a warm-up.
   Printed: ``memory_ratio_4x_calls`` (flat memory in the number of contacts: about 1).

The engines are designed to give identical results: sections 1 and 2 check it on every
repeat and the script exits 1 (after printing everything) if they differ.

Run: ``make bench`` (with bench/bench_scaling.py), ``python bench/bench_engine.py --quick`` for a
short check, or e.g. ``python bench/bench_engine.py --sections year --year-repeats 3``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

BASELINE = ROOT / "configs" / "baseline.yaml"
YEAR_SET = ("spinup_days=0",)
"""``--set`` options of the year section: the analytic day-0 workforce (no two-year spin-up)."""
QUICK_SET = ("days=35", "warmup_days=7")
"""Added with ``--quick``: five weeks instead of a year."""
DAY_SET = ("spinup_days=0", "days=1", "warmup_days=0")
"""The one day simulated to measure compile time."""

CASE = {"calls_per_hour": 1000.0, "aht_s": 180.0, "patience_s": 300.0, "agents": 50}
"""Load 50 Erlang on 50 agents: about 58% of callers wait and 5% abandon."""

SECTIONS = ("erlang", "year", "compile", "memory")
MIB = 1024.0  # ru_maxrss is in KiB on Linux
MEMORY_FLOOR_MIB = 1.0
"""A peak-RSS growth below this counts as this much in the memory ratio (a flat profile's resolution)."""


def load(sets: tuple[str, ...]) -> Any:
    """``configs/baseline.yaml`` loaded as ``callsim run --set ...`` would."""
    from simulator.config import load_config, parse_set_options

    return load_config(BASELINE, overrides=parse_set_options(sets))


def erlang_cfg(calls: int) -> Any:
    from simulator.config import erlang_scenario

    return erlang_scenario(calls_per_hour=CASE["calls_per_hour"], aht_s=CASE["aht_s"], agents=CASE["agents"],
                           patience_s=CASE["patience_s"], hours=calls / CASE["calls_per_hour"], warmup_h=0.0)


def offered(res: Any) -> int:
    """Contacts offered over the whole run, every site."""
    return int(res.totals(measured=False)[:, 0].sum())


def timed_engine(engine: str, cfg: Any, seed: int) -> tuple[float, Any]:
    import simulator as sim

    start = time.perf_counter()
    res = sim.simulate(cfg, seed, engine=engine)
    return time.perf_counter() - start, res


def same(a: Any, b: Any) -> bool:
    """Identical summary and day tables, bit for bit."""
    return bool(a.summary.equals(b.summary) and a.days.equals(b.days))


# --------------------------------------------------------------------------- 1. Erlang A


def bench_erlang(calls: int, repeats: int) -> tuple[dict[str, float], bool]:
    from naive_simpy import run_naive

    cfg = erlang_cfg(calls)
    warm = erlang_cfg(2_000)
    for engine in ("fast", "simpy"):
        timed_engine(engine, warm, 0)  # imports, compilation (or the numba cache) and allocator warm-up
    run_naive(calls=2_000, seed=0, **CASE)

    def naive(seed: int) -> tuple[float, int, Any]:
        start = time.perf_counter()
        out = run_naive(calls=calls, seed=seed, **CASE)
        return time.perf_counter() - start, int(out["offered"]), None

    def engine_runner(engine: str) -> Callable[[int], tuple[float, int, Any]]:
        def run(seed: int) -> tuple[float, int, Any]:
            elapsed, res = timed_engine(engine, cfg, seed)
            return elapsed, offered(res), res
        return run

    runners = {"fast": engine_runner("fast"), "simpy": engine_runner("simpy"), "naive": naive}
    names = list(runners)
    print(f"Erlang A: {CASE}, {calls:,} calls per run, {repeats} repeats, order rotated", flush=True)
    print(f"{'repeat':>6} {'fast calls/s':>13} {'simpy engine':>13} {'naive SimPy':>12} "
          f"{'fast/naive':>11} {'simpy/naive':>12} {'fast/simpy':>11}", flush=True)
    ratios: dict[str, list[float]] = {"fast_naive": [], "simpy_naive": [], "fast_simpy": []}
    identical = True
    for r in range(repeats):
        rates, results = {}, {}
        for name in names[r % 3:] + names[:r % 3]:
            elapsed, n, res = runners[name](r + 1)
            rates[name], results[name] = n / elapsed, res
        identical &= same(results["fast"], results["simpy"])
        ratios["fast_naive"].append(rates["fast"] / rates["naive"])
        ratios["simpy_naive"].append(rates["simpy"] / rates["naive"])
        ratios["fast_simpy"].append(rates["fast"] / rates["simpy"])
        print(f"{r:>6} {rates['fast']:>13,.0f} {rates['simpy']:>13,.0f} {rates['naive']:>12,.0f} "
              f"{ratios['fast_naive'][-1]:>11.2f} {ratios['simpy_naive'][-1]:>12.2f} "
              f"{ratios['fast_simpy'][-1]:>11.2f}", flush=True)
    print(f"engines identical (summary and day tables, every repeat): {'yes' if identical else 'NO'}")
    out = {k: statistics.median(v) for k, v in ratios.items()}
    print(f"speedup_vs_naive_simpy: {out['fast_naive']:.2f}")
    print(f"speedup_simpy_engine_vs_naive_simpy: {out['simpy_naive']:.2f}")
    print(f"speedup_fast_vs_simpy_engine_erlang_a: {out['fast_simpy']:.2f}", flush=True)
    return out, identical


# --------------------------------------------------------------------------- 2. a year of the baseline


def bench_year(repeats: int, quick: bool) -> tuple[float, bool]:
    sets = YEAR_SET + (QUICK_SET if quick else ())
    cfg = load(sets)
    warm = load(DAY_SET)
    for engine in ("fast", "simpy"):
        timed_engine(engine, warm, 0)
    print(f"\nbaseline: configs/baseline.yaml --set {' --set '.join(sets)}: {cfg.days:g} days "
          f"({cfg.warmup_days:g} warm-up), one replication per run, {repeats} alternated repeats", flush=True)
    print(f"{'repeat':>6} {'calls':>10} {'fast s':>8} {'simpy s':>8} {'fast calls/s':>13} {'simpy calls/s':>14} "
          f"{'speedup':>8}", flush=True)
    ratios = []
    identical = True
    for r in range(repeats):
        order = ["fast", "simpy"] if r % 2 == 0 else ["simpy", "fast"]
        elapsed, results = {}, {}
        for engine in order:
            elapsed[engine], results[engine] = timed_engine(engine, cfg, r + 1)
        identical &= same(results["fast"], results["simpy"])
        n = offered(results["simpy"])
        ratios.append(elapsed["simpy"] / elapsed["fast"])
        print(f"{r:>6} {n:>10,} {elapsed['fast']:>8.2f} {elapsed['simpy']:>8.2f} {n / elapsed['fast']:>13,.0f} "
              f"{n / elapsed['simpy']:>14,.0f} {ratios[-1]:>8.2f}", flush=True)
    print(f"engines identical (summary and day tables, every repeat): {'yes' if identical else 'NO'}")
    ratio = statistics.median(ratios)
    print(f"speedup_fast_vs_simpy_engine: {ratio:.2f}", flush=True)
    return ratio, identical


# --------------------------------------------------------------------------- 3. compile time


def child_compile() -> dict[str, float]:
    """In a fresh process: import simulator, simulate one day with the fast engine, then again."""
    start = time.perf_counter()
    import simulator as sim  # noqa: F401 - timed: a compiled engine may compile or load at import

    out = {"import_s": time.perf_counter() - start}
    cfg = load(DAY_SET)
    out["first_s"], _ = timed_engine("fast", cfg, 1)
    out["repeat_s"], _ = timed_engine("fast", cfg, 1)
    return out


def run_child(kind: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--child", kind, *args], env=env, capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"child {kind} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def bench_compile() -> float:
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "CALLSIM_CACHE": "off"}
        cold = run_child("compile", env)
        warm = run_child("compile", env)
        files = sum(1 for p in Path(cache).rglob("*") if p.is_file())
    compile_s = cold["first_s"] - cold["repeat_s"]
    load_s = warm["first_s"] - warm["repeat_s"]
    print("\ncompile: one day of the baseline with the fast engine in a fresh process, NUMBA_CACHE_DIR empty, "
          "then in another process on the filled cache")
    for name, r in (("cold cache", cold), ("warm cache", warm)):
        print(f"  {name}: import {r['import_s']:.2f} s, first day {r['first_s']:.2f} s, "
              f"same day again {r['repeat_s']:.3f} s")
    print(f"  numba cache files written: {files}; import with an empty cache minus with a filled one: "
          f"{cold['import_s'] - warm['import_s']:+.2f} s (noise, unless something compiles at import)")
    print(f"compile_cold_cache_s: {compile_s:.2f}")
    print(f"cache_load_s: {load_s:.2f}", flush=True)
    return compile_s


# --------------------------------------------------------------------------- 4. memory


def proc_status_mib(key: str) -> float | None:
    """``VmRSS`` or ``VmHWM`` of this process from /proc (MiB); None where there is no /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return float(line.split()[1]) / MIB
    except OSError:
        pass
    return None


def reset_peak() -> bool:
    """Reset the peak resident set (VmHWM) to the current one (Linux >= 4.0); False where it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return proc_status_mib("VmHWM") is not None


def child_memory(calls: int) -> dict[str, Any]:
    """In a fresh process: resident set before the fast engine simulates ``calls`` calls, and its peak during the run.

    The peak is VmHWM reset just before the run, so import-time peaks do not hide the run's; where it
    cannot be reset, ``ru_maxrss`` (the peak since the process started) stands in.
    """
    import simulator as sim

    sim.simulate(erlang_cfg(2_000), 0, engine="fast")  # compile or load the engine, warm the allocator
    cfg = erlang_cfg(calls)
    gc.collect()
    exact = reset_peak()
    before = proc_status_mib("VmRSS") if exact else None
    if before is None:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MIB
    start = time.perf_counter()
    res = sim.simulate(cfg, 1, engine="fast")
    elapsed = time.perf_counter() - start
    peak = proc_status_mib("VmHWM") if exact else None
    if peak is None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MIB
    return {"before_mib": before, "peak_mib": peak, "elapsed_s": elapsed, "offered": offered(res),
            "method": "VmHWM reset before the run" if exact else "ru_maxrss"}


def bench_memory(calls: int) -> float:
    env = {**os.environ, "CALLSIM_CACHE": "off"}
    print(f"\nmemory: fast engine, Erlang A, {calls:,} and {4 * calls:,} calls, each in a fresh process "
          "(peak resident set during the run minus the resident set before it, after a warm-up)")
    growth = {}
    for n in (calls, 4 * calls):
        r = run_child("memory", env, str(n))
        growth[n] = r["peak_mib"] - r["before_mib"]
        print(f"  {r['offered']:>9,} calls: RSS {r['before_mib']:.1f} MiB before, peak {r['peak_mib']:.1f} MiB "
              f"(+{growth[n]:.1f} MiB) in {r['elapsed_s']:.1f} s [{r['method']}]", flush=True)
    ratio = max(growth[4 * calls], MEMORY_FLOOR_MIB) / max(growth[calls], MEMORY_FLOOR_MIB)
    print(f"memory_ratio_4x_calls: {ratio:.2f}  (growths below {MEMORY_FLOOR_MIB:g} MiB count as "
          f"{MEMORY_FLOOR_MIB:g} MiB; 4.00 would be linear in the contacts)", flush=True)
    return ratio


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=None,
                        help="Erlang A calls per run (default 150,000; quick 30,000)")
    parser.add_argument("--repeats", type=int, default=None, help="Erlang A repeats (default 5; quick 3)")
    parser.add_argument("--year-repeats", type=int, default=2, help="baseline-year repeats per engine (default 2)")
    parser.add_argument("--memory-calls", type=int, default=None,
                        help="N of the memory section (N and 4N calls; default 100,000; quick 25,000)")
    parser.add_argument("--quick", action="store_true",
                        help="a short check: five weeks instead of a year, fewer calls and repeats")
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help=f"comma-separated sections to run (default: {','.join(SECTIONS)})")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = child_compile() if kind == "compile" else child_memory(int(rest[0]))
        print(json.dumps(result))
        return
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    calls = args.calls or (30_000 if args.quick else 150_000)
    repeats = args.repeats or (3 if args.quick else 5)
    memory_calls = args.memory_calls or (25_000 if args.quick else 100_000)
    start = time.perf_counter()
    identical = True
    if "erlang" in sections:
        identical &= bench_erlang(calls, repeats)[1]
    if "year" in sections:
        identical &= bench_year(args.year_repeats, args.quick)[1]
    if "compile" in sections:
        bench_compile()
    if "memory" in sections:
        bench_memory(memory_calls)
    print(f"\nbench_engine: {time.perf_counter() - start:.0f} s")
    if not identical:
        print("ERROR: the engines gave different results for the same seed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
