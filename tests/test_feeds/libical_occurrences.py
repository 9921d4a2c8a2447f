"""Reads an iCalendar feed on stdin with libical (GObject bindings) and prints JSON.

Run by Debian's /usr/bin/python3 (it has `gi`); our virtualenv does not. Prints
{"errors": [...X-LIC-ERROR...], "occurrences": [{uid, start, end, status, sequence}]}.
"""

import datetime as dt
import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib as ICal  # noqa: E402


def utc(time: object) -> str:
    seconds = ICal.Time.as_timet_with_zone(time, time.get_timezone())
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def errors_in(component: object) -> list[str]:
    found = []
    prop = component.get_first_property(ICal.PropertyKind.XLICERROR_PROPERTY)
    while prop is not None:
        found.append(prop.get_xlicerror())
        prop = component.get_next_property(ICal.PropertyKind.XLICERROR_PROPERTY)
    child = component.get_first_component(ICal.ComponentKind.ANY_COMPONENT)
    while child is not None:
        found += errors_in(child)
        child = component.get_next_component(ICal.ComponentKind.ANY_COMPONENT)
    return found


def main() -> None:
    calendar = ICal.Component.new_from_string(sys.stdin.read())
    occurrences = []
    event = calendar.get_first_component(ICal.ComponentKind.VEVENT_COMPONENT)
    while event is not None:
        start, end = event.get_dtstart(), event.get_dtend()
        if start.get_timezone() is None:
            raise SystemExit(f"floating time in {event.get_uid()}: its TZID was not resolved")
        status = event.get_status()
        occurrences.append({
            "uid": event.get_uid(), "start": utc(start), "end": utc(end),
            "status": "CANCELLED" if status == ICal.PropertyStatus.CANCELLED else "CONFIRMED",
            "sequence": event.get_sequence(), "summary": event.get_summary(),
        })
        event = calendar.get_next_component(ICal.ComponentKind.VEVENT_COMPONENT)
    occurrences.sort(key=lambda o: (o["start"], o["uid"]))
    print(json.dumps({"errors": errors_in(calendar), "occurrences": occurrences}))


main()
