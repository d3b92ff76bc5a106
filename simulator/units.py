"""Time units: the constants every module may import.

Engine time is seconds from the start of day 0. Config fields carry their unit in their
name (``_s``, ``_min``, ``_h``, ``_days``); these constants convert between them.
"""

from __future__ import annotations

from typing import Final

MINUTE_S: Final[float] = 60.0
"""Seconds per minute."""

MINUTES_PER_HOUR: Final[float] = 60.0
"""Minutes per hour."""

HOUR_S: Final[float] = 3600.0
"""Seconds per hour."""

DAY_S: Final[float] = 86400.0
"""Seconds per day."""

MINUTES_PER_DAY: Final[int] = 1440
"""Minutes per day."""


def intervals_per_day(interval_min: int) -> int:
    """Reporting intervals in a day for an interval length of ``interval_min`` minutes."""
    return MINUTES_PER_DAY // interval_min


def clock_hhmm(minute: int) -> str:
    """``HH:MM`` of ``minute`` minutes after midnight (e.g. 510 -> ``08:30``)."""
    return f"{minute // 60:02d}:{minute % 60:02d}"
