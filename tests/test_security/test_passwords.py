"""Password rules: length, not the e-mail, not one kind of character when short, not common."""

from __future__ import annotations

import pytest
from flask import Flask

from app.models.enums import UserRole
from app.services import accounts
from app.services.validation import RecordInvalid
from tests import factories

GOOD = (
    factories.PASSWORD,
    "parcours-demo-2026",
    "Brussel2026x",
    "onlylowercaseletters",  # long enough to need no mix
    "مرحبا بكم 2026",
)
WEAK = (
    ("short1!", "at least 10"),
    ("amina.test@cpas.invalid", "e-mail"),
    ("Amina.Test", "e-mail"),
    ("azertyuiop", "most common"),
    ("Wachtwoord123", "most common"),
    ("aaaaaaaaaaaa", "mix letters"),
    ("2026202620262", "mix letters"),
    ("ABCDEFGHIJKL", "mix letters"),
)


def test_good_passwords_pass() -> None:
    for password in GOOD:
        assert accounts.password_problems(password, "amina@cpas.invalid") == [], password


def test_weak_passwords_are_refused_with_the_fix() -> None:
    for password, words in WEAK:
        problems = accounts.password_problems(password, "amina.test@cpas.invalid")
        assert words in " ".join(p.message for p in problems), password


def test_create_user_applies_the_rules(app: Flask, world: factories.World) -> None:
    with pytest.raises(RecordInvalid, match="e-mail"):
        accounts.create_user(world.org, "new.admin@cpas.invalid", UserRole.ADMIN, "New.Admin")
    with pytest.raises(RecordInvalid, match="common"):
        accounts.create_user(world.org, "new.admin@cpas.invalid", UserRole.ADMIN, "password123")
    user = accounts.create_user(world.org, "new.admin@cpas.invalid", UserRole.ADMIN, "Tr4jet-2026")
    assert user.check_password("Tr4jet-2026")
