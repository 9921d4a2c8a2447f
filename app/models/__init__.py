"""Every mapped class, imported so that metadata and Alembic see the whole schema."""

from app.models.attendance import Attendance
from app.models.audit import AuditEvent
from app.models.base import BRUSSELS, Base, OrganisationScoped, now_brussels
from app.models.feeds import FeedSubject, FeedToken
from app.models.interpreters import (
    Interpreter,
    InterpreterAvailability,
    InterpreterDayOff,
    SessionInterpreter,
)
from app.models.notices import Notice, NoticeChange, NoticeChannel
from app.models.organisation import (
    ClosureDay,
    Organisation,
    Programme,
    Room,
    Site,
    SiteOpeningHours,
)
from app.models.people import (
    Participant,
    ParticipantBlock,
    StaffAbsence,
    StaffAvailability,
    StaffMember,
)
from app.models.privacy import Consent, ConsentPurpose
from app.models.programme import Enrolment, Module, ModuleStaffNeed, ModuleTimeWindow
from app.models.sign_in import SignInSession
from app.models.timetable import (
    DraftSession,
    PlannedSession,
    PlanningRun,
    SessionParticipant,
    SessionStaff,
    WeekPublication,
)
from app.models.trajectory import (
    Evaluation,
    ExitDestination,
    Goal,
    GoalTheme,
    IntakeItem,
    IntakeScore,
    SatisfactionSurvey,
    Trajectory,
    TrajectoryPause,
)
from app.models.users import User

__all__ = [
    "Interpreter",
    "InterpreterAvailability",
    "InterpreterDayOff",
    "SessionInterpreter",
    "Attendance",
    "AuditEvent",
    "FeedSubject",
    "FeedToken",
    "Notice",
    "NoticeChange",
    "NoticeChannel",
    "BRUSSELS",
    "Consent",
    "ConsentPurpose",
    "Base",
    "ClosureDay",
    "DraftSession",
    "PlannedSession",
    "PlanningRun",
    "SessionParticipant",
    "SessionStaff",
    "SignInSession",
    "StaffAbsence",
    "WeekPublication",
    "Enrolment",
    "Module",
    "ModuleStaffNeed",
    "ModuleTimeWindow",
    "Organisation",
    "OrganisationScoped",
    "Participant",
    "ParticipantBlock",
    "Programme",
    "Room",
    "Site",
    "SiteOpeningHours",
    "StaffAvailability",
    "StaffMember",
    "User",
    "Evaluation",
    "ExitDestination",
    "Goal",
    "GoalTheme",
    "IntakeItem",
    "IntakeScore",
    "SatisfactionSurvey",
    "Trajectory",
    "TrajectoryPause",
    "now_brussels",
]
