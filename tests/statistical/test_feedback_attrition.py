"""Feedback loops of quits, absence and understaffing (see tests/statistical/feedback.py)."""

from __future__ import annotations

import pytest

from tests.statistical.feedback import falls, rises

STUCK = {"sites.inhouse.attrition.outside_options": 0.5}


def test_poor_outside_options_lower_quits_and_raise_absence() -> None:
    falls("quits", STUCK)
    rises("absence_rate", STUCK)


RECOGNISED = {"sites.inhouse.recognition": 1.0}


def test_recognition_lowers_burnout_and_quits() -> None:
    falls("burnout_mean", RECOGNISED)
    falls("quits", RECOGNISED)


BURNOUT_QUITS = {"sites.inhouse.attrition.quit_burnout": 3.0}
"""Burnout weighs more on quits here, so a few months show the quit effect of understaffing."""


@pytest.mark.parametrize("metric", ["occupancy", "burnout_mean", "attrition_annual"])
def test_cutting_headcount_raises(metric: str) -> None:
    rises(metric, {"sites.inhouse.agents": 24}, BURNOUT_QUITS)
