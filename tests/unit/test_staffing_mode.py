"""A site's staffing plan (``sites.N.staffing``): agents on the phones per interval instead of shifts."""

from __future__ import annotations

import numpy as np
import pytest

import simulator as sim
from simulator import workforce as W
from simulator.engine import Simulation
from tests.conftest import ALL_DAYS, scenario

PER_DAY = 24  # hourly counts


def table(counts: list[int], weekdays: list[str] = ALL_DAYS) -> dict[str, object]:
    return {"interval_min": 60, "agents": dict.fromkeys(weekdays, counts)}


def test_spells_are_the_runs_of_each_position() -> None:
    position, first, stop = W.staffed_spells(np.array([2, 1, 0, 3, 3]), pool=3)
    spells = sorted(zip(position.tolist(), first.tolist(), stop.tolist(), strict=True))
    assert spells == [(0, 0, 2), (0, 3, 5), (1, 0, 1), (1, 3, 5), (2, 3, 5)]


def test_counts_above_the_pool_staff_the_whole_pool() -> None:
    position, first, stop = W.staffed_spells(np.array([5, 5]), pool=2)
    assert sorted(zip(position.tolist(), first.tolist(), stop.tolist(), strict=True)) == [(0, 0, 2), (1, 0, 2)]


def test_on_phones_follow_the_table_and_are_paid_for_their_spells() -> None:
    counts = [1] * 6 + [3] * 12 + [2] * 6
    cfg = scenario({"sites.s.staffing": table(counts), "demand.calls_per_hour": 1.0, "days": 2})
    res = Simulation(cfg, seed=1).run()
    iv = res.intervals[res.intervals.site == "s"]
    day0 = iv[iv.day == 0].staffed_s.to_numpy().reshape(PER_DAY, 4).sum(axis=1) / 3600
    # Overtime (a call running past the end of a spell) is all that can add to the table.
    assert np.all(day0 >= counts) and np.allclose(day0, counts, atol=0.3)
    paid_h = res.days.query("site == 's'").paid_s.to_numpy()[:2] / 3600
    np.testing.assert_allclose(paid_h, sum(counts))


def test_a_weekday_left_out_has_nobody() -> None:
    cfg = scenario({"sites.s.staffing": table([2] * PER_DAY, ["tue"]), "days": 2})
    iv = Simulation(cfg, seed=1).run().intervals.query("site == 's'")
    assert iv[iv.day == 0].staffed_s.sum() == 0  # day 0 is a Monday
    assert iv[iv.day == 1].staffed_s.sum() == pytest.approx(2 * 24 * 3600, rel=0.01)


def test_wrong_number_of_counts_names_the_weekday() -> None:
    with pytest.raises(sim.ConfigError, match=r"staffing.*agents\.mon: expected 24 counts"):
        scenario({"sites.s.staffing": table([1] * 23, ["mon"])})
