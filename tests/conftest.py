"""Shared fixtures: small scenarios built from a base mapping plus dotted overrides."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

import simulator as sim

ROOT = Path(__file__).resolve().parents[1]
ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

BASE: dict[str, Any] = {
    "name": "tiny",
    "days": 1,
    "warmup_days": 0,
    "interval_min": 15,
    "demand": {
        "mode": "stationary",
        "calls_per_hour": 60,
        "call_types": [{"name": "a", "share": 1.0, "handle_time": {"dist": "exponential", "mean_s": 300},
                        "fcr": 1.0, "irate_p": 0.0, "escalation_p": 0.0}],
        "patience": {"dist": "exponential", "mean_s": 300},
    },
    "sites": [{"name": "s", "agents": 6, "roster": {"shifts": [
        {"name": "all", "start_h": 0, "length_h": 24, "weekdays": ALL_DAYS, "share": 1.0}]}}],
    "behaviour": {"novice_slowdown": 0.0, "learning_calls": None, "novice_escalation": 0.0},
}


def scenario(overrides: dict[str, Any] | None = None, base: dict[str, Any] | None = None) -> sim.Scenario:
    """A validated scenario: BASE (or ``base``) with dotted-path overrides."""
    return sim.load_config(copy.deepcopy(base or BASE), overrides=overrides or {})


@pytest.fixture
def tiny() -> sim.Scenario:
    return scenario()
