"""A run's day 0: the workforce spin-up, its cache, and :func:`simulate`.

The analytic initial workforce (:meth:`~simulator.workforce.AgentState.initial`) draws
tenure from the steady state of the *base* quit hazard. Early-tenure quits, burnout and
dismissals make a real floor younger than that, so a run started there drifts for a year or
more. With ``spinup_days > 0`` a replication first runs the scenario itself for
``spinup_days`` days (warm-up 0, no call log, no volume trend) with a seed nested in
``(seed, replication)`` (:func:`~simulator.rng.nested_seed`), closes its last day
(:meth:`~simulator.engine.Simulation.close_horizon`) and hands that workforce, moved into
the measured run's time frame (:func:`to_day0`), to the measured run as its day 0.

The converted state is cached as a compressed ``.npz`` under :func:`cache_dir`, keyed by
:func:`cache_key`; a cached and a freshly computed state are bit-identical. Equations, what
is carried over and the cost: ``docs/model.md``, "Initial workforce: analytic start and
spin-up".
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
import zipfile
from dataclasses import fields
from pathlib import Path
from typing import Final

import numpy as np

from . import config as C
from .engine import DEFAULT_ENGINE, ENGINES
from .result import SimulationResult
from .rng import nested_seed
from .units import DAY_S
from .version import __version__
from .workforce import AgentState, Stage

DAY_FIELDS: Final[frozenset[str]] = frozenset({"hire_day", "floor_day", "left_day"})
"""AgentState fields holding a day number: shifted by ``-spinup_days`` (NaN stays NaN).
``hire_day`` of a ``RECRUITING`` row is its earliest start day, shifted alike."""

SECOND_FIELDS: Final[frozenset[str]] = frozenset({"fatigue_t"})
"""AgentState fields holding a time in seconds since day 0: shifted by ``-spinup_days x 86400``
(exact in floating point: the shift is a whole number of seconds, smaller than the value)."""

CARRIED_FIELDS: Final[frozenset[str]] = frozenset({
    "site", "shift", "stage",  # fixed per agent; GONE rows are dropped
    "proficiency", "calls_handled",  # skill and experience since hire
    "fatigue",  # F as of fatigue_t (shifted): it decays from there, as it would have overnight
    "burnout", "kpi_misses", "pressure",  # slow state
    "class_left",  # classroom days still to attend: day 0 opens like the spin-up's next day would
    "leave_reason",  # 0 for every row kept
    "kpi_handle_s", "kpi_calls",  # the KPI period in progress (spinup_days keeps the review phase)
    "absent", "worked",  # yesterday's flags: day 0's open_day and shift plan set them before any read
    "frailty",  # drawn at hire, fixed for the agent's working life
    "day_load",  # 0: close_horizon() consumed the last day's load into burnout
    "skill",  # fixed per agent (a hire inherits the leaver's group)
    "csat_sum", "csat_n", "survey_n", "survey_pos",  # satisfaction since hire
    "kpi_csat_from", "kpi_csat_n_from", "kpi_survey_n_from", "kpi_survey_pos_from",  # the KPI period in progress
})
"""AgentState fields carried over unchanged, each checked one by one. :func:`to_day0` carries
every field not in :data:`DAY_FIELDS` or :data:`SECOND_FIELDS`, so a new plain field carries
over; ``tests/unit/test_spinup.py`` fails until a new field is added to one of the three sets."""

CACHE_ENV: Final[str] = "CALLSIM_CACHE"
"""Environment variable naming the cache directory; ``off`` disables the cache."""

CACHE_FORMAT: Final[int] = 1
"""Version of the cache file layout (part of the key)."""


def spinup_config(cfg: C.Scenario) -> C.Scenario:
    """The scenario a spin-up runs: ``cfg`` for ``spinup_days`` days, no warm-up, no spin-up, no trend.

    The volume trend and the growth of an order-up-to hiring level are switched off so that the
    spin-up settles at day 0's demand and level rather than at ``(1 + growth)^(spinup_days / 365)``
    times them.
    """
    raw = cfg.to_dict()
    raw.update(days=cfg.spinup_days, warmup_days=0.0, spinup_days=0)
    raw["demand"]["trend_per_year"] = 0.0
    for site in raw["sites"]:
        site["hiring"]["level_growth_per_year"] = 0.0
    return C.validate(raw, "spin-up")


def to_day0(state: AgentState, spinup_days: int) -> AgentState:
    """A spin-up's end state (its own time frame) as the measured run's day 0.

    Drops ``GONE`` rows (they carry no future), shifts :data:`DAY_FIELDS` by
    ``-spinup_days`` and :data:`SECOND_FIELDS` by ``-spinup_days x 86400`` s, and copies every
    other field. Rows keep their order.
    """
    keep = state.stage != Stage.GONE
    out = {}
    for f in fields(AgentState):
        arr = getattr(state, f.name)[keep]
        if f.name in DAY_FIELDS:
            arr = arr - float(spinup_days)
        elif f.name in SECOND_FIELDS:
            arr = arr - float(spinup_days) * DAY_S
        out[f.name] = arr
    return AgentState(**out)


def engine_class(engine: str) -> type:
    """The engine class registered as ``engine`` in :data:`~simulator.engine.ENGINES`.

    Raises:
        ValueError: for a name that is not registered; the message lists the valid names.
    """
    try:
        return ENGINES[engine]
    except (KeyError, TypeError):
        raise ValueError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}") from None


def spinup_state(cfg: C.Scenario, seed: int, replication: int, *, engine: str = DEFAULT_ENGINE) -> AgentState:
    """Run the spin-up of replication ``(seed, replication)`` and return its converted end state (no cache).

    ``engine`` names the engine that runs the spin-up (:data:`~simulator.engine.ENGINES`); the
    state does not depend on it.
    """
    spin = engine_class(engine)(spinup_config(cfg), seed=nested_seed(seed, replication, "spinup"), replication=0)
    spin.run(drain=False)
    return to_day0(spin.close_horizon(), cfg.spinup_days)


# --------------------------------------------------------------------------- cache


def cache_dir() -> Path | None:
    """The cache directory: ``$CALLSIM_CACHE`` if set, else ``~/.cache/callsim``; None when ``off``."""
    value = os.environ.get(CACHE_ENV, "").strip()
    if value.lower() == "off":
        return None
    return Path(value).expanduser() if value else Path.home() / ".cache" / "callsim"


@functools.cache
def source_digest() -> str:
    """sha256 of the package's Python source: a model edited without a version bump invalidates the cache."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def cache_key(cfg: C.Scenario, seed: int, replication: int) -> str:
    """sha256 (hex) of what determines a spin-up's end state.

    Package version, source digest, numpy version (its streams), cache format, the AgentState
    fields, the resolved config without ``name``, ``days`` and ``warmup_days`` (they do not
    affect the spin-up), seed and replication.

    The engine is deliberately *not* part of the key: every engine of
    :data:`~simulator.engine.ENGINES` gives a bit-identical end state by design (the golden and
    engine-agreement tests check it), so a spin-up cached by one engine serves them all.
    """
    config = cfg.to_dict()
    for key in ("name", "days", "warmup_days"):
        config.pop(key)
    payload = {
        "format": CACHE_FORMAT, "version": __version__, "source": source_digest(), "numpy": np.__version__,
        "fields": [f.name for f in fields(AgentState)], "config": config, "seed": seed,
        "replication": replication,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def cache_path(cfg: C.Scenario, seed: int, replication: int) -> Path | None:
    """Where the spin-up of ``(cfg, seed, replication)`` is cached (None: cache off)."""
    root = cache_dir()
    return None if root is None else root / f"spinup-{cache_key(cfg, seed, replication)}.npz"


def is_cached(cfg: C.Scenario, seed: int, replication: int) -> bool:
    """Whether a cache file exists for this spin-up (it may still prove unreadable)."""
    path = cache_path(cfg, seed, replication)
    return path is not None and path.is_file()


def _read(path: Path) -> AgentState | None:
    """The state in ``path``, or None if it is missing, unreadable or of another layout."""
    names = [f.name for f in fields(AgentState)]
    try:
        with np.load(path, allow_pickle=False) as data:
            if sorted(data.files) != sorted(names):
                return None
            arrays = {name: data[name] for name in names}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    if len({a.shape[0] if a.ndim else -1 for a in arrays.values()}) != 1:
        return None
    return AgentState(**arrays)


def _write(path: Path, state: AgentState) -> None:
    """Write atomically (temporary file, then ``os.replace``); a failed write is not an error."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".spinup-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, **{f.name: getattr(state, f.name) for f in fields(AgentState)})
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def initial_state(
    cfg: C.Scenario, seed: int, replication: int, *, engine: str = DEFAULT_ENGINE
) -> AgentState | None:
    """Day-0 workforce of replication ``(seed, replication)``: the spin-up's, or None for the analytic start.

    Read from the cache when present and readable, else computed by ``engine`` and cached. The
    cache is shared by all engines (:func:`cache_key` leaves the engine out: results are
    identical whichever engine runs).
    """
    if cfg.spinup_days == 0:
        return None
    path = cache_path(cfg, seed, replication)
    if path is not None:
        state = _read(path)
        if state is not None:
            return state
    state = spinup_state(cfg, seed, replication, engine=engine)
    if path is not None:
        _write(path, state)
    return state


def describe(cfg: C.Scenario, seed: int, replications: int) -> str | None:
    """One line saying that replications start with a spin-up and how many are cached; None without one."""
    if cfg.spinup_days == 0:
        return None
    root = cache_dir()
    if root is None:
        where = "cache off"
    else:
        cached = sum(is_cached(cfg, seed, r) for r in range(replications))
        where = f"{cached} of {replications} cached in {root}"
    return f"{cfg.name}: each replication first runs a {cfg.spinup_days}-day workforce spin-up ({where})"


# --------------------------------------------------------------------------- public entry point


def simulate(
    cfg: C.Scenario, seed: int, *, replication: int = 0, call_log: bool = False, engine: str = DEFAULT_ENGINE
) -> SimulationResult:
    """Simulate one replication of ``cfg``.

    With ``cfg.spinup_days > 0`` the day-0 workforce is the end state of a spin-up of the
    scenario (:func:`initial_state`, cached); otherwise it is drawn analytically.

    Args:
        cfg: A validated scenario (see :func:`~simulator.config.load_config`).
        seed: Root seed; with ``replication`` it determines every random stream.
        replication: Replication index (0-based). Replication ``k`` of two scenarios with the
            same seed sees the same base callers.
        call_log: Also keep one row per finished contact (``result.call_log``).
        engine: Which engine runs it (:data:`~simulator.engine.ENGINES`): ``"fast"``, the compiled
            engine (default), or ``"simpy"``, the SimPy reference model. The result is the same,
            bit for bit, whichever runs.

    Returns:
        The result, with interval, day and summary tables.

    Raises:
        ValueError: for an unknown ``engine`` (checked before anything runs).
    """
    cls = engine_class(engine)
    initial = initial_state(cfg, seed, replication, engine=engine)
    return cls(cfg, seed=seed, replication=replication, call_log=call_log, initial=initial).run()
