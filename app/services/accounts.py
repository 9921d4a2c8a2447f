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


# Columns no screen or export shows: credentials and lockout counters.
HIDDEN_FIELDS = (
    "password_hash",
    "totp_secret",
    "totp_last_step",
    "totp_recovery_hashes",
    "failed_login_count",
    "last_failed_login_at",
    "locked_until",
)


def email_taken(email: str, except_id: int | None = None) -> bool:
    """Whether another account anywhere in the installation has this address (any case)."""
    statement = sa.select(User.id).where(sa.func.lower(User.email) == email.strip().lower())
    if except_id is not None:
        statement = statement.where(User.id != except_id)
    with tenancy.unscoped(), db.session.no_autoflush:
        return db.session.scalar(statement) is not None


def refuse_taken_email(user: User) -> None:
    """A neutral refusal: it does not say whether the address is used in this organisation."""
    if user.email and email_taken(user.email, user.id):
        raise RecordInvalid(
            user.email,
            [FieldError("email", _("E-mail: this address cannot be used; choose another."))],
        )


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


def find_by_email(email: str) -> User | None:
    with tenancy.unscoped():
        return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def set_active(user: User, active: bool) -> None:
    """Deactivate (or reactivate) an account; deactivation ends all its sessions at once."""
    with tenancy.organisation_scope(user.organisation_id):
        user.active = active
        db.session.commit()


def set_password(user: User, password: str) -> None:
    """A new password (the rules apply); every session of the account ends."""
    with tenancy.organisation_scope(user.organisation_id):
        apply_password(user, password, is_created=False)
        user.failed_login_count = 0
        user.locked_until = None
        db.session.commit()
