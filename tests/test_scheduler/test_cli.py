from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, time
from pathlib import Path

from scheduler import Pin, read_timetable, write_json
from scheduler.cli import main
from tests.test_scheduler.factories import module, person, problem


def test_cli_writes_a_feasible_timetable(tmp_path: Path, capsys):
    src, out = tmp_path / "p.json", tmp_path / "t.json"
    write_json(problem([module("w", name="Workshop")], [person("a"), person("b")]), src)
    code = main(
        [
            str(src),
            "-o",
            str(out),
            "--time-limit",
            "3",
            "--seed",
            "1",
            "--workers",
            "1",
            "--progress",
        ]
    )
    assert code == 0
    t = read_timetable(out)
    assert t.status == "OPTIMAL"
    assert len(t.sessions) == 1
    assert "objective" in capsys.readouterr().err


def test_cli_infeasible_exit_code_and_explanations(tmp_path: Path):
    src, out = tmp_path / "p.json", tmp_path / "t.json"
    write_json(problem([module("w", name="Workshop", allowed_days=[6])], [person("a")]), src)
    # no time at all for the workshop: a partial plan that leaves "a" out, and says why
    assert main([str(src), "-o", str(out)]) == 3
    data = json.loads(out.read_text())
    assert data["status"] == "OPTIMAL"
    assert [(u["participant_id"], u["module_id"]) for u in data["unplaced"]] == [("a", "w")]
    assert data["explanations"]
    # a pin on a day the workshop cannot take place blocks everything: exit 1
    blocked = problem([module("w", name="Workshop")], [person("a")])
    blocked.pins = [Pin("w#1@0", date(2026, 1, 11), time(10))]
    write_json(blocked, src)
    assert main([str(src), "-o", str(out)]) == 1
    assert json.loads(out.read_text())["status"] == "INFEASIBLE"


def test_cli_bad_input(tmp_path: Path):
    src = tmp_path / "p.json"
    src.write_text('{"format_version": 7}')
    assert main([str(src), "-o", str(tmp_path / "t.json")]) == 2


def test_python_dash_m_scheduler(tmp_path: Path):
    src, out = tmp_path / "p.json", tmp_path / "t.json"
    write_json(problem([module("w", name="Workshop")], [person("a")]), src)
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, "-m", "scheduler", str(src), "-o", str(out), "--time-limit", "3"],
        capture_output=True,
        text=True,
        cwd=root,
    )
    assert run.returncode == 0, run.stderr
    assert out.exists()
