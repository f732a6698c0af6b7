"""Form fields the pages share beyond WTForms' own: checkboxes, hours with a decimal comma, a time range per
weekday, and texts in the residents' further languages."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from wtforms import (
    Field,
    FloatField,
    SelectMultipleField,
)
from wtforms.utils import unset_value
from wtforms.widgets import CheckboxInput, ListWidget

from roombook.booking.recurrence import DAYS
from roombook.coordination.volunteers import MAX_WINDOWS_A_DAY
from roombook.i18n import lazy_day_name
from roombook.i18n.public_texts import LANGUAGES as RESIDENT_LANGUAGES


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as checkboxes. The domain checks the values (validate_choice off), so an
    unknown one is refused with its own message at the field."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, validate_choice=False, **kwargs)


class HoursField(FloatField):
    """Hours as people write them here: "2,5" as well as "2.5" (a browser without number inputs sends either)."""

    def process_formdata(self, valuelist):
        super().process_formdata([value.replace(",", ".", 1) for value in valuelist])


@dataclass(frozen=True)
class TimeRow:
    """One window of a weekday's row: its inputs are `<id>-from` and `<id>-to`; `number` counts from 1. A
    `spare` row is an empty one for another window: the first is there to fill in without scripts, the
    others come `hidden`, for weektimes.js to show one by one."""

    id: str
    number: int
    start: str
    end: str
    spare: bool = False
    hidden: bool = False


@dataclass(frozen=True)
class DayTimes:
    """One weekday's row of a WeekTimesField, as the page shows it: its windows, then a spare one."""

    id: str
    name: LazyString
    times: list[TimeRow]
    error: LazyString | None


class WeekTimesField(Field):
    """Times from and to for each weekday, several a day: pairs of <input type="time"> named `<name>-<day>-from`
    and `-to` for a day's first window, `<name>-<day>-<n>-from` and `-to` for the n-th further one. Both empty is
    no window, one of them empty is refused at its day. The data are the windows typed ({"day", "from", "to"})
    for the domain to check; the page offers one empty pair more per day, so a window is added without scripts.

    A browser's time input cannot hold "24:00": an end at "00:00" is midnight at the end of the day, and a
    stored "24:00" is shown so."""

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self.day_errors: dict[str, LazyString] = {}
        windows = self.default if data is unset_value else data
        if formdata is not None:
            windows = []
            for day in DAYS:
                for index in range(MAX_WINDOWS_A_DAY + 1):  # one more than may be kept: the domain refuses it
                    stem = f"{self.name}-{day}" + (f"-{index}" if index else "")
                    start, end = (formdata.get(f"{stem}-{part}", "").strip() for part in ("from", "to"))
                    if start or end:
                        windows.append({"day": day, "from": start, "to": "24:00" if end == "00:00" else end})
        self.data = list(windows or [])

    def pre_validate(self, form) -> None:
        for window in self.data:
            if not (window["from"] and window["to"]):
                self.day_errors[window["day"]] = _l("Bitte „von“ und „bis“ angeben – oder beide leer lassen.")

    def validate(self, form, extra_validators=()) -> bool:
        # a day's refusal is shown at its row, not among the field's own errors
        return super().validate(form, extra_validators) and not self.day_errors

    def days(self) -> list[DayTimes]:
        """Monday to Sunday, each with what was typed or stored, the spare pairs, and its refusal."""
        rows = []
        for day in DAYS:
            typed = [window for window in self.data if window["day"] == day]
            times = []
            for index in range(max(len(typed), MAX_WINDOWS_A_DAY)):
                window = typed[index] if index < len(typed) else {}
                times.append(TimeRow(f"{self.id}-{day}" + (f"-{index}" if index else ""), index + 1,
                                     window.get("from", ""),
                                     "00:00" if window.get("to") == "24:00" else window.get("to", ""),
                                     spare=index >= len(typed), hidden=index > len(typed)))
            rows.append(DayTimes(f"{self.id}-{day}", lazy_day_name(day), times, self.day_errors.get(day)))
        return rows


@dataclass(frozen=True)
class TranslationRow:
    """One language's inputs of a TranslationsField, as the page shows them."""

    code: str
    name: str  # the language's own name
    direction: str
    inputs: list[tuple[str, str, LazyString, str]]  # (input name, part, label, value)


class TranslationsField(Field):
    """Texts in the residents' further languages: one input per language and part, named `<name>-<code>-<part>`
    (e.g. `translations-ar-title`); empty ones are not kept. The data are {"ar": {"title": "…"}, …} for
    roombook.booking.offer_details.check_translations."""

    PART_LABELS = {"title": _l("Titel"), "description": _l("Beschreibung"), "name": _l("Name"),
                   "venue_note": _l("Wie man hinkommt")}

    def __init__(self, label=None, validators=None, parts: tuple[str, ...] = ("title", "description"), **kwargs):
        super().__init__(label, validators, **kwargs)
        self.parts = parts

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        self.data = {} if data is unset_value or data is None else dict(data)
        if formdata is not None:
            typed: dict[str, dict[str, str]] = {}
            for code in RESIDENT_LANGUAGES:
                if code == "de":
                    continue
                for part in self.parts:
                    value = formdata.get(f"{self.name}-{code}-{part}", "").strip()
                    if value:
                        typed.setdefault(code, {})[part] = value
            self.data = typed

    def _value(self):  # the text checks of Form.validate read every typed value
        return ""

    def rows(self) -> list[TranslationRow]:
        return [TranslationRow(code, lang.name, lang.direction,
                               [(f"{self.name}-{code}-{part}", part, self.PART_LABELS[part],
                                 (self.data.get(code) or {}).get(part, "")) for part in self.parts])
                for code, lang in RESIDENT_LANGUAGES.items() if code != "de"]
