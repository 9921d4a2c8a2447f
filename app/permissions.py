"""Who may do what: every role rule in one place.

Services call `require(user, Action.X)` before they write (a `None` user is the system: the
command line and background jobs); `PermissionDenied` is an HTTP 403, so a view needs no
handler of its own. Views and templates ask `can(user, Action.X)` to show or hide a button.
Rules that also depend on the record (staff record attendance of the sessions they lead, and
manage only their own calendar links) keep that part in their service, after this check.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden

from app.models.enums import UserRole

if TYPE_CHECKING:
    from app.models import Participant, User

ADMIN, COORDINATOR, STAFF, VIEWER = (
    UserRole.ADMIN,
    UserRole.COORDINATOR,
    UserRole.STAFF,
    UserRole.VIEWER,
)
# Roles that create, edit and delete the organisation's records and do its planning.
EDITORS = (ADMIN, COORDINATOR)
EDITOR_ROLES = EDITORS


class Action(str, Enum):
    PLAN = "plan"  # generate a draft, re-plan, stop a run
    PUBLISH = "publish"
    MOVE = "move"  # move a draft session by hand
    PIN = "pin"  # keep a draft session where it is at the next re-plan
    CANCEL = "cancel"  # cancel a published session
    UNDO = "undo"  # undo a change from the history
    EDIT_RECORDS = "edit_records"
    MANAGE_ACCOUNTS = "manage_accounts"
    MANAGE_ORGANISATION = "manage_organisation"
    RECORD_ATTENDANCE = "record_attendance"  # staff: only sessions they lead
    MANAGE_FEEDS = "manage_feeds"  # staff: only their own calendar
    SEE_PEOPLE = "see_people"  # participants' names and personal data


ROLES: dict[Action, tuple[UserRole, ...]] = {
    Action.PLAN: EDITORS,
    Action.PUBLISH: EDITORS,
    Action.MOVE: EDITORS,
    Action.PIN: EDITORS,
    Action.CANCEL: EDITORS,
    Action.UNDO: EDITORS,
    Action.EDIT_RECORDS: EDITORS,
    Action.MANAGE_ACCOUNTS: (ADMIN,),
    Action.MANAGE_ORGANISATION: (ADMIN,),
    Action.RECORD_ATTENDANCE: (ADMIN, COORDINATOR, STAFF),
    Action.MANAGE_FEEDS: (ADMIN, COORDINATOR, STAFF),
    Action.SEE_PEOPLE: (ADMIN, COORDINATOR, STAFF),
}


class PermissionDenied(Forbidden):
    """This user may not do this; shown as 403. Given an action, the message names it; a rule
    that also depends on the record gives its own message."""

    def __init__(self, action: Action | str) -> None:
        if isinstance(action, Action):
            description = f"Your role may not {action.value.replace('_', ' ')}."
            self.action: Action | None = action
        else:
            description, self.action = action, None
        super().__init__(description=description)


def can(user: User | None, action: Action) -> bool:
    """Whether a signed-in user's role allows the action."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.role in ROLES[action]
    )


def require(user: User | None, action: Action) -> None:
    """Refuse unless the user may; `None` is the system (command line, background jobs)."""
    if user is not None and not can(user, action):
        raise PermissionDenied(action)


def require_that(allowed: bool, message: str | None = None) -> None:
    """Refuse unless a record-level rule allows it (e.g. a trajectory outside one's caseload)."""
    if not allowed:
        raise PermissionDenied(message or _("You may not change this participant's trajectory."))


def may_read_personal_data(user: User) -> bool:
    """Viewers read counts and reports, never a participant's file; referrers only the
    progress page of the people they referred."""
    return user.role not in (UserRole.VIEWER, UserRole.REFERRER)


def in_caseload(user: User, participant: Participant) -> bool:
    """The staff member coaches or referred the participant."""
    staff_id = user.staff_member_id
    return staff_id is not None and staff_id in (
        participant.referent_coach_id,
        participant.referring_social_worker_id,
    )


def may_edit_trajectory(user: User, participant: Participant) -> bool:
    """Coordinators and admins: any participant of their organisation; staff: their caseload
    (they hold the intakes and evaluations); viewers: nothing."""
    if participant.organisation_id != user.organisation_id:
        return False
    if user.role in EDITORS:
        return True
    return user.role is UserRole.STAFF and in_caseload(user, participant)


def may_edit_catalogues(user: User) -> bool:
    """Exit destinations, goal themes and intake questions are the organisation's settings."""
    return user.role in EDITORS


def may_read_report(user: User) -> bool:
    """Every signed-in role reads the funder report: viewers its figures, staff their
    caseload's (the caseload scoping limits what they count)."""
    return bool(getattr(user, "is_authenticated", False))


def may_see_report_names(user: User) -> bool:
    """Behind a report figure, coordinators and admins see whom it counts; staff too, within
    their caseload (the only rows they get); viewers see counts and anonymised rows only."""
    return user.role in (ADMIN, COORDINATOR, STAFF)
