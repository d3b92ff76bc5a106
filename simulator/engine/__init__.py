"""The SimPy engine: the reference model of one replication, split by concern.

- :mod:`.state`: the runtime state of contacts and sites (``Call``, ``SiteState``) and their codes;
- :mod:`.recorder`: counters, histograms and the call log (``Recorder``);
- :mod:`.floor`: agents on shift, on breaks, idle or working, and fatigue between contacts (``Floor``);
- :mod:`.flow`: contacts from arrival to their end, for voice, chat, email and supervisors (``CallFlow``);
- :mod:`.simulation`: the day calendar that drives the workforce, the floor and the flow (``Simulation``).

The per-contact equations live in :mod:`simulator.formulas` and the day-level workforce in
:mod:`simulator.workforce`; the engine only orders events and applies them.
"""

from .simulation import Simulation

__all__ = ["Simulation"]
