"""Versioned JSON form of Problem and Timetable (see docs/scheduler.md)."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, TypeVar, Union

from scheduler import problem as problem_module
from scheduler import timetable as timetable_module
from scheduler.problem import (
    CALENDAR_MONTHS_SINCE,
    FORMAT_VERSION,
    READABLE_VERSIONS,
    Frequency,
    Problem,
)
from scheduler.timetable import FORMAT_VERSION as TIMETABLE_VERSION
from scheduler.timetable import Timetable

T = TypeVar("T")


class FormatError(ValueError):
    """The JSON does not describe a problem or timetable of a supported version."""


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise FormatError("naive datetimes cannot be written")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        namespace = {**vars(timetable_module), **vars(problem_module), "Timetable": Timetable}
        _HINTS[cls] = typing.get_type_hints(cls, globalns=namespace)
    return _HINTS[cls]


def _decode(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        # the first member the value fits (an explanation's data holds numbers or words)
        for arg in args[:-1]:
            try:
                return _decode(arg, value, where)
            except FormatError:
                continue
        return _decode(args[-1], value, where)
    if origin is list:
        (item,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise FormatError(f"{where}: expected a list")
        return [_decode(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        _, item = typing.get_args(tp)
        if not isinstance(value, dict):
            raise FormatError(f"{where}: expected an object")
        return {k: _decode(item, v, f"{where}.{k}") for k, v in value.items()}
    if tp is Any:
        return value
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        if not isinstance(value, dict):
            raise FormatError(f"{where}: expected an object")
        hints = _hints(tp)
        names = {f.name for f in dataclasses.fields(tp) if f.init}
        unknown = set(value) - names
        if unknown:
            raise FormatError(f"{where}: unknown field(s) {sorted(unknown)}")
        kwargs = {k: _decode(hints[k], v, f"{where}.{k}") for k, v in value.items()}
        try:
            return tp(**kwargs)
        except TypeError as exc:
            raise FormatError(f"{where}: {exc}") from exc
    try:
        if tp is datetime:
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise FormatError(f"{where}: datetime must carry a UTC offset")
            return parsed
        if tp is date:
            return date.fromisoformat(value)
        if tp is time:
            return time.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise FormatError(f"{where}: {exc}") from exc
    if tp is float:
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise FormatError(f"{where}: expected a number")
        return float(value)
    if tp in (int, str, bool) and not isinstance(value, tp):
        raise FormatError(f"{where}: expected {tp.__name__}")
    if tp is int and isinstance(value, bool):
        raise FormatError(f"{where}: expected int")
    return value


def _check_version(data: Any, what: str) -> None:
    if not isinstance(data, dict):
        raise FormatError(f"a {what} must be a JSON object")
    version = data.get("format_version", FORMAT_VERSION)
    readable = READABLE_VERSIONS if what == "problem" else (TIMETABLE_VERSION,)
    if version not in readable:
        expected = " or ".join(str(v) for v in readable)
        raise FormatError(f"{what} format_version {version} is not supported (expected {expected})")


def to_dict(value: Problem | Timetable) -> dict[str, Any]:
    """Plain JSON-ready dict of a problem or timetable."""
    encoded: dict[str, Any] = _encode(value)
    return encoded


def problem_from_dict(data: dict[str, Any]) -> Problem:
    _check_version(data, "problem")
    decoded: Problem = _decode(Problem, data, "problem")
    if data.get("format_version", FORMAT_VERSION) < CALENDAR_MONTHS_SINCE:
        _four_week_months(decoded)
    # an older file reads with the new fields' defaults: it is now a problem of this version
    decoded.format_version = FORMAT_VERSION
    return decoded


def _four_week_months(problem: Problem) -> None:
    """An old file's `monthly` was one session in every block of 4 weeks, spaced 21 days by
    default: the same rhythm in this version's terms (`monthly` is now a calendar month)."""

    def blocks(freq: Frequency) -> Frequency:
        if freq.kind != "monthly":
            return freq
        return dataclasses.replace(freq, kind="every_n_weeks", interval_weeks=4)

    for md in problem.modules:
        if md.frequency.kind == "monthly" and md.min_days_between is None:
            md.min_days_between = 21
        md.frequency = blocks(md.frequency)
    for e in problem.enrolments:
        if e.frequency is not None:
            e.frequency = blocks(e.frequency)


def timetable_from_dict(data: dict[str, Any]) -> Timetable:
    _check_version(data, "timetable")
    decoded: Timetable = _decode(Timetable, data, "timetable")
    return decoded


def dumps(value: Problem | Timetable) -> str:
    return json.dumps(to_dict(value), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def loads_problem(text: str) -> Problem:
    return problem_from_dict(json.loads(text))


def loads_timetable(text: str) -> Timetable:
    return timetable_from_dict(json.loads(text))


def read_problem(path: str | Path) -> Problem:
    return loads_problem(Path(path).read_text(encoding="utf-8"))


def read_timetable(path: str | Path) -> Timetable:
    return loads_timetable(Path(path).read_text(encoding="utf-8"))


def write_json(value: Problem | Timetable, path: str | Path) -> None:
    Path(path).write_text(dumps(value), encoding="utf-8")
