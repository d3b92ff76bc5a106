"""Golden summaries: catch accidental changes in stream consumption or metric definitions.

A change that alters these numbers on purpose (a new mechanism, a different draw order) must
regenerate them in a commit that says why: ``CALLSIM_UPDATE_GOLDEN=1 pytest tests/regression``.
numpy guarantees its streams only within a version range, so pyproject pins numpy's major.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

import simulator as sim
from tests.conftest import ROOT

GOLDEN = Path(__file__).with_name("golden.json")
CASES = {
    "baseline_3_days": (ROOT / "configs/baseline.yaml", {"days": 3, "warmup_days": 1}, 1),
    "erlang_a_4_hours": (ROOT / "configs/erlang_a.yaml", {"days": 0.25, "warmup_days": 0.05}, 2),
}


def summaries() -> dict[str, dict[str, float]]:
    out = {}
    for name, (path, overrides, seed) in CASES.items():
        s = sim.simulate(sim.load_config(path, overrides=overrides), seed).summary_dict()
        out[name] = {k: v for k, v in sorted(s.items())}
    return out


def test_summaries_match_golden() -> None:
    got = summaries()
    if os.environ.get("CALLSIM_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
        pytest.skip("golden summaries regenerated")
    want = json.loads(GOLDEN.read_text())
    assert set(got) == set(want)
    for case, metrics in want.items():
        for key, value in metrics.items():
            g = got[case][key]
            if value is None or (isinstance(value, float) and math.isnan(value)):
                assert g != g, (case, key)
            else:
                assert g == pytest.approx(value, rel=1e-9, abs=1e-9), (case, key)
