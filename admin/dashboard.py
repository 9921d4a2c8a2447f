"""The overview page: real figures of the signed-in user's organisation."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user

from app import permissions
from app.models.enums import AttendanceStatus, TrajectoryStatus, UserRole
from app.permissions import Action
from app.services import dashboard
from app.services.planning import affected
from app.services.planning import weeks as calendar


class DashboardView(AdminIndexView):
    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        return redirect(url_for("auth.login", next=request.full_path))

    @expose("/")
    def index(self) -> Any:
        if current_user.role is UserRole.REFERRER:
            return redirect(url_for("referrer.index"))  # their one page
        if current_user.role is UserRole.STAFF:
            return redirect(url_for("my_week.index"))  # staff start from their own week
        status_labels = {status.value: status.label for status in TrajectoryStatus}
        return self.render(
            "admin/dashboard.html",
            figures=dashboard.figures(),
            status_labels=status_labels,
            attendance_statuses=list(AttendanceStatus),
            affected=affected.affected_sessions(calendar.today()),
            can_plan=permissions.can(current_user, Action.PLAN),
        )
