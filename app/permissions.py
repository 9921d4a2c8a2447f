"""Who may do what, as small predicates the views, templates and services all ask.

Services raise `PermissionDenied`; views turn it into a 403 or a message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import gettext as _

from app.models.enums import UserRole

if TYPE_CHECKING:
    from app.models import Participant, User

EDITOR_ROLES = (UserRole.ADMIN, UserRole.COORDINATOR)


class PermissionDenied(Exception):
    """The signed-in user may not do this; the message says why."""


def may_read_personal_data(user: User) -> bool:
    """Viewers read counts and reports, never a participant's file."""
    return user.role is not UserRole.VIEWER


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
    if user.role in EDITOR_ROLES:
        return True
    return user.role is UserRole.STAFF and in_caseload(user, participant)


def may_edit_catalogues(user: User) -> bool:
    """Exit destinations, goal themes and intake questions are the organisation's settings."""
    return user.role in EDITOR_ROLES


def require(allowed: bool, message: str | None = None) -> None:
    if not allowed:
        raise PermissionDenied(message or _("You may not change this participant's trajectory."))
