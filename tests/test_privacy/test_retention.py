"""Retention: N years after a trajectory ended, the participant is anonymised."""

from __future__ import annotations

import datetime as dt

from app.extensions import db
from app.models import Participant
from app.models.enums import TrajectoryStatus
from app.services import privacy
from app.services.validation import today
from tests import factories


def _years_ago(years: int, days: int = 0) -> dt.date:
    return privacy.retention_cutoff(today(), years) - dt.timedelta(days=days)


def _ended(programme, status: str, exited_on: dt.date, **kw) -> Participant:
    return factories.participant(programme, trajectory_status=status, exited_on=exited_on,
                                 entry_date=exited_on - dt.timedelta(days=270), **kw)


def _people(world: factories.World) -> dict[str, Participant]:
    people = {
        "completed_6y": _ended(world.programme, "completed", _years_ago(6)),
        "dropped_exactly_5y": _ended(world.programme, "dropped", _years_ago(5)),
        "completed_4y": _ended(world.programme, "completed", _years_ago(4)),
        "completed_5y_less_a_day": _ended(world.programme, "completed", _years_ago(5, -1)),
        "paused_long_ago": _ended(world.programme, "paused", _years_ago(7)),
        "other_org_dropped_8y": _ended(world.other_programme, "dropped", _years_ago(8)),
    }
    db.session.commit()
    return people


def _anonymised(people: dict[str, Participant]) -> set[str]:
    db.session.expire_all()
    return {key for key, person in people.items()
            if db.session.get(Participant, person.id).anonymised_at is not None}


def test_dry_run_counts_and_changes_nothing(runner, world):
    people = _people(world)
    names = [p.last_name for p in people.values()]
    result = runner.invoke(args=["privacy", "retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"{world.org.slug}: 2 due" in result.output
    assert f"{world.other_org.slug}: 1 due" in result.output
    assert not any(name in result.output for name in names)
    assert _anonymised(people) == set()


def test_retention_anonymises_exactly_the_ended_trajectories(runner, world):
    people = _people(world)
    names = [p.last_name for p in people.values()]
    result = runner.invoke(args=["privacy", "retention"])
    assert result.exit_code == 0, result.output
    assert f"{world.org.slug}: 2 anonymised" in result.output
    assert f"{world.other_org.slug}: 1 anonymised" in result.output
    assert not any(name in result.output for name in names)
    assert _anonymised(people) == {"completed_6y", "dropped_exactly_5y", "other_org_dropped_8y"}
    # World participants are active: untouched.
    assert all(db.session.get(Participant, p.id).anonymised_at is None
               for p in world.participants)
    again = runner.invoke(args=["privacy", "retention"])
    assert f"{world.org.slug}: 0 anonymised" in again.output


def test_retention_years_come_from_the_configuration(app, world):
    people = _people(world)
    app.config["PARCOURS_RETENTION_YEARS"] = 3
    results = privacy.apply_retention(dry_run=True)
    ours = {world.org.slug, world.other_org.slug}
    assert sum(r.due for r in results if r.organisation in ours) == 5
    assert _anonymised(people) == set()
    assert privacy.retention_years() == 3
    del app.config["PARCOURS_RETENTION_YEARS"]
    assert privacy.retention_years() == 5
    assert TrajectoryStatus.PAUSED not in privacy.ENDED_STATUSES
