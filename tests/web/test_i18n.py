"""The English catalog covers every German text of the pages, and the booking engine's two-language
refusals are split by the page language."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from roombook.i18n import CATALOGS

ROOT = Path(__file__).resolve().parents[2]
# The sources babel.cfg names (every module and template), so the catalog check and `pybabel extract` agree.
with (ROOT / "babel.cfg").open() as _cfg:
    METHODS, OPTIONS = parse_mapping_cfg(_cfg)
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None}


def test_every_page_text_has_an_english_translation():
    with (CATALOGS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string
                  and all(m.string if isinstance(m.string, tuple) else [m.string])}
    found = {(message if isinstance(message, str) else message[0])
             for _file, _line, message, _comments, _context in extract_from_dir(
                 str(ROOT), METHODS, OPTIONS, keywords=KEYWORDS)}
    assert found, "extraction found the page texts"
    missing = sorted(found - translated)
    assert missing == [], "pybabel update, then translate: " + repr(missing)


def test_a_refusal_and_a_stored_text_read_in_the_page_language(app, make_room):
    from roombook.booking.errors import BookingError
    from roombook.booking.policy import open_bookings_limit_reached
    from flask_babel import refresh

    from roombook.i18n import stored_text

    room = make_room(max_open_bookings=3)
    refusal = open_bookings_limit_reached(room)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()  # the locale chosen for an earlier context of this app context is cached on `g`
        assert refusal.message.startswith("The limit is reached:") and room.name in refusal.message
        assert stored_text("storniert") == "cancelled"
        assert stored_text("Lager, bis auf Weiteres") == "Lager, bis auf Weiteres"  # what a person typed
    with app.test_request_context():
        refresh()
        assert refusal.message.startswith("Die Höchstzahl ist erreicht:")
        assert str(BookingError("Nur Deutsch")) == "Nur Deutsch"
