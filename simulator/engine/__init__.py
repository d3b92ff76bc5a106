"""The SimPy engine: the reference model of one replication, split by concern.

- :mod:`.state`: the runtime state of contacts and sites (``Call``, ``SiteState``) and their codes;
- :mod:`.recorder`: counters, histograms and the call log (``Recorder``);
- :mod:`.simulation`: the day calendar, the call flow and the floor of agents (``Simulation``).

The per-contact equations live in :mod:`simulator.formulas` and the day-level workforce in
:mod:`simulator.workforce`; the engine only orders events and applies them.
"""

from .simulation import Simulation

__all__ = ["Simulation"]
