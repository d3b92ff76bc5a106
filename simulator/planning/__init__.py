"""Planning from the simulation: interval staffing, the shifts that cover it, hiring under attrition.

Each function runs the model many times and returns DataFrames (in dataclasses); none writes
files (``simulator.output.write_plan`` does, for the ``callsim plan`` commands).
"""

from .hiring import HiringPlan, hiring_json, plan_hiring, verify_hiring
from .roster import RosterPlan, RosterResult, plan_roster, solve_roster
from .staffing import (
    PLANNED_METRICS,
    StaffingCheck,
    StaffingPlan,
    erlang_requirements,
    plan_staffing,
    staffing_json,
    staffing_targets,
    staffing_yaml,
    verify_staffing,
)

__all__ = [
    "PLANNED_METRICS",
    "HiringPlan",
    "RosterPlan",
    "RosterResult",
    "StaffingCheck",
    "StaffingPlan",
    "erlang_requirements",
    "hiring_json",
    "plan_hiring",
    "plan_roster",
    "plan_staffing",
    "solve_roster",
    "staffing_json",
    "staffing_targets",
    "staffing_yaml",
    "verify_hiring",
    "verify_staffing",
]
