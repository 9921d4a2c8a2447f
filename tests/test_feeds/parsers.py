"""Read a feed with six independent parsers and reduce it to comparable occurrences.

An occurrence is (uid, start UTC, end UTC, status). The parsers: icalendar +
recurring-ical-events, vobject, Home Assistant's `ical` (strict: it rejects a whole calendar
for one control character), Mozilla's ical.js and node-ical under Node, and libical. The Node
ones and libical run in subprocesses; they are skipped when missing unless
PARCOURS_REQUIRE_PARSERS=1.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

import icalendar
import pytest
import recurring_ical_events
import vobject
from ical.calendar_stream import IcsCalendarStream

JS_DIR = Path(__file__).parents[1] / "js"
LIBICAL_SCRIPT = Path(__file__).with_name("libical_occurrences.py")
SYSTEM_PYTHON = "/usr/bin/python3"
REQUIRED = os.environ.get("PARCOURS_REQUIRE_PARSERS") == "1"
# Wide enough for every feed the tests build.
SPAN = (dt.datetime(2020, 1, 1, tzinfo=dt.UTC), dt.datetime(2030, 1, 1, tzinfo=dt.UTC))


class Occurrence(NamedTuple):
    uid: str
    start: str
    end: str
    status: str


def _utc(moment: dt.datetime) -> str:
    assert moment.tzinfo is not None, "a floating time: the TZID was not resolved"
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sorted(items: list[Occurrence]) -> list[Occurrence]:
    return sorted(items, key=lambda o: (o.start, o.uid))


def with_icalendar(body: bytes) -> list[Occurrence]:
    calendar = icalendar.Calendar.from_ical(body)
    return _sorted([
        Occurrence(str(e["UID"]), _utc(e["DTSTART"].dt), _utc(e["DTEND"].dt),
                   str(e.get("STATUS", "CONFIRMED")))
        for e in recurring_ical_events.of(calendar).between(*SPAN)
    ])


def with_vobject(body: bytes) -> list[Occurrence]:
    calendar = vobject.readOne(body.decode("utf-8"))
    events = calendar.contents.get("vevent", [])
    return _sorted([
        Occurrence(e.uid.value, _utc(e.dtstart.value), _utc(e.dtend.value),
                   e.status.value if hasattr(e, "status") else "CONFIRMED")
        for e in events
    ])


def with_home_assistant(body: bytes) -> list[Occurrence]:
    calendar = IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))
    return _sorted([
        Occurrence(e.uid or "", _utc(e.start_datetime), _utc(e.end_datetime),
                   e.status.value if e.status else "CONFIRMED")
        for e in calendar.timeline.overlapping(*SPAN)
    ])


def _missing(reason: str) -> None:
    if REQUIRED:
        pytest.fail(f"{reason} (PARCOURS_REQUIRE_PARSERS=1)")
    pytest.skip(reason)


def _node(package: str, script: str, body: bytes) -> subprocess.CompletedProcess[bytes]:
    node = shutil.which("node")
    if node is None:
        _missing(f"node is not installed: cannot read the feed with {package}")
    if not (JS_DIR / "node_modules" / package).exists():
        _missing(f"{package} is not installed: run `npm ci` (or `npm install`) in tests/js")
    return subprocess.run([str(node), script], input=body, cwd=JS_DIR,
                          capture_output=True, timeout=30, check=False)


def with_node_ical(body: bytes) -> list[Occurrence]:
    done = _node("node-ical", "node_ical_occurrences.mjs", body)
    assert done.returncode == 0, done.stderr.decode()
    return _sorted([Occurrence(o["uid"], o["start"], o["end"], o["status"])
                    for o in json.loads(done.stdout)])


def with_icaljs(body: bytes) -> list[Occurrence]:
    done = _node("ical.js", "occurrences.mjs", body)
    assert done.returncode == 0, done.stderr.decode()
    return _sorted([Occurrence(o["uid"], o["start"], o["end"], o["status"])
                    for o in json.loads(done.stdout)])


@functools.cache
def libical_available() -> bool:
    if not Path(SYSTEM_PYTHON).exists():
        return False
    probe = subprocess.run(
        [SYSTEM_PYTHON, "-c",
         "import gi; gi.require_version('ICalGLib', '3.0'); from gi.repository import ICalGLib"],
        capture_output=True, timeout=30, check=False)
    return probe.returncode == 0


def with_libical(body: bytes) -> list[Occurrence]:
    if not libical_available():
        _missing("libical's GObject bindings are missing: apt-get install gir1.2-ical-3.0 "
                 "python3-gi")
    done = subprocess.run([SYSTEM_PYTHON, str(LIBICAL_SCRIPT)], input=body,
                          capture_output=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(done.stdout)
    assert result["errors"] == [], result["errors"]
    return _sorted([Occurrence(o["uid"], o["start"], o["end"], o["status"])
                    for o in result["occurrences"]])


PARSERS = {
    "icalendar": with_icalendar,
    "vobject": with_vobject,
    "ical (Home Assistant)": with_home_assistant,
    "ical.js": with_icaljs,
    "node-ical": with_node_ical,
    "libical": with_libical,
}
