"""The package version and the versions of the libraries that determine a result."""

from __future__ import annotations

import platform

import numpy as np
import pandas as pd
import simpy

__version__ = "0.2.0"


def versions() -> dict[str, str]:
    """Versions of callsim and the libraries that determine its results."""
    return {
        "callsim": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "simpy": simpy.__version__,
        "pandas": pd.__version__,
    }
