"""Warnings at entry (issue 14, item 7): saving an enrolment that overfills its module, or
that leaves a participant short of the programme's weekly minimum, is allowed and says so,
naming the numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Enrolment
from tests import factories


def enrol(client: Any, person_id: int, module_id: int) -> str:
    response = client.post(
        "/admin/enrolment/new/",
        data={
            "participant": str(person_id),
            "module": str(module_id),
            "start_date": "2026-09-01",
            "status": "active",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def enrolled(module_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Enrolment.id)).where(Enrolment.module_id == module_id)
    )


def test_an_enrolment_that_overfills_its_module_is_saved_with_a_warning(coordinator_client, world):
    world.module.group_max, world.module.max_groups = 3, 1  # three already enrolled
    newcomer = factories.participant(world.programme, referent_coach=world.coach)
    db.session.commit()
    page = enrol(coordinator_client, newcomer.id, world.module.id)
    assert "now has 4 participants enrolled; its groups seat 3" in page
    assert "1 group(s) of up to 3" in page
    assert enrolled(world.module.id) == 4  # saving is still allowed


def test_groups_that_follow_the_site_cap_do_not_overfill(coordinator_client, world):
    # "2 participants + 1 trainer": the engine forms more groups, so the seats follow
    world.module.group_max, world.module.max_groups = 3, 1
    world.site.group_cap_participants = 2
    newcomer = factories.participant(world.programme, referent_coach=world.coach)
    db.session.commit()
    page = enrol(coordinator_client, newcomer.id, world.module.id)
    assert "participants enrolled; its groups seat" not in page
    assert enrolled(world.module.id) == 4


def test_a_participant_short_of_the_weekly_minimum_is_named(coordinator_client, world):
    world.programme.min_weekly_hours = Decimal("21")
    other = factories.module(world.programme, name="Atelier créatif", duration_minutes=210)
    db.session.commit()
    person = world.participants[0]  # already in a 3 h weekly workshop
    page = enrol(coordinator_client, person.id, other.id)
    assert f"{person.full_name}&#39;s modules give at most 6.5 h a week" in page or (
        f"{person.full_name}'s modules give at most 6.5 h a week" in page
    )
    assert "requires 21 h" in page

    # enough hours: no warning
    world.programme.min_weekly_hours = Decimal("7.5")
    db.session.commit()
    third = factories.module(world.programme, name="Atelier cuisine", duration_minutes=60)
    db.session.commit()
    page = enrol(coordinator_client, person.id, third.id)
    assert "modules give at most" not in page


def test_a_drop_in_seats_each_offered_session_once_a_week(coordinator_client, world):
    # offered twice a week, three seats each: six people fit, each coming once a week
    world.module.group_max, world.module.max_groups = 3, 1
    world.module.drop_in, world.module.sessions_per_period = True, 2
    newcomer = factories.participant(world.programme, referent_coach=world.coach)
    db.session.commit()
    page = enrol(coordinator_client, newcomer.id, world.module.id)
    assert "participants enrolled; its groups seat" not in page
    late = [factories.participant(world.programme, referent_coach=world.coach) for _ in range(3)]
    db.session.commit()
    for person in late[:2]:
        enrol(coordinator_client, person.id, world.module.id)
    page = enrol(coordinator_client, late[2].id, world.module.id)
    assert "now has 7 participants enrolled; its groups seat 6" in page
