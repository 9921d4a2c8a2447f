"""The referring social worker's page: the progress of the people they referred who consented
to share it (app/services/trajectory/referrer.py). The only page a referrer may open."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

from app.models.enums import UserRole
from app.services.planning import weeks as calendar
from app.services.trajectory import referrer


class ReferrerView(BaseView):
    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated and current_user.role is UserRole.REFERRER)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        if current_user.is_authenticated:
            abort(403)
        return redirect(url_for("auth.login", next=request.full_path))

    @expose("/")
    def index(self) -> Any:
        return self.render("referrer/index.html",
                           lines=referrer.progress_for(current_user, calendar.today()))
