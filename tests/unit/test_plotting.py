"""Tests of ``simulator.plots``: labels, curves and legends of each plot, and the PNG figure set."""

from __future__ import annotations

import ast
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

import simulator as sim
from simulator import metrics as M
from simulator.output import write_figures
from simulator.plots import run as P

EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
TINY = {
    "name": "t",
    "days": 1,
    "warmup_days": 0.25,
    "interval_min": 30,
    "demand": {
        "mode": "stationary",
        "calls_per_hour": 200,
        "call_types": [{"name": "a", "share": 1, "handle_time": {"dist": "exponential", "mean_s": 180}}],
        "patience": {"dist": "exponential", "mean_s": 300},
    },
    "sites": [
        {
            "name": "s",
            "agents": 12,
            "roster": {"shifts": [{"name": "all", "start_h": 0, "length_h": 24, "weekdays": EVERY_DAY, "share": 1}]},
        }
    ],
}


@pytest.fixture(scope="module")
def rep() -> sim.ReplicationResult:
    return sim.replicate(sim.load_config(TINY), 3, seed=1, workers=1)


def new_ax() -> Axes:
    return Figure().subplots()


def new_axes_pair() -> np.ndarray:
    return Figure().subplots(2, 1, sharex=True)


def legend_texts(ax: Axes) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def test_intraday_mean_curve_with_ci_band(rep: sim.ReplicationResult) -> None:
    ax = P.intraday(rep.intraday, "asa_s", ax=new_ax())
    assert ax.get_xlabel() == "time of day (h)"
    assert ax.get_ylabel() == "ASA (s)"
    assert "all sites" in ax.get_title()
    assert len(ax.lines) == 1 and len(ax.collections) == 1
    assert legend_texts(ax) == ["mean of 3 replications", "95% CI"]
    # Warm-up hours (0-6 h) have no value in any replication: skipped, not drawn as 0.
    x, y = (np.asarray(v, dtype=float) for v in ax.lines[0].get_data())
    assert np.isfinite(y[x < 6]).sum() == 0
    assert np.isfinite(y[x > 6]).all()
    # Mid-points of the 30-minute intervals, each the mean over replications.
    rows = rep.intraday[(rep.intraday["site"] == "all") & (rep.intraday["time_h"] == 12.0)]
    i = int(np.argmin(np.abs(x - 12.25)))
    assert x[i] == pytest.approx(12.25)
    assert y[i] == pytest.approx(rows["asa_s"].mean())
    lo, hi = ax.get_xlim()
    assert 5 <= lo <= 6 and hi == 24


def test_intraday_labels_and_overlays(rep: sim.ReplicationResult) -> None:
    ax = new_ax()
    P.intraday(rep.intraday, "service_level", ax=ax, label="scenario A")
    P.intraday(rep.intraday, "service_level", site="s", ax=ax, label="scenario B")
    assert ax.get_ylabel() == "service level (share answered within T)"
    assert len(ax.lines) == 2
    # The CI entry appears once however many curves share the axes.
    assert legend_texts(ax) == ["scenario A", "95% CI", "scenario B"]
    assert ax.get_ylim() == (0.0, 1.02)
    for metric, text in [
        ("occupancy", "occupancy (share of staffed time busy)"),
        ("fatigue_mean", "mean agent fatigue F (dimensionless)"),
        ("abandon_rate", "abandonment rate"),
    ]:
        assert P.intraday(rep.intraday, metric, ax=new_ax()).get_ylabel() == text
    assert P.intraday(rep.intraday, "offered", ax=new_ax()).get_ylabel().startswith("contacts offered per interval")


def test_intraday_ci_band_is_clipped_to_the_metric_range(rep: sim.ReplicationResult) -> None:
    ax = P.intraday(rep.intraday, "abandon_rate", ax=new_ax())
    ys = np.concatenate([p.vertices[:, 1] for p in ax.collections[0].get_paths()])
    assert ys.min() >= 0.0 and ys.max() <= 1.0


def test_intraday_errors_name_the_problem(rep: sim.ReplicationResult) -> None:
    with pytest.raises(KeyError, match="no column 'nope'"):
        P.intraday(rep.intraday, "nope", ax=new_ax())
    with pytest.raises(ValueError, match="no rows for site 'x'"):
        P.intraday(rep.intraday, "asa_s", site="x", ax=new_ax())


def test_service_level_and_asa_two_panels_with_target(rep: sim.ReplicationResult) -> None:
    top, bottom = P.service_level_and_asa(rep.intraday, sl_target=0.8, axes=new_axes_pair())
    assert top.get_ylabel() == "service level (share answered within T)"
    assert bottom.get_ylabel() == "ASA (s)"
    assert bottom.get_xlabel() == "time of day (h)"
    assert "Service level and ASA" in top.get_title()
    assert len(top.lines) == 2 and len(bottom.lines) == 1
    target = top.lines[1]
    assert list(target.get_ydata()) == [0.8, 0.8]
    assert "target 80%" in legend_texts(top)


def test_service_level_and_asa_needs_two_axes(rep: sim.ReplicationResult) -> None:
    with pytest.raises(ValueError, match="expected 2 axes"):
        P.service_level_and_asa(rep.intraday, axes=[new_ax()])


def test_occupancy_and_fatigue_two_panels(rep: sim.ReplicationResult) -> None:
    top, bottom = P.occupancy_and_fatigue(rep.intraday, axes=new_axes_pair())
    assert top.get_ylabel() == "occupancy (share of staffed time busy)"
    assert bottom.get_ylabel() == "mean agent fatigue F (dimensionless)"
    assert len(top.lines) == 1 and len(bottom.lines) == 1
    assert len(top.collections) == 1 and len(bottom.collections) == 1
    # Fatigue is off in this scenario: the panel says so rather than showing a bare axis.
    assert any("is 0 throughout" in t.get_text() for t in bottom.texts)


def test_wait_distribution_single_site_draws_all_once(rep: sim.ReplicationResult) -> None:
    ax = P.wait_distribution(rep.wait_hist, labels=["s", "all"], ax=new_ax(), sl_threshold_s=20.0)
    assert ax.get_xlabel() == "wait t (s)"
    assert ax.get_ylabel() == "P(wait > t)"
    assert ax.get_yscale() == "log"
    assert len(ax.lines) == 2  # the "all" curve and the threshold line
    texts = legend_texts(ax)
    assert texts[0].startswith("all sites (n = ") and texts[1] == "T = 20 s"
    x, y = (np.asarray(v, dtype=float) for v in ax.lines[0].get_data())
    hist = rep.wait_hist[-1]
    assert x[0] == 0.0 and x[1] == M.WAIT_BIN_S
    assert y[0] == pytest.approx(1 - hist[0] / hist.sum())  # P(wait > 0)
    # x stops where the CCDF falls below 1e-4.
    hi = ax.get_xlim()[1]
    assert np.nanmax(y[x >= hi]) <= P.WAIT_FLOOR if (x >= hi).any() else True
    assert np.nanmin(y[x < hi - M.WAIT_BIN_S]) > P.WAIT_FLOOR


def test_wait_distribution_several_sites_and_options() -> None:
    a = np.zeros(M.WAIT_BINS, dtype=np.int64)
    a[:4] = [50, 30, 15, 5]
    b = np.zeros(M.WAIT_BINS, dtype=np.int64)
    b[0] = 40  # nobody waited
    hist = np.vstack([a, b, a + b])
    ax = P.wait_distribution(hist, labels=["north", "south", "all"], ax=new_ax(), max_wait_s=60.0, log=False)
    assert len(ax.lines) == 3
    assert ax.get_xlim() == (0.0, 60.0)
    assert ax.get_yscale() == "linear"
    texts = legend_texts(ax)
    assert texts[0] == "site north (n = 100)"
    assert texts[1] == "site south (n = 40, nobody waited)"
    assert texts[2] == "all sites (n = 140)"
    assert ax.lines[0].get_ydata()[:3] == pytest.approx([0.5, 0.2, 0.05])
    with pytest.raises(ValueError, match="expected 3 labels"):
        P.wait_distribution(hist, labels=["all"], ax=new_ax())


def test_wait_distribution_empty_histogram() -> None:
    ax = P.wait_distribution(np.zeros((2, M.WAIT_BINS)), ax=new_ax())
    assert len(ax.lines) == 0
    assert any(t.get_text() == "no answered contacts" for t in ax.texts)


def test_daily_per_day_with_warmup_shading(rep: sim.ReplicationResult) -> None:
    ax = P.daily(rep.days, "service_level", ax=new_ax())
    assert ax.get_xlabel() == "day"
    assert ax.get_ylabel() == "service level (share answered within T)"
    assert "per day" in ax.get_title()
    assert len(ax.lines) == 1
    assert list(ax.get_xticks()) == [0.0]
    # Multi-day table with warm-up days.
    days = rep.days.copy()
    more = [days.assign(day=d, warmup=d < 2) for d in range(5)]
    df = pd.concat(more, ignore_index=True)
    ax = P.daily(df, "asa_s", ax=new_ax())
    assert len(ax.lines) == 1
    assert legend_texts(ax) == ["warm-up", "mean of 3 replications", "95% CI"]
    assert len(ax.patches) == 2  # one shaded span per warm-up day
    x = np.asarray(ax.lines[0].get_xdata(), dtype=float)
    assert list(x) == [0, 1, 2, 3, 4]


def test_default_axes_use_pyplot() -> None:
    import matplotlib.pyplot as plt

    df = sim.replicate(sim.load_config(TINY), 2, seed=3, workers=1).intraday
    try:
        ax = P.intraday(df, "occupancy")
        assert ax is plt.gca()
        axes = P.service_level_and_asa(df)
        assert len(axes) == 2 and axes[0].figure is axes[1].figure
    finally:
        plt.close("all")


def test_save_figures_writes_pngs(rep: sim.ReplicationResult, tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    out = tmp_path / "figures"
    specs = P.figures(rep.intraday, rep.days, rep.wait_hist, site_labels=[*rep.cfg.site_names, "all"],
                      sl_threshold_s=rep.cfg.sl_threshold_s)
    paths = write_figures(out, specs, "caption")
    assert [p.name for p in paths] == [
        "intraday_service_level_asa.png",
        "wait_distribution.png",
        "intraday_occupancy_fatigue.png",
        "daily_service_level.png",
    ]
    for p in paths:
        assert p.parent == out and p.stat().st_size > 1000
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(out.iterdir()) == sorted(paths)
    assert plt.get_fignums() == before  # no pyplot state touched


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text())


def _imports(tree: ast.Module) -> set[str]:
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            modules.add(("." * node.level) + (node.module or ""))
        elif isinstance(node, ast.Import):
            modules.update(a.name for a in node.names)
    return modules


def _calls(tree: ast.Module) -> set[str]:
    return {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}


def test_plots_import_no_model_and_never_write_or_show() -> None:
    plots = sorted(Path(P.__file__).parent.glob("*.py"))
    assert {p.stem for p in plots} >= {"common", "run", "compare", "sweep"}
    for path in plots:
        tree = _tree(path)
        assert not any(word in m for m in _imports(tree) for word in ("engine", "replication", "output")), path
        assert not {"show", "savefig"} & _calls(tree), path


def test_only_output_write_figures_saves_figures() -> None:
    package = Path(P.__file__).parents[1]
    writers = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.FunctionDef) and "savefig" in _calls(ast.Module(body=[node], type_ignores=[])):
                writers.append(f"{path.relative_to(package)}:{node.name}")
    assert writers == ["output.py:write_figures"]


def test_workforce_periods_are_whole() -> None:
    from simulator import metrics as M
    from simulator.plots.compare import periodic

    def days_table(n_days: int) -> pd.DataFrame:
        rows = {c: np.ones(n_days) for c in M.COUNTERS}
        return pd.DataFrame({"replication": 0, "day": np.arange(n_days), "site": "all", **rows})

    months = periodic(days_table(70), 30)  # days 60-69 are not a whole month: left out
    assert months["period"].tolist() == [0, 1]
    assert months["quits"].tolist() == [30.0, 30.0]
    assert months["employed_days"].tolist() == [1.0, 1.0]  # agent-days / days = mean headcount
    short = periodic(days_table(20), 30)  # a run shorter than a month keeps its partial month
    assert short["period"].tolist() == [0] and short["quits"].tolist() == [20.0]
