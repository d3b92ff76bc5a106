"""Metrics: rates, summaries and wait percentiles from hand-built counters, per docs/metrics.md (3.1, 3.2, 4)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from numpy.typing import NDArray

from simulator import metrics as M

BUCKET = {
    "offered": 120, "unique_callers": 100, "redials": 12, "repeat_calls": 8, "answered": 90, "abandoned": 10,
    "blocked": 15, "answered_within_sl": 72, "waited": 40, "wait_answered_s": 900.0, "wait_abandoned_s": 600.0,
    "handled": 88, "handle_s": 22_000.0, "resolvable": 80, "resolved": 60, "escalations": 8,
    "supervisor_resolved": 6, "irate": 9, "scams": 8, "scams_missed": 2, "busy_s": 21_600.0, "staffed_s": 28_800.0,
    "overtime_s": 300.0, "queue_s": 1_440.0, "fatigue_sum": 12.0, "fatigue_n": 48, "employed_days": 30,
    "classroom_days": 4, "novice_days": 6, "experienced_days": 20, "vacancy_days": 1, "scheduled_days": 22,
    "absent_days": 2, "quits": 1, "dismissals": 1, "hires": 2, "kpi_reviews": 10, "kpi_misses": 3,
    "burnout_sum": 5.2, "proficiency_sum": 20.8, "paid_s": 30_000.0, "cost_wages": 4_000.0, "cost_hiring": 500.0,
    "cost_calls": 300.0, "cost_fraud": 150.0, "cost_abandon": 50.0, "cost_total": 6_000.0,
    "supervisor_answered": 5, "supervisor_abandoned": 2, "supervisor_wait_s": 420.0, "leave_days": 3,
    "supervisor_paid_s": 7_200.0, "cost_overhead": 900.0, "cost_supervisors": 100.0,
    "shift_paid_s": 36_000.0, "new_hires_90d": 8, "new_hire_leavers_90d": 3, "proficient_reached": 4,
    "days_to_proficiency": 410.0, "month1_days": 12, "month1_ht_multiplier": 21.0,
    "chat_offered": 30, "chat_answered": 25, "chat_abandoned": 4, "chat_within_sl": 18, "chat_wait_s": 500.0,
    "chat_s": 9_000.0, "chat_agent_s": 6_000.0, "email_arrived": 40, "email_replied": 35,
    "email_response_s": 126_000.0, "email_within_target": 28, "email_backlog": 14, "email_backlog_days": 2,
    "email_chased": 3, "csat_n": 70, "csat_sum": 56.0, "surveys": 20, "survey_responses": 8, "survey_satisfied": 6,
    "csat_reviews": 5, "csat_misses": 2, "csat_unfair_dismissals": 1,
}
"""One bucket's counters, chosen so that every rate has a distinct, easily checked value."""

RATES = {
    # docs/metrics.md 3.1, written out by hand: numerator / denominator
    "service_level": 72 / (90 + 10),
    "asa_s": 900 / 90,
    "wait_mean_s": (900 + 600) / (90 + 10),
    "abandon_rate": 10 / (90 + 10),
    "p_wait": 40 / (90 + 10),
    "block_rate": 15 / 120,
    "occupancy": 21_600 / 28_800,
    "aht_s": 22_000 / 88,
    "fcr": 60 / 80,
    "escalation_rate": 8 / 80,
    "irate_share": 9 / 90,
    "fatigue_mean": 12 / 48,
    "repeat_share": 8 / 120,
    "absence_rate": 2 / 22,
    "burnout_mean": 5.2 / (6 + 20),
    "proficiency_mean": 20.8 / (6 + 20),
    "kpi_miss_rate": 3 / 10,
    "attrition_annual": 365 * (1 + 1) / 30,
    "cost_per_resolved": 6_000 / (60 + 6),
    # calibration rates: shrinkage = 1 - (staffed - overtime) / shift_paid; cost per paid hour x 3600
    "shrinkage": (36_000 - 28_800 + 300) / 36_000,
    "new_hire_attrition_90d": 3 / 8,
    "time_to_proficiency_days": 410 / 4,
    "novice_speed_30d": 12 / 21,
    "loaded_cost_per_paid_hour": 3600 * (4_000 + 900 + 100) / (30_000 + 300),
    "escalation_wait_s": 420 / (5 + 2),
    "escalation_abandon_rate": 2 / (5 + 2),
    # satisfaction and channels (docs/metrics.md 1.4, 1.5)
    "csat": 56 / 70,
    "csat_survey": 6 / 8,
    "survey_response_rate": 8 / 20,
    "csat_miss_rate": 2 / 5,
    "voice_service_level": (72 - 18) / (90 + 10 - 25 - 4),
    "voice_asa_s": (900 - 500) / (90 - 25),
    "voice_abandon_rate": (10 - 4) / (90 + 10 - 25 - 4),
    "chat_service_level": 18 / (25 + 4),
    "chat_asa_s": 500 / 25,
    "chat_abandon_rate": 4 / (25 + 4),
    "chat_concurrency_mean": 9_000 / 6_000,
    "email_backlog_mean": 14 / 2,
    "email_response_mean_h": 126_000 / 35 / 3600,
    "email_response_target_met": 28 / 35,
}


def counters(values: dict[str, float]) -> NDArray[np.float64]:
    """A counter vector (storage order of ``metrics.COUNTERS``) with the given values, others 0."""
    x = np.zeros(M.N_COUNTERS)
    for name, v in values.items():
        x[M.COUNTERS.index(name)] = v
    return x


def test_bucket_covers_every_counter_and_rate() -> None:
    assert set(BUCKET) == set(M.COUNTERS)
    assert set(RATES) == set(M.RATIOS), "a rate was added or removed: define it here and in docs/metrics.md"


def test_columns_give_the_documented_rates() -> None:
    cols = M.columns(counters(BUCKET))
    for name, value in BUCKET.items():
        assert cols[name] == value, name
    for name, value in RATES.items():
        assert cols[name] == pytest.approx(value, rel=1e-14), name
    # Sanity of the hand-built values themselves: the documented identities hold in BUCKET.
    assert BUCKET["offered"] == BUCKET["unique_callers"] + BUCKET["redials"] + BUCKET["repeat_calls"]
    assert BUCKET["handled"] == BUCKET["resolvable"] + BUCKET["scams"]


DENOMINATORS = {
    # docs/metrics.md 3.1: the counters each rate divides by
    "service_level": ("answered", "abandoned"), "asa_s": ("answered",), "wait_mean_s": ("answered", "abandoned"),
    "abandon_rate": ("answered", "abandoned"), "p_wait": ("answered", "abandoned"), "block_rate": ("offered",),
    "occupancy": ("staffed_s",), "aht_s": ("handled",), "fcr": ("resolvable",), "escalation_rate": ("resolvable",),
    "irate_share": ("answered",), "fatigue_mean": ("fatigue_n",), "repeat_share": ("offered",),
    "absence_rate": ("scheduled_days",), "burnout_mean": ("novice_days", "experienced_days"),
    "proficiency_mean": ("novice_days", "experienced_days"), "kpi_miss_rate": ("kpi_reviews",),
    "attrition_annual": ("employed_days",), "cost_per_resolved": ("resolved", "supervisor_resolved"),
    "shrinkage": ("shift_paid_s",), "new_hire_attrition_90d": ("new_hires_90d",),
    "time_to_proficiency_days": ("proficient_reached",), "novice_speed_30d": ("month1_ht_multiplier",),
    "loaded_cost_per_paid_hour": ("paid_s", "overtime_s"),
    "escalation_wait_s": ("supervisor_answered", "supervisor_abandoned"),
    "escalation_abandon_rate": ("supervisor_answered", "supervisor_abandoned"),
    "csat": ("csat_n",), "csat_survey": ("survey_responses",), "survey_response_rate": ("surveys",),
    "csat_miss_rate": ("csat_reviews",),
    "voice_service_level": ("answered", "abandoned", "chat_answered", "chat_abandoned"),
    "voice_asa_s": ("answered", "chat_answered"),
    "voice_abandon_rate": ("answered", "abandoned", "chat_answered", "chat_abandoned"),
    "chat_service_level": ("chat_answered", "chat_abandoned"), "chat_asa_s": ("chat_answered",),
    "chat_abandon_rate": ("chat_answered", "chat_abandoned"), "chat_concurrency_mean": ("chat_agent_s",),
    "email_backlog_mean": ("email_backlog_days",), "email_response_mean_h": ("email_replied",),
    "email_response_target_met": ("email_replied",),
}


def test_zero_denominators_give_nan_without_warnings() -> None:
    assert set(DENOMINATORS) == set(RATES)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # Nothing at all: every rate and time average is NaN.
        row = M.summarise(counters({}), np.zeros(M.WAIT_BINS, dtype=np.int64), 0.0,
                          np.zeros(M.RESPONSE_BINS, dtype=np.int64))
        for name in (*M.RATIOS, *M.QUANTILES, *M.RESPONSE_QUANTILES, "queue_len_mean", "agents_on_floor_mean",
                     "headcount_mean"):
            assert math.isnan(row[name]), name
        # Every counter set except a rate's denominators: that rate is NaN (never inf), the others are finite.
        for rate, den in DENOMINATORS.items():
            cols = M.columns(counters({**BUCKET, **dict.fromkeys(den, 0.0)}))
            assert math.isnan(cols[rate]), rate
            unaffected = [r for r, d in DENOMINATORS.items() if not set(d) & set(den)]
            assert all(np.isfinite(cols[r]) for r in unaffected), rate


def test_rates_of_a_table_are_ratios_of_sums_per_bucket() -> None:
    """Per-bucket rates on a (interval, site, counter) table; aggregates are ratios of summed counters."""
    within = np.array([[8, 0], [3, 5], [0, 0]], dtype=float)
    answered = np.array([[10, 0], [4, 5], [0, 0]], dtype=float)
    abandoned = np.array([[2, 0], [0, 5], [0, 0]], dtype=float)
    table = np.zeros((3, 2, M.N_COUNTERS))
    table[..., M.K["answered_within_sl"]] = within
    table[..., M.K["answered"]] = answered
    table[..., M.K["abandoned"]] = abandoned
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sl = M.columns(table)["service_level"]
    assert sl.shape == (3, 2)
    np.testing.assert_array_equal(sl[:2], [[8 / 12, np.nan], [3 / 4, 5 / 10]])
    assert np.isnan(sl[2]).all()
    # Site "all" and the whole run: ratio of sums (16 / 26), not the mean of the bucket rates.
    assert M.columns(table.sum(axis=(0, 1)))["service_level"] == 16 / 26
    np.testing.assert_array_equal(M.columns(table.sum(axis=1))["service_level"], [8 / 12, 8 / 14, np.nan])


def test_histogram_quantiles_by_the_documented_interpolation() -> None:
    """docs/metrics.md 4: first bin k with C_k >= qN; 0 if k = 0, else 5 (k - 1 + (qN - C_{k-1}) / n_k)."""
    hist = np.zeros(M.WAIT_BINS, dtype=np.int64)
    hist[[0, 1, 2]] = [10, 10, 20]  # waits of 0 s, in (0, 5] s and in (5, 10] s; N = 40, C = 10, 20, 40
    qs = (0.2, 0.25, 0.5, 0.6, 0.9, 1.0)
    # qN = 8, 10 -> bin 0; 20 -> bin 1: 5 (0 + 10/10); 24 -> bin 2: 5 (1 + 4/20); 36: 5 (1 + 16/20); 40: 10
    assert M.histogram_quantiles(hist, qs) == pytest.approx([0.0, 0.0, 5.0, 6.0, 9.0, 10.0], rel=1e-14)
    gap = np.zeros(M.WAIT_BINS, dtype=np.int64)
    gap[[3, M.WAIT_BINS - 1]] = [1, 3]  # one wait in (10, 15], three over an hour (last bin)
    assert M.histogram_quantiles(gap, (0.25, 0.5)) == pytest.approx([15.0, 5 * (720 + 1 / 3)], rel=1e-14)
    assert all(math.isnan(v) for v in M.histogram_quantiles(np.zeros(M.WAIT_BINS, dtype=np.int64), (0.5, 0.9)))


def test_summarise_adds_time_averages_and_percentiles() -> None:
    """Summary row: every column of ``columns``, the wait percentiles and the three time averages (3.2)."""
    hist = np.zeros(M.WAIT_BINS, dtype=np.int64)
    hist[[0, 1, 2]] = [10, 10, 20]
    window_s = 2 * 86_400.0
    response = np.zeros(M.RESPONSE_BINS, dtype=np.int64)
    response[[4, 8]] = [1, 1]  # replies in (45, 60] and (105, 120] min: p50 = 900 (3 + 1) s, p90 = 900 (7 + 0.8) s
    row = M.summarise(counters(BUCKET), hist, window_s, response)
    assert (row["email_response_p50_h"], row["email_response_p90_h"]) == pytest.approx((1.0, 1.95), rel=1e-14)
    assert set(M.SUMMARY_KEYS) <= set(row)
    assert all(type(v) is float for v in row.values())
    for name, value in {**BUCKET, **RATES}.items():
        assert row[name] == pytest.approx(value, rel=1e-14), name
    assert (row["wait_p50_s"], row["wait_p90_s"], row["wait_p95_s"]) == pytest.approx((5.0, 9.0, 9.5), rel=1e-14)
    assert row["queue_len_mean"] == 1_440 / window_s
    assert row["agents_on_floor_mean"] == 28_800 / window_s
    assert row["headcount_mean"] == 30 / 2  # employed agent-days per measured day
