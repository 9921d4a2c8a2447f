"""Every rule family the engine knows, in one place: what it says and which stages hold it.

A rule id names a family of hard rules in explanations (`Explanation.rule`), in the checker's
findings (`Violation.rule`), in the model's assumption literals (explanations by unsatisfiable
core) and in the reasons of `Timetable.unplaced`. Each stage keeps its own code for a rule
(an arithmetic proof, a constraint, a check of a finished timetable), and this table says which
of them exist for which rule; `tests/test_scheduler/test_rules_registry.py` fails when a stage
uses an id that is not listed here, or when a listed stage no longer uses it.
"""

from __future__ import annotations

from dataclasses import dataclass

# the stages, by module
PRECHECK = "precheck"  # precheck.py: arithmetic proofs before any model
MODEL = "model"  # model.py: a constraint behind an assumption literal (explain.py's cores)
VERIFY = "verify"  # verify.py: the independent check of a finished timetable


@dataclass(frozen=True)
class Rule:
    id: str
    says: str  # the rule, in one line (docs/scheduler.md, "Hard rules", says it at length)
    stages: frozenset[str]


def _r(rule_id: str, says: str, *stages: str) -> Rule:
    return Rule(rule_id, says, frozenset(stages))


RULES: tuple[Rule, ...] = (
    _r("invalid", "the problem refers to records it does not hold", PRECHECK),
    _r(
        "enrolment",
        "every enrolled participant is in exactly one group of the module (or listed unplaced)",
        VERIFY,
    ),
    _r(
        "group_size",
        "group sizes and numbers of groups within the module's bounds",
        PRECHECK,
        MODEL,
        VERIFY,
    ),
    _r(
        "site_cap",
        "group size within the site's cap; staff per session within its staff cap",
        PRECHECK,
        MODEL,
        VERIFY,
    ),
    _r("site_staff_cap", "a session needing more staff than the site allows", MODEL),
    _r(
        "language_level",
        "members' levels allowed by the module, one level per group where asked",
        PRECHECK,
        MODEL,
        VERIFY,
    ),
    _r(
        "frequency",
        "every group holds its occurrences inside their weeks",
        MODEL,
        VERIFY,
    ),
    _r(
        "allowed_times",
        "allowed days, time windows, opening hours, grid, no holiday or closure",
        PRECHECK,
        VERIFY,
    ),
    _r("sessions_per_day", "at most so many sessions of a group a day", MODEL, VERIFY),
    _r(
        "alternate_days",
        "a weekly session on another weekday than the week before",
        PRECHECK,
        MODEL,
        VERIFY,
    ),
    _r("participant_overlap", "nobody in two sessions at once", MODEL),
    _r("staff_overlap", "no staff member in two sessions at once", MODEL),
    _r("room_overlap", "no room holding two sessions at once", MODEL),
    _r(
        "participant_unavailable",
        "no session during a participant's course, other commitment or day off",
        PRECHECK,
        MODEL,
        VERIFY,
    ),
    _r(
        "staff_availability",
        "staff only in their availability, not on days off, only at their sites",
        PRECHECK,
        MODEL,
        VERIFY,
    ),
    _r(
        "staff_hours",
        "a staff member's weekly session time within their hours",
        PRECHECK,
        MODEL,
        VERIFY,
    ),
    _r(
        "staff_roles",
        "the staff count per role; an individual session with the referent in its role",
        PRECHECK,
        MODEL,
        VERIFY,
    ),
    _r(
        "referrer",
        "an individual session that asks for it has the participant's referring social worker",
        PRECHECK,
        MODEL,
        VERIFY,
    ),
    _r(
        "staff_allowed",
        "staff among those the module allows for the role, with its qualifications",
        VERIFY,
    ),
    _r(
        "mediator_language",
        "a mediator speaks each member's language and the module's delivery language",
        PRECHECK,
        MODEL,
        VERIFY,
    ),
    _r(
        "interpreter_needed",
        "an interpreter booked for each member's language no mediator of the session speaks",
        PRECHECK,
        MODEL,
        VERIFY,
    ),
    _r("interpreter_booking", "a booked interpreter is of the pool, speaking the language", VERIFY),
    _r(
        "interpreter_availability",
        "an interpreter only in her or his availability, not on a day off",
        MODEL,
        VERIFY,
    ),
    _r("interpreter_overlap", "no interpreter in two sessions at once", MODEL, VERIFY),
    _r("interpreter_hours", "an interpreter's weekly time within her or his hours", MODEL, VERIFY),
    _r("room", "a room of the module's site, kind and features", PRECHECK, MODEL, VERIFY),
    _r("room_capacity", "a room that seats the group", PRECHECK, MODEL),
    _r("room_closed", "no session in a room on a day it is closed", MODEL),
    _r(
        "min_weekly_hours",
        "a participant's session time each week at least their minimum (or listed short)",
        PRECHECK,
        MODEL,
        VERIFY,
    ),
    _r(
        "min_active_days",
        "a participant's sessions on at least so many days a week (or listed short)",
        MODEL,
        VERIFY,
    ),
    _r("min_days_between", "a group's sessions at least so many days apart", MODEL, VERIFY),
    _r("pin", "a pinned session exactly where it is pinned", PRECHECK, MODEL, VERIFY),
    _r(
        "enrolment_dates",
        "a session lists exactly the members whose dates hold its day",
        VERIFY,
    ),
    _r("term", "no session outside the module's term", VERIFY),
    _r("frozen", "nothing new on a past day", VERIFY),
    _r("sessions_total", "no more sessions than a course still owes", VERIFY),
    _r(
        "drop_in",
        "a drop-in's attendees enrolled that day, within its seats, each member in every window",
        VERIFY,
    ),
)

# outcomes that are not rules of the week: the search's own reasons
SEARCH_REASONS = ("time_limit", "unknown", "explain_cut_short")

BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def rule(rule_id: str) -> Rule:
    """The rule family with this id (KeyError for an unknown one)."""
    return BY_ID[rule_id]
