"""Parcours scheduling engine: a pure CP-SAT timetabler (no web, no database)."""

from scheduler.engine import Progress, solve
from scheduler.explain import explain
from scheduler.goals import GOALS, measure
from scheduler.io import (
    FormatError,
    dumps,
    loads_problem,
    loads_timetable,
    read_problem,
    read_timetable,
    write_json,
)
from scheduler.model import BuiltModel, build
from scheduler.precheck import precheck
from scheduler.problem import (
    DropIn,
    Enrolment,
    Frequency,
    Horizon,
    Interpreter,
    Module,
    Participant,
    Pin,
    Problem,
    Room,
    Site,
    StaffMember,
    TimeWindow,
    Unavailability,
    WeeklyBlock,
    Weights,
)
from scheduler.timetable import (
    Explanation,
    Group,
    GroupKey,
    RecordRef,
    Session,
    SessionKey,
    SolveStats,
    Timetable,
)
from scheduler.verify import Violation, verify

__all__ = [
    "GOALS",
    "BuiltModel",
    "Progress",
    "Violation",
    "build",
    "explain",
    "measure",
    "precheck",
    "solve",
    "verify",
    "DropIn",
    "Enrolment",
    "Explanation",
    "FormatError",
    "Frequency",
    "Group",
    "Horizon",
    "Interpreter",
    "Module",
    "Participant",
    "Pin",
    "Problem",
    "RecordRef",
    "Room",
    "Session",
    "SessionKey",
    "GroupKey",
    "Site",
    "SolveStats",
    "StaffMember",
    "TimeWindow",
    "Timetable",
    "Unavailability",
    "WeeklyBlock",
    "Weights",
    "dumps",
    "loads_problem",
    "loads_timetable",
    "read_problem",
    "read_timetable",
    "write_json",
]
