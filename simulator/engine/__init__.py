"""The engines of one replication: the SimPy reference model and (soon) a compiled one.

- :mod:`.state`: the runtime state of contacts and sites (``Call``, ``SiteState``) and their codes;
- :mod:`.recorder`: counters, histograms and the call log (``Recorder``);
- :mod:`.floor`: agents on shift, on breaks, idle or working, and fatigue between contacts (``Floor``);
- :mod:`.flow`: contacts from arrival to their end, for voice, chat, email and supervisors (``CallFlow``);
- :mod:`.simulation`: the day calendar that drives the workforce, the floor and the flow (``Simulation``).

The per-contact equations live in :mod:`simulator.formulas` and the day-level workforce in
:mod:`simulator.workforce`; the engine only orders events and applies them.
"""

from typing import Final

from .simulation import Simulation

ENGINES: Final[dict[str, type[Simulation]]] = {"fast": Simulation, "simpy": Simulation}
"""Engines by name (``--engine``); every engine has :class:`Simulation`'s constructor, ``run`` and ``close_horizon``."""

DEFAULT_ENGINE: Final[str] = "fast"

__all__ = ["DEFAULT_ENGINE", "ENGINES", "Simulation"]
