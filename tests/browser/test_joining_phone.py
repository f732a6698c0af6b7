"""Joining on a 360 px phone in a real browser: sign up on /mitmachen, confirm by the mailed link, the
coordinator approves, the new volunteer sets a password and signs in; axe finds no serious violation on
the way. The story as a helper: tests/browser/test_training_phone.py goes on from it to a full training."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from roombook.db import db
from tests.access.joining_helpers import link_in, mails_to
from tests.browser.conftest import (
    assert_accessible,
    login,
    screenshot,
)


def mailed_link(app, email: str) -> str:
    """The personal link of the newest mail to `email`, as the outbox holds it."""
    with app.app_context():
        link = link_in(mails_to(db.session, email)[-1])
        db.session.remove()
    return link


def join_as_volunteer(app, base_url: str, phone, coordinator_page, *, name: str, email: str, password: str) -> None:
    """Sign up on the phone, confirm, be approved by the coordinator (in their own browser), set the password
    and sign in: afterwards `phone` is signed in as the new volunteer on their start page."""
    phone.goto(f"{base_url}/mitmachen")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Mitmachen als Ehrenamtliche oder Ehrenamtlicher")
    phone.get_by_text("Diese Einführung in weiteren Sprachen").click()
    expect(phone.locator('p[lang="ar"][dir="rtl"]')).to_be_visible()
    assert_accessible(phone, fits_width=True)
    phone.get_by_label("Ihr Name").fill(name)
    phone.get_by_label("E-Mail", exact=True).fill(email)
    phone.get_by_role("group", name="Sprachen, die Sie sprechen").get_by_label("Arabisch").check()
    phone.get_by_role("group", name="Was Sie gern tun möchten").get_by_label("Sprachkurs").check()
    phone.get_by_label("Ich habe die Datenschutzhinweise gelesen").check()
    phone.get_by_role("button", name="Anmelden und E-Mail bestätigen").click()
    expect(phone.get_by_role("status")).to_contain_text("Wir haben Ihnen eine E-Mail geschickt")
    screenshot(phone, "joining-signed-up-phone")

    phone.goto(base_url + mailed_link(app, email))
    assert_accessible(phone, fits_width=True)
    phone.get_by_role("button", name="Anmeldung bestätigen").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Anmeldung bestätigt")

    login(coordinator_page, base_url, "coordinator@example.org")
    coordinator_page.goto(f"{base_url}/manage/")
    coordinator_page.get_by_role("navigation", name="Verwaltung").get_by_role("link", name="Anmeldungen").click()
    card = coordinator_page.get_by_role("article", name=name)
    expect(card).to_contain_text("Arabisch")
    assert_accessible(coordinator_page, fits_width=True)
    card.get_by_role("button", name="Annehmen").click()
    expect(coordinator_page.get_by_role("status")).to_contain_text(f"{name} ist angenommen")

    phone.goto(base_url + mailed_link(app, email))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Passwort festlegen")
    assert_accessible(phone, fits_width=True)
    phone.get_by_label("Neues Passwort").fill(password)
    phone.get_by_label("Passwort wiederholen").fill(password)
    phone.get_by_role("button", name="Passwort speichern").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Passwort gespeichert")
    login(phone, base_url, email, password)
    expect(phone).to_have_url(re.compile(r"/start$"))

