"""Feedback loops of the KPI and training levers (see tests/statistical/feedback.py)."""

from __future__ import annotations

import pytest

from tests.statistical.feedback import REPS_TRAINING, falls, rises

TIGHT_AHT = {"sites.inhouse.kpi.aht_target_s": 300}


@pytest.mark.parametrize("metric", ["repeat_share", "dismissals", "attrition_annual"])
def test_tighter_aht_target_raises(metric: str) -> None:
    rises(metric, TIGHT_AHT)


def test_tighter_aht_target_makes_agents_rush() -> None:
    falls("aht_s", TIGHT_AHT)
    falls("fcr", TIGHT_AHT)


NO_CLASSROOM = {"sites.inhouse.training.classroom_days": 0}


@pytest.mark.parametrize("metric", ["aht_s", "escalation_rate", "scams_missed"])
def test_fewer_classroom_days_raise(metric: str) -> None:
    rises(metric, NO_CLASSROOM, reps=REPS_TRAINING)


def test_fewer_classroom_days_lower_first_contact_resolution() -> None:
    falls("fcr", NO_CLASSROOM, reps=REPS_TRAINING)
