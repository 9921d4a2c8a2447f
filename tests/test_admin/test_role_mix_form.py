"""The module form's role mix of individual sessions (issue 14, item 5): who the referent is in
its sessions, and whether the referring social worker takes part."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Module
from tests.test_admin.test_forms import module_form


def individual(world, **overrides):
    return module_form(
        world,
        name="Gesprek met bemiddelaar",
        kind="individual_coaching",
        group_min="1",
        group_max="1",
        **{"staff_needs-0-role": "mediator", "staff_needs-0-count": "1", **overrides},
    )


def saved(name):
    return db.session.scalar(sa.select(Module).where(Module.name == name))


def test_an_individual_module_without_a_bound_referent_and_with_the_referrer(
    coordinator_client, world
):
    response = coordinator_client.post(
        "/admin/module/new/", data=individual(world, referent_role="__None", with_referrer="y")
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    created = saved("Gesprek met bemiddelaar")
    assert (created.referent_role, created.with_referrer) == ("", True)


def test_a_module_saved_without_the_field_keeps_the_referent_coach(coordinator_client, world):
    response = coordinator_client.post("/admin/module/new/", data=individual(world))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert saved("Gesprek met bemiddelaar").referent_role == "coach"


def test_a_group_module_cannot_ask_for_the_referring_social_worker(coordinator_client, world):
    response = coordinator_client.post(
        "/admin/module/new/", data=module_form(world, name="Atelier photo", with_referrer="y")
    )
    assert response.status_code == 200
    assert "only an individual session can ask for them" in response.get_data(as_text=True)
    assert saved("Atelier photo") is None
