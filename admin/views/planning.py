"""Plan the week: generate (live progress), review on grids, adjust, publish, re-plan, print."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from admin.base import SignedInAccess
from app import permissions
from app.extensions import db
from app.models import BRUSSELS, DraftSession, PlannedSession, PlanningRun, Site
from app.models.enums import ModuleKind, RunStatus, UserRole
from app.permissions import Action
from app.services import access_log, notices
from app.services.planning import adjust, affected, jobs, keys, publishing, runs, weekview, wording
from app.services.planning import weeks as calendar
from app.services.planning.grid import KIND_STYLE, week_grid
from app.services.planning.left_out import left_out, more_time_may_place, skipped_weeks
from app.services.planning.problem import Scope
from app.services.planning.runs import PlanningError
from app.web.belgian_input import parse_date, parse_time
from app.web.redirects import safe_next_url

# The engine's status, as a sentence (never OPTIMAL / FEASIBLE on screen).
ENGINE_STATUS_LABELS = {
    "OPTIMAL": _l("the best possible plan"),
    "FEASIBLE": _l("a good plan (time ran out before it could be proven the best)"),
    # FEASIBLE after the coordinator's Stop: they stopped it, time did not run out
    "STOPPED": _l("a good plan (stopped before it could be proven the best)"),
    "INFEASIBLE": _l("no plan is possible"),
    "UNKNOWN": _l("no plan found in the time allowed"),
    "MODEL_INVALID": _l("no plan found in the time allowed"),
}


def engine_status_label(status: str | None, stopped: bool = False) -> str:
    if not status:
        return ""
    if stopped and status.upper() == "FEASIBLE":
        return str(ENGINE_STATUS_LABELS["STOPPED"])
    return str(ENGINE_STATUS_LABELS.get(status.upper(), ENGINE_STATUS_LABELS["UNKNOWN"]))


GOAL_LABELS = {
    "sessions_moved": _l("Sessions moved from the published week"),
    "participants_regrouped": _l("Participants moved to another group"),
    "unmixed_groups": _l("Groups without a mix of newcomers and veterans"),
    "group_size_spread": _l("Difference between group sizes"),
    "extra_coaches": _l("Changes of coach within a group"),
    "outside_preferred_times": _l("Sessions outside preferred times"),
    "idle_gap_hours": _l("Idle hours between a participant's sessions"),
    # the engine's default margin (scheduler.Problem.staff_load_tolerance) is 5 points
    "staff_load_spread": _l("Difference in staff load beyond 5 points (%)"),
    "missed_biweekly_activity": _l("Two-week periods without a group activity"),
    "deferred_sessions": _l("Sessions left to the next planning (block runs on)"),
    "skipped_sessions": _l(
        "Sessions not held in weeks shortened by closures (people they stand for)"
    ),
    "missed_drop_in": _l("Two-week periods without a drop-in session"),
    "unplaced": _l("Enrolments and weekly minimums left out"),
}
# why the plan leaves somebody out (the engine's rule families; see scheduler/unplaced.py)
LEFT_OUT_REASONS = {
    "capacity": _l("no group has a place, a room and a team when this person is free"),
    "appointment": _l("no time when this person, the staff it needs and a room are all free"),
    "participant_unavailable": _l(
        "never free when the module can take place (language course, other commitments)"
    ),
    "language_level": _l("the module does not accept this language level"),
    "mediator_language": _l("no mediator speaks this person's interpreter language"),
    "interpreter_needed": _l("no interpreter of the pool speaks this person's language"),
    "room": _l("no room suits the module"),
    "min_weekly_hours": _l("fewer hours this week than the programme's minimum"),
}
CHANGE_LABELS = {
    "time": _l("time"),
    "room": _l("room"),
    "staff": _l("staff"),
    "participants": _l("participants"),
}
RECORD_ENDPOINTS = {
    "participant": "participant",
    "staff": "staff_member",
    "room": "room",
    "module": "module",
    "site": "site",
}


def record_link(record: dict[str, Any]) -> str | None:
    """The admin page of a record an explanation names (groups link to their module)."""
    kind, record_id = record.get("kind"), str(record.get("id", ""))
    if kind == "group":
        kind, record_id = "module", str(keys.module_pk(record_id) or "")
    endpoint = RECORD_ENDPOINTS.get(str(kind))
    if endpoint is None or not record_id.isdigit():
        return None
    return url_for(f"{endpoint}.edit_view", id=record_id)


def _safe_back(default: str) -> str:
    return safe_next_url(request.form.get("next"), default)


def week_param(default: dt.date) -> dt.date:
    """The Monday of the `?week=2026-W49` argument, or `default`; a malformed week is a 400."""
    text = request.args.get("week")
    if not text:
        return default
    try:
        return calendar.parse_iso_week(text)
    except calendar.WeekFormatError:
        abort(400)


class PlanningView(SignedInAccess, BaseView):
    """Everything between "Generate" and "Publish"."""

    # Drafts are coordinators' work; staff see the published week in "My week".
    staff_allowed = False

    def _require(self, action: Action) -> None:
        """Refuse early (403) before loading anything; the service checks again."""
        permissions.require(current_user, action)

    def _run(self, run_id: int) -> PlanningRun:
        run = db.session.get(PlanningRun, run_id)  # scoped: another organisation's run is None
        if run is None:
            abort(404)
        return run

    # -- the planning page ---------------------------------------------------------------
    @expose("/")
    def index(self) -> Any:
        today = calendar.today()
        next_monday = calendar.monday_of(today) + dt.timedelta(weeks=1)
        runs.fail_orphans(current_user.organisation_id)
        recent = db.session.scalars(
            sa.select(PlanningRun).order_by(PlanningRun.requested_at.desc()).limit(20)
        ).all()
        sites = db.session.scalars(sa.select(Site).order_by(Site.name)).all()
        hit = affected.affected_sessions(today)
        # A published week a change broke is the week to plan again.
        first_week = min((a.week_start for a in hit), default=next_monday)
        return self.render(
            "planning/index.html",
            runs=recent,
            sites=sites,
            affected=hit,
            default_week=calendar.iso_week_label(first_week),
            this_week=calendar.iso_week_label(calendar.monday_of(today)),
            can_plan=permissions.can(current_user, Action.PLAN),
            engine_status_label=engine_status_label,
        )

    @expose("/generate", methods=["POST"])
    def generate(self) -> Response:
        self._require(Action.PLAN)
        try:
            week_start = calendar.parse_iso_week(request.form.get("week", ""))
            weeks = int(request.form.get("weeks", "1"))
            time_limit = float(request.form.get("time_limit", runs.DEFAULT_TIME_LIMIT))
            site_id = int(request.form["site"]) if request.form.get("site") else None
            run = runs.create_run(
                current_user, current_user.organisation_id, week_start, weeks, site_id, time_limit
            )
        except (ValueError, calendar.WeekFormatError, PlanningError) as exc:
            flash(_("Cannot plan: %(reason)s", reason=str(exc)), "error")
            return redirect(url_for(".index"))
        jobs.submit(run.id)
        return redirect(url_for(".run", run_id=run.id))

    @expose("/repair", methods=["POST"])
    def repair(self) -> Response:
        """One click from a change caught after publishing: re-plan that week against the
        published one (the engine moves only what the change forces), then review and publish."""
        self._require(Action.PLAN)
        try:
            week_start = calendar.parse_iso_week(request.form.get("affected_week", ""))
            run = runs.create_run(current_user, current_user.organisation_id, week_start)
        except (calendar.WeekFormatError, PlanningError) as exc:
            flash(_("Cannot plan: %(reason)s", reason=str(exc)), "error")
            return redirect(url_for(".index"))
        jobs.submit(run.id)
        return redirect(url_for(".run", run_id=run.id))

    @expose("/run/<int:run_id>")
    def run(self, run_id: int) -> Any:
        run = self._run(run_id)
        if runs.fail_orphans(run.organisation_id):
            db.session.refresh(run)
        by = request.args.get("by", "room")
        if by not in weekview.VIEWS:
            by = "room"
        if by == "participant":
            self._require(Action.SEE_PEOPLE)
        look = weekview.lookups()
        scope = Scope(run.organisation_id, run.week_start, run.weeks, run.site_id)
        published = weekview.published_in(scope)
        draft = weekview.draft_blocks(run, look)
        live = weekview.published_blocks(published, look)
        d_index, p_index = weekview.draft_index(run), weekview.published_index(published)
        if current_user.role is not UserRole.VIEWER:  # viewers never see participants
            weekview.name_members(draft, d_index[0])
            weekview.name_members(live, p_index[0])
        group_keys = [b.group_key for b in draft + live]
        participant_ids = set().union(*d_index[0].values(), *p_index[0].values())
        choices = weekview.entity_choices(by, look, group_keys, participant_ids)
        entity = request.args.get("id") or (choices[0][0] if choices else "")
        diff = None
        if run.has_draft:
            from app.services.planning.drafts import compare

            diff = compare(run, published, look.modules)
        # One week at a time: two weeks of five days side by side would not be readable.
        week_index = request.args.get("week", "0")
        week_index = int(week_index) if week_index.isdigit() else 0
        week_index = min(week_index, run.weeks - 1)
        shown_week = run.week_start + dt.timedelta(weeks=week_index)
        return self.render(
            "planning/run.html",
            run=run,
            run_error=runs.error_text(run.error),
            by=by,
            entity=entity,
            choices=choices,
            week_index=week_index,
            shown_week=shown_week,
            draft_grid=week_grid(weekview.select(draft, by, entity, *d_index), shown_week),
            published_grid=week_grid(weekview.select(live, by, entity, *p_index), shown_week),
            diff=diff,
            kinds=KIND_STYLE,
            rooms=sorted(look.rooms.values(), key=lambda r: r.name),
            can_plan=permissions.can(current_user, Action.PLAN),
            week_label=calendar.iso_week_label,
            participant_names=self._names(diff),
            group_name=self._group_namer(diff, look),
            record_link=record_link,
            goal_label=lambda name: str(GOAL_LABELS.get(name, name)),
            engine_status_label=engine_status_label,
            explanations=wording.explanation_texts(run),
            kind_label=lambda kind: ModuleKind(kind).label,
            change_label=lambda what: str(CHANGE_LABELS.get(what, what)),
            timedelta=dt.timedelta,
            sees_people=permissions.can(current_user, Action.SEE_PEOPLE),
            deferred=self._deferred(run, look),
            skipped=self._deferred(run, look, skipped=True),
            left_out=left_out(run) if current_user.role is not UserRole.VIEWER else [],
            left_out_count=len(runs.timetable_of(run).unplaced) if run.has_draft else 0,
            more_time=more_time_may_place(run),
            left_out_reason=lambda rule: str(
                LEFT_OUT_REASONS.get(rule, LEFT_OUT_REASONS["capacity"])
            ),
        )

    def _deferred(
        self, run: PlanningRun, look: weekview.Lookups, skipped: bool = False
    ) -> list[str]:
        """Sessions whose frequency block runs on past the planned weeks, left for later (or
        with `skipped`, weekly sessions not held in a week closures shorten, with the week)."""
        if not run.has_draft or not run.timetable_json:
            return []
        timetable = runs.timetable_of(run)
        deferred = timetable.skipped if skipped else timetable.deferred
        week_of = skipped_weeks(run) if skipped else {}
        names = {}
        # Individual coaching: with whom.
        if deferred and permissions.can(current_user, Action.SEE_PEOPLE):
            from app.models import Participant

            ids = {n for k in deferred if (n := keys.group_number(keys.session_group(k)))}
            names = {
                p.id: p.full_name
                for p in db.session.scalars(sa.select(Participant).where(Participant.id.in_(ids)))
            }
        labels = []
        for key in deferred:
            group_key = keys.session_group(key)
            module = look.modules.get(keys.module_pk(group_key) or 0)
            label = weekview.group_label(group_key, module, names)
            if key in week_of:
                label += " · " + _("week of %(d)s", d=f"{week_of[key]:%d/%m/%Y}")
            labels.append(label)
        return labels

    def _group_namer(self, diff: Any, look: weekview.Lookups) -> Any:
        """'group 2', or for an individual appointment the person's name (never their id)."""
        ids = set()
        for change in (diff.changes if diff else []):
            number = keys.group_number(change.group_key)
            if number is not None:
                ids.add(number)
        names: dict[int, str] = {}
        if ids and current_user.role is not UserRole.VIEWER:
            from app.models import Participant

            names = {p.id: p.full_name for p in db.session.scalars(
                sa.select(Participant).where(Participant.id.in_(ids)))}

        def name(group_key: str) -> str:
            module = look.modules.get(keys.module_pk(group_key) or 0)
            if module is not None and module.kind is ModuleKind.INDIVIDUAL_COACHING:
                number = keys.group_number(group_key)
                who = names.get(number) if number is not None else None
                return who or _("individual appointment")
            return _("group %(n)s", n=keys.group_label_part(group_key))

        return name

    def _names(self, diff: Any) -> dict[int, str]:
        if diff is None or not diff.regroupings:
            return {}
        from app.models import Participant

        ids = {r.participant_id for r in diff.regroupings}
        return {
            p.id: p.full_name
            for p in db.session.scalars(sa.select(Participant).where(Participant.id.in_(ids)))
        }

    @expose("/run/<int:run_id>/progress.json")
    def progress(self, run_id: int) -> Response:
        run = self._run(run_id)
        runs.fail_orphans(run.organisation_id)
        db.session.refresh(run)
        elapsed = run.elapsed_seconds
        if elapsed is None and run.started_at is not None:
            elapsed = (dt.datetime.now(BRUSSELS) - run.started_at).total_seconds()
        return jsonify(
            status=run.status.value,
            status_label=run.status.label,
            engine_status=run.engine_status,
            elapsed=round(elapsed or 0.0, 1),
            time_limit=run.time_limit,
            objective=run.objective,
            best_bound=run.best_bound,
            gap=run.gap,
            solutions=run.solutions,
            done=run.status in (RunStatus.FINISHED, RunStatus.FAILED),
        )

    @expose("/run/<int:run_id>/stop", methods=["POST"])
    def stop(self, run_id: int) -> Response:
        self._require(Action.PLAN)
        runs.request_stop(self._run(run_id), by=current_user)
        return jsonify(stopping=True)

    @expose("/run/<int:run_id>/publish", methods=["POST"])
    def publish(self, run_id: int) -> Response:
        self._require(Action.PUBLISH)
        run = self._run(run_id)
        try:
            diff = publishing.publish(run, current_user)
        except PlanningError as exc:
            flash(str(exc), "error")
        else:
            notices.submit_emails()  # staff hear of the changes by e-mail, off the request
            counts = diff.counts
            flash(
                _(
                    "Published: %(added)s added, %(moved)s moved, %(cancelled)s cancelled.",
                    added=counts.get("added", 0),
                    moved=counts.get("moved", 0),
                    cancelled=counts.get("cancelled", 0),
                ),
                "success",
            )
        return redirect(url_for(".run", run_id=run_id))

    @expose("/run/<int:run_id>/replan", methods=["POST"])
    def replan(self, run_id: int) -> Response:
        self._require(Action.PLAN)
        base = self._run(run_id)
        run = runs.create_run(
            current_user,
            base.organisation_id,
            base.week_start,
            base.weeks,
            base.site_id,
            base.time_limit,
            base_run=base,
        )
        jobs.submit(run.id)
        return redirect(url_for(".run", run_id=run.id))

    # -- hand edits ----------------------------------------------------------------------
    def _draft(self, draft_id: int) -> DraftSession:
        draft = db.session.get(DraftSession, draft_id)
        if draft is None:
            abort(404)
        return draft

    @expose("/draft/<int:draft_id>/pin", methods=["POST"])
    def pin(self, draft_id: int) -> Response:
        self._require(Action.PIN)
        draft = self._draft(draft_id)
        try:
            adjust.set_pinned(draft, request.form.get("pinned") == "1", by=current_user)
        except PlanningError as exc:
            flash(str(exc), "error")
        return redirect(_safe_back(url_for(".run", run_id=draft.run_id)))

    @expose("/draft/<int:draft_id>/move", methods=["POST"])
    def move(self, draft_id: int) -> Response:
        self._require(Action.MOVE)
        draft = self._draft(draft_id)
        back = _safe_back(url_for(".run", run_id=draft.run_id))
        try:
            day = parse_date(request.form["date"])
            start = parse_time(request.form["start"])
            room = int(request.form["room"]) if request.form.get("room") else None
        except (KeyError, ValueError):
            flash(_("Give a date as day/month/year (07/12/2026) and a start time (9:00, 9h or "
                    "9u)."), "error")
            return redirect(back)
        try:
            adjust.move(draft, dt.datetime.combine(day, start, BRUSSELS), room, by=current_user)
        except adjust.MoveRefused as exc:
            # One banner, one line per cause, naming people, rooms and sessions.
            reasons = wording.refusal_texts(draft.run, exc.violations, draft.session_key)
            flash(Markup("{}<ul class=\"mb-0\">{}</ul>").format(
                _("This move is refused:"),
                Markup("").join(Markup("<li>{}</li>").format(r) for r in reasons)), "error")
        except PlanningError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Session moved and pinned."), "success")
        return redirect(back)

    @expose("/draft/<int:draft_id>/places.json")
    def draft_places(self, draft_id: int) -> Response:
        """Where a dragged session fits this week, each other place with its reasons in words."""
        self._require(Action.MOVE)
        draft = self._draft(draft_id)
        run = draft.run
        week = run.week_start + dt.timedelta(
            weeks=min(max(request.args.get("week", 0, type=int), 0), run.weeks - 1))
        step = dt.timedelta(minutes=30)
        starts = [
            dt.datetime.combine(week + dt.timedelta(days=day), dt.time(8), BRUSSELS) + step * i
            for day in range(5)
            for i in range(21)  # 8:00 to 18:00
        ]
        found = adjust.places(draft, starts)
        names = wording.RecordNames(run)
        return jsonify(places=[
            {
                "date": place.starts_at.date().isoformat(),
                "start": place.starts_at.strftime("%H:%M"),
                "fits": place.fits,
                "why": wording.grouped(((v.rule, v.records, {}) for v in place.violations),
                                       names, leave_out=draft.session_key),
            }
            for place in found
        ])

    @expose("/session/<int:session_id>/cancel", methods=["POST"])
    def cancel(self, session_id: int) -> Response:
        self._require(Action.CANCEL)
        session = db.session.get(PlannedSession, session_id)
        if session is None:
            abort(404)
        try:
            publishing.cancel(session, request.form.get("reason", ""), by=current_user)
        except PlanningError as exc:
            flash(str(exc), "error")
        else:
            notices.submit_emails()
            flash(_("Session cancelled; it stays visible as cancelled."), "success")
        return redirect(_safe_back(url_for(".index")))

    # -- print ---------------------------------------------------------------------------
    @expose("/print")
    def print_week(self) -> Any:
        """One printable page: a participant's or a group's published week, in their language."""
        by, entity = request.args.get("by", "participant"), request.args.get("id", "")
        self._require(Action.SEE_PEOPLE)
        today = dt.datetime.now(BRUSSELS).date()
        week_start = calendar.monday_of(week_param(calendar.monday_of(today)))
        return render_week_sheet(self, by, entity, week_start)


def render_week_sheet(view: BaseView, by: str, entity: str, week_start: dt.date) -> Any:
    """The printable published week of one participant, staff member or group, in their
    language; 404 when the subject is unknown (or, for staff, outside their caseload)."""
    from app.services.planning import printing

    sheet = printing.week_sheet(current_user.organisation_id, by, entity, week_start)
    if sheet is None:
        abort(404)
    access_log.record(current_user, "week.printed", by[:64], entity, week=week_start.isoformat())
    with printing.language(sheet.language):
        return view.render(
            "planning/print.html",
            sheet=sheet,
            kinds=KIND_STYLE,
            grid=week_grid(sheet.blocks, week_start),
        )
