"""The closed vocabularies of the domain, with the labels a coordinator reads."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class LabelledEnum(str, enum.Enum):
    """A string enum whose members carry a translatable label."""

    @property
    def label(self) -> str:
        return str(LABELS.get(self, self.value))

    @property
    def lazy_label(self) -> object:
        """The label still untranslated, for choices built once at start-up."""
        return LABELS.get(self, self.value)

    @classmethod
    def choices(cls) -> list[tuple[str, object]]:
        return [(m.value, m.lazy_label) for m in cls]

    def __str__(self) -> str:
        return self.label


class Language(LabelledEnum):
    FR = "fr"
    NL = "nl"
    EN = "en"


class Weekday(enum.IntEnum):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


WEEKDAY_LABELS = {
    0: _l("Monday"),
    1: _l("Tuesday"),
    2: _l("Wednesday"),
    3: _l("Thursday"),
    4: _l("Friday"),
    5: _l("Saturday"),
    6: _l("Sunday"),
}


def weekday_choices() -> list[tuple[int, object]]:
    return list(WEEKDAY_LABELS.items())


class RoomKind(LabelledEnum):
    GROUP_ROOM = "group_room"
    INTERVIEW_ROOM = "interview_room"
    COMPUTER_ROOM = "computer_room"
    WORKSHOP = "workshop"
    KITCHEN = "kitchen"
    HALL = "hall"
    OUTDOOR = "outdoor"


class StaffRole(LabelledEnum):
    COACH = "coach"
    SOCIAL_WORKER = "social_worker"
    MEDIATOR = "mediator"
    LANGUAGE_TEACHER = "language_teacher"
    TEAM_LEAD = "team_lead"


class Qualification(LabelledEnum):
    """What a staff member is trained for, beyond their role (a module may require it)."""

    VIA_TRAINER = "via_trainer"
    JOB_COACH = "job_coach"
    FIRST_AID = "first_aid"
    DRIVING_LICENCE = "driving_licence"


class Gender(LabelledEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class ResidenceStatus(LabelledEnum):
    REFUGEE = "refugee"
    SUBSIDIARY_PROTECTION = "subsidiary_protection"
    FAMILY_REUNIFICATION = "family_reunification"
    TRAFFICKING_VICTIM = "trafficking_victim"
    OTHER = "other"


class LanguageLevel(LabelledEnum):
    """Level in the programme's language (French or Dutch), low literacy first."""

    LOW_LITERACY = "low_literacy"
    A1 = "a1"
    A2 = "a2"
    B1 = "b1"
    B2 = "b2"


class TrajectoryStatus(LabelledEnum):
    REFERRED = "referred"
    INTAKE = "intake"
    TRIAL = "trial"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    DROPPED = "dropped"


class TrajectoryLength(LabelledEnum):
    SHORT = "short"
    MEDIUM = "medium"
    LONG = "long"

    @property
    def months(self) -> int:
        return {"short": 3, "medium": 6, "long": 9}[self.value]


class BlockKind(LabelledEnum):
    LANGUAGE_COURSE = "language_course"
    UNAVAILABLE = "unavailable"


class ModuleKind(LabelledEnum):
    GROUP_SESSION = "group_session"
    INFO_SESSION = "info_session"
    WORKSHOP = "workshop"
    EXCURSION = "excursion"
    GROUP_COACHING = "group_coaching"
    VOLUNTEERING = "volunteering"
    INDIVIDUAL_COACHING = "individual_coaching"
    ORIENTATION = "orientation"

    @property
    def is_individual(self) -> bool:
        return self is ModuleKind.INDIVIDUAL_COACHING


class Frequency(LabelledEnum):
    PER_WEEK = "per_week"
    EVERY_TWO_WEEKS = "every_two_weeks"
    EVERY_THREE_WEEKS = "every_three_weeks"
    MONTHLY = "monthly"

    @property
    def period_weeks(self) -> int:
        return {"per_week": 1, "every_two_weeks": 2, "every_three_weeks": 3, "monthly": 4}[
            self.value
        ]


class EnrolmentStatus(LabelledEnum):
    ACTIVE = "active"
    ENDED = "ended"


class RunStatus(LabelledEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class SessionStatus(LabelledEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"


class AttendanceStatus(LabelledEnum):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"  # absent with an absence certificate (attestation d'absence)
    ABSENT = "absent"  # absent without a certificate

    @property
    def attended(self) -> bool:
        return self in (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


class UserRole(LabelledEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    STAFF = "staff"
    VIEWER = "viewer"
    # A referring social worker outside the project: sees only the progress of the people
    # they referred who consented to share it.
    REFERRER = "referrer"


LABELS = {
    Language.FR: _l("French"),
    Language.NL: _l("Dutch"),
    Language.EN: _l("English"),
    RoomKind.GROUP_ROOM: _l("Group room"),
    RoomKind.INTERVIEW_ROOM: _l("Interview room"),
    RoomKind.COMPUTER_ROOM: _l("Computer room"),
    RoomKind.WORKSHOP: _l("Workshop"),
    RoomKind.KITCHEN: _l("Kitchen"),
    RoomKind.HALL: _l("Hall"),
    RoomKind.OUTDOOR: _l("Outdoor"),
    StaffRole.COACH: _l("Coach / facilitator"),
    StaffRole.SOCIAL_WORKER: _l("Social worker"),
    StaffRole.MEDIATOR: _l("Intercultural mediator / interpreter"),
    StaffRole.LANGUAGE_TEACHER: _l("Language teacher"),
    StaffRole.TEAM_LEAD: _l("Team lead"),
    Qualification.VIA_TRAINER: _l("VIA trainer"),
    Qualification.JOB_COACH: _l("Job coach"),
    Qualification.FIRST_AID: _l("First aid"),
    Qualification.DRIVING_LICENCE: _l("Driving licence"),
    Gender.FEMALE: _l("Female"),
    Gender.MALE: _l("Male"),
    Gender.OTHER: _l("Other"),
    ResidenceStatus.REFUGEE: _l("Recognised refugee"),
    ResidenceStatus.SUBSIDIARY_PROTECTION: _l("Subsidiary protection"),
    ResidenceStatus.FAMILY_REUNIFICATION: _l("Family reunification"),
    ResidenceStatus.TRAFFICKING_VICTIM: _l("Victim of trafficking"),
    ResidenceStatus.OTHER: _l("Other"),
    LanguageLevel.LOW_LITERACY: _l("Low literacy"),
    LanguageLevel.A1: _l("A1 (beginner)"),
    LanguageLevel.A2: _l("A2"),
    LanguageLevel.B1: _l("B1"),
    LanguageLevel.B2: _l("B2 or higher"),
    TrajectoryStatus.REFERRED: _l("Referred"),
    TrajectoryStatus.INTAKE: _l("Intake"),
    TrajectoryStatus.TRIAL: _l("Trial week"),
    TrajectoryStatus.ACTIVE: _l("Active"),
    TrajectoryStatus.PAUSED: _l("Paused"),
    TrajectoryStatus.COMPLETED: _l("Completed"),
    TrajectoryStatus.DROPPED: _l("Dropped out"),
    TrajectoryLength.SHORT: _l("Short (3 months)"),
    TrajectoryLength.MEDIUM: _l("Medium (6 months)"),
    TrajectoryLength.LONG: _l("Long (9 months)"),
    BlockKind.LANGUAGE_COURSE: _l("Language course"),
    BlockKind.UNAVAILABLE: _l("Unavailable"),
    ModuleKind.GROUP_SESSION: _l("Group session"),
    ModuleKind.INFO_SESSION: _l("Info session"),
    ModuleKind.WORKSHOP: _l("Workshop"),
    ModuleKind.EXCURSION: _l("Excursion"),
    ModuleKind.GROUP_COACHING: _l("Group coaching"),
    ModuleKind.VOLUNTEERING: _l("Volunteering"),
    ModuleKind.INDIVIDUAL_COACHING: _l("Individual coaching"),
    ModuleKind.ORIENTATION: _l("Orientation"),
    Frequency.PER_WEEK: _l("Per week"),
    Frequency.EVERY_TWO_WEEKS: _l("Every two weeks"),
    Frequency.EVERY_THREE_WEEKS: _l("Every three weeks"),
    Frequency.MONTHLY: _l("Monthly"),
    EnrolmentStatus.ACTIVE: _l("Active"),
    EnrolmentStatus.ENDED: _l("Ended"),
    RunStatus.QUEUED: _l("Waiting"),
    RunStatus.RUNNING: _l("Running"),
    RunStatus.FINISHED: _l("Finished"),
    RunStatus.FAILED: _l("Failed"),
    SessionStatus.PLANNED: _l("Planned"),
    SessionStatus.CANCELLED: _l("Cancelled"),
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.LATE: _l("Late"),
    AttendanceStatus.EXCUSED: _l("Absent with certificate"),
    AttendanceStatus.ABSENT: _l("Absent without certificate"),
    UserRole.ADMIN: _l("Administrator"),
    UserRole.COORDINATOR: _l("Coordinator"),
    UserRole.STAFF: _l("Staff"),
    UserRole.VIEWER: _l("Viewer"),
    UserRole.REFERRER: _l("Referring social worker"),
}

# Nationalities are ISO 3166-1 alpha-2 codes; AMIF funds only non-EU participants.
EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
