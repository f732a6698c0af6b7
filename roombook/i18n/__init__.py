"""Languages of the pages: German by default, English switchable (Flask-Babel).

The catalogs are kept as `.po` files (roombook/translations/<lang>/LC_MESSAGES/messages.po) and
compiled in memory when first used. That way a fresh clone needs no build step and no compiled
`.mo` binaries live in git, while translators still work with the standard gettext format
(`pybabel extract -F babel.cfg` / `pybabel update` keep working on the same files).

The source language of the msgids is German, the default; a missing English entry falls back to German.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from babel.dates import format_datetime, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, has_request_context, request, session
from flask_babel import Babel, Domain, LazyString, get_locale, gettext, refresh
from flask_login import current_user

from roombook.clock import CITY_TIMEZONE

LANGUAGES = {"de": "Deutsch", "en": "English"}
DEFAULT = "de"
CATALOGS = Path(__file__).parent.parent / "translations"
_compiled: dict[str, NullTranslations] = {}


def select_locale() -> str:
    """The visitor's choice (kept in the session) first, then a logged-in person's language, then the browser's
    Accept-Language, then German.

    Outside a request (the CLI, a domain function's lazy message read in a test) there is no visitor: German."""
    if not has_request_context():
        return DEFAULT
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT)


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT


# weekday codes as rules store them (opening hours, wished times, weekly slots), Monday first as Babel counts
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def day_name(code: str, width: str = "abbreviated") -> str:
    """A weekday code ("mon") by its name in the current language, from Babel's calendar data: "Mo" / "Mon",
    or "Montag" / "Monday" with width="wide"."""
    return get_day_names(width, context="stand-alone", locale=current_language())[WEEKDAYS.index(code)]


def lazy_day_name(code: str, width: str = "wide") -> LazyString:
    """day_name, put off until the text is read: for messages made outside a request (a refusal in a rule)."""
    return LazyString(day_name, code, width)


def when(instant: dt.datetime, tz) -> str:
    """A local weekday, date and time as mails and notices write them: "Mo 07.12.2026 10:00"."""
    local = instant.astimezone(tz)
    return f"{day_name(WEEKDAYS[local.weekday()])} {local:%d.%m.%Y %H:%M}"


def local_time(instant: dt.datetime, timezone: str = CITY_TIMEZONE) -> str:
    """An instant (stored in UTC) as people read it on pages: the city's date and wall-clock time."""
    return format_datetime(instant, "dd.MM.yyyy HH:mm", tzinfo=timezone, locale=current_language())


def catalog(language: str) -> NullTranslations:
    """The compiled catalog of a language; German (the msgids' language) needs none."""
    if language not in _compiled:
        path = CATALOGS / language / "LC_MESSAGES" / "messages.po"
        if language == DEFAULT or not path.exists():
            _compiled[language] = NullTranslations()
        else:
            with path.open("rb") as fh:
                po = read_po(fh, locale=language)
            buffer = io.BytesIO()
            write_mo(buffer, po)
            buffer.seek(0)
            _compiled[language] = Translations(buffer)
    return _compiled[language]


class PoDomain(Domain):
    """A Flask-Babel domain that reads the `.po` catalogs directly (see the module docstring)."""

    def get_translations(self):
        return catalog(current_language())


class RoombookBabel(Babel):
    _domain = PoDomain()

    @property
    def domain_instance(self):
        return self._domain


def language_of(person) -> str:
    """The language a person's mails and notices are written in: theirs if German or English, else German."""
    return known_language(getattr(person, "language", None))


def known_language(code: str | None) -> str:
    """A stored language code (a person's, a provider's contact's) if the app speaks it, else German."""
    return code if code in LANGUAGES else DEFAULT


def N_(text: str) -> str:
    """Mark a German text that is stored in a row (a cancellation's reason, a plan run's error) for the catalog.

    Rows keep the German text, the one language every reader of the database shares; pages translate it
    when they show it (the `stored` filter), so the English catalog covers it like any page text."""
    return text


def stored_text(text: str | None) -> str:
    """A stored text in the page's language: the app's own texts (marked with N_) are translated; what a
    person typed (a reason, a title) is not in the catalog and comes back unchanged."""
    if not text:
        return ""
    return gettext(text)


def category_name(category: str | None) -> str:
    """A category's name in the page language (the residents' texts have every language's names)."""
    from roombook.i18n.public_texts import language

    return language(current_language()).categories.get(category or "", (category or "", ""))[0]


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    RoombookBabel(app, locale_selector=select_locale)
    # Flask-Babel caches the locale on `g`, which outlives a request when an app context was already
    # pushed (tests, CLI); choose afresh for every request.
    app.before_request(refresh)
    app.jinja_env.filters["stored"] = stored_text
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals.update(page_languages=LANGUAGES, current_language=current_language,
                                  category_name=category_name)
