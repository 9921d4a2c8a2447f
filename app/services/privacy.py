"""GDPR for participants: right of access (export), erasure by anonymisation, retention,
consent before sharing with a referrer, and no deletion of a participant with history."""

from __future__ import annotations

import datetime as dt
import io
import json
import secrets
import zipfile
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, render_template
from flask_babel import gettext as _

from app import tenancy
from app.extensions import db
from app.models import (
    Attendance,
    AuditEvent,
    ClosureDay,
    Consent,
    ConsentPurpose,
    DraftSession,
    Enrolment,
    FeedSubject,
    FeedToken,
    Organisation,
    Participant,
    PlannedSession,
    PlanningRun,
    SessionParticipant,
    User,
    now_brussels,
)
from app.models.enums import WEEKDAY_LABELS, AttendanceStatus, SessionStatus, TrajectoryStatus
from app.services.trajectory import privacy as trajectory_privacy
from app.services.validation import FieldError, RecordInvalid

EXPORT_FORMAT = "parcours.participant-export/1"
PLACEHOLDER_FIRST_NAME = "Anonymised"
DEFAULT_RETENTION_YEARS = 5
ENDED_STATUSES = (TrajectoryStatus.COMPLETED, TrajectoryStatus.DROPPED)
# Contact data is erased; the model holds none today, a future column of these names would be.
CONTACT_FIELDS = ("email", "phone", "mobile_phone", "whatsapp", "address")
# Keys that identify a person in the audit trail's stored values and changes.
PERSONAL_KEYS = frozenset({"first_name", "last_name", "date_of_birth", "label", "note",
                           *CONTACT_FIELDS, *trajectory_privacy.PERSONAL_KEYS})
# Audit record kinds that can hold a participant's identity.
AUDIT_KINDS = ("participant", "participant_block", "feed_token", "attendance",
               *trajectory_privacy.AUDIT_KINDS)


class PrivacyError(Exception):
    """A privacy rule refuses the request; the message names the participant and the fix."""


class ConsentMissing(PrivacyError):
    """The participant has not given (or has withdrawn) the consent the action needs."""


def _iso(value: dt.date | dt.time | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return value.isoformat()


def _audit(participant: Participant, actor: User | None, action: str, **details: Any) -> None:
    db.session.add(AuditEvent(
        organisation_id=participant.organisation_id,
        actor_id=actor.id if actor is not None else None,
        action=action,
        record_kind="participant",
        record_id=str(participant.id),
        details=details,
    ))


# -- right of access ---------------------------------------------------------------------

def _sessions_of(participant: Participant) -> list[PlannedSession]:
    return list(db.session.scalars(
        sa.select(PlannedSession)
        .join(SessionParticipant, SessionParticipant.session_id == PlannedSession.id)
        .where(SessionParticipant.participant_id == participant.id)
        .options(so.joinedload(PlannedSession.module), so.joinedload(PlannedSession.room))
        .order_by(PlannedSession.starts_at, PlannedSession.id)
    ).unique())


def _feed_tokens_of(participant: Participant) -> list[FeedToken]:
    return list(db.session.scalars(
        sa.select(FeedToken).where(
            FeedToken.organisation_id == participant.organisation_id,
            FeedToken.subject_kind == FeedSubject.PARTICIPANT,
            FeedToken.subject_key == str(participant.id),
        ).order_by(FeedToken.created_at, FeedToken.id)
    ))


def _audit_events_of(participant: Participant) -> list[AuditEvent]:
    """Events about the participant, their weekly blocks, calendar links and trajectories."""
    token_ids = {str(token.id) for token in _feed_tokens_of(participant)}
    candidates = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.organisation_id == participant.organisation_id,
            AuditEvent.record_kind.in_(AUDIT_KINDS),
        ).order_by(AuditEvent.at, AuditEvent.id)
    )
    return [event for event in candidates
            if _concerns(event, participant.id, token_ids)
            or trajectory_privacy.concerns(event, participant)]


def _concerns(event: AuditEvent, participant_id: int, token_ids: set[str]) -> bool:
    details = event.details or {}
    if event.record_kind == "participant":
        return event.record_id == str(participant_id)
    if event.record_kind == "feed_token":
        return event.record_id in token_ids
    values = details.get("values") or {}
    return (details.get("owner") == ["participant", participant_id]
            or values.get("participant_id") == participant_id)


def participant_data(participant: Participant) -> dict[str, Any]:
    """Everything held on one participant, as plain JSON values (dates ISO, times with offset)."""
    with tenancy.organisation_scope(participant.organisation_id):
        worker, coach = participant.referring_social_worker, participant.referent_coach
        data: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "exported_at": now_brussels().isoformat(),
            "organisation": participant.organisation.name,
            "participant": {
                "id": participant.id,
                "first_name": participant.first_name,
                "last_name": participant.last_name,
                "date_of_birth": _iso(participant.date_of_birth),
                "gender": participant.gender.value,
                "nationality": participant.nationality,
                "residence_status": participant.residence_status.value,
                "languages": list(participant.languages or []),
                "preferred_language": participant.preferred_language,
                "interpreter_language": participant.interpreter_language,
                "language_level": participant.language_level.value,
                "referring_social_worker": worker.full_name if worker else None,
                "referent_coach": coach.full_name if coach else None,
                "created_at": participant.created_at.isoformat(),
                "updated_at": participant.updated_at.isoformat(),
                "anonymised_at": participant.anonymised_at.isoformat()
                if participant.anonymised_at else None,
            },
            "trajectory": {
                "programme": participant.programme.name,
                "status": participant.trajectory_status.value,
                "length": participant.trajectory_length.value,
                "referred_on": _iso(participant.referred_on),
                "intake_on": _iso(participant.intake_on),
                "entry_date": _iso(participant.entry_date),
                "exited_on": _iso(participant.exited_on),
            },
            "trajectories": trajectory_privacy.trajectories_data(participant),
            "weekly_blocks": [
                {"kind": block.kind.value, "weekday": block.weekday,
                 "start": _iso(block.start_time), "end": _iso(block.end_time),
                 "label": block.label}
                for block in participant.weekly_blocks
            ],
            "enrolments": [
                {"module": enrolment.module.name, "module_kind": enrolment.module.kind.value,
                 "start_date": _iso(enrolment.start_date), "end_date": _iso(enrolment.end_date),
                 "status": enrolment.status.value,
                 "frequency": enrolment.frequency.value if enrolment.frequency else None}
                for enrolment in sorted(participant.enrolments,
                                        key=lambda e: (e.start_date, e.id))
            ],
            "sessions": [
                {"module": session.module.name, "starts_at": session.starts_at.isoformat(),
                 "ends_at": session.ends_at.isoformat(), "status": session.status.value,
                 "room": session.room.name if session.room else None,
                 "off_site": session.off_site}
                for session in _sessions_of(participant)
            ],
            "attendance": [
                {"module": mark.session.module.name,
                 "starts_at": mark.session.starts_at.isoformat(),
                 "status": mark.status.value, "recorded_at": mark.recorded_at.isoformat()}
                for mark in db.session.scalars(
                    sa.select(Attendance).where(Attendance.participant_id == participant.id)
                    .join(Attendance.session).order_by(PlannedSession.starts_at))
            ],
            "consents": [
                {"purpose": consent.purpose.value, "given": consent.given,
                 "recorded_at": consent.recorded_at.isoformat(),
                 "withdrawn_at": consent.withdrawn_at.isoformat()
                 if consent.withdrawn_at else None,
                 "note": consent.note}
                for consent in participant.consents
            ],
            "calendar_links": [
                {"name": token.name, "created_at": token.created_at.isoformat(),
                 "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
                 "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None}
                for token in _feed_tokens_of(participant)
            ],
            "audit_events": [
                {"at": event.at.isoformat(), "action": event.action,
                 "record_kind": event.record_kind, "details": event.details or {}}
                for event in _audit_events_of(participant)
            ],
        }
    return data


def export_participant(participant: Participant, actor: User | None = None) -> bytes:
    """A ZIP with the participant's data as JSON and a readable HTML summary (right of access)."""
    data = participant_data(participant)
    html = render_template("privacy/export.html", data=data, participant=participant,
                           weekday_labels=WEEKDAY_LABELS,
                           attendance_label=lambda value: AttendanceStatus(value).label)
    stem = f"participant-{participant.id}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}.json",
                         json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
        archive.writestr(f"{stem}.html", html)
    with tenancy.organisation_scope(participant.organisation_id):
        _audit(participant, actor, "participant.exported")
        db.session.commit()
    return buffer.getvalue()


# -- erasure by anonymisation -------------------------------------------------------------

def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _replace_names(value: Any, names: list[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        for old, new in names:
            value = value.replace(old, new)
        return value
    if isinstance(value, list):
        return [_replace_names(item, names) for item in value]
    if isinstance(value, dict):
        return {key: _replace_names(item, names) for key, item in value.items()}
    return value


def _redact(value: Any, names: list[tuple[str, str]], parent: str | None = None) -> Any:
    """Drop identifying keys from stored changes, blank them in stored values, rename the rest."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in PERSONAL_KEYS:
                if parent != "changes":
                    out[key] = None
                continue
            out[key] = _redact(item, names, key)
        return out
    if isinstance(value, list):
        return [_redact(item, names, parent) for item in value]
    return _replace_names(value, names)


def _names_held(participant: Participant, first: str, last: str) -> tuple[set[str], set[str]]:
    """The participant's names now and as the trail remembers them (earlier spellings too)."""
    firsts, lasts = {first}, {last}
    for event in _audit_events_of(participant):
        if event.record_kind != "participant":
            continue
        details = event.details or {}
        for key, found in (("first_name", firsts), ("last_name", lasts)):
            value = (details.get("values") or {}).get(key)
            changed = (details.get("changes") or {}).get(key) or []
            found.update(v for v in [value, *changed] if isinstance(v, str) and len(v) > 1)
    # The trail already holds this anonymisation: its placeholders are not names to erase.
    return firsts - {participant.first_name}, lasts - {participant.last_name}


def _longest_first(pairs: Any) -> list[tuple[str, str]]:
    return sorted(set(pairs), key=lambda pair: (-len(pair[0]), pair[0]))


def _scrub_audit_trail(participant: Participant, names: list[tuple[str, str]]) -> None:
    token_names = {str(token.id): token.name for token in _feed_tokens_of(participant)}
    for event in _audit_events_of(participant):
        details = _redact(event.details or {}, names)
        if event.record_kind == "feed_token" and "name" in details:
            details["name"] = token_names.get(event.record_id)
        if details != event.details:
            event.details = details


def _scrub_engine_json(value: Any, participant_id: str, placeholder: str) -> Any:
    """The engine's stored input and output: the participant's name and block labels."""
    if isinstance(value, list):
        return [_scrub_engine_json(item, participant_id, placeholder) for item in value]
    if not isinstance(value, dict):
        return value
    value = {key: _scrub_engine_json(item, participant_id, placeholder)
             for key, item in value.items()}
    if value.get("id") == participant_id and "name" in value and (
            "unavailability" in value or value.get("kind") == "participant"):
        value["name"] = placeholder
        for block in value.get("unavailability") or []:
            if isinstance(block, dict) and "label" in block:
                block["label"] = ""
    return value


# Free text that may name a participant and that reaches calendars: cancel and closure reasons.
FREE_TEXT = ((PlannedSession, "cancel_reason", "planned_session"), (ClosureDay, "reason",
                                                                    "closure_day"))


def _scrub_free_text(participant: Participant, names: list[tuple[str, str]]) -> None:
    """Replace the person's full and last names in reasons, and in those reasons' trail."""
    if not names:
        return
    kinds = []
    for model, field, kind in FREE_TEXT:
        column = getattr(model, field)
        rows = db.session.scalars(sa.select(model).where(
            model.organisation_id == participant.organisation_id,
            sa.or_(*(column.contains(old, autoescape=True) for old, _new in names))))
        for row in rows:
            setattr(row, field, _replace_names(getattr(row, field), names))
            if isinstance(row, PlannedSession):
                row.revision += 1  # calendars fetch the reason again
                row.changed_at = now_brussels()
            kinds.append(kind)
    if not kinds:
        return
    db.session.flush()  # the trail rows of these changes exist now and are scrubbed too
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.organisation_id == participant.organisation_id,
        AuditEvent.record_kind.in_(set(kinds))))
    for event in events:
        details = _replace_names(event.details or {}, names)
        if details != event.details:
            event.details = details


def _scrub_planning_runs(
    participant: Participant, last_names: set[str], names: list[tuple[str, str]]
) -> None:
    needles = [*last_names, *(json.dumps(last)[1:-1] for last in last_names)]
    runs = db.session.scalars(sa.select(PlanningRun).where(
        PlanningRun.organisation_id == participant.organisation_id))
    key, placeholder = str(participant.id), participant.full_name
    for run in runs:
        for field in ("problem_json", "timetable_json"):
            text = getattr(run, field)
            if text and any(needle in text for needle in needles):
                scrubbed = _replace_names(
                    _scrub_engine_json(json.loads(text), key, placeholder), names)
                setattr(run, field, json.dumps(scrubbed, indent=2, ensure_ascii=False) + "\n")
        if run.explanations:
            explanations = _replace_names(
                _scrub_engine_json(run.explanations, key, placeholder), names)
            if explanations != run.explanations:
                run.explanations = explanations
        if run.error:
            run.error = _replace_names(run.error, names)


def anonymise_participant(
    participant: Participant, actor: User | None, *, reason: str = "request"
) -> bool:
    """Erase the person, keep the statistics (AMIF report); False if already anonymised."""
    if participant.anonymised_at is not None:
        return False
    with tenancy.organisation_scope(participant.organisation_id):
        old_first, old_last = participant.first_name, participant.last_name
        participant.first_name = PLACEHOLDER_FIRST_NAME
        # Random, so the placeholder says nothing about the name it replaces.
        participant.last_name = secrets.token_hex(3).upper()
        participant.date_of_birth = quarter_start(participant.date_of_birth)
        for field in CONTACT_FIELDS:
            if hasattr(participant, field):
                setattr(participant, field, None)
        for block in participant.weekly_blocks:
            block.label = None
        for consent in participant.consents:
            consent.note = None
        trajectory_privacy.erase_free_text(participant)
        now = now_brussels()
        for token in _feed_tokens_of(participant):
            token.name = participant.full_name
            if token.revoked_at is None:
                token.revoked_at = now
                token.revoked_by_id = actor.id if actor is not None else None
        participant.anonymised_at = now
        db.session.flush()  # the trail rows of this very change exist now and are scrubbed too
        firsts, lasts = _names_held(participant, old_first, old_last)
        full_names = _longest_first(
            (f"{first} {last}", participant.full_name) for first in firsts for last in lasts)
        parts = _longest_first([*((last, participant.last_name) for last in lasts),
                                *((first, participant.first_name) for first in firsts)])
        _scrub_audit_trail(participant, full_names + parts)
        # Bare first names are left alone in planning runs: they may be part of another name.
        _scrub_planning_runs(participant, lasts, full_names)
        _scrub_free_text(participant, _longest_first(
            [*full_names, *((last, participant.last_name) for last in lasts)]))
        _audit(participant, actor, "participant.anonymised", reason=reason)
        db.session.commit()
    return True


# -- retention -------------------------------------------------------------------------

@dataclass(frozen=True)
class RetentionCount:
    organisation: str
    due: int
    anonymised: int
    failed: int


def retention_years() -> int:
    return int(current_app.config.get("PARCOURS_RETENTION_YEARS", DEFAULT_RETENTION_YEARS))


def retention_cutoff(today: dt.date, years: int) -> dt.date:
    """Trajectories that ended on or before this day are kept no longer."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def due_for_retention(cutoff: dt.date) -> sa.Select[tuple[int]]:
    return (sa.select(Participant.id)
            .where(Participant.trajectory_status.in_(ENDED_STATUSES),
                   Participant.exited_on.is_not(None),
                   Participant.exited_on <= cutoff,
                   Participant.anonymised_at.is_(None))
            .order_by(Participant.id))


def apply_retention(*, dry_run: bool = False, today: dt.date | None = None,
                    years: int | None = None) -> list[RetentionCount]:
    """Anonymise, in every organisation, participants whose trajectory ended N years ago."""
    years = retention_years() if years is None else years
    cutoff = retention_cutoff(today or now_brussels().date(), years)
    with tenancy.unscoped():
        organisations = list(db.session.scalars(sa.select(Organisation).order_by(Organisation.id)))
    results = []
    for organisation in organisations:
        with tenancy.organisation_scope(organisation.id):
            ids = list(db.session.scalars(due_for_retention(cutoff)))
            done = failed = 0
            if not dry_run:
                for participant_id in ids:
                    participant = db.session.get(Participant, participant_id)
                    try:
                        done += anonymise_participant(participant, None, reason="retention")
                    except RecordInvalid:
                        db.session.rollback()
                        failed += 1
        results.append(RetentionCount(organisation.slug, len(ids), done, failed))
    return results


# -- consent -----------------------------------------------------------------------------

def current_consent(participant: Participant, purpose: ConsentPurpose) -> Consent | None:
    """The latest record for the purpose: it decides."""
    records = [c for c in participant.consents if c.purpose is purpose]
    return max(records, key=lambda c: (c.recorded_at, c.id or 0)) if records else None


def record_consent(participant: Participant, purpose: ConsentPurpose, given: bool,
                   actor: User | None, note: str | None = None) -> Consent:
    consent = Consent(purpose=purpose, given=given, note=note, recorded_at=now_brussels(),
                      recorded_by_id=actor.id if actor is not None else None,
                      organisation_id=participant.organisation_id)
    participant.consents.append(consent)
    db.session.commit()
    return consent


def withdraw_consent(consent: Consent, actor: User | None) -> None:
    if consent.withdrawn_at is None:
        consent.withdrawn_at = now_brussels()
        db.session.commit()


def stamp_consents(participant: Participant, actor: User | None) -> None:
    """After a form edit: new consents get who and when; unticking "given" withdraws."""
    now = now_brussels()
    actor_id = actor.id if actor is not None else None
    for consent in participant.consents:
        state = sa.inspect(consent)
        if state.transient or state.pending:
            consent.recorded_at, consent.recorded_by_id = now, actor_id
            continue
        if state.attrs.purpose.history.has_changes() or (
                state.attrs.given.history.has_changes() and consent.given):
            consent.recorded_at, consent.recorded_by_id, consent.withdrawn_at = now, actor_id, None
        elif state.attrs.given.history.has_changes() and consent.withdrawn_at is None:
            consent.withdrawn_at = now


def may_share_with_referrer(participant: Participant) -> bool:
    if participant.anonymised_at is not None:
        return False
    consent = current_consent(participant, ConsentPurpose.SHARE_WITH_REFERRER)
    return consent is not None and consent.is_active


def share_summary_with_referrer(participant: Participant, actor: User | None) -> dict[str, Any]:
    """A short progress summary for the referring social worker, only with consent."""
    if not may_share_with_referrer(participant):
        raise ConsentMissing(_(
            "%(name)s has not given consent “%(purpose)s” (or has withdrawn it): nothing is "
            "shared with the referring social worker. Record the consent on the participant's "
            "page first.",
            name=participant.full_name, purpose=ConsentPurpose.SHARE_WITH_REFERRER.label))
    worker = participant.referring_social_worker
    if worker is None:
        raise PrivacyError(_("%(name)s has no referring social worker to share with.",
                             name=participant.full_name))
    with tenancy.organisation_scope(participant.organisation_id):
        attended = db.session.scalar(
            sa.select(sa.func.count()).select_from(SessionParticipant)
            .join(PlannedSession, PlannedSession.id == SessionParticipant.session_id)
            .where(SessionParticipant.participant_id == participant.id,
                   PlannedSession.status == SessionStatus.PLANNED,
                   PlannedSession.starts_at <= now_brussels()))
        summary = {
            "participant": participant.full_name,
            "referring_social_worker": worker.full_name,
            "trajectory_status": participant.trajectory_status.value,
            "trajectory_status_label": participant.trajectory_status.label,
            "entry_date": _iso(participant.entry_date),
            "exited_on": _iso(participant.exited_on),
            "modules": len({enrolment.module_id for enrolment in participant.enrolments}),
            "sessions_attended": int(attended or 0),
        }
        _audit(participant, actor, "participant.shared_with_referrer",
               referring_social_worker_id=worker.id)
        db.session.commit()
    return summary


# -- no deletion of a participant with history -------------------------------------------

def history_counts(session: so.Session, participant_id: int) -> dict[str, int]:
    """Enrolments, published sessions and planning drafts that involve the participant."""
    def count(model: type, column: Any) -> int:
        return int(session.scalar(
            sa.select(sa.func.count()).select_from(model).where(column == participant_id)) or 0)

    organisation_id = session.scalar(
        sa.select(Participant.organisation_id).where(Participant.id == participant_id))
    drafts = session.scalars(sa.select(DraftSession.participant_ids).where(
        DraftSession.organisation_id == organisation_id))
    return {
        "enrolments": count(Enrolment, Enrolment.participant_id),
        "sessions": count(SessionParticipant, SessionParticipant.participant_id),
        "drafts": sum(1 for ids in drafts if participant_id in (ids or [])),
    }


def _refuse_deleting_history(session: so.Session, flush_context: Any, instances: Any) -> None:
    doomed = [obj for obj in session.deleted
              if isinstance(obj, Participant) and sa.inspect(obj).has_identity]
    if not doomed:
        return
    with session.no_autoflush:
        for participant in doomed:
            counts = history_counts(session, participant.id)
            if any(counts.values()):
                raise RecordInvalid(str(participant), [FieldError("id", _(
                    "%(name)s has history (%(enrolments)s enrolments, %(sessions)s published "
                    "sessions, %(drafts)s planned drafts): archive (anonymise) instead of "
                    "deleting.", name=participant.full_name, **counts))])


def delete_participant(participant: Participant) -> None:
    """Delete a participant without history; one with history raises RecordInvalid."""
    db.session.delete(participant)
    try:
        db.session.commit()
    except RecordInvalid:
        db.session.rollback()
        raise


def install(session_class: type[so.Session] = so.Session) -> None:
    """Refuse, at every flush, to delete a participant with history (idempotent)."""
    if not sa.event.contains(session_class, "before_flush", _refuse_deleting_history):
        sa.event.listen(session_class, "before_flush", _refuse_deleting_history)
