"""A participant's own week on the phone, opened by their private calendar link: times,
pictograms, place and coach's first name, in their language, large; nothing else."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from babel.dates import format_date

from app.extensions import db
from app.models import (
    BRUSSELS,
    Module,
    Organisation,
    Participant,
    PlannedSession,
    SessionParticipant,
)
from app.models.enums import ModuleKind, StaffRole
from app.services.display_text import one_line, title

# The few fixed phrases of the page, in the languages participants read. Arabic, Dari and
# Pashto are written right to left. Tigrinya, Dari and Pashto want a native speaker's review.
PHRASES: dict[str, dict[str, str]] = {
    "fr": {"title": "Ma semaine", "cancelled": "Annulé", "coach": "Accompagnateur",
           "none": "Pas de séance", "neutral": "Séance de groupe"},
    "nl": {"title": "Mijn week", "cancelled": "Geannuleerd", "coach": "Begeleider",
           "none": "Geen sessie", "neutral": "Groepssessie"},
    "en": {"title": "My week", "cancelled": "Cancelled", "coach": "Coach",
           "none": "No session", "neutral": "Group session"},
    "ar": {"title": "أسبوعي", "cancelled": "ملغاة", "coach": "المرافق",
           "none": "لا توجد جلسة", "neutral": "جلسة جماعية"},
    "ti": {"title": "ሰሙነይ", "cancelled": "ተሰሪዙ", "coach": "ኣሰልጣኒ",
           "none": "ኣኼባ የለን", "neutral": "ናይ ጉጅለ ኣኼባ"},
    "prs": {"title": "هفتهٔ من", "cancelled": "لغو شد", "coach": "رهنما",
            "none": "جلسه‌ای نیست", "neutral": "جلسهٔ گروهی"},
    "ps": {"title": "زما اونۍ", "cancelled": "لغوه شوه", "coach": "لارښود",
           "none": "هیڅ ناسته نشته", "neutral": "ډله ییزه ناسته"},
    "uk": {"title": "Мій тиждень", "cancelled": "Скасовано", "coach": "Куратор",
           "none": "Занять немає", "neutral": "Групове заняття"},
}
RIGHT_TO_LEFT = frozenset({"ar", "prs", "ps"})
# Babel's locale for each language (Dari is Persian as written in Afghanistan).
BABEL_LOCALE = {"prs": "fa_AF"}
PICTOGRAMS = {
    ModuleKind.GROUP_SESSION: "👥", ModuleKind.INFO_SESSION: "ℹ️", ModuleKind.WORKSHOP: "🛠️",
    ModuleKind.EXCURSION: "🚌", ModuleKind.GROUP_COACHING: "💬",
    ModuleKind.VOLUNTEERING: "🤝", ModuleKind.INDIVIDUAL_COACHING: "🗣️",
    ModuleKind.ORIENTATION: "🧭",
}
DAYS_SHOWN = 7


@dataclass(frozen=True)
class Item:
    time: str
    pictogram: str
    title: str
    place: str
    coach: str
    cancelled: bool


@dataclass(frozen=True)
class Day:
    label: str
    items: list[Item]


@dataclass(frozen=True)
class Week:
    language: str
    right_to_left: bool
    words: dict[str, str]
    days: list[Day]


def language_of(participant: Participant, organisation: Organisation,
                asked: str | None = None) -> str:
    for candidate in (asked, participant.preferred_language, *participant.languages,
                      organisation.working_language.value):
        if candidate in PHRASES:
            return candidate
    return "fr"


def week_of(participant: Participant, organisation: Organisation, today: dt.date,
            asked: str | None = None) -> Week:
    """The participant's sessions from today for a week, cancelled ones kept (shown in red)."""
    language = language_of(participant, organisation, asked)
    words = PHRASES[language]
    start = dt.datetime.combine(today, dt.time(), BRUSSELS)
    sessions = db.session.scalars(
        sa.select(PlannedSession)
        .join(SessionParticipant, SessionParticipant.session_id == PlannedSession.id)
        .where(SessionParticipant.participant_id == participant.id,
               PlannedSession.organisation_id == organisation.id,
               PlannedSession.starts_at >= start,
               PlannedSession.starts_at < start + dt.timedelta(days=DAYS_SHOWN))
        .order_by(PlannedSession.starts_at, PlannedSession.id)).all()
    by_day: dict[dt.date, list[Item]] = {}
    for session in sessions:
        module: Module = session.module
        local = session.starts_at.astimezone(BRUSSELS)
        coaches = [s.staff_member.first_name for s in session.staff
                   if s.role == StaffRole.COACH.value]
        place = "" if session.off_site or session.room is None else (
            f"{session.room.name}, {session.room.site.address}")
        by_day.setdefault(local.date(), []).append(Item(
            time=f"{local:%H:%M}–{session.ends_at.astimezone(BRUSSELS):%H:%M}",
            pictogram=PICTOGRAMS.get(module.kind, "📅"),
            title=one_line(title(module, module.name, True, words["neutral"])),
            place=one_line(place), coach=one_line(", ".join(coaches)),
            cancelled=session.is_cancelled))
    locale = BABEL_LOCALE.get(language, language)
    days = [Day(format_date(day, "EEEE d MMMM", locale=locale), by_day.get(day, []))
            for day in (today + dt.timedelta(days=n) for n in range(DAYS_SHOWN))
            if day.weekday() < 5 or day in by_day]
    return Week(language, language in RIGHT_TO_LEFT, words, days)
