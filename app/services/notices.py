"""Notices: who must be told of a change of a published session, in their language, and how.

Publishing and cancelling record them in the same transaction (an outbox). Staff get e-mail
(`send_emails`, SMTP configured by environment); participants get the WhatsApp message they
consented to, sent by their coach with one tap (`whatsapp_link`), or a printed note. A notice
is one person, one change (the session's revision): recorded once, so never sent twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import urllib.parse
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from app import tenancy
from app.extensions import db
from app.models import (
    BRUSSELS,
    Consent,
    ConsentPurpose,
    Notice,
    NoticeChange,
    NoticeChannel,
    Organisation,
    Participant,
    PlannedSession,
    StaffMember,
    User,
    now_brussels,
)
from app.models.enums import SessionStatus
from app.services.display_text import one_line, title

# Changes further away reach people through the week they get anyway (feeds, print-outs).
HORIZON = dt.timedelta(days=14)
UI_LANGUAGES = ("fr", "nl", "en")
log = logging.getLogger(__name__)


class NoticeError(Exception):
    """A notice cannot be sent (no mail server configured, a refused address)."""


@dataclass(frozen=True)
class Changed:
    """One change of a published session, as publishing or cancelling made it."""

    change: NoticeChange
    session: PlannedSession
    before: dt.datetime | None = None  # the start it had, for a move


def _within(moment: dt.datetime | None, now: dt.datetime) -> bool:
    return moment is not None and now <= moment < now + HORIZON


def _consents_whatsapp(participant: Participant) -> bool:
    latest = db.session.scalar(
        sa.select(Consent)
        .where(Consent.participant_id == participant.id,
               Consent.purpose == ConsentPurpose.CONTACT_BY_WHATSAPP)
        .order_by(Consent.recorded_at.desc(), Consent.id.desc())
        .limit(1))
    return latest is not None and latest.is_active


def _when(moment: dt.datetime) -> str:
    local = moment.astimezone(BRUSSELS)
    return f"{format_date(local.date(), 'EEEE dd/MM/yyyy')} {local:%H:%M}"


def _place(session: PlannedSession) -> str:
    if session.off_site:
        return _("Off-site")
    return one_line(session.room.name) if session.room else ""


def text_of(item: Changed, for_participant: bool) -> str:
    """The message, in the locale in force; a sensitive module under a neutral title for
    participants, as in their calendar."""
    module = item.session.module
    shown = one_line(title(module, module.name, for_participant, _("Group session")))
    values = {"title": shown, "when": _when(item.session.starts_at),
              "place": _place(item.session)}
    if item.change is NoticeChange.CANCELLED:
        return _("Cancelled: %(title)s, %(when)s.", **values)
    if item.change is NoticeChange.ADDED:
        return _("New session: %(title)s, %(when)s, %(place)s.", **values)
    before = _when(item.before) if item.before else ""
    return _("Changed: %(title)s is now %(when)s, %(place)s (was %(before)s).",
             **values, before=before)


def _participant_language(participant: Participant, organisation: Organisation) -> str:
    preferred = participant.preferred_language
    return preferred if preferred in UI_LANGUAGES else organisation.working_language.value


def _add(item: Changed, recipient: str, language: str, channel: NoticeChannel,
         for_participant: bool, **who: int) -> Notice | None:
    session = item.session
    exists = db.session.scalar(sa.select(Notice.id).where(
        Notice.session_id == session.id, Notice.revision == session.revision,
        Notice.recipient == recipient))
    if exists is not None:
        return None  # already recorded for this change: never told twice
    with force_locale(language):
        text = text_of(item, for_participant)
    notice = Notice(organisation_id=session.organisation_id, session_id=session.id,
                    revision=session.revision, change=item.change, recipient=recipient,
                    channel=channel, language=language, text=text, **who)
    db.session.add(notice)
    return notice


def record(changes: Iterable[Changed], now: dt.datetime | None = None) -> list[Notice]:
    """The notices of these changes for the people on each session (staff and participants),
    when the session is, or was, within the next 14 days. Flushes; the caller commits."""
    now = now or now_brussels()
    db.session.flush()  # new sessions need their ids
    out: list[Notice] = []
    for item in changes:
        session = item.session
        if not (_within(session.starts_at, now) or _within(item.before, now)):
            continue
        organisation = db.session.get(Organisation, session.organisation_id)
        assert organisation is not None
        staff_language = organisation.working_language.value
        for link in session.staff:
            member: StaffMember = link.staff_member
            if not member.active:
                continue
            channel = NoticeChannel.EMAIL if member.email else NoticeChannel.PRINT
            notice = _add(item, f"staff:{member.id}", staff_language, channel, False,
                          staff_member_id=member.id)
            out += [notice] if notice else []
        for attendee in session.attendees:
            person: Participant = attendee.participant
            if person.anonymised_at is not None:
                continue
            channel = (NoticeChannel.WHATSAPP if _consents_whatsapp(person)
                       else NoticeChannel.PRINT)
            notice = _add(item, f"participant:{person.id}",
                          _participant_language(person, organisation), channel, True,
                          participant_id=person.id)
            out += [notice] if notice else []
    db.session.flush()
    return out


# -- reminders the day before --------------------------------------------------------------
# Never at night: a phone that lights up at 23:00 about tomorrow's group is no kindness.
DAYTIME = (dt.time(8, 0), dt.time(21, 0))


def _day_text(sessions: list[PlannedSession], for_participant: bool, day: dt.date) -> str:
    lines = []
    for session in sessions:
        module = session.module
        shown = one_line(title(module, module.name, for_participant, _("Group session")))
        place = _place(session)
        local = session.starts_at.astimezone(BRUSSELS)
        lines.append(f"{local:%H:%M} {shown}" + (f", {place}" if place else ""))
    return _("Reminder for %(day)s:", day=format_date(day, "EEEE dd/MM/yyyy")) + "\n" + (
        "\n".join(lines))


def remind(organisation_id: int, day: dt.date, now: dt.datetime | None = None) -> list[Notice]:
    """One reminder per person (staff and participants) for the day's sessions that are not
    cancelled, recorded once: running the command twice reminds nobody twice."""
    now = now or now_brussels()
    local = now.astimezone(BRUSSELS).time()
    if not DAYTIME[0] <= local < DAYTIME[1]:
        raise NoticeError(f"Reminders go out between {DAYTIME[0]:%H:%M} and {DAYTIME[1]:%H:%M}.")
    start = dt.datetime.combine(day, dt.time(), BRUSSELS)
    out: list[Notice] = []
    with tenancy.organisation_scope(organisation_id):
        organisation = db.session.get(Organisation, organisation_id)
        assert organisation is not None
        sessions = list(db.session.scalars(
            sa.select(PlannedSession)
            .where(PlannedSession.starts_at >= start,
                   PlannedSession.starts_at < start + dt.timedelta(days=1),
                   PlannedSession.status == SessionStatus.PLANNED)
            .order_by(PlannedSession.starts_at, PlannedSession.id)))
        staff: dict[int, list[PlannedSession]] = {}
        people: dict[int, list[PlannedSession]] = {}
        for session in sessions:
            for link in session.staff:
                staff.setdefault(link.staff_member_id, []).append(session)
            for attendee in session.attendees:
                people.setdefault(attendee.participant_id, []).append(session)
        for member_id, theirs in staff.items():
            member = db.session.get(StaffMember, member_id)
            if member is None or not member.active:
                continue
            channel = NoticeChannel.EMAIL if member.email else NoticeChannel.PRINT
            out += _remind(organisation, day, f"staff:{member_id}", channel,
                           organisation.working_language.value, theirs, False,
                           staff_member_id=member_id)
        for person_id, theirs in people.items():
            person = db.session.get(Participant, person_id)
            if person is None or person.anonymised_at is not None:
                continue
            channel = (NoticeChannel.WHATSAPP if _consents_whatsapp(person)
                       else NoticeChannel.PRINT)
            out += _remind(organisation, day, f"participant:{person_id}", channel,
                           _participant_language(person, organisation), theirs, True,
                           participant_id=person_id)
        db.session.commit()
    return out


def _remind(organisation: Organisation, day: dt.date, recipient: str, channel: NoticeChannel,
            language: str, sessions: list[PlannedSession], for_participant: bool,
            **who: int) -> list[Notice]:
    exists = db.session.scalar(sa.select(Notice.id).where(
        Notice.organisation_id == organisation.id, Notice.day == day,
        Notice.recipient == recipient))
    if exists is not None:
        return []
    with force_locale(language):
        text = _day_text(sessions, for_participant, day)
    notice = Notice(organisation_id=organisation.id, day=day, change=NoticeChange.REMINDER,
                    recipient=recipient, channel=channel, language=language, text=text, **who)
    db.session.add(notice)
    return [notice]


# -- sending -------------------------------------------------------------------------------
def whatsapp_link(notice: Notice) -> str:
    """A click-to-chat link with the text prefilled. No phone number: Parcours keeps none, so
    the coach picks the participant in WhatsApp."""
    return "https://wa.me/?" + urllib.parse.urlencode({"text": notice.text})


def mark_sent(notice: Notice, user: User | None, now: dt.datetime | None = None) -> bool:
    """Note that a notice went out; False when it already had (two taps send once)."""
    if notice.sent_at is not None:
        return False
    notice.sent_at, notice.sent_by_id = now or now_brussels(), user.id if user else None
    db.session.commit()
    return True


def _subject(notice: Notice) -> str:
    with force_locale(notice.language):
        if notice.change is NoticeChange.REMINDER:
            return _("Parcours: your sessions tomorrow")
        return _("Parcours: a change in your timetable")


def _claim(notice: Notice, now: dt.datetime) -> bool:
    """Mark a notice sent before sending it, atomically: two senders (two processes) never
    both send it. Released again if the server refuses it."""
    claimed = db.session.execute(
        sa.update(Notice).where(Notice.id == notice.id, Notice.sent_at.is_(None))
        .values(sent_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    return bool(claimed.rowcount == 1)


def _release(notice: Notice) -> None:
    db.session.execute(sa.update(Notice).where(Notice.id == notice.id).values(sent_at=None)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def send_emails(config: Mapping[str, Any], now: dt.datetime | None = None) -> int:
    """Send every unsent e-mail notice through the configured SMTP server. Each is claimed
    (marked sent) before it goes and released if the server refuses it: nothing is sent
    twice, and a failure half-way leaves the rest for the next run."""
    host = config.get("MAIL_SERVER")
    if not host:
        raise NoticeError("No mail server: set PARCOURS_MAIL_SERVER (and _PORT, _FROM).")
    sent = 0
    with tenancy.unscoped():
        pending = list(db.session.scalars(
            sa.select(Notice).where(Notice.channel == NoticeChannel.EMAIL,
                                    Notice.sent_at.is_(None)).order_by(Notice.id)))
        if not pending:
            return 0
        with smtplib.SMTP(str(host), int(config.get("MAIL_PORT", 25)), timeout=30) as smtp:
            if config.get("MAIL_USE_STARTTLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(str(config["MAIL_USERNAME"]), str(config.get("MAIL_PASSWORD", "")))
            for notice in pending:
                member = notice.staff_member
                if member is None or not member.email or not _claim(notice, now or now_brussels()):
                    continue
                message = EmailMessage()
                message["From"] = str(config.get("MAIL_FROM", "parcours@localhost"))
                message["To"] = member.email
                message["Subject"] = _subject(notice)
                message.set_content(notice.text + "\n")
                try:
                    smtp.send_message(message)
                except smtplib.SMTPException:
                    _release(notice)
                    raise
                sent += 1
    db.session.expire_all()
    return sent


_sender: ThreadPoolExecutor | None = None


def _send_in_app(app: Flask) -> None:
    with app.app_context():
        try:
            send_emails(app.config)
        except (NoticeError, OSError, smtplib.SMTPException):
            log.exception("notices: e-mails not sent; `parcours notices send` will retry")


def submit_emails() -> Future[None] | None:
    """Send the waiting e-mails after a publication, off the request: on one local thread
    (RQ deployments run `parcours notices send` from cron). Nothing without a mail server."""
    global _sender
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("MAIL_SERVER"):
        return None
    if _sender is None:
        _sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parcours-mail")
    return _sender.submit(_send_in_app, app)


def pending_for_participants(user: User) -> list[Notice]:
    """Unsent participant notices the user hands out: a coach those of the participants they
    coach, a coordinator all of the organisation (the query is scoped to it)."""
    query = (sa.select(Notice).join(Participant, Participant.id == Notice.participant_id)
             .where(Notice.sent_at.is_(None), Notice.participant_id.is_not(None))
             .order_by(Participant.last_name, Participant.first_name, Notice.id))
    if user.role.value == "staff":
        query = query.where(Participant.referent_coach_id == user.staff_member_id)
    return list(db.session.scalars(query))
