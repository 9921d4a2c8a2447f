"""The funder report page, thin: read the period, ask app.services.report, render. Every
number links to the records behind it; downloads as XLSX and PDF."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user

from admin.base import SignedInAccess
from app.extensions import db
from app.models import Organisation, Programme, now_brussels
from app.permissions import may_read_report, may_see_report_names
from app.services import access_log
from app.services.report import charts, pdf, records, workbook
from app.services.report.build import Report, build
from app.services.report.figure import shown
from app.services.report.period import Period, PeriodError, from_args
from app.services.validation import today

ROW_LIMIT = 1000  # rows shown on the page; the XLSX has them all


class ReportView(SignedInAccess, BaseView):
    def _report(self) -> Report:
        if not may_read_report(current_user):
            abort(403)
        try:
            period = from_args(request.args, today(), now_brussels())
        except PeriodError as error:
            flash(str(error), "error")
            period = from_args({}, today(), now_brussels())
        return build(period)

    def _file_name(self, period: Period, extension: str) -> str:
        return f"report-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{extension}"

    @expose("/")
    def index(self) -> Any:
        report = self._report()
        programmes = db.session.scalars(sa.select(Programme).order_by(Programme.name)).all()
        organisation = db.session.scalar(sa.select(Organisation.name).limit(1)) or ""
        return self.render("admin/report.html", report=report, shown=shown,
                           charts=charts.charts(report), programmes=programmes,
                           organisation=organisation, args=report.period.query_args())

    @expose("/records")
    def records(self) -> Any:
        report = self._report()
        key = request.args.get("figure", "")
        figure = report.figure(key)
        if figure is None:
            flash(_("This figure is not in the report; choose a number on the report."),
                  "error")
            return redirect(url_for(".index", **report.period.query_args()))  # type: ignore[arg-type]
        names = may_see_report_names(current_user)
        rows = records.table(figure, report.period.end, names, limit=ROW_LIMIT)
        if names:
            access_log.record(current_user, "report.records_viewed", figure.kind.value, key,
                              count=len(figure.ids))
            db.session.commit()
        return self.render("admin/report_records.html", report=report, figure=figure,
                           shown=shown, table=rows, names=names, limit=ROW_LIMIT,
                           args=report.period.query_args())

    @expose("/report.xlsx")
    def xlsx(self) -> Response:
        report = self._report()
        return Response(workbook.workbook(report), headers={
            "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Content-Disposition":
                f'attachment; filename="{self._file_name(report.period, "xlsx")}"'})

    @expose("/report.pdf")
    def pdf(self) -> Response:
        report = self._report()
        organisation = db.session.scalar(sa.select(Organisation.name).limit(1)) or ""
        return Response(pdf.document(report, organisation), headers={
            "Content-Type": "application/pdf",
            "Content-Disposition":
                f'attachment; filename="{self._file_name(report.period, "pdf")}"'})
