"""Random streams: seed derivation, the stream registry and block buffers.

Every source of randomness has its own named stream. A stream's generator is derived from
``SeedSequence(seed, spawn_key=(replication, STREAM_ID[name], *extra))``, never from
arithmetic on seeds, so

- a stream never depends on execution order, worker count or executor;
- adding a stream never moves the others (``STREAM_ID`` is append-only);
- replication ``k`` of two scenarios with the same seed sees the same base callers
  (common random numbers), whatever else differs.

Per-day streams add the day to the spawn key, so the callers of day ``d`` do not depend on
how many numbers earlier days consumed. Streams consumed inside the event loop (redials,
repeats, random agent selection) are read through :class:`UniformBlocks`, which draws fixed
blocks of uniforms with numpy and hands them out one at a time.

This is the only module of the package that creates random generators.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Protocol

import numpy as np
from numpy.typing import NDArray

STREAM_ID: Final[dict[str, int]] = {
    "arrivals": 1,  # day multipliers, per-interval counts, arrival times
    "call_types": 2,  # call type of each base caller
    "patience": 3,  # patience of each base caller
    "handle_time": 4,  # base handle time and supervisor time of each base caller
    "decisions": 5,  # uniforms deciding anger, resolution, escalation, scams, routing
    "redials": 6,  # redial decisions, delays and attributes of redialled contacts
    "repeats": 7,  # repeat decisions, delays and attributes of repeat contacts
    "agents": 8,  # initial tenure or proficiency; per day: quits, then absences
    "selection": 9,  # random agent selection
    "design": 10,  # sampled sweep designs (replication 0), never used by a simulation
    "spinup": 11,  # the seed of a run's workforce spin-up (simulator.spinup)
    "resilience": 12,  # per day: the resilience of agents hired that day
    "surveys": 13,  # per offered contact, if surveys are on: whether surveyed and answering, and satisfied
    "chase": 14,  # unanswered emails: whether the customer phones, and that call's attributes
}
"""Append-only registry of stream ids. Never renumber or reuse an id."""

class Transform(Protocol):
    """A vectorised map of uniforms, e.g. a distribution's inverse CDF (equal transforms are applied once)."""

    def ppf(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        """The transform of each uniform (equal, hashable transforms are applied once per block)."""
        ...


BLOCK_SIZE: Final[int] = 4096
"""Uniforms drawn per refill of a :class:`UniformBlocks` (fixed, for reproducibility)."""


def stream(seed: int, replication: int, name: str, *extra: int) -> np.random.Generator:
    """Return the generator of stream ``name`` for ``(seed, replication, *extra)``.

    Args:
        seed: The run's root seed (non-negative integer).
        replication: Replication index, from 0.
        name: A key of :data:`STREAM_ID`.
        *extra: Further spawn-key elements, e.g. the day for per-day streams.
    """
    key = (replication, STREAM_ID[name], *extra)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def nested_seed(seed: int, replication: int, name: str) -> int:
    """Root seed of a run nested in replication ``(seed, replication)``, e.g. its workforce spin-up.

    The 128-bit state of ``SeedSequence(seed, spawn_key=(replication, STREAM_ID[name]))``
    as an integer: a run seeded with it (replication 0) draws streams that are distinct from
    every stream of ``(seed, replication)`` and of every other replication, and the same for
    any scenario run with the same ``(seed, replication)`` (common random numbers).

    Args:
        seed: The outer run's root seed.
        replication: The outer run's replication index.
        name: A key of :data:`STREAM_ID` naming the nested run (``"spinup"``).
    """
    state = np.random.SeedSequence(seed, spawn_key=(replication, STREAM_ID[name])).generate_state(2, np.uint64)
    return int(state[0]) << 64 | int(state[1])


class UniformBlocks:
    """Uniforms on [0, 1) from one stream, drawn ``BLOCK_SIZE`` at a time, with optional transforms.

    ``next()`` costs a list index in the event loop; the generator is called once per block.
    A transform (an object with a vectorised ``ppf``, e.g. a duration distribution) is applied
    to each whole block when it is drawn, and :meth:`next_as` hands out the transform of the
    next uniform: both engines then read the same numbers, whatever a scalar and a vectorised
    evaluation of the transform would give in the last bit.
    """

    __slots__ = ("_rng", "_transforms", "_block", "_t", "_i")

    def __init__(self, rng: np.random.Generator, transforms: Sequence[Transform] = ()) -> None:
        self._rng = rng
        self._transforms = tuple(transforms)
        self._block: list[float] = []
        self._t: list[list[float]] = []
        self._i = 0

    @property
    def n_transforms(self) -> int:
        """Number of transforms of each uniform."""
        return len(self._transforms)

    def draw_block(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The next ``BLOCK_SIZE`` uniforms and their transforms (shape ``(n_transforms, BLOCK_SIZE)``).

        For a reader that consumes the blocks itself (the compiled engine); do not mix with :meth:`next`.
        """
        u = self._rng.random(BLOCK_SIZE)
        done: dict[Any, NDArray[np.float64]] = {}
        t = np.empty((len(self._transforms), BLOCK_SIZE))
        for j, f in enumerate(self._transforms):
            if f not in done:
                done[f] = np.asarray(f.ppf(u), dtype=np.float64)
            t[j] = done[f]
        return u, t

    def _refill(self) -> None:
        u, t = self.draw_block()
        self._block = u.tolist()
        self._t = t.tolist()
        self._i = 0

    def next(self) -> float:
        """Return the next uniform."""
        if self._i == len(self._block):
            self._refill()
        u = self._block[self._i]
        self._i += 1
        return u

    def next_as(self, j: int) -> float:
        """Consume the next uniform and return its transform ``j``."""
        if self._i == len(self._block):
            self._refill()
        x = self._t[j][self._i]
        self._i += 1
        return x

    def next_all(self, j0: int, j1: int) -> tuple[float, ...]:
        """Consume the next uniform and return its transforms ``j0 .. j1 - 1``."""
        if self._i == len(self._block):
            self._refill()
        i = self._i
        self._i += 1
        return tuple(self._t[j][i] for j in range(j0, j1))
