"""The ``callsim`` command line: parse, call the Python API, print."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click
import pandas as pd
import yaml

from . import __version__, analytic, planning, spinup
from . import calibration as calib
from .compare import HEADLINE
from .compare import compare as compare_scenarios
from .config import ConfigError, Scenario, erlang_scenario, load_config, parse_set_options
from .engine import DEFAULT_ENGINE, ENGINES
from .executors import ExecutorUnavailable, make_executor
from .output import json_safe, write_comparison, write_plan, write_run
from .plots import planning as plot_planning
from .replication import ReplicationResult, replicate
from .spinup import simulate
from .sweep import load_sweep, run_sweep
from .targets import cheapest_feasible
from .units import HOUR_S

SET_HELP = "Override a config field by dotted path, e.g. --set demand.calls_per_day=9000 (repeatable)."
SEED_OPTION = click.option("--seed", default=1, show_default=True, type=click.IntRange(min=0), help="Root seed.")
WORKERS_OPTION = click.option("-w", "--workers", default=None, type=click.IntRange(min=1),
                              help="Worker processes [default: all cores]. Results do not depend on it.")
ENGINE_OPTION = click.option(
    "--engine", type=click.Choice(list(ENGINES)), default=DEFAULT_ENGINE, show_default=True,
    help="Simulation engine: fast is the numba-compiled engine, simpy the SimPy reference model. "
         "Results are identical, bit for bit; only the speed differs.")
ERLANG_KEYS = ("p_wait", "abandon_rate", "asa_s", "wait_mean_s", "service_level", "occupancy")


def _load(path: str, sets: tuple[str, ...]) -> Scenario:
    try:
        return load_config(path, overrides=parse_set_options(sets))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _progress(enabled: bool, total: int, label: str) -> Any:
    """A click progress bar on stderr when it is a terminal, else a no-op context."""
    if enabled and sys.stderr.isatty():
        return click.progressbar(length=total, label=label, file=sys.stderr, show_eta=True, show_pos=True)
    return nullcontext()


def _note_spinup(cfgs: list[Scenario], seed: int, replications: int, enabled: bool) -> None:
    """One line on stderr per scenario whose replications first run a workforce spin-up (uncached ones take a while)."""
    if not enabled:
        return
    for cfg in cfgs:
        note = spinup.describe(cfg, seed, replications)
        if note is not None:
            click.echo(note, err=True)


def _run_replications(
    cfg: Scenario, replications: int, seed: int, workers: int | None, quiet: bool, engine: str
) -> ReplicationResult:
    _note_spinup([cfg], seed, replications, not quiet)
    with _progress(not quiet, replications, f"{cfg.name}: replications") as bar:
        update: Callable[[int], None] | None = bar.update if bar is not None else None
        return replicate(cfg, replications, seed, workers=workers, progress=update, engine=engine)


def _fmt(x: float) -> str:
    if x != x:
        return "-"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def _print_summary(rep: ReplicationResult) -> None:
    s = rep.summary
    sites = list(dict.fromkeys(s["site"]))
    shown = ["all"] if len(sites) == 2 else sites
    for site in shown:
        rows = s[s["site"] == site]
        click.echo(f"\n{rep.cfg.name} - site {site}: mean and 95% CI over {rep.replications} replications")
        click.echo(f"  {'metric':<22}{'mean':>12}   {'95% CI':<24}")
        for r in rows.itertuples():
            ci = f"[{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]"
            click.echo(f"  {r.metric:<22}{_fmt(r.mean):>12}   {ci:<24}")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="callsim")
def main() -> None:
    """callsim: discrete-event simulation of a contact centre.

    Scenarios are YAML files (see configs/). Every command prints what it does; add
    --help to any command for its options.
    """


@main.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
def validate(config: str, sets: tuple[str, ...]) -> None:
    """Check CONFIG; exit 1 naming each invalid field by its dotted path."""
    cfg = _load(config, sets)
    click.echo(f"{config}: valid ({cfg.name}, {cfg.days:g} days, {len(cfg.sites)} site(s))")


@main.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
def show(config: str, sets: tuple[str, ...]) -> None:
    """Print the fully resolved CONFIG (defaults filled in) as YAML."""
    click.echo(yaml.safe_dump(_load(config, sets).to_dict(), sort_keys=False), nl=False)


def _experiment_options(*, replications: int, min_replications: int, replications_help: str, set_help: str,
                        out_help: str, json_help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options ``run`` and ``compare`` share: --set, -r, --seed, -w, --engine, --out and --json."""
    options = [
        click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help=set_help),
        click.option("-r", "--replications", default=replications, show_default=True,
                     type=click.IntRange(min=min_replications), help=replications_help),
        SEED_OPTION,
        WORKERS_OPTION,
        ENGINE_OPTION,
        click.option("--out", type=click.Path(file_okay=False), default=None, help=out_help),
        click.option("--json", "as_json", is_flag=True, help=json_help),
    ]

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


@main.command()
@click.argument("config", type=click.Path(dir_okay=False))
@_experiment_options(replications=10, min_replications=1, replications_help="Independent replications.",
                     set_help=SET_HELP, out_help="Results folder [default: results/<scenario name>].",
                     json_help="Print the summary as JSON on stdout.")
@click.option("--call-log", is_flag=True, help="Also write calls.csv: one row per contact of replication 0.")
def run(config: str, sets: tuple[str, ...], replications: int, seed: int, workers: int | None, engine: str,
        out: str | None, as_json: bool, call_log: bool) -> None:
    """Simulate CONFIG and write a results folder with tables and figures.

    Prints the mean and 95% confidence interval of each metric over replications
    (site 'all' aggregates sites; with chat or email also each channel's metrics, nested
    under "channels" in --json). The folder holds the resolved config, seed, engine, versions,
    summary, per-replication, day and intraday tables, and figures.
    """
    cfg = _load(config, sets)
    start = time.perf_counter()
    rep = _run_replications(cfg, replications, seed, workers, quiet=as_json, engine=engine)
    out_dir = Path(out) if out else Path("results") / cfg.name
    command = "callsim run " + " ".join(sys.argv[2:])
    calls = simulate(cfg, seed, replication=0, call_log=True, engine=engine).calls if call_log else None
    write_run(rep, out_dir, elapsed_s=time.perf_counter() - start, command=command, calls=calls)
    if as_json:
        click.echo(json.dumps(json_safe({
            "summary": rep.summary_dict(), "seed": seed, "engine": engine, "replications": replications,
            "version": __version__, "config": cfg.to_dict(),
        })))
        return
    _print_summary(rep)
    click.echo(f"\nresults: {out_dir}/ (summary.csv, days.csv, intraday.csv, figures/) "
               f"in {time.perf_counter() - start:.1f} s")


@main.command()
@click.argument("configs", nargs=-1, required=True, type=click.Path(dir_okay=False))
@_experiment_options(
    replications=8, min_replications=2,
    replications_help="Replications per scenario (replication k of every scenario sees the same callers).",
    set_help="Override a field in every scenario, e.g. --set days=120 (repeatable).",
    out_help="Results folder [default: results/compare-<first>-vs-<n>].",
    json_help="Print every metric of every scenario as JSON on stdout.")
def compare(configs: tuple[str, ...], sets: tuple[str, ...], replications: int, seed: int,
            workers: int | None, engine: str, out: str | None, as_json: bool) -> None:
    """Compare scenarios with common random numbers against the first CONFIG.

    Prints, for the headline metrics, each scenario's mean and 95% CI and the paired
    difference against the first scenario with its 95% CI (* marks an interval that
    excludes 0). Writes comparison.csv (every metric and site), per-replication, day and
    end-of-run agent tables, the resolved configs, and figures: lever_chart.png,
    workforce_over_time.png, end_distributions.png.

    Example: callsim compare configs/baseline.yaml configs/outsourcing.yaml
    configs/unrealistic_kpi.yaml configs/thin_training.yaml -r 8
    """
    cfgs = [_load(c, sets) for c in configs]
    start = time.perf_counter()
    _note_spinup(cfgs, seed, replications, not as_json)
    try:
        with _progress(not as_json, len(cfgs) * replications, "scenario replications") as bar:
            comp = compare_scenarios(cfgs, replications, seed, workers=workers,
                                     progress=bar.update if bar is not None else None, engine=engine)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    out_dir = Path(out) if out else Path("results") / f"compare-{cfgs[0].name}-vs-{len(cfgs) - 1}"
    write_comparison(comp, out_dir, elapsed_s=time.perf_counter() - start,
                     command="callsim compare " + " ".join(sys.argv[2:]))
    if as_json:
        click.echo(json.dumps(json_safe({
            "scenarios": comp.summary_dict(), "reference": comp.names[0], "seed": seed, "engine": engine,
            "replications": replications, "version": __version__,
            "configs": {c.name: c.to_dict() for c in cfgs},
        })))
        return
    table = comp.table("all", HEADLINE)
    ref = comp.names[0]
    click.echo(f"\n{len(cfgs)} scenarios x {replications} replications, seed {seed}, all sites; "
               f"difference = scenario - {ref} (paired, 95% CI; * excludes 0)")
    for metric, rows in table.groupby("metric", sort=False):
        click.echo(f"\n  {metric}")
        for r in rows.itertuples():
            line = f"    {r.scenario:<20}{_fmt(r.mean):>10}  [{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]"
            if r.scenario != ref:
                mark = "*" if r.significant else " "
                diff = ("+" if r.diff > 0 else "") + _fmt(r.diff)
                line = f"{line:<58}{diff:>10}  [{_fmt(r.diff_low)}, {_fmt(r.diff_high)}] {mark}"
            click.echo(line)
    click.echo(f"\nresults: {out_dir}/ (comparison.csv, days.csv, figures/) in {time.perf_counter() - start:.1f} s")


@main.command()
@click.option("--agents", "-n", required=True, type=click.IntRange(min=1), help="Agents.")
@click.option("--calls-per-hour", "-l", required=True, type=click.FloatRange(min=0, min_open=True),
              help="Arrival rate (calls/h).")
@click.option("--aht-s", "-a", required=True, type=click.FloatRange(min=0, min_open=True),
              help="Mean handle time (s).")
@click.option("--patience-s", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Mean patience (s): Erlang A. Omit for Erlang C (nobody abandons).")
@click.option("--sl-target-s", default=20.0, show_default=True, type=click.FloatRange(min=0),
              help="Service-level threshold T (s).")
@click.option("--simulate", "do_simulate", is_flag=True, help="Also simulate the same queue in stationary mode.")
@click.option("-r", "--replications", default=20, show_default=True, type=click.IntRange(min=2),
              help="Replications for --simulate.")
@click.option("--hours", default=24.0, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Measured hours per replication (after a 2 h warm-up).")
@SEED_OPTION
@WORKERS_OPTION
@ENGINE_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout.")
def erlang(agents: int, calls_per_hour: float, aht_s: float, patience_s: float | None, sl_target_s: float,
           do_simulate: bool, replications: int, hours: float, seed: int, workers: int | None, engine: str,
           as_json: bool) -> None:
    """Erlang C (or Erlang A with --patience-s) figures, optionally beside a simulation.

    With --simulate the full model runs in stationary mode (exponential handle times and
    patience, every behavioural mechanism off) and each quantity is shown with its 95%
    confidence interval over replications.
    """
    try:
        if patience_s is None:
            exact = analytic.erlang_c(calls_per_hour=calls_per_hour, aht_s=aht_s, agents=agents,
                                      sl_target_s=sl_target_s)
        else:
            exact = analytic.erlang_a(calls_per_hour=calls_per_hour, aht_s=aht_s, patience_s=patience_s,
                                      agents=agents, sl_target_s=sl_target_s)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    result: dict[str, Any] = {"analytic": {k: exact[k] for k in ERLANG_KEYS}}
    if do_simulate:
        cfg = erlang_scenario(calls_per_hour=calls_per_hour, aht_s=aht_s, agents=agents,
                              patience_s=patience_s, hours=hours, sl_target_s=sl_target_s)
        rep = _run_replications(cfg, replications, seed, workers, quiet=as_json, engine=engine)
        sim = rep.summary_dict()
        result["simulated"] = {k: sim[k] for k in ERLANG_KEYS}
        result["engine"] = engine
    if as_json:
        click.echo(json.dumps(json_safe(result)))
        return
    model = "Erlang C (M/M/n)" if patience_s is None else "Erlang A (M/M/n+M)"
    load = calls_per_hour * aht_s / HOUR_S
    click.echo(f"{model}: {agents} agents, {calls_per_hour:g} calls/h, AHT {aht_s:g} s, "
               f"load {load:.2f} Erlang, T = {sl_target_s:g} s")
    head = f"  {'metric':<15}{'analytic':>12}"
    if do_simulate:
        head += f"{'simulated':>12}   95% CI ({replications} x {hours:g} h)"
    click.echo(head)
    for k in ERLANG_KEYS:
        line = f"  {k:<15}{_fmt(result['analytic'][k]):>12}"
        if do_simulate:
            s = result["simulated"][k]
            line += f"{_fmt(s['mean']):>12}   [{_fmt(s['ci95'][0])}, {_fmt(s['ci95'][1])}]"
        click.echo(line)


# --------------------------------------------------------------------------- calibrate


def _print_calibration(table: Any, cfg: Scenario, replications: int, seed: int) -> None:
    """The calibration table grouped by kind of site, then the numbered sources."""
    click.echo(f"\n{cfg.name}: {replications} replications x {cfg.days:g} days ({cfg.warmup_days:g} warm-up), "
               f"seed {seed}. inside = the mean over replications lies in the cited range; "
               f"95% CI over replications.")
    refs: dict[str, int] = {}
    for (kind, site), rows in table.groupby(["kind", "site"], sort=False):
        click.echo(f"\n  {kind} (site {site})")
        click.echo(f"  {'quantity':<46}{'cited range':>14}{'model mean':>12}  {'95% CI':<24}{'inside':<22}sources")
        for r in rows.itertuples():
            ci = f"[{calib.format_value(r.ci_low, r.unit)}, {calib.format_value(r.ci_high, r.unit)}]"
            if r.inside is None:
                verdict = "n/a (no value)"
            elif r.inside:
                verdict = "yes"
            else:
                verdict = f"no ({calib.format_value(r.gap, r.unit, difference=True)})"
            numbers = [refs.setdefault(text, len(refs) + 1) for text in r.sources]
            click.echo(f"  {r.name:<46}{calib.format_range(r.low, r.high, r.unit):>14}"
                       f"{calib.format_value(r.mean, r.unit):>12}  {ci:<24}{verdict:<22}"
                       + " ".join(f"[{n}]" for n in numbers))
    click.echo("\n  sources (details, figures and addresses: docs/calibration.md):")
    for text, n in refs.items():
        click.echo(f"  [{n}] {text}")


@main.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help=SET_HELP)
@click.option("-r", "--replications", default=4, show_default=True, type=click.IntRange(min=1),
              help="Independent replications.")
@SEED_OPTION
@WORKERS_OPTION
@ENGINE_OPTION
@click.option("--targets", "targets_file", type=click.Path(dir_okay=False), default=None,
              help="Targets file [default: the package's data/calibration_targets.yaml].")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON on stdout.")
def calibrate(config: str, sets: tuple[str, ...], replications: int, seed: int, workers: int | None, engine: str,
              targets_file: str | None, as_json: bool) -> None:
    """Compare CONFIG's calibrated quantities with the ranges cited from public evidence.

    Prints one row per calibrated quantity and kind of site present (inhouse, outsourced,
    from each site's kind): the cited range, its sources, the model's mean over
    replications with its 95% confidence interval, and whether the mean is inside the
    range (with the distance when it is not). Writes no files.

    Exit status: 0 whether or not the targets are met (it is a report); 1 for invalid input.
    """
    cfg = _load(config, sets)
    try:
        targets = calib.load_targets(targets_file)
        calib.check_targets(cfg, targets)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    _note_spinup([cfg], seed, replications, not as_json)
    with _progress(not as_json, replications, f"{cfg.name}: replications") as bar:
        table = calib.calibrate(cfg, replications, seed, workers=workers, targets=targets,
                                progress=bar.update if bar is not None else None, engine=engine)
    if as_json:
        rows = [{
            "name": r.name, "site": r.site, "kind": r.kind, "metric": r.metric, "unit": r.unit,
            "low": r.low, "high": r.high, "mean": r.mean, "ci95": [r.ci_low, r.ci_high], "n": r.n,
            "inside": r.inside, "ci_overlap": r.ci_overlap, "gap": r.gap, "source": r.source, "note": r.note,
        } for r in table.itertuples()]
        click.echo(json.dumps(json_safe({
            "targets": rows, "scenario": cfg.name, "seed": seed, "engine": engine, "replications": replications,
            "version": __version__,
        })))
        return
    _print_calibration(table, cfg, replications, seed)


# --------------------------------------------------------------------------- sweep

SWEEP_FAILED_BASE = 100
"""``callsim sweep`` exits with this plus the number of failed replications (capped at 255)."""


class _SweepBar:
    """Progress of a sweep on stderr: a bar with counts, rate, failures and ETA when it is a terminal."""

    def __init__(self, enabled: bool, name: str) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.name = name
        self.bar: Any = None
        self.shown = 0

    def __call__(self, p: Any) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            resumed = f", {p.resumed} already done" if p.resumed else ""
            self.bar = click.progressbar(
                length=p.total, label=f"{self.name}{resumed}", file=sys.stderr, show_eta=True, show_pos=True,
                item_show_func=lambda rate: rate,
            )
            self.bar.__enter__()
        rate = p.done / p.elapsed_s if p.elapsed_s > 0 else 0.0
        failed = f", {p.failed} failed" if p.failed else ""
        self.bar.update(p.done - self.shown, current_item=f"{rate:.2f} rep/s{failed}")
        self.shown = p.done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@main.command("sweep")
@click.argument("sweep_file", type=click.Path(dir_okay=False))
@click.option("-w", "--workers", default=None, type=click.IntRange(min=1),
              help="Local worker processes [default: all cores]. Results do not depend on it.")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Run on the Dask cluster whose scheduler is at ADDRESS, e.g. tcp://10.0.0.5:8786 "
                   "(pip install 'callsim[dask]').")
@click.option("--dask-local", metavar="N", default=None, type=click.IntRange(min=1),
              help="Start a local Dask cluster of N worker processes for this sweep.")
@ENGINE_OPTION
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Results folder [default: results/sweeps/<sweep name>].")
@click.option("--resume", is_flag=True, help="Keep the replications already in the folder and run the rest.")
@click.option("--overwrite", is_flag=True, help="Delete a sweep already in the folder and start again.")
@click.option("-r", "--replications", default=None, type=click.IntRange(min=1),
              help="Replications per point [default: the sweep file's].")
@click.option("--seed", default=None, type=click.IntRange(min=0), help="Root seed [default: the sweep file's].")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Override a field of every point, e.g. --set days=28 (repeatable; adds to the file's set).")
@click.option("--target", "targets", multiple=True, metavar="METRIC>=VALUE",
              help="Feasibility target for the figures, e.g. --target service_level>=0.8 (repeatable; "
                   "adds to the sweep file's report.targets).")
@click.option("--no-figures", is_flag=True, help="Write the tables only.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON on stdout; no progress bar.")
def sweep(sweep_file: str, workers: int | None, scheduler: str | None, dask_local: int | None, engine: str,
          out: str | None, resume: bool, overwrite: bool, replications: int | None, seed: int | None,
          sets: tuple[str, ...], targets: tuple[str, ...], no_figures: bool, as_json: bool) -> None:
    """Run every point of SWEEP_FILE with many replications and write tidy tables and figures.

    The sweep file names a base scenario, replications, seed and the points (grid, zip,
    named points or samples over dotted keys); see docs/sweeps.md. Every point is validated
    before anything runs. Each finished replication is saved at once, so an interrupted
    sweep continues with --resume. Results are identical whatever the executor and
    number of workers.

    Exit status: 0 when every replication succeeded; 100 + N when N replications raised
    (they are listed in failures.csv, the others completed); 1 for invalid input.
    """
    try:
        sw = load_sweep(sweep_file, replications=replications, seed=seed, overrides=parse_set_options(sets))
        executor = make_executor(workers=workers, scheduler=scheduler, dask_local=dask_local)
    except (ConfigError, ExecutorUnavailable) as exc:
        raise click.ClickException(str(exc)) from None
    spun = [p for p in sw.points if p.cfg.spinup_days > 0]
    if spun and not as_json:
        longest = max(p.cfg.spinup_days for p in spun)
        click.echo(f"{sw.name}: {len(spun)} of {len(sw.points)} points first run a workforce spin-up of up to "
                   f"{longest} days per replication (cached: {spinup.cache_dir() or 'off'})", err=True)
    bar = _SweepBar(not as_json, sw.name)
    try:
        outcome = run_sweep(sw, out=out, executor=executor, resume=resume, overwrite=overwrite,
                            figures=not no_figures, targets=targets, progress=bar,
                            command="callsim sweep " + " ".join(sys.argv[2:]), engine=engine)
    except (ConfigError, ExecutorUnavailable) as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        bar.close()
        click.echo("\ninterrupted: finished replications are saved; run again with --resume", err=True)
        raise click.exceptions.Exit(130) from None
    finally:
        bar.close()
    meta = outcome.meta
    all_targets = list(dict.fromkeys([*sw.report.targets, *targets]))
    best = None
    by_scenario = outcome.tables.get("cheapest_by_scenario")
    if all_targets and sw.report.cost and by_scenario is None:
        row = cheapest_feasible(outcome.tables["points"], all_targets, sw.report.cost)
        best = None if row is None else {"point_id": row["point_id"], "label": row["label"]}
    if as_json:
        failures = outcome.tables["failures"][["point_id", "label", "replication", "error"]]
        click.echo(json.dumps(json_safe({
            **meta, "out": str(outcome.out), "targets": all_targets, "cheapest_feasible": best,
            **({} if by_scenario is None else {"scenarios": sw.report.scenarios,
                                               "cheapest_feasible_by_scenario": by_scenario.to_dict("records")}),
            "failures": failures.to_dict("records"),
        })))
    else:
        rate = f", {meta['throughput_per_s']:.2f} per s" if meta["throughput_per_s"] else ""
        click.echo(f"{sw.name}: {meta['points']} points x {meta['replications']} replications: {meta['ran']} ran, "
                   f"{meta['resumed']} resumed, {meta['failed']} failed in {meta['elapsed_s']:.1f} s{rate} "
                   f"({meta['executor']}) -> {outcome.out}/")
        if best is not None:
            click.echo(f"cheapest feasible ({', '.join(all_targets)}; cost {sw.report.cost}): {best['label']}")
        if by_scenario is not None:
            click.echo(f"cheapest feasible per {', '.join(sw.report.scenarios)} ({', '.join(all_targets)}; "
                       f"cost {sw.report.cost}):")
            for rec in by_scenario.to_dict("records"):
                where = ", ".join(f"{k}={rec[k]:g}" if isinstance(rec[k], float) else f"{k}={rec[k]}"
                                  for k in sw.report.scenarios)
                click.echo(f"  {where}: {rec['label'] if isinstance(rec['label'], str) else 'none feasible'}")
        if meta["failed"]:
            click.echo(f"{meta['failed']} replications failed: see {outcome.out / 'failures.csv'}", err=True)
    if meta["failed"]:
        sys.exit(min(SWEEP_FAILED_BASE + meta["failed"], 255))


# --------------------------------------------------------------------------- plan


def _plan_options(*, replications: int, out_help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options every ``plan`` command takes: --set, --target, -r, --seed, -w, --engine, --out, --json."""
    return _experiment_options(
        replications=replications, min_replications=2,
        replications_help="Replications per simulation round (common random numbers across rounds).",
        set_help=SET_HELP, out_help=out_help, json_help="Print the plan as JSON on stdout.")


TARGET_OPTION = click.option(
    "--target", "targets", multiple=True, default=("service_level>=0.8",), show_default=True, metavar="METRIC>=X",
    help="Performance target, e.g. --target service_level>=0.8 --target abandon_rate<=0.05 (repeatable).")


@main.group()
def plan() -> None:
    """Plan from the simulation: interval staffing, the shifts that cover it, hiring under attrition.

    Each command simulates the scenario many times (see docs/planning.md), writes a results
    folder and prints the plan; --json prints it as JSON instead.
    """


@plan.command("staffing")
@click.argument("config", type=click.Path(dir_okay=False))
@TARGET_OPTION
@_plan_options(replications=8, out_help="Results folder [default: results/plan-staffing-<scenario name>].")
@click.option("--site", default=None, help="Site to plan [default: the first].")
@click.option("--interval-min", default=30, show_default=True, type=click.Choice(["5", "10", "15", "20", "30", "60"]),
              help="Planning interval (minutes); a multiple of the scenario's interval_min.")
@click.option("--weeks", default=4, show_default=True, type=click.IntRange(min=1),
              help="Measured weeks per replication (after a 1-day warm-up).")
@click.option("--max-iterations", default=20, show_default=True, type=click.IntRange(min=1),
              help="Most simulation rounds.")
@click.option("--verify/--no-verify", default=True, show_default=True,
              help="Simulate the plan and the Erlang plan again with fresh seeds (seed + 1) and report each "
                   "interval's target with its 95%% CI.")
def plan_staffing_command(config: str, targets: tuple[str, ...], sets: tuple[str, ...], replications: int, seed: int,
                          workers: int | None, engine: str, out: str | None, as_json: bool, site: str | None,
                          interval_min: str, weeks: int, max_iterations: int, verify: bool) -> None:
    """Agents needed on the phones per interval and weekday of CONFIG to meet the targets.

    Iterative staffing by simulation (docs/planning.md): simulate with generous staffing, restaff
    each interval to the fewest agents meeting every target on its Erlang A curve re-centred on
    the simulated performance, repeat with the same random numbers until no interval changes.
    Beside it the per-interval Erlang requirement from the forecast (SIPP). Writes
    requirements.csv, verification.csv, staffing.yaml (a scenario that extends CONFIG with the
    plan) and figures/staffing.png.

    Example: callsim plan staffing configs/baseline.yaml --target service_level>=0.8
    """
    cfg = _load(config, sets)
    start = time.perf_counter()
    minutes = int(interval_min)
    try:
        parsed = planning.staffing_targets(targets)
        with _progress(not as_json, max_iterations * replications, "staffing rounds x replications") as bar:
            result = planning.plan_staffing(
                cfg, parsed, site=site, interval_min=minutes, weeks=weeks, replications=replications, seed=seed,
                workers=workers, engine=engine, max_iterations=max_iterations,
                progress=bar.update if bar is not None else None)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    checks = {}
    if verify:
        with _progress(not as_json, 2 * replications, "verifying with fresh seeds") as bar:
            for column in ("agents", "agents_erlang"):
                checks[column] = planning.verify_staffing(
                    cfg, result, column=column, replications=replications, seed=seed + 1, workers=workers,
                    engine=engine, progress=bar.update if bar is not None else None)
    out_dir = Path(out) if out else Path("results") / f"plan-staffing-{cfg.name}"
    doc = planning.staffing_json(result)
    doc["verification"] = {column: check.summary() for column, check in checks.items()}
    meta = {"seed": seed, "engine": engine, "replications": replications, "weeks": weeks,
            "targets": [str(t) for t in parsed], "elapsed_s": round(time.perf_counter() - start, 3),
            "command": "callsim plan staffing " + " ".join(sys.argv[3:])}
    extends = str(Path(config).resolve())
    verified = checks["agents_erlang"].intervals if "agents_erlang" in checks else None
    weekdays = [wd for wd in dict.fromkeys(result.table["weekday"])
                if result.table.loc[result.table["weekday"] == wd, "agents"].sum() > 0]
    write_plan(
        out_dir, cfg=cfg.to_dict(), meta=meta,
        tables={"requirements": result.table, "iterations": result.iterations,
                **({"verification": pd.concat([check.intervals.assign(plan=column)
                                                for column, check in checks.items()], ignore_index=True)}
                   if checks else {})},
        texts={"staffing.yaml": planning.staffing_yaml(result, extends=extends)},
        specs=plot_planning.staffing_figures(result.table, weekdays or ["mon"], verified=verified),
        caption=(f"{cfg.name}, site {result.site}: {replications} replications x {weeks} weeks per round, seed {seed}; "
                 f"targets {', '.join(str(t) for t in parsed)}"))
    if as_json:
        click.echo(json.dumps(json_safe({**doc, **meta, "out": str(out_dir), "version": __version__})))
        return
    state = "converged" if result.converged else "stopped at the iteration limit"
    click.echo(f"\n{cfg.name}, site {result.site}: {len(result.iterations)} rounds ({state}); targets "
               f"{', '.join(str(t) for t in parsed)}")
    click.echo(f"  {'weekday':<10}{'agent-hours':>12}{'Erlang (SIPP)':>15}{'peak':>6}{'Erlang peak':>13}")
    for wd, rows in result.table.groupby("weekday", sort=False):
        click.echo(f"  {wd:<10}{rows['agents'].sum() * minutes / 60:>12,.1f}"
                   f"{rows['agents_erlang'].sum() * minutes / 60:>15,.1f}{rows['agents'].max():>6}"
                   f"{rows['agents_erlang'].max():>13}")
    for column, summary in doc["verification"].items():
        name = "simulation plan" if column == "agents" else "Erlang (SIPP) plan"
        click.echo(f"  {name}, fresh seeds: {summary['intervals_missing']} of {summary['intervals']} intervals "
                   f"significantly miss a target ({summary['intervals_missing_simultaneous']} with simultaneous "
                   f"intervals); overall " + ", ".join(
                       f"{m} {_fmt(v['mean'])} [{_fmt(v['ci95'][0])}, {_fmt(v['ci95'][1])}]"
                       for m, v in summary["overall"].items()))
    click.echo(f"\nresults: {out_dir}/ (requirements.csv, staffing.yaml, figures/staffing.png) "
               f"in {time.perf_counter() - start:.1f} s")


@plan.command("roster")
@click.argument("config", type=click.Path(dir_okay=False))
@TARGET_OPTION
@_plan_options(replications=8, out_help="Results folder [default: results/plan-roster-<scenario name>].")
@click.option("--requirements", type=click.Path(dir_okay=False, exists=True), default=None,
              help="CSV of agents on the phones per weekday and start (HH:MM), e.g. requirements.csv of "
                   "callsim plan staffing [default: computed first, as plan staffing does].")
@click.option("--site", default=None, help="Site to roster [default: the first].")
@click.option("--interval-min", default=30, show_default=True, type=click.Choice(["5", "10", "15", "20", "30", "60"]),
              help="Interval of the requirement (minutes).")
@click.option("--weeks", default=4, show_default=True, type=click.IntRange(min=1),
              help="Measured weeks per replication of the simulations.")
@click.option("--mip-gap", default=0.01, show_default=True, type=click.FloatRange(min=0.0, max=1.0),
              help="Relative optimality gap at which the integer programme stops.")
@click.option("--verify/--no-verify", default=True, show_default=True,
              help="Simulate the written scenario with fresh seeds (seed + 1) against the targets.")
def plan_roster_command(config: str, targets: tuple[str, ...], sets: tuple[str, ...], replications: int, seed: int,
                        workers: int | None, engine: str, out: str | None, as_json: bool, requirements: str | None,
                        site: str | None, interval_min: str, weeks: int, mip_gap: float, verify: bool) -> None:
    """Shifts that cover the staffing requirement of CONFIG at the least paid hours.

    An integer programme (scipy milp, HiGHS) chooses how many agents work each allowed shift
    pattern (the site's shift lengths and breaks at every half-hour start within opening
    hours, on its weekday sets and every five-consecutive-day set) so that agents on the phones,
    after breaks and shrinkage (absence and leave), cover the requirement in every interval.
    Writes roster.yaml (a scenario that extends CONFIG with the roster and headcount), the
    shift table, the coverage per interval and, with --verify, the simulated service per
    interval with 95% CIs.

    Example: callsim plan roster configs/baseline.yaml --requirements results/plan-staffing-baseline/requirements.csv
    """
    cfg = _load(config, sets)
    start = time.perf_counter()
    minutes = int(interval_min)
    out_dir = Path(out) if out else Path("results") / f"plan-roster-{cfg.name}"
    try:
        parsed = planning.staffing_targets(targets)
        req = None if requirements is None else pd.read_csv(requirements, dtype={"start": str})
        total = (0 if req is not None else 20 * replications) + (replications if verify else 0)
        with _progress(not as_json, total, "simulation replications") as bar:
            result = planning.plan_roster(
                cfg, parsed, extends=str(Path(config).resolve()), requirements=req, site=site, interval_min=minutes,
                weeks=weeks, replications=replications, seed=seed, workers=workers, engine=engine,
                mip_rel_gap=mip_gap, verify=verify, progress=bar.update if bar is not None else None)
    except (ValueError, KeyError) as exc:
        raise click.ClickException(str(exc)) from None
    plan_ = result.plan
    verified = {} if result.check is None else result.check.summary()["overall"]
    doc = {
        "shifts": [{"name": r.name, "agents": int(r.agents)} for r in plan_.table.itertuples()],
        "paid_hours": plan_.paid_hours, "headcount": result.agents, "rostered": plan_.headcount,
        "status": plan_.status, "mip_gap": plan_.mip_gap, "shrinkage": plan_.shrinkage,
        "scenario": str(out_dir / "roster.yaml"), "verified": verified,
    }
    meta = {"seed": seed, "engine": engine, "replications": replications, "weeks": weeks,
            "targets": [str(t) for t in parsed], "elapsed_s": round(time.perf_counter() - start, 3),
            "command": "callsim plan roster " + " ".join(sys.argv[3:])}
    tables = {"shifts": plan_.table, "coverage": plan_.coverage, "requirements": result.requirements}
    if result.check is not None:
        tables["verification"] = result.check.intervals
    write_plan(out_dir, cfg=cfg.to_dict(), meta=meta, tables=tables, texts={"roster.yaml": result.yaml},
               specs=plot_planning.coverage_figures(plan_.coverage),
               caption=f"{cfg.name}: roster of {plan_.headcount} agents, {plan_.paid_hours:,.0f} paid hours a week")
    if as_json:
        click.echo(json.dumps(json_safe({**doc, **meta, "out": str(out_dir), "version": __version__})))
        return
    click.echo(f"\n{cfg.name}: {plan_.headcount} agents rostered on {len(plan_.table)} of {plan_.candidates} shift "
               f"patterns, {plan_.paid_hours:,.1f} paid hours a week ({plan_.status}, gap {plan_.mip_gap:.2%}); "
               f"shrinkage {plan_.shrinkage:.3f}; headcount written {result.agents}")
    for r in plan_.table.itertuples():
        click.echo(f"  {r.name:<28}{r.agents:>5}")
    if result.check is not None:
        summary = result.check.summary()
        metrics = ", ".join(f"{metric} {_fmt(v['mean'])} [{_fmt(v['ci95'][0])}, {_fmt(v['ci95'][1])}]"
                            for metric, v in verified.items())
        click.echo(f"  simulated with fresh seeds: {metrics}; {summary['intervals_missing']} of "
                   f"{summary['intervals']} intervals significantly miss a target")
    click.echo(f"\nresults: {out_dir}/ (roster.yaml, shifts.csv, coverage.csv, figures/) "
               f"in {time.perf_counter() - start:.1f} s")


@plan.command("hiring")
@click.argument("config", type=click.Path(dir_okay=False))
@TARGET_OPTION
@_plan_options(replications=8, out_help="Results folder [default: results/plan-hiring-<scenario name>].")
@click.option("--months", default=18, show_default=True, type=click.IntRange(min=2), help="Months to plan.")
@click.option("--month-days", default=28, show_default=True, type=click.IntRange(min=7),
              help="Days per month (28: every month has the same weekdays).")
@click.option("--volume-growth", default=None, type=click.FloatRange(min=-0.99),
              help="Compound demand growth per year (sets demand.trend_per_year), e.g. 0.2 [default: the scenario's].")
@click.option("--site", default=None, help="Site to plan [default: the first].")
@click.option("--verify/--no-verify", default=True, show_default=True,
              help="Simulate the chosen level and the naive plan again with fresh seeds (seed + 1).")
def plan_hiring_command(config: str, targets: tuple[str, ...], sets: tuple[str, ...], replications: int, seed: int,
                        workers: int | None, engine: str, out: str | None, as_json: bool, months: int,
                        month_days: int, volume_growth: float | None, site: str | None, verify: bool) -> None:
    """Monthly hires that keep CONFIG on target through attrition, training and learning.

    An order-up-to policy on proficiency-weighted headcount (Gans and Zhou 2002): at each
    month's review, hire up to a level of proficient FTE (growing with demand), the level chosen
    by simulation with common random numbers as the smallest that meets every target in every
    month a hire can still reach. Beside it the naive plan: replace each leaver one for one.
    Writes months.csv (hires, headcount by stage, proficient FTE, attrition, service level and
    cost with 95% CIs, both plans), per_replication.csv, search.csv and figures/fan_chart.png.
    Long: a baseline year and a half takes about 20 minutes on 2 cores.

    Example: callsim plan hiring configs/baseline.yaml --months 18 --volume-growth 0.2
    """
    cfg = _load(config, sets)
    start = time.perf_counter()
    try:
        if not as_json:
            click.echo("simulating candidate levels (bracket, then bisection) and the naive plan...", err=True)
        with _progress(not as_json, 2 * replications * (10 + (2 if verify else 0)), "replications (estimate)") as bar:
            update = bar.update if bar is not None else None
            result = planning.plan_hiring(
                cfg, months=months, volume_growth=volume_growth, targets=targets, replications=replications,
                seed=seed, workers=workers, engine=engine, progress=update, month_days=month_days, site=site)
            checked = planning.verify_hiring(result, seed=seed + 1, workers=workers, progress=update) if verify \
                else None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    out_dir = Path(out) if out else Path("results") / f"plan-hiring-{cfg.name}"
    doc = planning.hiring_json(result)
    if checked is not None:
        doc["verified"] = {k: v for k, v in planning.hiring_json(checked).items() if k in ("months", "naive")}
    meta = {"seed": seed, "engine": engine, "replications": replications, "n_months": months,
            "targets": list(targets), "level": result.level, "elapsed_s": round(time.perf_counter() - start, 3),
            "command": "callsim plan hiring " + " ".join(sys.argv[3:])}
    tables = {"months": result.months, "per_replication": result.per_replication, "search": result.search}
    if checked is not None:
        tables["verification_months"] = checked.months
    write_plan(out_dir, cfg=cfg.to_dict(), meta=meta, tables=tables, texts={"note.txt": result.note + "\n"},
               specs=[("fan_chart.png", (11.0, 4.2),
                       lambda fig: plot_planning.fan_chart(result, axes=fig.subplots(1, 2)))],
               caption=f"{cfg.name}: hiring plan, {replications} replications, seed {seed}")
    if as_json:
        click.echo(json.dumps(json_safe({**doc, **meta, "out": str(out_dir), "version": __version__})))
        return
    click.echo(f"\n{cfg.name}, site {result.site}: order-up-to level {result.level:.1f} proficient FTE "
               f"(growing {result.level_growth_per_year:.0%} a year); {result.note}")
    click.echo(f"  {'month':>5}{'hires':>8}{'headcount':>11}{'prof. FTE':>11}{'SL plan':>9}{'SL naive':>10}"
               f"{'cost plan':>13}{'cost naive':>13}")
    ours = result.months[result.months["plan"] == "order_up_to"].set_index("month")
    naive = result.months[result.months["plan"] == "naive"].set_index("month")
    for m, r in ours.iterrows():
        n = naive.loc[m]
        click.echo(f"  {m:>5}{r['hires']:>8.1f}{r['headcount']:>11.1f}{r['proficient_fte']:>11.1f}"
                   f"{r['service_level']:>9.3f}{n['service_level']:>10.3f}{_fmt(r['cost']):>13}{_fmt(n['cost']):>13}")
    if checked is not None:
        click.echo(f"  fresh seeds: plan {'meets' if checked.feasible else 'misses'} the targets in every unfrozen "
                   f"month; naive {'meets' if checked.naive_feasible else 'misses'} them")
    click.echo(f"\nresults: {out_dir}/ (months.csv, figures/fan_chart.png) in {time.perf_counter() - start:.1f} s")
