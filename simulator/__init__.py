"""callsim: a discrete-event call-centre simulator.

Typical use from a notebook::

    import simulator as sim
    cfg = sim.load_config("configs/baseline.yaml", overrides={"days": 28})
    res = sim.simulate(cfg, seed=1)            # one replication: res.intervals, res.days, res.summary
    sim.simulate(cfg, seed=1, engine="simpy")  # the SimPy reference model: the same result, slower
    rep = sim.replicate(cfg, replications=10, seed=1)
    rep.summary                                # site, metric, mean, ci_low, ci_high
    sim.erlang_a(calls_per_hour=200, aht_s=180, patience_s=300, agents=14)
    comp = sim.compare([cfg, sim.load_config("configs/thin_training.yaml")], replications=8, seed=1)
    comp.table()                               # means and paired differences with 95% CIs
    reps = sim.sweep("configs/sweeps/outsourcing_share.yaml", workers=2)   # one row per (point, replication)
    sim.calibrate(cfg, replications=4, seed=1)   # model vs cited ranges, per kind of site
    plan = sim.plan_staffing(cfg, ["service_level>=0.8"])   # agents on the phones per interval
    plan.table                                 # weekday, start, agents, agents_erlang, offered_load, ...

Every function that simulates takes ``engine=``: ``"fast"`` (the default, the numba-compiled
engine) or ``"simpy"`` (the SimPy reference model). They give identical results; ``ENGINES``
lists the names.
"""

from .analytic import agents_for_service_level, erlang_a, erlang_b, erlang_c
from .calibration import calibrate
from .compare import Comparison, compare
from .config import ConfigError, Scenario, load_config
from .engine import DEFAULT_ENGINE, ENGINES
from .metrics import SUMMARY_KEYS
from .planning import HiringPlan, RosterResult, StaffingPlan, plan_hiring, plan_roster, plan_staffing, verify_staffing
from .replication import ReplicationResult, replicate, replicate_many
from .result import SimulationResult
from .spinup import simulate
from .stats import Estimate, mean_ci, paired_difference
from .sweep import Sweep, SweepError, load_sweep, point_table, sweep
from .version import __version__

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "SUMMARY_KEYS",
    "Comparison",
    "ConfigError",
    "Estimate",
    "HiringPlan",
    "ReplicationResult",
    "RosterResult",
    "Scenario",
    "SimulationResult",
    "StaffingPlan",
    "Sweep",
    "SweepError",
    "__version__",
    "agents_for_service_level",
    "calibrate",
    "compare",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "load_config",
    "load_sweep",
    "mean_ci",
    "paired_difference",
    "plan_hiring",
    "plan_roster",
    "plan_staffing",
    "point_table",
    "replicate",
    "replicate_many",
    "simulate",
    "sweep",
    "verify_staffing",
]
