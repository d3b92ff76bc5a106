"""Feedback loops of quits, absence and understaffing (see tests/statistical/feedback.py)."""

from __future__ import annotations

import pytest

from tests.statistical.feedback import REPS_FULL, falls, rises

STUCK = {"sites.inhouse.attrition.outside_options": 0.5}


def test_poor_outside_options_raise_absence() -> None:
    rises("absence_rate", STUCK)


@pytest.mark.statistical
def test_poor_outside_options_lower_quits() -> None:
    falls("quits", STUCK, reps=REPS_FULL)


RECOGNISED = {"sites.inhouse.recognition": 1.0}


def test_recognition_lowers_burnout() -> None:
    falls("burnout_mean", RECOGNISED)


@pytest.mark.statistical
def test_recognition_lowers_quits() -> None:
    falls("quits", RECOGNISED, reps=REPS_FULL)


BURNOUT_QUITS = {"sites.inhouse.attrition.quit_burnout": 3.0}
"""Burnout weighs more on quits here, so a few months show the quit effect of understaffing."""


@pytest.mark.parametrize("metric", ["occupancy", "burnout_mean"])
def test_cutting_headcount_raises(metric: str) -> None:
    rises(metric, {"sites.inhouse.agents": 24}, BURNOUT_QUITS)


@pytest.mark.statistical
def test_cutting_headcount_raises_attrition() -> None:
    rises("attrition_annual", {"sites.inhouse.agents": 24}, BURNOUT_QUITS, reps=REPS_FULL)
