"""The FET export (well-formed, right counts), a FET round trip, and the benchmark runner."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from benchmarks import fet
from benchmarks.instances import fix_groups, generate_with_witness
from benchmarks.run import main as run_main
from benchmarks.run import run_child
from scheduler import verify, write_json


@pytest.fixture(scope="module")
def small():
    problem, witness = generate_with_witness("S", seed=0)
    return fix_groups(problem, witness)


def test_fet_export_is_well_formed_with_the_right_counts(small, tmp_path):
    fixed, staff_of = small
    fx = fet.export(fixed, staff_of, tmp_path / "s.fet")
    root = ET.parse(fx.path).getroot()  # noqa: S314 (the file we just wrote)
    assert root.tag == "fet"
    assert len(root.findall("Activities_List/Activity")) == len(staff_of) == len(fx.activities)
    assert len(root.findall("Teachers_List/Teacher")) == len(fixed.staff)
    assert len(root.findall("Rooms_List/Room")) == len(fixed.rooms)
    assert len(root.findall("Students_List/Year")) == len(
        {e.participant_id for e in fixed.enrolments}
    )
    assert len(root.findall("Subjects_List/Subject")) == len(fixed.modules)
    assert int(root.findtext("Days_List/Number_of_Days")) == 5
    starts = root.findall("Time_Constraints_List/ConstraintActivityPreferredStartingTimes")
    assert len(starts) == len(fx.activities)
    assert all(int(c.findtext("Number_of_Preferred_Starting_Times")) > 0 for c in starts)
    assert root.findall("Time_Constraints_List/ConstraintStudentsSetNotAvailableTimes")
    on_site = [a for a in fx.activities if not a.off_site]
    assert len(root.findall("Space_Constraints_List/ConstraintActivityPreferredRooms")) == len(
        on_site
    )
    for a in fx.activities:
        el = root.find(f"Activities_List/Activity[Id='{a.id}']")
        assert el is not None
        assert [s.text for s in el.findall("Students")] == a.members
        assert (
            int(el.findtext("Duration")) * fixed.horizon.grid_minutes
            == fixed.module(a.module_id).duration_minutes
        )


@pytest.mark.skipif(not fet.available(), reason="fet-cl is not installed")
def test_fet_round_trip_verifies(small, tmp_path):
    fixed, staff_of = small
    fx = fet.export(fixed, staff_of, tmp_path / "s.fet")
    result = fet.run(fx, 10, tmp_path / "out")
    assert result.status == "FEASIBLE", result.log
    timetable = fet.to_timetable(fixed, fx, result)
    assert len(timetable.sessions) == len(fx.activities)
    assert verify(fixed, timetable) == []


def test_runner_child_reports_peak_memory_and_verification(small, tmp_path):
    fixed, _ = small
    write_json(fixed, tmp_path / "fixed.json")
    row = run_child(tmp_path / "fixed.json", 5, 1)
    assert row["status"] in ("OPTIMAL", "FEASIBLE"), row
    assert row["verified"] is True
    assert row["peak_rss_mib"] > 10
    assert row["first_feasible_seconds"] is not None


def test_runner_command_writes_results(tmp_path, capsys):
    problem, _ = generate_with_witness("S", seed=1)
    write_json(problem, tmp_path / "programme.json")
    out = tmp_path / "latest.json"
    code = run_main(
        [
            "--sizes",
            "S",
            "--files",
            str(tmp_path / "programme.json"),
            "--time-limits",
            "3",
            "--workers",
            "1",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    data = json.loads(out.read_text())
    assert [r["instance"] for r in data["runs"]] == ["S", "file:programme"]
    assert all(r["verified"] for r in data["runs"])
    assert "optimal<10s" in data["runs"][1]["targets"]
    assert "instance | limit" in capsys.readouterr().out
