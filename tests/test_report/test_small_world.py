"""The report on a world built by hand: every figure has a known answer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import Flask

from app import tenancy
from app.models import BRUSSELS
from app.services.report.build import build
from app.services.report.period import Period
from tests.test_report import world as small

AS_OF = dt.datetime(2026, 12, 1, tzinfo=BRUSSELS)


def expected(isp_id: int) -> dict[str, object]:
    d = Decimal
    return {
        "supported": 3,
        "new": 3,
        "active_at_end": 1,
        "paused": 1,
        "exited": 1,
        "dropped": 1,
        f"destination:{isp_id}": 1,
        "dropout:moved": 1,
        "gender:female": 2,
        "gender:male": 1,
        "age:25-34": 1,
        "age:35-44": 1,
        "age:55+": 1,
        "nationality:non_eu": 2,
        "nationality:eu": 1,
        "country:AF": 1,
        "country:FR": 1,
        "country:SY": 1,
        "residence:refugee": 1,
        "residence:subsidiary_protection": 1,
        "residence:other": 1,
        "level:a1": 2,
        "level:low_literacy": 1,
        "key:participants": d("66.7"),
        "key:hours": d("60.0"),
        "sessions": 4,
        "sessions:workshop": 2,
        "sessions:info_session": 1,
        "sessions:individual_coaching": 1,
        "hours": d("9.00"),
        "participant_hours": d("15.00"),
        "marks": 8,
        "marks:present": 5,
        "marks:late": 1,
        "marks:excused": 1,
        "marks:absent": 1,
        "attendance_rate": d("75.0"),
        "coaching_contacts": 1,
        "goals": 3,
        "goals_reached": 2,
        "goals_reached_share": d("66.7"),
        "level_assessed": 1,
        "level_gained": 1,
        "surveys": 1,
        "survey_helped": 1,
        "survey_helped_share": d("100.0"),
        "exit:job_track": 1,
        "exit:training": 0,
        "exit:language_course": 0,
        "amif:participants_supported": 2,
        "amif:in_language_course": 1,
        "amif:in_civic_orientation": 1,
        "amif:personal_guidance": 1,
        "amif:improved_cefr_level": 0,
        "amif:found_activity_helpful": 0,
        "fte": d("1.50"),
        "coaching_fte": d("1.00"),
        "clients_per_fte": d("1.0"),
        "clients_per_fte_limit": 25,
        "month:2026-02": d("100.0"),
        "month:2026-03": d("66.7"),
        "month:2026-04": d("66.7"),
        "month:2026-05": d("100.0"),
    }


def test_every_figure_of_2026_has_its_known_answer(app: Flask) -> None:
    w = small.build()
    with app.test_request_context(), tenancy.organisation_scope(w.org.id):
        report = build(Period.year(2026, as_of=AS_OF))
    assert {k: f.value for k, f in report.figures().items()} == expected(w.isp_id)


def test_figures_point_at_the_records_they_count(app: Flask) -> None:
    w = small.build()
    with app.test_request_context(), tenancy.organisation_scope(w.org.id):
        figures = build(Period.year(2026, as_of=AS_OF)).figures()
    people = w.people
    assert set(figures["supported"].ids) == {people[k].id for k in "abc"}
    assert figures["active_at_end"].ids == (people["a"].id,)
    assert figures["paused"].ids == (people["d"].id,)
    assert figures["dropout:moved"].ids == (people["c"].id,)
    assert figures["amif:personal_guidance"].ids == (people["a"].id,)


def test_a_shorter_period_counts_only_its_own_records(app: Flask) -> None:
    w = small.build()
    with app.test_request_context(), tenancy.organisation_scope(w.org.id):
        march = build(Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31), as_of=AS_OF)).figures()
    assert march["sessions"].value == 1
    assert march["supported"].value == 2  # a and b came on 10 March; c was absent
    assert march["new"].value == 1  # c's trial started on 1 March
    assert march["exited"].value == 0


def test_sessions_not_yet_started_are_not_held(app: Flask) -> None:
    w = small.build()
    early = dt.datetime(2026, 3, 10, 10, tzinfo=BRUSSELS)  # during the first workshop
    with app.test_request_context(), tenancy.organisation_scope(w.org.id):
        figures = build(Period.year(2026, as_of=early)).figures()
    assert figures["sessions"].value == 2  # the info session and the workshop under way


def test_another_organisation_sees_none_of_it(app: Flask) -> None:
    small.build()
    other = small.build()
    with app.test_request_context(), tenancy.organisation_scope(other.org.id):
        figures = build(Period.year(2026, as_of=AS_OF)).figures()
    assert figures["supported"].value == 3
    assert set(figures["supported"].ids) == {other.people[k].id for k in "abc"}


def test_months_are_named_in_the_readers_language(app: Flask) -> None:
    # the key stays ISO (its order, its link); the label is no ISO month on a Belgian screen
    from flask_babel import force_locale

    w = small.build()
    labels = {}
    for language in ("fr", "nl", "en"):
        with app.test_request_context(), force_locale(language):
            with tenancy.organisation_scope(w.org.id):
                figures = build(Period.year(2026, as_of=AS_OF)).figures()
            labels[language] = str(figures["month:2026-03"].label)
    assert labels == {"fr": "mars 2026", "nl": "maart 2026", "en": "March 2026"}
