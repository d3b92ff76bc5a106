"""Shared fixtures: small scenarios built from a base mapping plus dotted overrides.

Hypothesis runs under the ``ci`` profile unless ``HYPOTHESIS_PROFILE`` names another:
``derandomize=True`` draws the examples from a seed fixed by each test's source, so every
run (CI or local) tries the same examples and a failure reproduces; ``print_blob=True``
prints the ``@reproduce_failure`` blob of a failing example. ``HYPOTHESIS_PROFILE=explore``
searches with fresh random examples (and the example database) instead.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

import simulator as sim

settings.register_profile("ci", derandomize=True, print_blob=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", print_blob=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

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


@pytest.fixture(scope="session", autouse=True)
def spinup_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Spin-ups are cached in a fresh directory per session, never the user's, unless CALLSIM_CACHE is set.

    Set ``CALLSIM_CACHE`` (e.g. ``~/.cache/callsim``) to reuse spin-ups across sessions; results
    do not depend on the cache.
    """
    if os.environ.get("CALLSIM_CACHE"):
        yield
        return
    os.environ["CALLSIM_CACHE"] = str(tmp_path_factory.mktemp("callsim-cache"))
    try:
        yield
    finally:
        os.environ.pop("CALLSIM_CACHE", None)


@pytest.fixture
def tiny() -> sim.Scenario:
    return scenario()
