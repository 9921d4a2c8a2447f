"""A partial plan: one person's course blocks a module, everybody else is planned, and the run
page names who is left out and why."""

from __future__ import annotations

import datetime as dt

from app.extensions import db
from app.models import ParticipantBlock
from app.models.enums import BlockKind
from app.services.planning.left_out import left_out
from app.services.planning.runs import timetable_of
from tests.planning_helpers import plan, plannable


def test_a_course_that_blocks_a_module_leaves_only_that_person_out(coordinator_client, world):
    plannable(world)
    # "Atelier cuisine" meets on Thursday mornings only: a Thursday-morning class rules it out
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
