"""The engines of one replication: the SimPy reference model and a compiled twin, call-for-call identical.

- :mod:`.base`: what both share: the run's frame, the day-level workforce opening each day, the result;
- :mod:`.state`: the runtime state of contacts and sites (``Call``, ``SiteState``), their codes,
  and the flow's constants and event-loop streams (``FlowSetup``);
- :mod:`.recorder`: counters, histograms and the call log (``Recorder``);
- :mod:`.floor`: agents on shift, on breaks, idle or working, and fatigue between contacts (``Floor``);
- :mod:`.flow`: contacts from arrival to their end, for voice, chat, email and supervisors (``CallFlow``);
- :mod:`.simulation`: the SimPy engine: the day calendar that drives the floor and the flow (``Simulation``);
- :mod:`.kernel`: the same event loop as numba kernels over a struct of arrays;
- :mod:`.fast`: the compiled engine's driver (``FastSimulation``).

The per-contact equations live in :mod:`simulator.formulas` and the day-level workforce in
:mod:`simulator.workforce`; the engines only order events and apply them. How the two engines
relate and how to add a mechanism to both: ``docs/engines.md``.
"""

from typing import Final

from .base import Replication
from .fast import FastSimulation, ensure_compiled
from .simulation import Simulation

ENGINES: Final[dict[str, type[Replication]]] = {"fast": FastSimulation, "simpy": Simulation}
"""Engines by name (``--engine``): the same constructor, ``run`` and ``close_horizon``, the same results."""

DEFAULT_ENGINE: Final[str] = "fast"

__all__ = ["DEFAULT_ENGINE", "ENGINES", "FastSimulation", "Replication", "Simulation", "ensure_compiled"]
