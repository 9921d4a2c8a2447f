"""One date field and one time field for every admin form, typed and shown the Belgian way.

Dates read dd/mm/yyyy and open a picker in the user's language whose weeks start on Monday;
times accept 9:00, 9h, 9u, 09.00 and show 09:00. Each field says its format under it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from babel import Locale
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import DecimalField, Field
from wtforms.widgets import TextInput

from app.web.belgian_input import parse_date, parse_time, show_date, show_time

DATE_HINT = _l("Day/month/year, for example 15/03/1990.")
TIME_HINT = _l("24-hour clock, for example 9:00, 9h, 9u or 13.30.")


def picker_locale() -> dict[str, Any]:
    """Day and month names for the date picker, from Babel, weeks starting on Monday."""
    locale = get_locale() or Locale("en")
    narrow = locale.days["stand-alone"]["short"]
    months = locale.months["stand-alone"]["abbreviated"]
    return {
        # The picker counts days from Sunday (0); Babel from Monday (0).
        "daysOfWeek": [str(narrow[(i + 6) % 7]) for i in range(7)],
        "monthNames": [str(months[i]) for i in range(1, 13)],
        "firstDay": 1,
        "applyLabel": _("Choose"),
        "cancelLabel": _("Cancel"),
    }


class BelgianDateWidget(TextInput):
    """A text box for dd/mm/yyyy with a localised, Monday-first picker (parcours-forms.js)."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("data-role", "belgian-date")
        kwargs.setdefault("data-date-format", "DD/MM/YYYY")
        kwargs.setdefault("data-picker-locale", json.dumps(picker_locale()))
        kwargs.setdefault("placeholder", _("dd/mm/yyyy"))
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("inputmode", "numeric")
        kwargs.setdefault("maxlength", 10)
        return super().__call__(field, **kwargs)


class BelgianTimeWidget(TextInput):
    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("data-role", "belgian-time")
        kwargs.setdefault("placeholder", "9:00")
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("maxlength", 8)
        kwargs.setdefault("size", 6)
        return super().__call__(field, **kwargs)


class _BelgianTextField(Field):
    """A value typed the Belgian way: shown back as typed when refused, else formatted."""

    hint: Any = ""
    kind: type = object

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        # The converter passes an empty description: the hint replaces it.
        kwargs["description"] = kwargs.get("description") or self.hint
        kwargs.pop("format", None)
        super().__init__(label, validators, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.show(self.data) if isinstance(self.data, self.kind) else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = (valuelist[0] if valuelist else "") or ""
        if not text.strip():
            self.data = None
            return
        try:
            self.data = self.parse(text)
        except ValueError as exc:
            self.data = None
            raise ValueError(self.refusal(text.strip())) from exc

    def show(self, value: Any) -> str:
        raise NotImplementedError

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def refusal(self, text: str) -> str:
        raise NotImplementedError


class BelgianDateField(_BelgianTextField):
    """A date typed as dd/mm/yyyy (or pasted as yyyy-mm-dd)."""

    widget = BelgianDateWidget()
    hint = DATE_HINT
    kind = dt.date

    def show(self, value: Any) -> str:
        return show_date(value)

    def parse(self, text: str) -> Any:
        return parse_date(text)

    def refusal(self, text: str) -> str:
        return _("“%(text)s” is not a date: type it as day/month/year, for example 15/03/1990.",
                 text=text)


class BelgianTimeField(_BelgianTextField):
    """A 24-hour time typed as 9:00, 9h, 9u, 09.00 or 9h30."""

    widget = BelgianTimeWidget()
    hint = TIME_HINT
    kind = dt.time

    def show(self, value: Any) -> str:
        return show_time(value)

    def parse(self, text: str) -> Any:
        return parse_time(text)

    def refusal(self, text: str) -> str:
        return _("“%(text)s” is not a time: type it as 9:00, 9h, 9u or 13.30 (24-hour clock).",
                 text=text)


class DecimalCommaWidget(TextInput):
    """A text box: a number box would refuse or blank out "0,8"."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("inputmode", "decimal")
        return super().__call__(field, **kwargs)


class BelgianDecimalField(DecimalField):
    """A number typed and shown with a decimal comma (0,8 FTE); a point is accepted too."""

    widget = DecimalCommaWidget()

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None:
            return ""
        text = f"{self.data:f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text.replace(".", ",")

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            valuelist = [str(valuelist[0]).strip().replace(" ", "").replace(",", ".")]
        super().process_formdata(valuelist)
