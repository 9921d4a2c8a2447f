"""What came of it: goals set and reached, language level gained between intake and exit,
the exit survey, and exits to a job track, training or a language course."""

from __future__ import annotations

from flask_babel import gettext as _

from app.models.enums import LanguageLevel
from app.services.report.figure import RecordKind, Section, count, share
from app.services.report.participants import in_play
from app.services.report.period import Period
from app.services.report.rows import Rows, TrajectoryRow

P, G = RecordKind.PARTICIPANTS, RecordKind.GOALS
LEVEL_ORDER = {level: rank for rank, level in enumerate(LanguageLevel)}
HELPED = 3  # "yes" on the survey's 1-3 scale
EXIT_GROUPS = (("job_track", ("isp", "job")), ("training", ("training",)),
               ("language_course", ("language_course",)))


def gained_level(t: TrajectoryRow) -> bool:
    return (t.level_at_intake is not None and t.level_at_exit is not None
            and LEVEL_ORDER[t.level_at_exit] > LEVEL_ORDER[t.level_at_intake])


def exited_in(rows: Rows, period: Period) -> list[TrajectoryRow]:
    return [t for t in rows.trajectories if t.participant_id in rows.people
            and t.exit_on is not None and period.start <= t.exit_on <= period.end]


def section(rows: Rows, period: Period) -> Section:
    playing = {t.id for t in rows.trajectories
               if t.participant_id in rows.people and in_play(t, period)}
    goals = [g for g in rows.goals if g.trajectory_id in playing]
    reached = [g.id for g in goals if g.status.value == "reached"]
    left = exited_in(rows, period)
    assessed = [t for t in left if t.level_at_intake and t.level_at_exit]
    ours = {t.id for t in rows.trajectories if t.participant_id in rows.people}
    surveys = [s for s in rows.surveys if s.trajectory_id in ours]
    helped = [s.id for s in surveys if s.helped_find_way == HELPED]
    labels = {"job_track": _("Exits to a job track (ISP, article 60, job)"),
              "training": _("Exits to training"),
              "language_course": _("Exits to a language course")}
    result = Section("results", _("Results"))
    result.add(
        count("goals", _("Goals set (stays active in the period)"), G, (g.id for g in goals)),
        count("goals_reached", _("Goals reached"), G, reached),
        share("goals_reached_share", _("Share of goals reached"), len(reached), len(goals), G,
              reached),
        count("level_assessed", _("Exits with a language level at intake and at exit"), P,
              (t.participant_id for t in assessed)),
        count("level_gained", _("Exits with a higher language level than at intake"), P,
              (t.participant_id for t in assessed if gained_level(t))),
        count("surveys", _("Exit surveys answered"), RecordKind.SURVEYS,
              (s.id for s in surveys)),
        count("survey_helped", _("Survey: says it helped them find their way"),
              RecordKind.SURVEYS, helped),
        share("survey_helped_share", _("Share who say it helped"), len(helped), len(surveys),
              RecordKind.SURVEYS, helped),
    )
    for key, codes in EXIT_GROUPS:
        result.add(count(f"exit:{key}", labels[key], P,
                         (t.participant_id for t in left if t.exit_code in codes)))
    return result
