"""Money: what each site and the centre cost, booked from the run's counters.

Costs are linear in counters the engine already keeps, so they are computed once at the end
of a run for every (interval, site) bucket, vectorised, rather than in the event loop:

- wages: ``wage_per_hour x (paid_s + (1 + overtime_premium) x overtime_s) / 3600``, where
  ``paid_s`` is scheduled shift time less unpaid breaks (absent and leave days included) plus
  classroom hours;
- overhead: ``overhead_per_hour x (paid_s + overtime_s) / 3600`` (seat, IT, management);
- supervisors: ``supervisors.wage_per_hour x supervisor_paid_s / 3600``;
- hiring: ``cost_per_hire x hires``;
- per call: ``price_per_call x handled`` (a vendor paid per handled contact);
- fraud: ``fraud_loss_per_scam x scams_missed``;
- abandonment: ``abandoned_call_cost x abandoned``.

``cost_total`` is their sum and ``cost_per_resolved`` (``metrics.RATIOS``) divides it by
callers resolved (by an agent or a supervisor).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from . import config as C
from . import metrics as M
from .units import HOUR_S

COST_PARTS: tuple[str, ...] = (
    "cost_wages", "cost_overhead", "cost_supervisors", "cost_hiring", "cost_calls", "cost_fraud", "cost_abandon",
)
"""Counters that add up to ``cost_total``."""


def book_costs(counts: NDArray[np.float64], cfg: C.Scenario) -> None:
    """Fill the cost counters of ``counts`` (shape ``(n_intervals, n_sites, N_COUNTERS)``) in place."""
    pay = [s.pay for s in cfg.sites]
    wage = np.array([p.wage_per_hour for p in pay])
    overtime = wage * (1.0 + np.array([p.overtime_premium for p in pay]))
    hire = np.array([s.hiring.cost_per_hire for s in cfg.sites])
    per_call = np.array([p.price_per_call for p in pay])
    money = cfg.money

    def col(name: str) -> NDArray[np.float64]:
        return counts[..., M.K[name]]

    counts[..., M.K["cost_wages"]] = (wage * col("paid_s") + overtime * col("overtime_s")) / HOUR_S
    overhead = np.array([p.overhead_per_hour for p in pay])
    counts[..., M.K["cost_overhead"]] = overhead * (col("paid_s") + col("overtime_s")) / HOUR_S
    supervisor_wage = np.array([s.supervisors.wage_per_hour for s in cfg.sites])
    counts[..., M.K["cost_supervisors"]] = supervisor_wage * col("supervisor_paid_s") / HOUR_S
    counts[..., M.K["cost_hiring"]] = hire * col("hires")
    counts[..., M.K["cost_calls"]] = per_call * col("handled")
    counts[..., M.K["cost_fraud"]] = money.fraud_loss_per_scam * col("scams_missed")
    counts[..., M.K["cost_abandon"]] = money.abandoned_call_cost * col("abandoned")
    counts[..., M.K["cost_total"]] = sum(col(name) for name in COST_PARTS)
