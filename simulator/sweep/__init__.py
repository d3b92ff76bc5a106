"""Monte Carlo sweeps: many configurations of one base scenario, many replications each.

- :mod:`~simulator.sweep.spec`: the sweep file, its expansion into validated points.
- :mod:`~simulator.sweep.runner`: running the points on an executor, committing and resuming.
- :mod:`~simulator.sweep.tables`: per-replication, per-site and per-point tables with CIs.

Feasibility targets live in :mod:`simulator.targets`, figures in :mod:`simulator.plots.sweep`
and the results folder in :class:`simulator.output.SweepFolder`.
"""

from .runner import Progress, SweepOutcome, default_out, run_sweep, run_task, sweep
from .spec import Point, Sweep, SweepError, SweepSpec, expand, load_sweep, point_id
from .tables import build_tables, point_table

__all__ = [
    "Point",
    "Progress",
    "Sweep",
    "SweepError",
    "SweepOutcome",
    "SweepSpec",
    "build_tables",
    "default_out",
    "expand",
    "load_sweep",
    "point_id",
    "point_table",
    "run_sweep",
    "run_task",
    "sweep",
]
