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

from werkzeug.exceptions import Forbidden

from app.models.enums import UserRole

if TYPE_CHECKING:
    from app.models import User

ADMIN, COORDINATOR, STAFF, VIEWER = (
    UserRole.ADMIN,
    UserRole.COORDINATOR,
    UserRole.STAFF,
    UserRole.VIEWER,
)
# Roles that create, edit and delete the organisation's records and do its planning.
EDITORS = (ADMIN, COORDINATOR)


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
    """This user's role may not do this; shown as 403."""

    def __init__(self, action: Action) -> None:
        super().__init__(description=f"Your role may not {action.value.replace('_', ' ')}.")
        self.action = action


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
