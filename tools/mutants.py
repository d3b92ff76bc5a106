"""Mutation testing of the model's core modules with mutmut, one module at a time.

``make mutants`` runs this script. For each module it calls ``mutmut run`` on that module's
mutants (all of them, or a fixed 1-in-k sample), times it, then prints one table over the
modules and writes ``mutants/survivors.md``: every surviving mutant with its ``file:line``
and the line before and after the mutation.

mutmut copies ``simulator/`` into ``mutants/`` with every mutant compiled in behind a
trampoline, records once which tests call which function, then runs each mutant against only
those tests (``pytest -x``, fastest first). Configuration: ``[tool.mutmut]`` in
``pyproject.toml``. Results are cached in ``mutants/`` (git-ignored), so ``report`` can be
re-run without re-running anything.

Usage::

    python tools/mutants.py run [--modules "stats costs engine.flow:10"] [--sample 1|2|5|10] [--jobs 2]
    python tools/mutants.py report [--modules ...]

``engine.flow:10`` runs every 10th mutant of ``engine/flow.py``; ``--sample`` is the default for names
without ``:k``.

Score: ``(killed + timeout) / (mutants - no tests)``. "No tests" are mutants of functions
that no selected test calls; they are reported, not scored.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTANTS = ROOT / "mutants"
TIMES = MUTANTS / "mutants-times.json"
CORE = ("workforce", "demand", "routing", "costs", "stats", "formulas", "engine.flow", "engine.floor",
        "engine.recorder", "engine.simulation")
SAMPLE_GLOB = {1: "*", 2: "*__mutmut_*[02468]", 5: "*__mutmut_*[05]", 10: "*__mutmut_*0"}
"""Mutant-name globs for a 1-in-k sample: mutmut numbers each function's mutants 1, 2, ...,
so the last digit picks every k-th mutant of every function (functions with fewer than k
mutants are left out of a sample)."""

STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped",
          36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout",
          37: "type check", -11: "segfault", -9: "timeout", None: "not run"}
"""mutmut exit codes (``mutmut.stats.status_by_exit_code``), grouped for the table. -9 is the
SIGKILL that follows SIGXCPU when a mutant ignores its CPU limit: a timeout, not a crash."""


def mutmut() -> str:
    """The mutmut executable next to this interpreter (the project's ``.venv``)."""
    exe = Path(sys.executable).with_name("mutmut")
    return str(exe) if exe.exists() else "mutmut"


def source(module: str) -> str:
    """File of a module below ``simulator/``: ``engine.simulation`` -> ``engine/simulation.py``."""
    return module.replace(".", "/") + ".py"


def load_meta(module: str) -> dict[str, int | None]:
    """Exit code of each mutant of ``simulator/<module>.py`` (None: not run yet)."""
    path = MUTANTS / "simulator" / f"{source(module)}.meta"
    if not path.exists():
        return {}
    data: dict[str, int | None] = json.loads(path.read_text())["exit_code_by_key"]
    return data


def load_times() -> dict[str, dict[str, float]]:
    """Wall time and sample of each module's last run."""
    return json.loads(TIMES.read_text()) if TIMES.exists() else {}


def parse_modules(spec: str, sample: int) -> list[tuple[str, int]]:
    """``"stats engine.simulation:10"`` -> ``[("stats", sample), ("engine.simulation", 10)]``."""
    out = []
    for item in spec.split():
        name, _, k = item.partition(":")
        if name not in CORE:
            sys.exit(f"not a mutated module (see [tool.mutmut] only_mutate): {name}; choose from {CORE}")
        kk = int(k) if k else sample
        if kk not in SAMPLE_GLOB:
            sys.exit(f"{item}: a sample is 1 in 1, 2, 5 or 10")
        out.append((name, kk))
    return out


def run(modules: list[tuple[str, int]], jobs: int) -> None:
    """Run mutmut on each (module, sample) in turn and record its wall time."""
    MUTANTS.mkdir(exist_ok=True)
    (MUTANTS / ".gitignore").write_text("*\n")
    times = load_times()
    # A fixed hypothesis seed: the property tests then try the same examples on every mutant,
    # so a verdict does not depend on the draw (set here, not in [tool.mutmut], so that it does
    # not invalidate mutmut's cached results).
    env = {**os.environ, "PYTEST_ADDOPTS": (os.environ.get("PYTEST_ADDOPTS", "") + " --hypothesis-seed=0").strip()}
    for module, sample in modules:
        pattern = f"simulator.{module}.{SAMPLE_GLOB[sample]}"
        print(f"== {module}: mutmut run {pattern!r}", flush=True)
        t0 = time.monotonic()
        # mutmut re-runs every mutant named on the command line, so each call is a fresh
        # measurement of that module; its progress line goes to the terminal as it runs.
        proc = subprocess.run([mutmut(), "run", "--max-children", str(jobs), pattern], cwd=ROOT, env=env)
        wall = time.monotonic() - t0
        if proc.returncode != 0:
            sys.exit(f"mutmut run failed on {module} (exit {proc.returncode})")
        times[module] = {"wall_s": round(wall, 1), "sample": sample}
        TIMES.write_text(json.dumps(times, indent=2) + "\n")
        print(f"== {module}: {wall / 60:.1f} min", flush=True)


@dataclass
class Survivor:
    """A surviving mutant located in the original source."""

    name: str
    line: int
    before: str
    after: str


def def_lines(module: str) -> dict[str, int]:
    """Line of ``def`` of each function and method, keyed like mutmut's mangled names."""
    tree = ast.parse((ROOT / "simulator" / source(module)).read_text())
    out: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            out[f"x_{node.name}"] = node.lineno
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    out[f"x\u01c1{node.name}\u01c1{item.name}"] = item.lineno
    return out


HUNK = re.compile(r"^@@ -(\d+)")


def locate(name: str, diff: str, defs: dict[str, int]) -> Survivor:
    """``file:line`` and the changed lines of mutant ``name`` from mutmut's function diff."""
    func = name.rpartition(".")[2].split("__mutmut_")[0]
    lines = diff.splitlines()
    body = [ln for ln in lines if not ln.startswith(("---", "+++"))]
    # The diff is of the function's text: find where ``def`` sits in it (decorators come first).
    start = next((int(m.group(1)) for ln in body if (m := HUNK.match(ln))), 1)
    offset, line_no, first_minus = None, start, None
    before, after = [], []
    for ln in body:
        if HUNK.match(ln):
            continue
        if ln.startswith("-"):
            before.append(ln[1:].strip())
            first_minus = first_minus or line_no
            line_no += 1
        elif ln.startswith("+"):
            after.append(ln[1:].strip())
        else:
            if offset is None and ln[1:].lstrip().startswith("def "):
                offset = line_no
            line_no += 1
    def_line = defs.get(func, 0)
    rel = first_minus or start
    line = def_line + rel - (offset if offset is not None else 1)
    return Survivor(name, line, " / ".join(before), " / ".join(after))


def diff_of(name: str) -> str:
    """The unified diff of one mutant against its function, as ``mutmut show`` prints it."""
    try:
        from mutmut.mutation.diff_apply import get_diff_for_mutant  # in-process: much faster

        module = ".".join(name.split(".")[1:-1])
        return str(get_diff_for_mutant(name, path=Path("simulator") / source(module)))
    except Exception:  # noqa: BLE001 - any internal change in mutmut: fall back to the CLI
        out = subprocess.run([mutmut(), "show", name], cwd=ROOT, capture_output=True, text=True)
        return out.stdout


def report(modules: list[str]) -> None:
    """Print the per-module table and write ``mutants/survivors.md``.

    ``mutants`` counts every mutant mutmut made of the module, ``tested`` those with a result
    (fewer after a sampled run); the other columns and the score are over the tested ones.
    ``wall`` is the module's last ``run`` through this script.
    """
    os.chdir(ROOT)  # mutmut's helpers read pyproject.toml and mutants/ relative to the cwd
    times = load_times()
    header = f"{'module':<10} {'mutants':>7} {'tested':>6} {'killed':>6} {'survived':>8} {'timeout':>7} " \
             f"{'no tests':>8} {'score':>6} {'wall':>7}"
    rows, md = [header, "-" * len(header)], ["# Surviving mutants", ""]
    for module in modules:
        meta = load_meta(module)
        counts = Counter(STATUS.get(code, "suspicious") for code in meta.values())
        run_n = sum(counts.values()) - counts["not run"]
        if run_n == 0:
            rows.append(f"{module:<10} {len(meta):>7} {'(none)':>6}")
            continue
        detected = counts["killed"] + counts["timeout"]
        scored = run_n - counts["no tests"]
        score = f"{100 * detected / scored:.0f}%" if scored else "-"
        t = times.get(module, {})
        wall = f"{t['wall_s'] / 60:.1f}m" if "wall_s" in t else "-"
        rows.append(f"{module:<10} {len(meta):>7} {run_n:>6} {counts['killed']:>6} {counts['survived']:>8} "
                    f"{counts['timeout']:>7} {counts['no tests']:>8} {score:>6} {wall:>7}")
        other = {k: v for k, v in counts.items() if k not in {"killed", "survived", "timeout", "no tests", "not run"}}
        if other:
            rows.append(f"{'':<10} also: {dict(other)}")
        defs = def_lines(module)
        survivors = sorted((locate(n, diff_of(n), defs) for n, c in meta.items() if STATUS.get(c) == "survived"),
                           key=lambda s: (s.line, s.name))
        md += [f"## simulator/{source(module)} ({len(survivors)} survived)", ""]
        md += [f"- `simulator/{source(module)}:{s.line}` `{s.before}` -> `{s.after}` ({s.name.rpartition('.')[2]})"
               for s in survivors]
        md.append("")
    print("\n".join(rows))
    (MUTANTS / "survivors.md").write_text("\n".join(md) + "\n")
    print(f"\nSurviving mutants with file:line: {MUTANTS / 'survivors.md'} "
          f"(one in full: {mutmut()} show NAME)")


def main() -> None:
    """Command line: ``run`` then report, or ``report`` alone."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name in ("run", "report"):
        p = sub.add_parser(name)
        p.add_argument("--modules", default=" ".join(CORE),
                       help="space-separated module names in simulator/, each optionally NAME:k for a 1-in-k sample")
        p.add_argument("--sample", type=int, default=1, choices=sorted(SAMPLE_GLOB),
                       help="default k: run every k-th mutant of each function")
        if name == "run":
            p.add_argument("--jobs", type=int, default=2, help="mutants tested in parallel")
    args = parser.parse_args()
    modules = parse_modules(args.modules, args.sample)
    if args.cmd == "run":
        run(modules, args.jobs)
    report([name for name, _ in modules])


if __name__ == "__main__":
    main()
