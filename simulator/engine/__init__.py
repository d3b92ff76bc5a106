"""The SimPy engine: the reference model of one replication, split by concern.

- :mod:`.state`: the runtime state of contacts and sites (``Call``, ``SiteState``) and their codes;
- :mod:`.recorder`: counters, histograms and the call log (``Recorder``);
- :mod:`.floor`: agents on shift, on breaks, idle or working, and fatigue between contacts (``Floor``);
- :mod:`.simulation`: the day calendar and the call flow of voice calls, chats, emails and
  supervisors (``Simulation``).

The per-contact equations live in :mod:`simulator.formulas` and the day-level workforce in
:mod:`simulator.workforce`; the engine only orders events and applies them.
"""

from .simulation import Simulation

__all__ = ["Simulation"]
