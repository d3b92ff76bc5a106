"""Figures drawn from tidy tables: every function is ``f(df, ..., *, ax=None) -> Axes``.

- :mod:`~simulator.plots.common`: axis labels with units, titles, percent axes, CI bands.
- :mod:`~simulator.plots.run`: intraday curves, daily series, waiting-time distributions.
- :mod:`~simulator.plots.channels`: service level by channel, the email backlog, satisfaction against wait.
- :mod:`~simulator.plots.compare`: lever chart, workforce over time, end-of-run distributions.
- :mod:`~simulator.plots.sweep`: a metric against a swept key, heatmaps, feasibility maps.

No function here writes a file or calls ``show()``; :mod:`simulator.output` writes figure sets.
"""

from . import channels, common, compare, run, sweep

__all__ = ["channels", "common", "compare", "run", "sweep"]
