"""Shared runner of the feedback-loop tests: each workforce loop moves outputs in its documented direction.

A 30-agent version of the baseline centre (same calibration, volume scaled to the headcount,
high quit rate so that hiring and novices matter within a few months) is run for 120 days,
20 of them warm-up, with REPS paired replications per variant: replication k of every
variant sees the same callers and the same per-agent uniforms (common random numbers). Each
assertion is on the 95% confidence interval of the paired difference (variant - reference),
which must lie on the documented side of zero. The seed is fixed, so the verdicts are
reproducible; the intervals, not the seed, carry the evidence.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

import simulator as sim
from simulator.stats import paired_difference
from tests.conftest import ROOT

REPS = 6
SMALL: dict[str, Any] = {
    "days": 120, "warmup_days": 20, "sites.inhouse.agents": 30, "demand.calls_per_day": 920,
    "sites.inhouse.line_limit": 20, "sites.inhouse.supervisors.count": 2,
    "sites.inhouse.attrition.annual_quit_rate": 0.6, "sites.inhouse.kpi.grace_days": 30,
    "sites.inhouse.hiring.lead_time_days": 7, "sites.inhouse.training.class_interval_days": None,
}


@cache
def _run(key: tuple[tuple[str, Any], ...]) -> dict[str, np.ndarray]:
    cfg = sim.load_config(ROOT / "configs/baseline.yaml", overrides={**SMALL, **dict(key)})
    per = sim.replicate(cfg, REPS, seed=5, workers=1).per_replication
    rows = per[per["site"] == "all"].sort_values("replication")
    return {m: rows[m].to_numpy() for m in sim.SUMMARY_KEYS}


def effect(metric: str, variant: dict[str, Any], reference: dict[str, Any] | None = None) -> sim.Estimate:
    """Paired difference variant - reference of ``metric`` (reference: the small baseline)."""
    ref = _run(tuple(sorted((reference or {}).items())))
    var = _run(tuple(sorted({**(reference or {}), **variant}.items())))
    return paired_difference(var[metric], ref[metric])


def rises(metric: str, variant: dict[str, Any], reference: dict[str, Any] | None = None) -> None:
    e = effect(metric, variant, reference)
    assert e.ci_low > 0, f"{metric} should rise with {variant}: {e}"


def falls(metric: str, variant: dict[str, Any], reference: dict[str, Any] | None = None) -> None:
    e = effect(metric, variant, reference)
    assert e.ci_high < 0, f"{metric} should fall with {variant}: {e}"
