"""The lists each organisation extends: exit destinations, goal themes, intake questions."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import ExitDestination, GoalTheme, IntakeItem, Organisation, User
from app.models.trajectory import (
    BUILTIN_ENTRY_LABELS,
    EXIT_DESTINATION_CODES,
    GOAL_THEME_CODES,
)
from app.permissions import may_edit_catalogues, require_that
from app.services.validation import FieldError, RecordInvalid

# The intake form every organisation starts with, in its working language; each one edits,
# adds or retires items (they are the organisation's own text, not translated on screen).
DEFAULT_INTAKE_QUESTIONS = {
    "en": ("Finds their way in town alone", "Has people to turn to",
           "Speaks the local language in daily life", "Knows where to go for health care"),
    "fr": ("Se déplace seul·e en ville", "A des personnes sur qui compter",
           "Parle le français au quotidien", "Sait où se soigner"),
    "nl": ("Vindt alleen de weg in de stad", "Heeft mensen om op terug te vallen",
           "Spreekt Nederlands in het dagelijks leven", "Weet waar naartoe voor zorg"),
}


def ensure_defaults(organisation: Organisation) -> bool:
    """Give an organisation the built-in rows it lacks (idempotent; the caller commits).
    True if rows were added."""
    added = False
    for model, codes in ((ExitDestination, EXIT_DESTINATION_CODES),
                         (GoalTheme, GOAL_THEME_CODES)):
        have = set(db.session.scalars(sa.select(model.code).where(
            model.organisation_id == organisation.id)))
        for position, code in enumerate(codes):
            if code not in have:
                db.session.add(model(organisation_id=organisation.id, code=code,
                                     name=str(BUILTIN_ENTRY_LABELS[code]._args[0]),
                                     position=position))
                added = True
    has_items = db.session.scalar(sa.select(sa.func.count()).select_from(IntakeItem).where(
        IntakeItem.organisation_id == organisation.id))
    if not has_items:
        language = organisation.working_language.value if organisation.working_language else "en"
        questions = DEFAULT_INTAKE_QUESTIONS.get(language, DEFAULT_INTAKE_QUESTIONS["en"])
        for position, question in enumerate(questions):
            db.session.add(IntakeItem(organisation_id=organisation.id, question=question,
                                      position=position))
        added = True
    return added


def ensure_for(organisation_id: int) -> None:
    """Before the first trajectory form of an organisation: its lists exist (committed)."""
    organisation = db.session.get(Organisation, organisation_id)
    has_lists = db.session.scalar(sa.select(sa.func.count()).select_from(GoalTheme).where(
        GoalTheme.organisation_id == organisation_id))
    if organisation is not None and not has_lists and ensure_defaults(organisation):
        db.session.commit()


def _add(model: type[ExitDestination] | type[GoalTheme], name: str,
         actor: User | None) -> ExitDestination | GoalTheme:
    if actor is not None:
        require_that(
            may_edit_catalogues(actor), _("Only coordinators change the organisation's lists.")
        )
    name = (name or "").strip()
    if not name:
        raise RecordInvalid(model.__name__, [FieldError("name", _("Name: required."))])
    position = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(model.position), 0)))
    entry = model(name=name, position=(position or 0) + 1)
    if actor is not None:
        entry.organisation_id = actor.organisation_id
    db.session.add(entry)
    try:
        db.session.commit()
    except sa.exc.IntegrityError as exc:
        db.session.rollback()
        raise RecordInvalid(model.__name__, [FieldError(
            "name", _("Name: “%(name)s” is already in the list.", name=name))]) from exc
    return entry


def add_exit_destination(name: str, actor: User | None) -> ExitDestination:
    return _add(ExitDestination, name, actor)  # type: ignore[return-value]


def add_goal_theme(name: str, actor: User | None) -> GoalTheme:
    return _add(GoalTheme, name, actor)  # type: ignore[return-value]


def active_entries(model: type[ExitDestination] | type[GoalTheme]) -> list:
    return list(db.session.scalars(
        sa.select(model).where(model.active).order_by(model.position, model.id)))
