"""Tables of a sweep: one row per (point, replication), per site, and per point with CIs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from .. import metrics as M
from ..stats import mean_ci
from .spec import Sweep

ID_COLUMNS: tuple[str, ...] = ("point", "point_id", "label")
"""Leading columns of every sweep table: point index (expansion order), stable id, label."""

RUN_COLUMNS: tuple[str, ...] = ("replication", "status", "error")
"""Columns of the replications table between the parameters and the metrics."""


def _param_frame(sw: Sweep) -> pd.DataFrame:
    """One row per point: id columns and the resolved value of every swept key."""
    rows = [{"point": p.index, "point_id": p.id, "label": p.label, **p.params} for p in sw.points]
    frame = pd.DataFrame(rows, columns=[*ID_COLUMNS, *sw.parameters])
    for key in sw.parameters:
        col = frame[key]
        if col.dtype == object and not all(isinstance(v, str) for v in col):
            # Mixed or structured values (null next to strings, mappings): text, so Parquet can store them.
            frame[key] = [v if isinstance(v, str) else json.dumps(v) for v in col]
    return frame


def _metric_order(columns: Iterable[str]) -> list[str]:
    cols = list(dict.fromkeys(columns))
    return [k for k in M.SUMMARY_KEYS if k in cols] + [k for k in cols if k not in M.SUMMARY_KEYS]


def build_tables(sw: Sweep, records: Mapping[tuple[int, int], dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """Tables of a sweep from its replication records.

    Args:
        sw: The sweep.
        records: ``(point index, replication) -> record`` as returned by :func:`run_task`.

    Returns:
        ``replications`` (one row per point and replication, site ``all``), ``sites`` (one row
        per point, replication and site, successful replications only), ``points`` (see
        :func:`point_table`), ``failures`` and ``timings``.
    """
    params = _param_frame(sw)
    rep_rows, site_rows, fail_rows, time_rows = [], [], [], []
    for p in sw.points:
        for k in range(sw.replications):
            rec = records.get((p.index, k))
            if rec is None:
                continue
            ok = rec["status"] == "ok"
            rep_rows.append({"point": p.index, "replication": k, "status": rec["status"],
                             "error": None if ok else rec.get("error"),
                             **(rec["summary"]["all"] if ok else {})})
            if ok:
                site_rows += [{"point": p.index, "replication": k, "site": site, **vals}
                              for site, vals in rec["summary"].items()]
            else:
                fail_rows.append({"point": p.index, "replication": k, "error": rec.get("error"),
                                  "traceback": rec.get("traceback")})
            time_rows.append({"point": p.index, "replication": k, "elapsed_s": rec.get("elapsed_s"),
                              "host": rec.get("host")})
    reps = pd.DataFrame(rep_rows, columns=["point", *RUN_COLUMNS]) if not rep_rows else pd.DataFrame(rep_rows)
    metrics = _metric_order(c for c in reps.columns if c not in ("point", *RUN_COLUMNS))
    reps = params.merge(reps[["point", *RUN_COLUMNS, *metrics]], on="point", how="inner")
    reps["error"] = reps["error"].astype(object)
    sites = pd.DataFrame(site_rows) if site_rows else pd.DataFrame(columns=["point", "replication", "site"])
    sites = params.merge(sites[["point", "replication", "site", *metrics]], on="point", how="inner")
    fail_cols = ["point", "replication", "error", "traceback"]
    failures = params[list(ID_COLUMNS)].merge(pd.DataFrame(fail_rows, columns=fail_cols), on="point")
    timings = params[list(ID_COLUMNS)].merge(
        pd.DataFrame(time_rows, columns=["point", "replication", "elapsed_s", "host"]), on="point")
    return {"replications": reps, "sites": sites, "points": point_table(reps, parameters=sw.parameters),
            "failures": failures, "timings": timings}


def point_table(
    replications: pd.DataFrame,
    *,
    parameters: Sequence[str] | None = None,
    metrics: Sequence[str] | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Per-point means and confidence intervals from a sweep's replications table.

    Args:
        replications: One row per (point, replication), as :func:`sweep` returns.
        parameters: Swept keys (default: the columns between ``label`` and ``replication``).
        metrics: Metrics to summarise (default: those of ``metrics.SUMMARY_KEYS`` present).
        level: Confidence level of the t-intervals (:func:`simulator.stats.mean_ci`).

    Returns:
        One row per point: id columns, parameters, ``replications`` (successful),
        ``failed``, and ``<metric>_mean``, ``<metric>_ci_low``, ``<metric>_ci_high`` per metric.
    """
    cols = list(replications.columns)
    if parameters is None:
        parameters = cols[cols.index("label") + 1: cols.index("replication")]
    if metrics is None:
        metrics = [k for k in M.SUMMARY_KEYS if k in cols]
    rows = []
    for _, group in replications.groupby("point", sort=True):
        ok = group[group["status"] == "ok"]
        row: dict[str, Any] = {c: group[c].iloc[0] for c in (*ID_COLUMNS, *parameters)}
        row["replications"] = len(ok)
        row["failed"] = int((group["status"] != "ok").sum())
        for m in metrics:
            e = mean_ci(ok[m].to_numpy(dtype=float), level)
            row[f"{m}_mean"], row[f"{m}_ci_low"], row[f"{m}_ci_high"] = e.mean, e.ci_low, e.ci_high
        rows.append(row)
    columns = [*ID_COLUMNS, *parameters, "replications", "failed",
               *(f"{m}_{s}" for m in metrics for s in ("mean", "ci_low", "ci_high"))]
    return pd.DataFrame(rows, columns=columns)
