"""The admin screens (Flask-Admin), thin: they show records and call `app.services`."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from admin.dashboard import DashboardView
from admin.views.feeds import FeedsView
from admin.views.history import HistoryView
from admin.views.interpreters import InterpreterView
from admin.views.my_week import MyWeekView
from admin.views.notices import NoticesView
from admin.views.organisation import (
    ClosureDayView,
    OrganisationView,
    ProgrammeView,
    RoomView,
    SiteView,
)
from admin.views.participant_import import ParticipantImportView
from admin.views.people import ParticipantView, StaffMemberView
from admin.views.planning import PlanningView
from admin.views.programme import EnrolmentView, ModuleView
from admin.views.referrer import ReferrerView
from admin.views.report import ReportView
from admin.views.trajectory import (
    CatalogueView,
    DueEvaluationsView,
    EvaluationView,
    GoalView,
    IntakeItemView,
    SatisfactionSurveyView,
    TrajectoryView,
)
from admin.views.users import UserView
from app.models import (
    ClosureDay,
    Enrolment,
    Interpreter,
    Module,
    Organisation,
    Participant,
    Programme,
    Room,
    Site,
    StaffMember,
    User,
)
from app.models.trajectory import (
    Evaluation,
    ExitDestination,
    Goal,
    GoalTheme,
    IntakeItem,
    SatisfactionSurvey,
    Trajectory,
)
from app.web import security


def init_admin(app: Flask) -> Admin:
    # Our templates and stylesheet, found after the application's own.
    app.register_blueprint(
        Blueprint(
            "parcours_admin",
            __name__,
            template_folder="templates",
            static_folder="static",
            static_url_path="/parcours-static",
        )
    )
    admin = Admin(
        app,
        name="Parcours",
        theme=Bootstrap4Theme(fluid=True, base_template="admin/parcours_master.html"),
        index_view=DashboardView(name=_l("Overview"), url="/admin"),
        csp_nonce_generator=security.csp_nonce,
        # Our wording of a few Flask-Admin messages, read before Flask-Admin's own catalogue.
        translations_path=str(Path(__file__).parent / "translations"),
    )
    people, organisation, programme = _l("People"), _l("Organisation"), _l("Programme")
    admin.add_view(MyWeekView(name=_l("My week"), endpoint="my_week", url="/admin/my-week"))
    admin.add_view(ReferrerView(name=_l("My referrals"), endpoint="referrer",
                                url="/admin/referrals"))
    admin.add_view(PlanningView(name=_l("Planning"), endpoint="planning", url="/admin/planning"))
    admin.add_view(NoticesView(name=_l("Notices"), endpoint="notices", url="/admin/notices"))
    admin.add_view(
        ParticipantView(Participant, _l("Participants"), category=people, endpoint="participant")
    )
    admin.add_view(
        StaffMemberView(StaffMember, _l("Staff"), category=people, endpoint="staff_member")
    )
    admin.add_view(
        InterpreterView(Interpreter, _l("Interpreters"), category=people, endpoint="interpreter")
    )
    admin.add_view(
        ParticipantImportView(name=_l("Import participants"), category=people,
                              endpoint="participant_import", url="/admin/import/participants")
    )
    trajectories = _l("Trajectories")
    admin.add_view(TrajectoryView(Trajectory, _l("Trajectories"), category=trajectories,
                                  endpoint="trajectory"))
    admin.add_view(GoalView(Goal, _l("Goals"), category=trajectories, endpoint="goal"))
    admin.add_view(EvaluationView(Evaluation, _l("Evaluations"), category=trajectories,
                                  endpoint="evaluation"))
    admin.add_view(SatisfactionSurveyView(SatisfactionSurvey, _l("Exit surveys"),
                                          category=trajectories, endpoint="satisfaction_survey"))
    admin.add_view(DueEvaluationsView(name=_l("Evaluations due"), category=trajectories,
                                      endpoint="trajectories_due", url="/admin/trajectories-due"))
    admin.add_view(ModuleView(Module, _l("Modules"), category=programme, endpoint="module"))
    admin.add_view(
        EnrolmentView(Enrolment, _l("Enrolments"), category=programme, endpoint="enrolment")
    )
    admin.add_view(
        ProgrammeView(Programme, _l("Programmes"), category=programme, endpoint="programme")
    )
    admin.add_view(SiteView(Site, _l("Sites"), category=organisation, endpoint="site"))
    admin.add_view(RoomView(Room, _l("Rooms"), category=organisation, endpoint="room"))
    admin.add_view(
        ClosureDayView(
            ClosureDay, _l("Closure days"), category=organisation, endpoint="closure_day"
        )
    )
    admin.add_view(
        OrganisationView(
            Organisation, _l("Organisation"), category=organisation, endpoint="organisation"
        )
    )
    admin.add_view(CatalogueView(ExitDestination, _l("Exit destinations"), category=organisation,
                                 endpoint="exit_destination"))
    admin.add_view(CatalogueView(GoalTheme, _l("Goal catalogue"), category=organisation,
                                 endpoint="goal_theme"))
    admin.add_view(IntakeItemView(IntakeItem, _l("Intake form"), category=organisation,
                                  endpoint="intake_item"))
    admin.add_view(UserView(User, _l("Users"), category=organisation, endpoint="user"))
    admin.add_view(ReportView(name=_l("Funder report"), endpoint="report", url="/admin/report"))
    admin.add_view(HistoryView(name=_l("History"), endpoint="history", url="/admin/history"))
    admin.add_view(FeedsView(_l("Calendar feeds"), endpoint="calendar_feeds", url="/admin/feeds"))
    return admin
