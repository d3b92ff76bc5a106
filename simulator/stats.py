"""Confidence intervals over independent replications, and paired (CRN) differences.

Waits of successive callers are strongly correlated, so standard errors always come from
independent replications (one value per replication), never from per-call formulas.
For ``n`` replications with mean ``m`` and sample standard deviation ``s`` the interval is
``m +- t(1 - alpha/2, n - 1) s / sqrt(n)`` (Student t).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats as _st


@dataclass(frozen=True)
class Estimate:
    """A mean over replications with its confidence interval."""

    mean: float
    """Mean over replications (NaN values ignored)."""
    ci_low: float
    """Lower end of the confidence interval."""
    ci_high: float
    """Upper end of the confidence interval."""
    sd: float
    """Sample standard deviation over replications."""
    n: int
    """Number of replications with a value."""

    @property
    def half_width(self) -> float:
        """Half-width of the interval."""
        return (self.ci_high - self.ci_low) / 2.0


def t_quantile(p: float, dof: int) -> float:
    """Quantile ``p`` of Student's t with ``dof`` degrees of freedom."""
    return float(_st.t.ppf(p, dof))


def mean_ci(values: ArrayLike, level: float = 0.95) -> Estimate:
    """Mean and t-based confidence interval of per-replication ``values``.

    With one value (or zero spread) the interval collapses to the mean; with none all
    fields are NaN.
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = int(x.size)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, math.nan, 0)
    m = float(x.mean())
    if n == 1:
        return Estimate(m, m, m, 0.0, 1)
    sd = float(x.std(ddof=1))
    h = t_quantile(0.5 + level / 2.0, n - 1) * sd / math.sqrt(n)
    return Estimate(m, m - h, m + h, sd, n)


def paired_difference(treatment: ArrayLike, control: ArrayLike, level: float = 0.95) -> Estimate:
    """Mean and interval of ``treatment - control`` paired by replication (common random numbers)."""
    a = np.asarray(treatment, dtype=float)
    b = np.asarray(control, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired samples must have equal shapes, got {a.shape} and {b.shape}")
    return mean_ci(a - b, level)
