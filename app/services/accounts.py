"""User accounts: creation and password changes, with the password rules in one place."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app import tenancy
from app.extensions import db
from app.models import Organisation, User
from app.models.enums import UserRole
from app.services.validation import FieldError, RecordInvalid

MIN_PASSWORD_LENGTH = 10


def password_problems(password: str) -> list[FieldError]:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            FieldError(
                "password", _("Password: use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
            )
        )
    if password.strip() != password or not password.strip():
        problems.append(FieldError("password", _("Password: no spaces at the start or end.")))
    return problems


def apply_password(user: User, password: str | None, *, is_created: bool) -> None:
    """Hash a new password; a new account must get one."""
    if not password:
        if is_created:
            raise RecordInvalid(
                user.email, [FieldError("password", _("Password: a new account needs a password."))]
            )
        return
    problems = password_problems(password)
    if problems:
        raise RecordInvalid(user.email, problems)
    user.set_password(password)


def create_user(
    organisation: Organisation, email: str, role: UserRole, password: str, locale: str | None = None
) -> User:
    """Create an account in one organisation; refuses a taken e-mail or a weak password."""
    email = email.strip().lower()
    with tenancy.unscoped():
        taken = db.session.scalar(sa.select(User.id).where(sa.func.lower(User.email) == email))
    if taken is not None:
        raise RecordInvalid(
            email,
            [
                FieldError(
                    "email", _("E-mail: an account with %(email)s already exists.", email=email)
                )
            ],
        )
    user = User(organisation=organisation, email=email, role=role, locale=locale, password_hash="")
    apply_password(user, password, is_created=True)
    db.session.add(user)
    db.session.commit()
    return user
