"""Participants from an Excel or CSV list: checked row by row, written all together or not at all.

A programme starting on Parcours keeps its people in a spreadsheet. The file is read with
tablib (openpyxl for .xlsx); every row is checked with the same rules as the participant form,
and the preview names each bad row and field. Nothing is written unless every row is valid;
the write is one transaction, audited like any other (the session hooks record it).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
import tablib
from babel import Locale
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Participant, ParticipantBlock, Programme
from app.models.enums import BlockKind, Gender, LabelledEnum, LanguageLevel, ResidenceStatus
from app.models.vocab import COUNTRY_CODES, LANGUAGE_CODES
from app.services import duplicates
from app.services.validation import validate
from app.web.belgian_input import parse_date, parse_time

MAX_ROWS = 2000
INTERFACE_LANGUAGES = ("fr", "nl", "en")


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    required: bool = False


COLUMNS = (
    Column("first_name", _l("First name"), True),
    Column("last_name", _l("Last name"), True),
    Column("date_of_birth", _l("Date of birth"), True),
    Column("gender", _l("Gender"), True),
    Column("nationality", _l("Nationality"), True),
    Column("residence_status", _l("Residence status"), True),
    Column("language_level", _l("Language level"), True),
    Column("languages", _l("Languages spoken")),
    Column("programme", _l("Programme")),
    Column("entry_date", _l("Entry date")),
    Column("language_course", _l("Language course (days and hours)")),
)
_BY_KEY = {column.key: column for column in COLUMNS}


class ImportFileError(Exception):
    """The file itself cannot be read (format, no header, too many rows)."""


@dataclass
class RowResult:
    number: int  # the row number as the spreadsheet shows it (the header is row 1)
    values: dict[str, str]
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column label, message)
    participant: Participant | None = None

    @property
    def name(self) -> str:
        return f"{self.values.get('first_name', '')} {self.values.get('last_name', '')}".strip()


@dataclass
class Preview:
    rows: list[RowResult]

    @property
    def bad_rows(self) -> list[RowResult]:
        return [row for row in self.rows if row.errors]

    @property
    def ready(self) -> bool:
        return bool(self.rows) and not self.bad_rows


def _folded(text: Any) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
                    .replace("’", "'").split())


def _in_each_language(make: Any) -> set[str]:
    names = set()
    for code in INTERFACE_LANGUAGES:
        with force_locale(code):
            names.add(_folded(make()))
    return names


def _header_map() -> dict[str, str]:
    """Every accepted header (the key, or the label in French, Dutch or English) -> key."""
    out = {}
    for column in COLUMNS:
        out[_folded(column.key)] = column.key
        for name in _in_each_language(lambda c=column: str(c.label)):
            out[name] = column.key
    return out


def _enum_words(enum_cls: type[LabelledEnum]) -> dict[str, LabelledEnum]:
    out: dict[str, LabelledEnum] = {}
    for member in enum_cls:
        out[_folded(member.value)] = member
        for name in _in_each_language(lambda m=member: m.label):
            out[name] = member
    return out


def _country_words() -> dict[str, str]:
    out = {code.casefold(): code for code in COUNTRY_CODES}
    for code in INTERFACE_LANGUAGES:
        for territory, name in Locale.parse(code).territories.items():
            if territory in COUNTRY_CODES:
                out[_folded(name)] = territory
    return out


def _language_words() -> dict[str, str]:
    out = {code: code for code in LANGUAGE_CODES}
    for code in INTERFACE_LANGUAGES:
        for language, name in Locale.parse(code).languages.items():
            out.setdefault(_folded(name), language)
    return out


def _weekday_words() -> dict[str, int]:
    out: dict[str, int] = {}
    for code in INTERFACE_LANGUAGES:
        days = Locale.parse(code).days["format"]
        for width in ("wide", "abbreviated", "short"):
            for number in range(7):
                out[_folded(days[width][number]).rstrip(".")] = number
    return out


_COURSE = re.compile(r"^\s*([^\d\s]+)\.?\s+(.+?)\s*[-–]\s*(.+?)\s*$")


def _course_blocks(text: str, weekdays: dict[str, int]) -> list[tuple[int, dt.time, dt.time]]:
    """'lundi 9u-12u; mercredi 9h-12h' -> [(0, 09:00, 12:00), (2, 09:00, 12:00)]."""
    out = []
    for part in re.split(r"[;\n]+", text):
        if not part.strip():
            continue
        match = _COURSE.match(part)
        day = weekdays.get(_folded(match.group(1)).rstrip(".")) if match else None
        if match is None or day is None:
            raise ValueError(part.strip())
        out.append((day, parse_time(match.group(2)), parse_time(match.group(3))))
    return out


def _cell(value: Any) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def read_file(content: bytes, filename: str) -> list[dict[str, str]]:
    """The rows of an .xlsx or .csv file, by column key; unknown columns are refused."""
    name = filename.lower()
    try:
        if name.endswith(".xlsx"):
            dataset = tablib.Dataset().load(io.BytesIO(content), format="xlsx")
        elif name.endswith(".csv"):
            text = content.decode("utf-8-sig", errors="strict")
            first = text.splitlines()[0] if text.strip() else ""
            # Belgian Excel saves CSV with semicolons.
            delimiter = ";" if first.count(";") > first.count(",") else ","
            dataset = tablib.Dataset().load(text, format="csv", delimiter=delimiter)
        else:
            raise ImportFileError(_("Choose an Excel (.xlsx) or CSV (.csv) file."))
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("The CSV file is not in UTF-8: save it again as “CSV UTF-8”.")) \
            from exc
    except ImportFileError:
        raise
    except Exception as exc:  # tablib and openpyxl raise many kinds for a damaged file
        raise ImportFileError(_("The file cannot be read: %(error)s", error=str(exc)[:200])) \
            from exc
    headers = _header_map()
    keys = []
    for header in dataset.headers or []:
        key = headers.get(_folded(header))
        if header and key is None:
            raise ImportFileError(_("Unknown column “%(name)s”: use the columns of the template.",
                                    name=str(header)[:60]))
        keys.append(key)
    missing = [str(c.label) for c in COLUMNS if c.required and c.key not in keys]
    if missing:
        raise ImportFileError(_("Missing columns: %(names)s.", names=", ".join(missing)))
    rows = [
        {key: _cell(value) for key, value in zip(keys, row, strict=False) if key}
        for row in dataset
    ]
    rows = [row for row in rows if any(row.values())]
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_("At most %(n)s rows at a time.", n=MAX_ROWS))
    return rows


class _Vocab:
    """The lookup tables, built once per import."""

    def __init__(self) -> None:
        self.genders = _enum_words(Gender)
        self.statuses = _enum_words(ResidenceStatus)
        self.levels = _enum_words(LanguageLevel)
        self.countries = _country_words()
        self.languages = _language_words()
        self.weekdays = _weekday_words()
        self.programmes = {_folded(p.name): p for p in db.session.scalars(sa.select(Programme))}


def _build(row: RowResult, vocab: _Vocab, organisation_id: int) -> Participant:
    values = row.values

    def bad(key: str, message: str) -> None:
        row.errors.append((str(_BY_KEY[key].label), message))

    for column in COLUMNS:
        if column.required and not values.get(column.key):
            bad(column.key, _("empty; this column is required."))
    person = Participant(organisation_id=organisation_id, first_name=values.get("first_name", ""),
                         last_name=values.get("last_name", ""))
    for key in ("date_of_birth", "entry_date"):
        if values.get(key):
            try:
                setattr(person, key, parse_date(values[key]))
            except ValueError:
                bad(key, _("“%(text)s” is not a date: type it as day/month/year, for example "
                           "15/03/1990.", text=values[key]))
    for key, table in (("gender", vocab.genders), ("residence_status", vocab.statuses),
                       ("language_level", vocab.levels)):
        if values.get(key):
            member = table.get(_folded(values[key]))
            if member is None:
                choices = ", ".join(m.label for m in type(next(iter(table.values()))))
                bad(key, _("“%(text)s” is not one of: %(choices)s.", text=values[key],
                           choices=choices))
            setattr(person, key, member)
    if values.get("nationality"):
        code = vocab.countries.get(_folded(values["nationality"]))
        if code is None:
            bad("nationality", _("“%(text)s” is not a country (a name or a code such as SY).",
                                 text=values["nationality"]))
        person.nationality = code or ""
    languages = []
    for word in re.split(r"[,;/]+", values.get("languages", "")):
        if word.strip():
            code = vocab.languages.get(_folded(word))
            if code is None:
                bad("languages", _("“%(text)s” is not a language.", text=word.strip()))
            else:
                languages.append(code)
    person.languages = languages
    # By id, not by relationship: a relationship would put rows with errors in the session.
    programmes = list(vocab.programmes.values())
    if values.get("programme"):
        programme = vocab.programmes.get(_folded(values["programme"]))
        if programme is None:
            bad("programme", _("“%(text)s” is not one of your programmes.",
                               text=values["programme"]))
        else:
            person.programme_id = programme.id
    elif len(programmes) == 1:
        person.programme_id = programmes[0].id  # one programme: the column may stay empty
    else:
        bad("programme", _("empty; this organisation has several programmes."))
    if values.get("language_course"):
        try:
            blocks = _course_blocks(values["language_course"], vocab.weekdays)
        except ValueError as exc:
            bad("language_course", _("“%(text)s” is not a day and hours such as “Monday "
                                     "9:00-12:00”.", text=str(exc)))
        else:
            person.weekly_blocks = [
                ParticipantBlock(organisation_id=organisation_id, weekday=day, start_time=start,
                                 end_time=end, kind=BlockKind.LANGUAGE_COURSE)
                for day, start, end in blocks
            ]
    return person


def check(rows: Iterable[dict[str, str]], organisation_id: int) -> Preview:
    """Every row checked, nothing written: the preview names each bad row and field."""
    vocab = _Vocab()
    results = []
    seen: dict[str, int] = {}
    labels = {column.key: str(column.label) for column in COLUMNS}
    for index, values in enumerate(rows):
        row = RowResult(index + 2, values)
        with db.session.no_autoflush:
            person = _build(row, vocab, organisation_id)
            if not row.errors:
                for error in validate(person):
                    row.errors.append(("", error.message))  # the message names its field
            if not row.errors:
                key = duplicates.confirmation_key(person)
                if key in seen:
                    row.errors.append((labels["last_name"], _(
                        "the same person as row %(row)s (name and date of birth).",
                        row=seen[key])))
                seen.setdefault(key, row.number)
                others = duplicates.same_person(person)
                if others:
                    row.errors.append((labels["last_name"], _(
                        "%(name)s is already registered with this date of birth.",
                        name=others[0].full_name)))
        row.participant = person if not row.errors else None
        results.append(row)
    return Preview(results)


def import_rows(rows: list[dict[str, str]], organisation_id: int) -> int:
    """Write every participant in one transaction, or nothing if any row is invalid."""
    preview = check(rows, organisation_id)
    if not preview.ready:
        raise ImportFileError(_("%(n)s row(s) have errors: nothing was imported.",
                                n=len(preview.bad_rows)))
    try:
        for row in preview.rows:
            assert row.participant is not None  # noqa: S101 - ready means every row built
            db.session.add(row.participant)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return len(preview.rows)


def template() -> bytes:
    """An Excel file with the columns in the user's language and one invented example."""
    dataset = tablib.Dataset(headers=[str(column.label) for column in COLUMNS])
    days = (get_locale() or Locale("fr")).days["format"]["wide"]
    dataset.append(["Nour", "Exemple", "15/03/1990", Gender.FEMALE.label, "SY",
                    ResidenceStatus.REFUGEE.label, LanguageLevel.A1.label, "ar, fr", "",
                    "07/12/2026", f"{days[0]} 9:00-12:00; {days[2]} 9:00-12:00"])
    return bytes(dataset.export("xlsx"))
