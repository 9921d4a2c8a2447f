"""GDPR for trajectories: the export holds them, anonymisation clears what was written about
the person (in the records and in the audit trail) and keeps what is counted; retention
follows the end of the latest stay."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import sqlalchemy as sa

from app import tenancy
from app.extensions import db
from app.models import ExitDestination, Goal, GoalTheme, Participant, Trajectory
from app.models.enums import LanguageLevel
from app.models.trajectory import EvaluationDecision, EvaluationKind, GoalMoment
from app.services import privacy
from app.services.trajectory import catalogues, records
from tests import factories
from tests.test_privacy.helpers import text_dump

MOTIVATION = "Wantsqx to cook with neighbours"
OBSTACLES = "Backpainzz since the crossing"
GOAL_TEXT = "Takezz the tram to the hospital alone"
REASON = "Lonelyqx after family left"


def stay(world: factories.World, person: Participant, exit_on: dt.date) -> Trajectory:
    with tenancy.organisation_scope(world.org.id):
        catalogues.ensure_defaults(world.org)
        db.session.commit()
        t = records.refer(person, referred_on=dt.date(2019, 1, 7), reason=REASON,
                          referrer=world.social_worker)
        records.record_intake(t, held_on=dt.date(2019, 1, 14), motivation=MOTIVATION,
                              obstacles=OBSTACLES, strengths="Cooks", level=LanguageLevel.A1)
        records.sign_contract(t, signed_on=dt.date(2019, 1, 21))
        language = db.session.scalars(sa.select(GoalTheme).where(GoalTheme.code == "language"))
        records.add_goal(t, theme=language.one(), score_intake=1)
        goal = records.add_goal(t, description=GOAL_TEXT, score_intake=1)
        records.score_goal(goal, GoalMoment.END, 3)
        records.record_evaluation(t, kind=EvaluationKind.FINAL, held_on=exit_on,
                                  decision=EvaluationDecision.END)
        records.record_survey(t, answered_on=exit_on, answers={"helped_find_way": 3})
        destination = db.session.scalars(
            sa.select(ExitDestination).where(ExitDestination.code == "training")).one()
        records.close(t, exit_on=exit_on, destination=destination, level=LanguageLevel.A2)
    return t


def test_the_export_holds_every_stay_with_its_notes_goals_and_survey(world):
    person = world.participants[0]
    stay(world, person, dt.date(2019, 9, 30))
    archive = zipfile.ZipFile(io.BytesIO(privacy.export_participant(person, None)))
    data = json.loads(archive.read(f"participant-{person.id}.json"))
    html = archive.read(f"participant-{person.id}.html").decode()
    [exported] = data["trajectories"]
    assert (exported["motivation"], exported["referral_reason"]) == (MOTIVATION, REASON)
    assert [g["description"] for g in exported["goals"]] == [None, GOAL_TEXT]
    assert exported["survey"]["helped_find_way"] == 3
    assert (exported["exit_destination"], exported["level_at_exit"]) == (
        "Vocational training", "a2")
    assert MOTIVATION in html
    assert GOAL_TEXT in html
    kinds = {event["record_kind"] for event in data["audit_events"]}
    assert {"trajectory", "goal", "evaluation", "satisfaction_survey"} <= kinds


def test_anonymisation_clears_the_free_texts_everywhere_and_keeps_the_counts(world):
    person = world.participants[0]
    t = stay(world, person, dt.date(2019, 9, 30))
    # An edit: the trail holds the old text and the new one.
    with tenancy.organisation_scope(world.org.id):
        t.motivation = MOTIVATION + " and to work"
        db.session.commit()
    dump = text_dump()
    assert all(text in dump for text in (MOTIVATION, OBSTACLES, GOAL_TEXT, REASON))

    assert privacy.anonymise_participant(person, None) is True

    db.session.expire_all()
    dump = text_dump()
    assert not [text for text in (MOTIVATION, OBSTACLES, GOAL_TEXT, REASON, "Cooks")
                if text in dump]
    t = db.session.get(Trajectory, t.id)
    assert (t.referred_on, t.exit_on, t.status.value) == (
        dt.date(2019, 1, 7), dt.date(2019, 9, 30), "completed")
    assert (t.level_at_intake, t.level_at_exit) == (LanguageLevel.A1, LanguageLevel.A2)
    assert t.exit_destination.code == "training"
    scores = [(g.score_intake, g.score_end) for g in db.session.scalars(
        sa.select(Goal).order_by(Goal.id))]
    assert scores == [(1, None), (1, 3)]
    assert t.goals[0].theme.code == "language"
    assert t.survey.helped_find_way == 3


def test_retention_follows_the_end_of_the_latest_stay(world, runner):
    old, back = world.participants[0], world.participants[1]
    stay(world, old, dt.date(2019, 9, 30))
    stay(world, back, dt.date(2019, 9, 30))
    with tenancy.organisation_scope(world.org.id):
        records.refer(back, referred_on=dt.date(2026, 1, 5))  # came back: a new, open stay
    counts = privacy.apply_retention(today=dt.date(2026, 12, 1), years=5)
    assert [(c.due, c.anonymised) for c in counts if c.organisation == world.org.slug] == [(1, 1)]
    db.session.expire_all()
    assert db.session.get(Participant, old.id).anonymised_at is not None
    assert db.session.get(Participant, back.id).anonymised_at is None
