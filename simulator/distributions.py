"""Duration distributions with analytic moments and inverse-CDF sampling.

Every distribution is sampled by inversion, ``ppf(u)`` of standard uniforms ``u``. That
keeps the number of uniforms consumed per draw at exactly one whatever the family or its
parameters, so changing a handle-time distribution never shifts the random numbers used
by any other draw (common random numbers across scenarios).

Families (``dist`` in the config), each given by its mean ``m`` in seconds:

- ``exponential``: ``x = -m ln(1 - u)``; variance ``m^2``.
- ``lognormal``: ``sigma^2 = ln(1 + cv^2)``, ``mu = ln m - sigma^2 / 2``,
  ``x = exp(mu + sigma Phi^-1(u))``; variance ``(cv m)^2``.
- ``gamma``: shape ``k = 1/cv^2``, scale ``m cv^2``, ``x = P^-1(k, u) m cv^2``
  (inverse regularised incomplete gamma); variance ``(cv m)^2``.
- ``weibull``: shape ``k``, scale ``lam = m / Gamma(1 + 1/k)``,
  ``x = lam (-ln(1 - u))^(1/k)``; variance ``lam^2 (Gamma(1 + 2/k) - Gamma(1 + 1/k)^2)``.
- ``deterministic``: ``x = m``; variance 0.
- ``none``: ``x = inf`` (a caller who never abandons).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from scipy import special

from . import config as C

FloatArray = NDArray[np.float64]


class Distribution(Protocol):
    """A non-negative duration distribution in seconds."""

    @property
    def mean(self) -> float:
        """Mean (seconds)."""
        ...

    @property
    def variance(self) -> float:
        """Variance (seconds squared)."""
        ...

    def ppf(self, u: FloatArray | float) -> FloatArray:
        """Inverse CDF at uniforms ``u`` in [0, 1)."""
        ...

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """Draw ``size`` values, consuming exactly ``size`` uniforms from ``rng``."""
        ...


class _ByInversion:
    def ppf(self, u: FloatArray | float) -> FloatArray:
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """Draw ``size`` values, consuming exactly ``size`` uniforms from ``rng``."""
        return self.ppf(rng.random(size))


@dataclass(frozen=True)
class _ByMean(_ByInversion):
    """A family given by its mean ``mean_s`` (seconds)."""

    mean_s: float

    @property
    def mean(self) -> float:
        """Mean (seconds)."""
        return self.mean_s


@dataclass(frozen=True)
class Exponential(_ByMean):
    """Exponential with mean ``mean_s``."""

    @property
    def variance(self) -> float:
        """Variance (seconds squared)."""
        return self.mean_s**2

    def ppf(self, u: FloatArray | float) -> FloatArray:
        """Inverse CDF."""
        return -self.mean_s * np.log1p(-np.asarray(u, dtype=float))


@dataclass(frozen=True)
class _ByMeanCV(_ByMean):
    """A family given by its mean ``mean_s`` and coefficient of variation ``cv``."""

    cv: float

    @property
    def variance(self) -> float:
        """Variance (seconds squared)."""
        return (self.cv * self.mean_s) ** 2


@dataclass(frozen=True)
class Lognormal(_ByMeanCV):
    """Lognormal with mean ``mean_s`` and coefficient of variation ``cv``."""

    def ppf(self, u: FloatArray | float) -> FloatArray:
        """Inverse CDF."""
        s2 = math.log1p(self.cv**2)
        mu = math.log(self.mean_s) - s2 / 2
        return np.exp(mu + math.sqrt(s2) * special.ndtri(np.asarray(u, dtype=float)))


@dataclass(frozen=True)
class Gamma(_ByMeanCV):
    """Gamma with mean ``mean_s`` and coefficient of variation ``cv``."""

    def ppf(self, u: FloatArray | float) -> FloatArray:
        """Inverse CDF."""
        k = 1.0 / self.cv**2
        return special.gammaincinv(k, np.asarray(u, dtype=float)) * self.mean_s / k


@dataclass(frozen=True)
class Weibull(_ByMean):
    """Weibull with mean ``mean_s`` and shape ``shape``."""

    shape: float

    @property
    def scale(self) -> float:
        """Scale parameter lambda (seconds)."""
        return self.mean_s / math.gamma(1.0 + 1.0 / self.shape)

    @property
    def variance(self) -> float:
        """Variance (seconds squared)."""
        k = self.shape
        return self.scale**2 * (math.gamma(1 + 2 / k) - math.gamma(1 + 1 / k) ** 2)

    def ppf(self, u: FloatArray | float) -> FloatArray:
        """Inverse CDF."""
        return self.scale * (-np.log1p(-np.asarray(u, dtype=float))) ** (1.0 / self.shape)


@dataclass(frozen=True)
class Deterministic(_ByMean):
    """The constant ``mean_s``."""

    @property
    def variance(self) -> float:
        """Variance (seconds squared)."""
        return 0.0

    def ppf(self, u: FloatArray | float) -> FloatArray:
        """Inverse CDF."""
        return np.full(np.shape(u), self.mean_s, dtype=float)


@dataclass(frozen=True)
class Never(_ByInversion):
    """An infinite duration (no abandonment)."""

    @property
    def mean(self) -> float:
        """Mean (infinite)."""
        return math.inf

    @property
    def variance(self) -> float:
        """Variance (undefined, reported as infinite)."""
        return math.inf

    def ppf(self, u: FloatArray | float) -> FloatArray:
        """Inverse CDF."""
        return np.full(np.shape(u), math.inf)


def from_spec(spec: C.DurationSpec) -> Distribution:
    """Build the distribution object described by a config ``DurationSpec``."""
    if isinstance(spec, C.Never):
        return Never()
    if isinstance(spec, C.Deterministic):
        return Deterministic(spec.mean_s)
    if isinstance(spec, C.Exponential):
        return Exponential(spec.mean_s)
    if isinstance(spec, C.Lognormal):
        return Lognormal(spec.mean_s, spec.cv)
    if isinstance(spec, C.Gamma):
        return Gamma(spec.mean_s, spec.cv)
    return Weibull(spec.mean_s, spec.shape)
