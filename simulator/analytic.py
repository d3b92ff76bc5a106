r"""Closed-form queueing models of a single call queue: Erlang B, Erlang C and Erlang A.

They give exact steady-state answers for Markovian queues and are used to check the
simulator and to size staffing. Each model has Poisson arrivals and exponential
handle times, and is fed by ``n`` identical agents serving callers first come,
first served.

Notation (time in seconds):

* ``lambda = calls_per_hour / 3600``: arrival rate (calls/s);
* ``mu = 1 / aht_s``: service rate of one agent (calls/s);
* ``theta = 1 / patience_s``: abandonment rate of one waiting caller (1/s);
* ``A = lambda / mu``: offered load (erlangs), and ``rho = A / n``;
* ``T = sl_target_s``: service-level threshold (s).

**Erlang B** (M/M/n/n, blocked callers are lost). The blocking probability
``B(n, A) = (A^n / n!) / sum_{j<=n} A^j / j!`` is computed with the recursion
``B(0) = 1``, ``B(k) = A B(k-1) / (k + A B(k-1))`` (run in log space), which is
stable for thousands of agents.

**Erlang C** (M/M/n, infinite patience; needs ``A < n``)::

    C        = P(W > 0) = n B / (n - A (1 - B))
    P(W > t) = C exp(-(n mu - lambda) t)
    ASA      = E[W] = C / (n mu - lambda)
    SL       = P(W <= T) = 1 - C exp(-(n mu - lambda) T)
    occupancy = rho

**Erlang A** (M/M/n+M, Palm's queue: each waiting caller hangs up after an
exponential patience of mean ``patience_s``; stable at any load). The number of
callers in the system is a birth-death chain with birth rate ``lambda`` and death rate
``j mu`` in state ``j <= n`` and ``n mu + k theta`` in state ``n + k``. With
``x = n mu / theta`` and ``y = lambda / theta`` its stationary law is
``pi_j ~ A^j / j!`` for ``j <= n`` and ``pi_{n+k} = pi_n t_k`` where::

    t_k = prod_{i=1..k} lambda / (n mu + i theta) = prod_{i=1..k} y / (x + i)
    J   = sum_k t_k       = x e^y y^-x gamma(x, y)       (Mandelbaum-Zeltyn A(x, y))
    M   = sum_k k t_k     (so E[queue length] = pi_n M)
    S   = sum_k t_k x / (x + k + 1) = (x / y) (J - 1)
    pi_n = B / (1 + (J - 1) B)

with ``gamma`` the lower incomplete gamma function. By PASTA an arrival sees
``pi``, so:

* ``P(W > 0) = pi_n J``.
* Abandonment rate equals ``theta * E[queue length]``, so ``P(Ab) = pi_n M / y``, and by
  Little's law the mean wait of all arrivals (time to hang up for abandoners) is
  ``E[W] = pi_n M / lambda = P(Ab) / theta``.
* An arrival finding ``k`` callers waiting ahead passes stages ``j = k..0``, each
  ending at rate ``r_j = n mu + j theta``. It is served iff its exponential patience
  outlasts all stages, which happens with probability
  ``prod_j r_j / (r_j + theta) = x / (x + k + 1)``; given that, its mean wait is
  ``H_k / theta`` with ``H_k = sum_{j=0..k} 1 / (x + j + 1)``. Hence
  ``E[W | served] = (pi_n / theta) sum_k t_k x / (x + k + 1) H_k / (1 - P(Ab))``.
* Mixing those stages over ``k`` gives the density of the *offered* wait ``V`` (the
  wait with infinite patience; Baccelli-Hebuterne, Mandelbaum-Zeltyn):
  ``f_V(v) = n mu pi_n exp(-n mu v + y (1 - e^{-theta v}))`` for ``v > 0``. The caller
  is served within ``T`` iff ``V <= T`` and ``V`` is shorter than its patience, so::

      P(served, W > T) = int_T^inf f_V(v) e^{-theta v} dv
                       = pi_n exp(y (1 - e^{-theta T}) - (n mu + theta) T) S(x, y e^{-theta T})
      SL = P(served, W <= T) = 1 - P(Ab) - P(served, W > T)

* ``occupancy = (1 - P(Ab)) A / n``.

The incomplete-gamma form of ``J`` cancels catastrophically for long patience and
underflows for large ``x``, so ``J``, ``M``, ``S`` and the ``H_k`` sum are evaluated
as the positive series above, in log space, truncated once the remaining tail is
below ~1e-17 of the largest term. With ``patience_s = inf`` Erlang A is Erlang C.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from numpy.typing import NDArray

from .units import HOUR_S

__all__ = ["agents_for_service_level", "erlang_a", "erlang_b", "erlang_c"]


_LOG_TAIL: Final[float] = -40.0
"""Log of the relative size below which the tail of a series is dropped (~4e-18)."""
_MAX_TERMS: Final[int] = 20_000_000
"""Longest queue-length series evaluated (memory guard for absurd patience)."""
_TOO_LONG: Final[str] = (
    "Erlang A queue too long to evaluate (huge patience in overload); use a shorter patience_s or erlang_c"
)


# --------------------------------------------------------------------------- checks


def _check_positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")


def _check_agents(agents: int, minimum: int = 1) -> int:
    if isinstance(agents, bool) or not isinstance(agents, (int, np.integer)):
        raise ValueError(f"agents must be an integer, got {agents!r}")
    if agents < minimum:
        raise ValueError(f"agents must be >= {minimum}, got {agents}")
    return int(agents)


def _check_threshold(sl_target_s: float) -> None:
    if not (math.isfinite(sl_target_s) and sl_target_s >= 0):
        raise ValueError(f"sl_target_s must be a finite number >= 0, got {sl_target_s!r}")


# ---------------------------------------------------------------------- log helpers


def _logaddexp(a: float, b: float) -> float:
    """``log(exp(a) + exp(b))`` without overflow."""
    hi, lo = (a, b) if a >= b else (b, a)
    if lo == -math.inf:
        return hi
    return hi + math.log1p(math.exp(lo - hi))


def _logsumexp(values: NDArray[np.float64]) -> float:
    """``log(sum(exp(values)))`` without overflow; ``-inf`` for an empty or null sum."""
    if values.size == 0:
        return -math.inf
    peak = float(values.max())
    if peak == -math.inf:
        return -math.inf
    return peak + math.log(float(np.exp(values - peak).sum()))


def _log_erlang_b(agents: int, offered_load: float) -> float:
    """Log of the Erlang B blocking probability (``offered_load > 0``)."""
    log_load = math.log(offered_load)
    log_b = 0.0  # B(0) = 1
    for k in range(1, agents + 1):
        log_ab = log_load + log_b  # log(A B(k-1))
        log_b = log_ab - _logaddexp(math.log(k), log_ab)
    return log_b


def _queue_series(x: float, log_y: float) -> tuple[float, float, float, float]:
    """Logs of the Erlang A queue sums ``J``, ``M``, ``S`` and ``D`` (module docstring).

    ``t_k = prod_{i<=k} y / (x + i)``; ``J = sum t_k``, ``M = sum k t_k``,
    ``S = sum t_k s_k`` and ``D = sum t_k s_k H_k`` with ``s_k = x / (x + k + 1)`` and
    ``H_k = sum_{j<=k} 1 / (x + j + 1)``.

    Args:
        x: ``n mu / theta`` (dimensionless, > 0).
        log_y: ``log(lambda / theta)``.

    Returns:
        ``(log J, log M, log S, log D)``.
    """
    y = math.exp(min(log_y, 700.0))  # capped: only used to size the series
    if y - x > _MAX_TERMS:
        raise ValueError(_TOO_LONG)
    # First guess of the length (doubled below until the tail is negligible): t_k grows
    # while y > x + k, then falls like a Gaussian of width ~sqrt(y), or at least
    # geometrically with ratio y / (x + 1) when that is < 1.
    mode = max(0, math.ceil(y - x))
    decay = 12.0 * math.sqrt(x + y)
    if log_y < math.log(x + 1):
        decay = min(decay, -_LOG_TAIL / (math.log(x + 1) - log_y))
    size = min(mode + 64 + math.ceil(decay), _MAX_TERMS)
    while True:
        k = np.arange(size + 1, dtype=np.float64)
        log_t = np.concatenate(([0.0], np.cumsum(log_y - np.log(x + k[1:]))))
        # The ratio t_{k+1} / t_k decreases in k, so the tail after the last term is
        # at most t_K (K + 1) / (1 - r)^2 with r = t_{K+1} / t_K < 1.
        log_ratio = log_y - math.log(x + size + 1)
        if log_ratio < 0:
            log_tail = float(log_t[-1]) + math.log(size + 1) - 2 * math.log(-math.expm1(log_ratio))
            if log_tail < float(log_t.max()) + _LOG_TAIL:
                break
        if size >= _MAX_TERMS:
            raise ValueError(_TOO_LONG)
        size = min(2 * size, _MAX_TERMS)
    log_served = math.log(x) - np.log(x + k + 1)  # log s_k = log P(served | k ahead)
    log_harmonic = np.log(np.cumsum(1.0 / (x + k + 1)))
    return (
        _logsumexp(log_t),
        _logsumexp(log_t[1:] + np.log(k[1:])),
        _logsumexp(log_t + log_served),
        _logsumexp(log_t + log_served + log_harmonic),
    )


# ------------------------------------------------------------------------ public API


def erlang_b(agents: int, offered_load: float) -> float:
    """Erlang B blocking probability of an M/M/n/n loss system.

    Args:
        agents: Number of servers ``n`` (>= 0; ``B(0, A) = 1``).
        offered_load: Offered load ``A = lambda * aht`` (erlangs, >= 0).

    Returns:
        Probability that an arrival finds all ``agents`` busy (dimensionless).

    Raises:
        ValueError: If ``agents`` is negative or not an integer, or ``offered_load``
            is negative or not finite.
    """
    n = _check_agents(agents, minimum=0)
    if not (math.isfinite(offered_load) and offered_load >= 0):
        raise ValueError(f"offered_load must be a finite number >= 0, got {offered_load!r}")
    if offered_load == 0:
        return 1.0 if n == 0 else 0.0
    return math.exp(_log_erlang_b(n, offered_load))


def erlang_c(*, calls_per_hour: float, aht_s: float, agents: int, sl_target_s: float = 20.0) -> dict[str, float]:
    """Steady-state metrics of the M/M/n queue (Erlang C, callers never abandon).

    Args:
        calls_per_hour: Poisson arrival rate (calls/hour, > 0).
        aht_s: Mean exponential handle time (seconds, > 0).
        agents: Number of agents ``n`` (>= 1).
        sl_target_s: Service-level threshold ``T`` (seconds, >= 0).

    Returns:
        ``p_wait``: P(wait > 0); ``abandon_rate``: 0.0; ``wait_mean_s``: mean wait of all
        callers (s); ``asa_s``: same as ``wait_mean_s``; ``service_level``:
        P(wait <= T); ``occupancy``: ``A / n``; ``offered_load_erlangs``: ``A``.

    Raises:
        ValueError: On invalid inputs, or if the queue is unstable (``A >= n``).
    """
    _check_positive("calls_per_hour", calls_per_hour)
    _check_positive("aht_s", aht_s)
    n = _check_agents(agents)
    _check_threshold(sl_target_s)
    load = calls_per_hour / HOUR_S * aht_s
    if load >= n:
        raise ValueError(
            f"Erlang C is unstable: offered load {load:.6g} erlangs >= {n} agents "
            "(the queue grows without bound); add agents or use erlang_a with a finite "
            "patience_s"
        )
    b = math.exp(_log_erlang_b(n, load))
    p_wait = n * b / (n - load * (1.0 - b))
    drain_rate = (n - load) / aht_s  # n mu - lambda (1/s)
    asa = p_wait / drain_rate
    return {
        "p_wait": p_wait,
        "abandon_rate": 0.0,
        "wait_mean_s": asa,
        "asa_s": asa,
        "service_level": 1.0 - p_wait * math.exp(-drain_rate * sl_target_s),
        "occupancy": load / n,
        "offered_load_erlangs": load,
    }


def erlang_a(
    *,
    calls_per_hour: float,
    aht_s: float,
    patience_s: float,
    agents: int,
    sl_target_s: float = 20.0,
) -> dict[str, float]:
    """Steady-state metrics of the M/M/n+M queue (Erlang A, exponential patience).

    Valid at any load, overload included. With ``patience_s = math.inf`` the result
    is :func:`erlang_c` (which then requires ``A < n``).

    Args:
        calls_per_hour: Poisson arrival rate (calls/hour, > 0).
        aht_s: Mean exponential handle time (seconds, > 0).
        patience_s: Mean exponential patience of a waiting caller (seconds, > 0 or
            ``math.inf``).
        agents: Number of agents ``n`` (>= 1).
        sl_target_s: Service-level threshold ``T`` (seconds, >= 0).

    Returns:
        ``p_wait``: P(wait > 0) of an arrival; ``abandon_rate``: fraction of arrivals who
        hang up; ``wait_mean_s``: mean wait of all arrivals, an abandoner's wait being its
        time to hang up (s); ``asa_s``: mean wait of answered callers (s);
        ``service_level``: P(answered with wait <= T) over all arrivals;
        ``occupancy``: ``(1 - abandon_rate) A / n``; ``offered_load_erlangs``: ``A``.

    Raises:
        ValueError: On invalid inputs (or, for infinite patience, an unstable queue).
    """
    if patience_s == math.inf:
        return erlang_c(calls_per_hour=calls_per_hour, aht_s=aht_s, agents=agents, sl_target_s=sl_target_s)
    _check_positive("calls_per_hour", calls_per_hour)
    _check_positive("aht_s", aht_s)
    _check_positive("patience_s", patience_s)
    n = _check_agents(agents)
    _check_threshold(sl_target_s)

    lam = calls_per_hour / HOUR_S  # 1/s
    theta = 1.0 / patience_s  # 1/s
    load = lam * aht_s  # erlangs
    x = n * patience_s / aht_s  # n mu / theta
    log_y = math.log(lam) + math.log(patience_s)  # log(lambda / theta)
    log_j, log_m, log_s, log_d = _queue_series(x, log_y)

    log_b = _log_erlang_b(n, load)
    log_j_minus_1 = log_y - math.log(x) + log_s  # J - 1 = (y / x) S
    log_pi_n = log_b - _logaddexp(0.0, log_b + log_j_minus_1)

    p_wait = math.exp(log_pi_n + log_j)
    p_abandon = math.exp(log_pi_n + log_m - log_y)
    asa = math.exp(log_pi_n + log_m) / lam  # E[queue] / lambda

    # E[W | served] = pi_n D / theta / P(served), where
    # P(served) = P(no wait) + pi_n S = pi_n ((1 - B) / B + S); pi_n cancels.
    log_no_block = math.log(-math.expm1(log_b)) if log_b < 0 else -math.inf
    log_served_over_pi_n = _logaddexp(log_no_block, log_b + log_s) - log_b
    asa_answered = patience_s * math.exp(log_d - log_served_over_pi_n)

    # P(served, W > T) from the offered-wait density, shifted by T.
    theta_t = theta * sl_target_s
    _, _, log_s_late, _ = _queue_series(x, log_y - theta_t)
    log_late = (
        log_pi_n
        - math.exp(log_y) * math.expm1(-theta_t)  # y (1 - e^{-theta T})
        - (n / aht_s + theta) * sl_target_s
        + log_s_late
    )
    service_level = 1.0 - p_abandon - math.exp(log_late)

    return {
        "p_wait": p_wait,
        "abandon_rate": p_abandon,
        "wait_mean_s": asa,
        "asa_s": asa_answered,
        "service_level": min(1.0, max(0.0, service_level)),
        "occupancy": min(1.0, (1.0 - p_abandon) * load / n),  # clip rounding
        "offered_load_erlangs": load,
    }


def agents_for_service_level(
    *,
    calls_per_hour: float,
    aht_s: float,
    sl_target: float,
    sl_target_s: float = 20.0,
    patience_s: float | None = None,
    max_agents: int = 10000,
) -> int:
    """Fewest agents whose service level reaches a target.

    The service level is that of :func:`erlang_c` when ``patience_s`` is None or
    infinite (only stable staffings ``n > A`` are considered), else of
    :func:`erlang_a`. It increases
    with the number of agents, so the search gallops up from the smallest candidate and
    then bisects.

    Args:
        calls_per_hour: Poisson arrival rate (calls/hour, > 0).
        aht_s: Mean exponential handle time (seconds, > 0).
        sl_target: Required service level, a fraction in ``[0, 1)`` (e.g. 0.8).
        sl_target_s: Service-level threshold ``T`` (seconds, >= 0).
        patience_s: Mean caller patience (seconds) for Erlang A, or None (or
            ``math.inf``) for Erlang C.
        max_agents: Largest staffing considered (>= 1).

    Returns:
        The minimum number of agents ``n`` with ``service_level(n) >= sl_target``.

    Raises:
        ValueError: On invalid inputs, or if ``max_agents`` agents are not enough.
    """
    _check_positive("calls_per_hour", calls_per_hour)
    _check_positive("aht_s", aht_s)
    _check_threshold(sl_target_s)
    if patience_s is not None and not (patience_s > 0):
        raise ValueError(f"patience_s must be > 0 or None, got {patience_s!r}")
    if not (0.0 <= sl_target < 1.0):
        raise ValueError(f"sl_target must be a fraction in [0, 1), got {sl_target!r}")
    max_agents = _check_agents(max_agents)
    patience = None if patience_s == math.inf else patience_s  # None: Erlang C

    def service_level(n: int) -> float:
        if patience is None:
            metrics = erlang_c(calls_per_hour=calls_per_hour, aht_s=aht_s, agents=n, sl_target_s=sl_target_s)
        else:
            metrics = erlang_a(
                calls_per_hour=calls_per_hour,
                aht_s=aht_s,
                patience_s=patience,
                agents=n,
                sl_target_s=sl_target_s,
            )
        return metrics["service_level"]

    load = calls_per_hour / HOUR_S * aht_s
    low = math.floor(load) + 1 if patience is None else 1  # smallest candidate
    if low > max_agents:
        raise ValueError(f"max_agents={max_agents} cannot carry {load:.6g} erlangs")

    # Gallop: find `high` meeting the target, with every n < `low` known to miss it.
    high, step = low, 1
    while service_level(high) < sl_target:
        if high == max_agents:
            raise ValueError(
                f"service level {sl_target} within {sl_target_s} s is not reached with max_agents={max_agents}"
            )
        low = high + 1
        high = min(high + step, max_agents)
        step *= 2
    while low < high:
        mid = (low + high) // 2
        if service_level(mid) >= sl_target:
            high = mid
        else:
            low = mid + 1
    return high
