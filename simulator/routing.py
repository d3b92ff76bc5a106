"""Routing policies: which site an arriving call goes to, and which idle agent takes it.

Both are strategy classes implementing a ``Protocol`` and chosen by name from a registry
(:data:`SITE_ROUTERS`, :data:`AGENT_SELECTORS`), so a new policy is a new class plus one
registry entry.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

from . import config as C
from .rng import UniformBlocks
from .workforce import LiveAgents, fatigue_now


class SiteView(Protocol):
    """What a router may see of a site."""

    n_waiting: int
    """Callers waiting in the site's queue."""
    idle: list[int]
    """Idle agents, longest idle first."""
    line_limit: int | None
    """Maximum waiting callers (None: unlimited)."""


class SiteRouter(Protocol):
    """Chooses a site for an arriving call."""

    def route(self, u: float, sites: Sequence[SiteView]) -> int:
        """Return the site index for a call whose routing uniform is ``u``."""
        ...


class Split:
    """Fixed shares: site ``i`` gets the call if ``u`` falls in its share's band."""

    def __init__(self, cfg: C.Scenario) -> None:
        shares = cfg.routing.shares or {cfg.sites[0].name: 1.0}
        self.cum = np.cumsum([shares.get(name, 0.0) for name in cfg.site_names]).tolist()

    def route(self, u: float, sites: Sequence[SiteView]) -> int:
        """Site whose cumulative-share band contains ``u``."""
        for i, c in enumerate(self.cum):
            if u < c:
                return i
        return len(self.cum) - 1


class Overflow:
    """Overflow: sites in order, each keeping a call while it can.

    A site keeps the call if it has an idle agent, or a queue shorter than
    ``overflow_queue_min`` and not full; otherwise the next site is tried. The last site
    takes whatever reaches it.
    """

    def __init__(self, cfg: C.Scenario) -> None:
        self.threshold = cfg.routing.overflow_queue_min

    def route(self, u: float, sites: Sequence[SiteView]) -> int:
        """First site with an idle agent, or fewer than ``overflow_queue_min`` waiting and room in line."""
        last = len(sites) - 1
        for i, site in enumerate(sites):
            if i == last or site.idle:
                return i
            room = site.line_limit is None or site.n_waiting < site.line_limit
            if room and site.n_waiting < self.threshold:
                return i
        return last


SITE_ROUTERS: dict[str, Callable[[C.Scenario], SiteRouter]] = {"split": Split, "overflow": Overflow}
"""Site routing policies by config name (``routing.policy``)."""


class AgentSelector(Protocol):
    """Chooses which idle agent takes a call."""

    def pick(self, idle: list[int], now: float) -> int:
        """Return a position in ``idle`` (agents ordered longest idle first)."""
        ...


class LongestIdle:
    """The agent idle the longest (the head of the idle list)."""

    def pick(self, idle: list[int], now: float) -> int:
        """Position 0."""
        return 0


class LeastFatigued:
    """The idle agent with the lowest current fatigue; ties go to the longest idle."""

    def __init__(self, agents: LiveAgents, recovery_tau_s: float) -> None:
        self.agents = agents
        self.tau = recovery_tau_s

    def pick(self, idle: list[int], now: float) -> int:
        """Position of the least fatigued idle agent."""
        a = self.agents
        best, best_f = 0, math.inf
        for i, j in enumerate(idle):
            f = fatigue_now(a.fatigue[j], a.fatigue_t[j], now, self.tau)
            if f < best_f:
                best, best_f = i, f
        return best


class MostProficient:
    """The idle agent with the highest proficiency; ties go to the longest idle."""

    def __init__(self, agents: LiveAgents) -> None:
        self.agents = agents

    def pick(self, idle: list[int], now: float) -> int:
        """Position of the most proficient idle agent."""
        p = self.agents.proficiency
        return max(range(len(idle)), key=lambda i: (p[idle[i]], -i))


class RandomAgent:
    """A uniformly random idle agent (uniforms from the ``selection`` stream)."""

    def __init__(self, uniforms: UniformBlocks) -> None:
        self.uniforms = uniforms

    def pick(self, idle: list[int], now: float) -> int:
        """A random position."""
        return min(int(self.uniforms.next() * len(idle)), len(idle) - 1)


AGENT_SELECTORS: dict[str, Callable[[LiveAgents, C.Behaviour, UniformBlocks], AgentSelector]] = {
    "longest_idle": lambda agents, behaviour, u: LongestIdle(),
    "least_fatigued": lambda agents, behaviour, u: LeastFatigued(agents, behaviour.fatigue.recovery_tau_s),
    "most_proficient": lambda agents, behaviour, u: MostProficient(agents),
    "random": lambda agents, behaviour, u: RandomAgent(u),
}
"""Agent-selection rules by config name (``sites[].agent_selection``)."""
