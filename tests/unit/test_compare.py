"""Scenario comparison: the table's intervals equal scipy's, pairing is by replication, CRN keeps callers equal."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from numpy.typing import NDArray
from scipy import stats as st

import simulator as sim
from simulator.compare import Comparison
from tests.conftest import scenario


def t_interval(x: NDArray[np.float64]) -> tuple[float, float, float]:
    """Mean and scipy's 95% t-interval of ``x`` (NaN dropped; collapsed for one value or no spread)."""
    x = x[~np.isnan(x)]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if x.size == 1 or np.ptp(x) == 0:
        return m, m, m
    lo, hi = st.t.interval(0.95, x.size - 1, loc=m, scale=st.sem(x))
    return m, float(lo), float(hi)


def paired_interval(x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[float, float, float]:
    """Mean difference and scipy's paired 95% interval (``ttest_rel``), pairs with a NaN dropped."""
    keep = ~np.isnan(x) & ~np.isnan(y)
    d = x[keep] - y[keep]
    if d.size < 2 or np.ptp(d) == 0:
        return t_interval(d)
    ci = st.ttest_rel(x[keep], y[keep]).confidence_interval(0.95)
    return float(d.mean()), float(ci.low), float(ci.high)


def approx(v: float) -> Any:
    return pytest.approx(v, rel=1e-10, abs=1e-12, nan_ok=True)


# ---------------------------------------------------------------------------- hand-built runs


def fake_run(name: str, rows: list[tuple[int, str, float, float]]) -> Any:
    """A ReplicationResult stand-in: ``cfg.name`` and ``per_replication`` (replication, site, x, y)."""
    frame = pd.DataFrame(rows, columns=["replication", "site", "x", "y"])
    return SimpleNamespace(cfg=SimpleNamespace(name=name), per_replication=frame)


REF = fake_run("ref", [(r, site, x, y) for r, x, y in [(0, 10.0, 1.0), (1, 14.0, 2.0), (2, 9.0, 3.0), (3, 12.0, 2.5)]
                       for site in ("in", "all")])
# Rows deliberately out of replication order, a NaN in replication 2 and a site the reference lacks.
ALT = fake_run("alt", [(3, "all", 13.1, 2.6), (1, "all", 15.2, 1.0), (0, "all", 11.0, 3.5), (2, "all", 10.3, math.nan),
                       (0, "vendor", 1.0, 1.0), (1, "vendor", 2.0, 2.0)])


def test_table_from_hand_built_runs() -> None:
    table = Comparison(runs=[REF, ALT], seed=0).table("all", metrics=("x", "y")).set_index(["scenario", "metric"])
    assert list(table.columns) == ["site", "mean", "ci_low", "ci_high", "diff", "diff_low", "diff_high",
                                   "significant"]
    ref_x, ref_y = np.array([10.0, 14.0, 9.0, 12.0]), np.array([1.0, 2.0, 3.0, 2.5])
    alt_x, alt_y = np.array([11.0, 15.2, 10.3, 13.1]), np.array([3.5, 1.0, math.nan, 2.6])  # by replication
    for (scenario_name, metric), values in {("ref", "x"): ref_x, ("ref", "y"): ref_y,
                                            ("alt", "x"): alt_x, ("alt", "y"): alt_y}.items():
        row = table.loc[(scenario_name, metric)]
        assert (row["mean"], row["ci_low"], row["ci_high"]) == tuple(map(approx, t_interval(values)))
    for metric in ("x", "y"):  # the reference has no difference with itself
        row = table.loc[("ref", metric)]
        assert np.isnan([row["diff"], row["diff_low"], row["diff_high"]]).all() and not row["significant"]
    # x: differences 1.0, 1.2, 1.3, 1.1 (paired by replication, not by row order): significant.
    x = table.loc[("alt", "x")]
    assert (x["diff"], x["diff_low"], x["diff_high"]) == tuple(map(approx, paired_interval(alt_x, ref_x)))
    assert x["diff"] == pytest.approx(1.15) and x["diff_low"] > 0 and x["significant"]
    # y: replication 2 is dropped from the pairs (n = 3); differences 2.5, -1, 0.1 straddle 0.
    y = table.loc[("alt", "y")]
    assert (y["diff"], y["diff_low"], y["diff_high"]) == tuple(map(approx, paired_interval(alt_y, ref_y)))
    assert y["diff_low"] < 0 < y["diff_high"] and not y["significant"]
    # A site the reference lacks: means only, no differences; the reference has no rows there.
    vendor = Comparison(runs=[REF, ALT], seed=0).table("vendor", metrics=("x",))
    assert list(vendor["scenario"]) == ["alt"] and vendor["diff"].isna().all() and not vendor["significant"].any()


# ---------------------------------------------------------------------------- a tiny real comparison


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    """The tiny stationary scenario (1 day) against the same with a 20% longer handle time; 3 replications."""
    slow = scenario({"name": "slow", "demand.call_types.a.handle_time.mean_s": 360})
    return sim.compare([scenario(), slow], replications=3, seed=5, workers=1)


def test_table_equals_scipy_on_the_per_replication_columns(comparison: Comparison) -> None:
    table = comparison.table()
    assert len(table) == 2 * len(sim.SUMMARY_KEYS)
    cols = {run.cfg.name: run.per_replication[run.per_replication["site"] == "all"].sort_values("replication")
            for run in comparison.runs}
    assert all(list(c["replication"]) == [0, 1, 2] for c in cols.values())
    for row in table.itertuples():
        x = cols[row.scenario][row.metric].to_numpy(dtype=float)
        assert (row.mean, row.ci_low, row.ci_high) == tuple(map(approx, t_interval(x))), (row.scenario, row.metric)
        if row.scenario == "tiny":
            assert math.isnan(row.diff) and math.isnan(row.diff_low) and math.isnan(row.diff_high)
            assert not row.significant
            continue
        ref = cols["tiny"][row.metric].to_numpy(dtype=float)
        expected = paired_interval(x, ref)
        assert (row.diff, row.diff_low, row.diff_high) == tuple(map(approx, expected)), row.metric
        assert row.significant == (expected[1] > 0 or expected[2] < 0), row.metric
    slow = table[table["scenario"] == "slow"].set_index("metric")
    # Longer handle times: AHT up by about 60 s, service level down, both significant; arrivals identical.
    assert slow.loc["aht_s", "significant"] and slow.loc["aht_s", "diff_low"] > 40
    assert slow.loc["service_level", "significant"] and slow.loc["service_level", "diff_high"] < 0
    assert (slow.loc["offered", ["diff", "diff_low", "diff_high"]] == 0).all()
    assert not slow.loc["offered", "significant"]


def test_common_random_numbers(comparison: Comparison) -> None:
    """Two scenarios differing only in handle time see the same callers in each replication."""
    offered = [run.per_replication.query("site == 'all'").sort_values("replication")[["offered", "unique_callers"]]
               .to_numpy() for run in comparison.runs]
    np.testing.assert_array_equal(offered[0], offered[1])
    assert len(np.unique(offered[0][:, 0])) == 3  # ... while the replications differ
    answered = [run.per_replication.query("site == 'all'")["answered"].to_numpy() for run in comparison.runs]
    assert not np.array_equal(answered[0], answered[1])  # the handle time does change the outcome
