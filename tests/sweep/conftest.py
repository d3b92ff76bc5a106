"""Small sweeps on the tiny stationary scenario of tests/conftest.py: fractions of a second per replication."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from tests.conftest import BASE


def tiny_sweep(**changes: Any) -> dict[str, Any]:
    """A 4-point grid (agents x calls per hour) over a 6-hour tiny scenario, 3 replications."""
    spec: dict[str, Any] = {
        "name": "tiny",
        "base": copy.deepcopy(BASE),
        "set": {"days": 0.25},
        "replications": 3,
        "seed": 11,
        "grid": {"sites.s.agents": [5, 7], "demand.calls_per_hour": [50, 70]},
        "report": {"targets": ["service_level>=0.8"], "cost": "sites.s.agents"},
    }
    spec.update(changes)
    return spec


@pytest.fixture
def sweep_file(tmp_path: Path) -> Path:
    """tiny_sweep() as a YAML file whose base scenario is a file beside it."""
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(BASE))
    spec = tiny_sweep(base="base.yaml")
    path = tmp_path / "tiny_sweep.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def read_tables(out: Path) -> dict[str, pd.DataFrame]:
    """The tables a sweep leaves in ``out`` that must not depend on how it ran."""
    tables = {name: pd.read_parquet(out / f"{name}.parquet") for name in ("replications", "sites", "points")}
    tables["points.csv"] = pd.read_csv(out / "points.csv")
    return tables


def assert_same_tables(a: Path, b: Path) -> None:
    ta, tb = read_tables(a), read_tables(b)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], check_exact=True, obj=name)
