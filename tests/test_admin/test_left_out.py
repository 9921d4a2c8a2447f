"""A partial plan: one person's course blocks a module, everybody else is planned, and the run
page names who is left out and why."""

from __future__ import annotations

import datetime as dt

from app.extensions import db
from app.models import ParticipantBlock
from app.models.enums import BlockKind
from app.services.planning.left_out import left_out, more_time_may_place
from app.services.planning.runs import problem_of, timetable_of
from tests.planning_helpers import plan, plannable


def _blocked(world):
    """The first participant gets a Thursday-morning class: "Atelier cuisine" meets on
    Thursday mornings only."""
    blocked = world.participants[0]
    blocked.weekly_blocks.append(
        ParticipantBlock(
            weekday=3,
            start_time=dt.time(8, 30),
            end_time=dt.time(12, 30),
            kind=BlockKind.LANGUAGE_COURSE,
            organisation_id=blocked.organisation_id,
        )
    )
    db.session.commit()
    return blocked


def test_a_course_that_blocks_a_module_leaves_only_that_person_out(coordinator_client, world):
    plannable(world)
    blocked = _blocked(world)
    run = plan(world)  # (verified against the engine's rules inside `plan`)
    assert run.has_draft
    timetable = timetable_of(run)
    assert [(u.participant_id, u.reason) for u in timetable.unplaced] == [
        (str(blocked.id), "participant_unavailable")
    ]
    others = {str(p.id) for p in world.participants} - {str(blocked.id)}
    planned = {pid for s in timetable.sessions for pid in s.participant_ids}
    assert others <= planned
    rows = left_out(run)
    assert [(r.participant_name, r.module_name) for r in rows] == [
        (blocked.full_name, "Atelier cuisine")
    ]
    page = coordinator_client.get(f"/admin/planning/run/{run.id}").get_data(as_text=True)
    assert 'data-testid="left-out"' in page
    assert blocked.full_name in page
    assert "never free when the module can take place" in page


def test_more_time_is_suggested_only_while_fewer_left_out_is_not_ruled_out(
    coordinator_client, world
):
    plannable(world)
    _blocked(world)
    run = plan(world)
    assert len(timetable_of(run).unplaced) == 1
    weight = problem_of(run).weights.unplaced

    def page() -> str:
        db.session.commit()
        return coordinator_client.get(f"/admin/planning/run/{run.id}").get_data(as_text=True)

    # the time ran out with a bound that proves nobody must be left out: more time may help
    run.engine_status, run.best_bound = "FEASIBLE", 0.0
    assert more_time_may_place(run)
    assert 'data-testid="more-time"' in page()
    # ... and with no bound at all
    run.best_bound = None
    assert 'data-testid="more-time"' in page()
    # a bound that proves one person must be left out: nothing more to gain
    run.best_bound = weight + 5
    assert not more_time_may_place(run)
    assert 'data-testid="more-time"' not in page()
    # the best possible plan
    run.engine_status, run.best_bound = "OPTIMAL", 0.0
    assert 'data-testid="more-time"' not in page()
    assert 'data-testid="left-out"' in page()


def test_a_week_shortened_by_a_closure_skips_a_session_and_says_which(coordinator_client, world):
    # the first module meets on Tuesday or Wednesday mornings; in the second week the centre
    # is closed on Monday and Tuesday (a short week) and the coach is off on Wednesday: that
    # week's session is skipped (its members keep the module), and the run page says which
    # and in which week
    from app.models import ClosureDay
    from tests.planning_helpers import WEEK, day_off

    plannable(world)
    tuesday = WEEK + dt.timedelta(days=8)
    db.session.add(
        ClosureDay(
            organisation_id=world.org.id,
            start_date=tuesday - dt.timedelta(days=1),
            end_date=tuesday,
            reason="Fermeture",
        )
    )
    db.session.commit()
    day_off(world, tuesday + dt.timedelta(days=1))
    run = plan(world, weeks=2)
    timetable = timetable_of(run)
    assert timetable.unplaced == []
    assert len(timetable.skipped) == 1
    assert timetable.skipped[0].endswith("@1")
    page = coordinator_client.get(f"/admin/planning/run/{run.id}").get_data(as_text=True)
    assert 'data-testid="skipped"' in page
    assert f"{world.module.name} · group 1 · week of 07/12/2026" in page


def test_why_they_are_left_out_is_said_in_the_users_language(coordinator_client, world):
    # the engine's own sentences are English: the page words each cause from its rule and
    # records, as it does for a week with no timetable
    plannable(world)
    blocked = _blocked(world)
    run = plan(world)
    assert run.explanations
    english = [e["message"] for e in run.explanations]
    coordinator_client.post("/language/nl")
    page = coordinator_client.get(f"/admin/planning/run/{run.id}").get_data(as_text=True)
    assert 'data-testid="why"' in page
    assert f"{blocked.full_name} heeft geen vrije tijd voor Atelier cuisine" in page
    for message in english:
        assert message not in page
