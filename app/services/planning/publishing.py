"""Publish a draft in one atomic step, and cancel a published session with a reason."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from app import permissions, tenancy
from app.extensions import db
from app.models import (
    BRUSSELS,
    Module,
    PlannedSession,
    PlanningRun,
    SessionInterpreter,
    SessionParticipant,
    SessionStaff,
    User,
    WeekPublication,
    now_brussels,
)
from app.models.enums import SessionStatus
from app.models.notices import NoticeChange
from app.permissions import Action
from app.services import notices
from app.services.planning import drafts
from app.services.planning import weeks as calendar
from app.services.planning.problem import Scope, published_sessions
from app.services.planning.runs import PlanningError

REMOVED_BY_REPLANNING = "removed when the week was re-planned"


class PublishConflict(PlanningError):
    """Someone published these weeks after this draft was made."""


def _claim_weeks(run: PlanningRun, user: User | None, now: dt.datetime) -> None:
    """Bump each week's publication version from the one the draft saw, or refuse."""
    table = WeekPublication.__table__
    for monday_text, base in sorted(run.base_versions.items()):
        monday = dt.date.fromisoformat(monday_text)
        values = {
            "version": base + 1,
            "published_at": now,
            "published_by_id": user.id if user else None,
            "run_id": run.id,
        }
        if base == 0:
            exists = db.session.scalar(
                sa.select(WeekPublication.id).where(WeekPublication.week_start == monday)
            )
            if exists is None:
                # No SAVEPOINT here: on pysqlite a SAVEPOINT that opens the transaction
                # commits on RELEASE, leaving the week claimed if the publish then fails.
                # A duplicate means someone else created the week first: a conflict, and
                # the caller rolls the whole publish back.
                try:
                    db.session.execute(
                        table.insert().values(
                            organisation_id=run.organisation_id, week_start=monday, **values
                        )
                    )
                except sa.exc.IntegrityError as exc:
                    raise PublishConflict(_conflict_message(monday)) from exc
                continue
        result = db.session.execute(
            table.update()
            .where(
                table.c.organisation_id == run.organisation_id,
                table.c.week_start == monday,
                table.c.version == base,
            )
            .values(**values)
        )
        if result.rowcount != 1:
            raise PublishConflict(_conflict_message(monday))


def _conflict_message(monday: dt.date) -> str:
    return (
        f"The week of {monday:%d/%m/%Y} was published by someone else after this draft "
        "was made. Re-plan to start from what is published now."
    )


def _apply(session: PlannedSession, draft: drafts.DraftSession, now: dt.datetime) -> None:
    session.starts_at, session.ends_at = draft.starts_at, draft.ends_at
    session.room_id, session.off_site = draft.room_id, draft.off_site
    session.pinned = draft.pinned
    # Update the link rows in place: replacing them would insert before deleting.
    wanted_staff = {int(staff_id): role for staff_id, role in draft.staff_roles.items()}
    for link in list(session.staff):
        if link.staff_member_id not in wanted_staff:
            session.staff.remove(link)
        else:
            link.role = wanted_staff.pop(link.staff_member_id)
    for staff_id, role in sorted(wanted_staff.items()):
        session.staff.append(
            SessionStaff(
                staff_member_id=staff_id, role=role, organisation_id=session.organisation_id
            )
        )
    wanted = set(draft.participant_ids)
    for link in list(session.attendees):
        if link.participant_id not in wanted:
            session.attendees.remove(link)
        else:
            wanted.discard(link.participant_id)
    for participant_id in sorted(wanted):
        session.attendees.append(
            SessionParticipant(
                participant_id=participant_id, organisation_id=session.organisation_id
            )
        )
    _apply_interpreters(session, draft)
    session.changed_at = now


def _apply_interpreters(session: PlannedSession, draft: drafts.DraftSession) -> None:
    """The interpreters the draft booked, one per language (link rows updated in place)."""
    wanted = {lang: int(i) for lang, i in (draft.interpreters or {}).items()}
    for link in list(session.interpreters):
        if link.language not in wanted:
            session.interpreters.remove(link)
        else:
            link.interpreter_id = wanted.pop(link.language)
    for lang, interpreter_id in sorted(wanted.items()):
        session.interpreters.append(
            SessionInterpreter(
                interpreter_id=interpreter_id,
                language=lang,
                organisation_id=session.organisation_id,
            )
        )


def publish(run: PlanningRun, user: User | None) -> drafts.Diff:
    """Turn the run's draft into the published timetable of its weeks, all or nothing."""
    permissions.require(user, Action.PUBLISH)
    if not run.has_draft:
        raise PlanningError(_("This run has no timetable to publish."))
    if run.published_at is not None:
        raise PlanningError(_("This draft is already published."))
    now = now_brussels()
    with tenancy.organisation_scope(run.organisation_id):
        try:
            _claim_weeks(run, user, now)
            scope = Scope(run.organisation_id, run.week_start, run.weeks, run.site_id)
            # Cancelled rows too: a session planned again in its slot comes back under its UID.
            published = published_sessions(scope, include_cancelled=True)
            module_ids = {d.module_id for d in run.draft_sessions} | {
                s.module_id for s in published
            }
            modules = {
                m.id: m
                for m in db.session.scalars(sa.select(Module).where(Module.id.in_(module_ids)))
            }
            diff = drafts.compare(run, published, modules)
            # days before today are past: what was published there stays exactly as it was
            past = dt.datetime.combine(calendar.today(), dt.time(0), BRUSSELS)
            matching = drafts.match(run.draft_sessions, published)
            told: list[notices.Changed] = []
            for draft, session in matching.pairs:
                if draft.starts_at < past:
                    continue
                if session is None:
                    session = PlannedSession(
                        organisation_id=run.organisation_id,
                        module_id=draft.module_id,
                        group_key=draft.group_key,
                        week_start=draft.block_start,
                        occurrence=draft.occurrence,
                        published_by_id=user.id if user else None,
                        published_at=now,
                    )
                    db.session.add(session)
                    _apply(session, draft, now)
                    told.append(notices.Changed(NoticeChange.ADDED, session))
                    continue
                # The row takes the draft's identity, so the next re-plan finds it by rank too.
                session.week_start, session.occurrence = draft.block_start, draft.occurrence
                changed = drafts.what_changed(session, draft)
                before = session.starts_at
                if session.is_cancelled:
                    session.status, session.cancel_reason = SessionStatus.PLANNED, None
                    changed.append("status")
                    told.append(notices.Changed(NoticeChange.ADDED, session))
                elif "time" in changed or "room" in changed:
                    told.append(notices.Changed(NoticeChange.MOVED, session, before))
                if changed:
                    session.revision += 1  # calendars refresh the event (iCalendar SEQUENCE)
                    _apply(session, draft, now)
                    session.published_at = now
                    session.published_by_id = user.id if user else None
                else:
                    _apply_interpreters(session, draft)  # a booking alone moves nothing
            for session in matching.removed:
                if session.starts_at < past:
                    continue
                _cancel(session, REMOVED_BY_REPLANNING, now)
                told.append(notices.Changed(NoticeChange.CANCELLED, session))
            # In the same transaction: a published change always has its notices (an outbox).
            notices.record(told, now)
            run.published_at, run.published_by_id = now, user.id if user else None
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return diff


def _cancel(session: PlannedSession, reason: str, now: dt.datetime) -> None:
    session.status = SessionStatus.CANCELLED
    session.cancel_reason = reason
    session.revision += 1
    session.changed_at = now


def cancel(session: PlannedSession, reason: str, by: User | None = None) -> None:
    """Cancel one published session; it stays visible, marked cancelled, with the reason."""
    permissions.require(by, Action.CANCEL)
    reason = (reason or "").strip()
    if not reason:
        raise PlanningError(_("Give a reason: participants and staff will see it."))
    if len(reason) > 200:
        raise PlanningError(_("The reason must fit in 200 characters."))
    if session.is_cancelled:
        raise PlanningError(_("This session is already cancelled."))
    now = now_brussels()
    _cancel(session, reason, now)
    notices.record([notices.Changed(NoticeChange.CANCELLED, session)], now)
    db.session.commit()
