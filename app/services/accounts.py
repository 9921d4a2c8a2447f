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
# Below this length a password must mix at least two kinds of character (letters, digits...).
MIXED_CLASSES_BELOW = 16
# The most common passwords of 10+ characters (international, French and Dutch), lower-case.
_COMMON_PASSWORDS_TEXT = """
    0123456789 1234567890 12345678910 123456789a 1234567891 0987654321 1111111111 1q2w3e4r5t
    1qaz2wsx3edc qwertyuiop qwerty1234 qwerty12345 azertyuiop azerty1234 azerty12345
    password12 password123 password1234 passw0rd123 p@ssw0rd123 iloveyou12 abcdefghij
    abcd123456 abc1234567 administrator admin12345 admin123456 changeme123 letmein123
    welcome123 motdepasse motdepasse1 motdepasse123 bienvenue1 bienvenue123 soleil1234
    wachtwoord wachtwoord1 wachtwoord123 welkom1234 welkom123! parcours123 parcours2026
    cpasocmw123
"""
COMMON_PASSWORDS = frozenset(_COMMON_PASSWORDS_TEXT.split())


def _character_classes(password: str) -> int:
    """How many of: lower-case (or uncased) letters, capitals, digits, other signs."""
    return sum(
        (
            any(char.isalpha() and not char.isupper() for char in password),
            any(char.isupper() for char in password),
            any(char.isdigit() for char in password),
            any(not char.isalnum() for char in password),
        )
    )


def password_problems(password: str, email: str | None = None) -> list[FieldError]:
    """What is wrong with a new password, as messages that name the fix (empty when fine)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            FieldError(
                "password", _("Password: use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH)
            )
        )
    if password.strip() != password or not password.strip():
        problems.append(FieldError("password", _("Password: no spaces at the start or end.")))
    folded = password.strip().casefold()
    if email and folded in {email.strip().casefold(), email.strip().casefold().split("@")[0]}:
        problems.append(
            FieldError("password", _("Password: do not use the e-mail address as password."))
        )
    elif folded in COMMON_PASSWORDS:
        problems.append(
            FieldError(
                "password", _("Password: this one is among the most common; choose another.")
            )
        )
    elif len(password) < MIXED_CLASSES_BELOW and _character_classes(password) < 2:
        problems.append(
            FieldError(
                "password",
                _(
                    "Password: mix letters with digits or signs, or use at least %(n)s characters.",
                    n=MIXED_CLASSES_BELOW,
                ),
            )
        )
    return problems


def apply_password(user: User, password: str | None, *, is_created: bool) -> None:
    """Hash a new password; a new account must get one."""
    if not password:
        if is_created:
            raise RecordInvalid(
                user.email, [FieldError("password", _("Password: a new account needs a password."))]
            )
        return
    problems = password_problems(password, user.email)
    if problems:
        raise RecordInvalid(user.email, problems)
    user.set_password(password)


def create_user(
    organisation: Organisation, email: str, role: UserRole, password: str, locale: str | None = None
) -> User:
    """Create an account in one organisation; refuses a taken e-mail or a weak password."""
    email = email.strip().lower()
    if any(ord(character) < 32 for character in email):
        raise RecordInvalid(email.replace("\x00", ""), [FieldError("email", _(
            "E-mail: control characters are not allowed."))])
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
