"""Accounts of the organisation: administrators only."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import Length, Optional

from admin.base import SecureModelView
from admin.labels import FIELD_LABELS
from app.models.enums import UserRole
from app.services import accounts


class UserView(SecureModelView):
    editor_roles = (UserRole.ADMIN,)
    staff_allowed = False  # accounts are the administrator's business
    column_list = ("email", "role", "staff_member", "locale", "active", "last_login_at")
    column_labels = FIELD_LABELS
    column_searchable_list = ("email",)
    column_filters = ("role", "active")
    column_sortable_list = ("email", "role", "last_login_at")
    # Secrets and lockout counters are never shown, not even to administrators.
    column_exclude_list = accounts.HIDDEN_FIELDS
    column_details_exclude_list = accounts.HIDDEN_FIELDS
    column_export_exclude_list = accounts.HIDDEN_FIELDS
    form_columns = ("email", "role", "staff_member", "locale", "active", "password")
    form_extra_fields = {
        "password": PasswordField(
            _l("New password"),
            validators=[Optional(), Length(min=accounts.MIN_PASSWORD_LENGTH, max=200)],
            description=_l("Leave empty to keep the current password."),
        )
    }

    def is_accessible(self) -> bool:
        from flask_login import current_user

        return bool(current_user.is_authenticated and current_user.role is UserRole.ADMIN)

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        accounts.refuse_taken_email(model)
        accounts.apply_password(model, form.password.data, is_created=is_created)
