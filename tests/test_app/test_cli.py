"""The `parcours` command line, run through Flask's CLI runner."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import User
from app.models.enums import UserRole


def test_user_create(runner, world):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--organisation",
            world.org.slug,
            "--email",
            "New.Coordinator@Test.invalid",
            "--role",
            "coordinator",
        ],
        input="long enough pass\nlong enough pass\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "new.coordinator@test.invalid"))
    assert user.role is UserRole.COORDINATOR
    assert user.organisation_id == world.org.id
    assert user.check_password("long enough pass")
    assert "long enough pass" not in user.password_hash


def test_user_create_refuses_short_password_and_unknown_organisation(runner, world):
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--organisation",
            world.org.slug,
            "--email",
            "a@test.invalid",
            "--role",
            "viewer",
        ],
        input="short\nshort\n",
    )
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--organisation",
            "nowhere",
            "--email",
            "b@test.invalid",
            "--role",
            "viewer",
        ],
        input="long enough pass\nlong enough pass\n",
    )
    assert result.exit_code != 0
    assert "no organisation with short name 'nowhere'" in result.output
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(User)
            .where(User.email.in_(["a@test.invalid", "b@test.invalid"]))
        )
        == 0
    )


def test_user_create_refuses_a_taken_email(runner, world):
    taken = world.users["viewer"].email
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--organisation",
            world.org.slug,
            "--email",
            taken,
            "--role",
            "viewer",
        ],
        input="long enough pass\nlong enough pass\n",
    )
    assert result.exit_code != 0
    assert "already exists" in result.output
