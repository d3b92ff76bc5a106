"""Simulation results: tidy tables of one replication, and the results folder on disk.

A :class:`SimulationResult` holds the raw counters of one replication; its tables are built
on demand as pandas DataFrames with one row per (interval | day, site), where site ``all``
aggregates the sites. Only the measured window (after ``warmup_days``, before the horizon)
enters :attr:`SimulationResult.summary`; the interval and day tables cover the whole run
and flag warm-up rows.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from . import config as C
from . import metrics as M
from .demand import DAY_S

if TYPE_CHECKING:
    from .workforce import AgentState



def versions() -> dict[str, str]:
    """Versions of callsim and the libraries that determine its results."""
    import simpy

    from . import __version__

    return {
        "callsim": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "simpy": simpy.__version__,
        "pandas": pd.__version__,
    }


@dataclass
class SimulationResult:
    """One replication's counters and the tables derived from them.

    Attributes:
        cfg: The scenario simulated.
        seed: Root seed.
        replication: Replication index.
        counts: Counters, shape ``(n_intervals, n_sites, N_COUNTERS)`` (see ``metrics``).
        wait_hist: Waits of answered contacts that arrived in the measured window,
            shape ``(n_sites, WAIT_BINS)`` (see ``metrics.WAIT_BINS``).
        waiting_at_end: Callers still waiting per site when the run stopped.
        in_service_at_end: Callers still with an agent per site when the run stopped.
        end_s: Simulated time at which the run stopped (seconds).
        call_log: One tuple per finished contact if requested, else None.
        agents: Agent state at the end of the run.
    """

    cfg: C.Scenario
    seed: int
    replication: int
    counts: NDArray[np.float64]
    wait_hist: NDArray[np.int64]
    waiting_at_end: list[int]
    in_service_at_end: list[int]
    end_s: float
    call_log: list[tuple[Any, ...]] | None = None
    agents: AgentState | None = field(default=None, repr=False)

    @property
    def interval_s(self) -> float:
        """Interval length (seconds)."""
        return self.cfg.interval_min * 60.0

    @property
    def window(self) -> tuple[int, int]:
        """Measured intervals ``[first, stop)``: after warm-up, before the horizon."""
        first = math.ceil(round(self.cfg.warmup_days * DAY_S / self.interval_s, 9))
        stop = math.ceil(round(self.cfg.days * DAY_S / self.interval_s, 9))
        return first, stop

    @property
    def site_labels(self) -> list[str]:
        """Site names plus ``all``."""
        return [*self.cfg.site_names, "all"]

    def _frame(self, sums: NDArray[np.float64], index: dict[str, Any]) -> pd.DataFrame:
        """Tidy frame from sums of shape ``(n_rows, n_sites, N)``: one row per (row, site)."""
        full = np.concatenate([sums, sums.sum(axis=1, keepdims=True)], axis=1)
        n_rows, n_sites = full.shape[:2]
        cols: dict[str, Any] = {k: np.repeat(np.asarray(v), n_sites) for k, v in index.items()}
        cols["site"] = np.tile(self.site_labels, n_rows)
        for k, v in M.columns(full.reshape(n_rows * n_sites, -1)).items():
            cols[k] = v
        return pd.DataFrame(cols)

    @property
    def intervals(self) -> pd.DataFrame:
        """Per (interval, site) counters and rates, up to the horizon."""
        stop = self.window[1]
        i = np.arange(stop)
        per_day = round(DAY_S / self.interval_s)
        return self._frame(self.counts[:stop], {
            "interval": i, "day": i // per_day, "time_h": (i % per_day) * self.interval_s / 3600.0,
            "warmup": i < self.window[0],
        })

    @property
    def days(self) -> pd.DataFrame:
        """Per (day, site) counters and rates, up to the horizon; ``warmup`` if it overlaps warm-up."""
        per_day = round(DAY_S / self.interval_s)
        n_days = math.ceil(self.cfg.days)
        sums = self.counts[: n_days * per_day].reshape(n_days, per_day, *self.counts.shape[1:]).sum(axis=1)
        d = np.arange(n_days)
        return self._frame(sums, {"day": d, "warmup": d < self.cfg.warmup_days})

    def totals(self, *, measured: bool = True) -> NDArray[np.float64]:
        """Counter sums per site, shape ``(n_sites, N)``, over the measured window or all time."""
        first, stop = self.window if measured else (0, self.counts.shape[0])
        return self.counts[first:stop].sum(axis=0)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per site (and ``all``) of measured-window metrics (``metrics.SUMMARY_KEYS`` and more)."""
        first, stop = self.window
        window_s = (stop - first) * self.interval_s
        sums = self.totals()
        hist = self.wait_hist
        rows = [M.summarise(sums[s], hist[s], window_s) for s in range(sums.shape[0])]
        rows.append(M.summarise(sums.sum(axis=0), hist.sum(axis=0), window_s))
        frame = pd.DataFrame(rows)
        frame.insert(0, "site", self.site_labels)
        return frame

    def summary_dict(self, site: str = "all") -> dict[str, float]:
        """The summary row of one site as a dict."""
        row = self.summary.set_index("site").loc[site]
        return {k: float(v) for k, v in row.items()}

    @property
    def calls(self) -> pd.DataFrame:
        """The per-contact log (needs ``call_log=True``)."""
        if self.call_log is None:
            raise ValueError("no call log: simulate with call_log=True (CLI: --call-log)")
        from .engine import CALL_LOG_COLUMNS

        return pd.DataFrame(self.call_log, columns=list(CALL_LOG_COLUMNS))


# --------------------------------------------------------------------------- folders


@contextmanager
def staging(out: Path) -> Iterator[Path]:
    """Write into a temporary sibling folder, then move it to ``out`` in one rename.

    If anything fails, nothing is left at ``out``; an existing ``out`` is replaced only on
    success.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON (NaN written as null)."""
    path.write_text(json.dumps(_clean(data), indent=2) + "\n")


def _clean(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, np.generic):
        return _clean(x.item())
    return x


def write_run(rep: Any, out: Path, *, elapsed_s: float, command: str) -> Path:
    """Write a replicated run's results folder atomically and return its path.

    Contents: ``config.yaml`` (resolved), ``meta.json`` (seed, replications, versions,
    wall time, command), ``summary.csv`` (mean and 95% CI per site and metric),
    ``replications.csv``, ``days.csv``, ``intraday.csv``, ``wait_hist.csv`` and
    ``figures/*.png``.
    """
    import yaml

    from .plotting import save_figures

    with staging(Path(out)) as tmp:
        (tmp / "config.yaml").write_text(yaml.safe_dump(rep.cfg.to_dict(), sort_keys=False))
        write_json(tmp / "meta.json", {
            "seed": rep.seed, "replications": rep.replications, "versions": rep.versions,
            "elapsed_s": round(elapsed_s, 3), "command": command,
        })
        rep.summary.to_csv(tmp / "summary.csv", index=False)
        rep.per_replication.to_csv(tmp / "replications.csv", index=False)
        rep.days.to_csv(tmp / "days.csv", index=False)
        rep.intraday.to_csv(tmp / "intraday.csv", index=False)
        labels = [*rep.cfg.site_names, "all"]
        hist = pd.DataFrame(rep.wait_hist.T, columns=labels)
        hist.insert(0, "wait_from_s", np.arange(hist.shape[0]) * M.WAIT_BIN_S)
        hist.to_csv(tmp / "wait_hist.csv", index=False)
        save_figures(rep, tmp / "figures")
    return Path(out)
