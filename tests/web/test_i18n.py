"""The English catalog covers every German text of the pages, and the booking engine's two-language
refusals are split by the page language."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from roombook.i18n import CATALOGS

ROOT = Path(__file__).resolve().parents[2]
# The same sources as babel.cfg: the pages, and the rules whose refusals and labels the management pages show.
METHODS = [("roombook/web/**.py", "python"), ("roombook/i18n.py", "python"), ("roombook/reports/**.py", "python"), ("templates/*.html", "jinja2"),
           ("templates/public/*.html", "jinja2"), ("templates/manage/*.html", "jinja2"),
           ("templates/errors/*.html", "jinja2")] + [
    (f"roombook/{module}.py", "python") for module in ("conflicts", "coverage", "offers", "plan_runs", "rooms",
                                                           "volunteers")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def test_every_page_text_has_an_english_translation():
    with (CATALOGS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string
                  and all(m.string if isinstance(m.string, tuple) else [m.string])}
    found = {(message if isinstance(message, str) else message[0])
             for _file, _line, message, _comments, _context in extract_from_dir(
                 str(ROOT), METHODS, keywords=KEYWORDS)}
    assert found, "extraction found the page texts"
    missing = sorted(found - translated)
    assert missing == [], "pybabel update, then translate: " + repr(missing)


def test_refusals_show_the_half_in_the_page_language(app):
    from roombook.i18n import bilingual

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert bilingual("Der Raum ist belegt. / The room is taken.") == "The room is taken."
        assert bilingual("Nur Deutsch") == "Nur Deutsch"
    with app.test_request_context():
        assert bilingual("Der Raum ist belegt. / The room is taken.") == "Der Raum ist belegt."
