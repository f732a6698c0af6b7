"""The new volunteer's story on a 360 px phone, in a real browser: sign up on /mitmachen, confirm, be approved by
the coordinator, set a password (tests/browser/test_joining_phone.join_as_volunteer), then sign up for a full
training, land on its waiting list and see they moved up when seats free: accessible (axe) and without sideways
scrolling at every step."""
from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from roombook import clock
from roombook.coordination import trainings
from roombook.db import db, transaction
from roombook.models import OutboxMessage, Training, TrainingSignup
from tests.browser.conftest import (
    assert_accessible,
    has_horizontal_scroll,
)
from tests.browser.test_joining_phone import join_as_volunteer

TITLE = "Erste Hilfe für Ehrenamtliche"
NEWCOMER = "leyla@example.org"


def _two_seats_free(app) -> None:
    """Two of those with a seat cancel: the first who waited moves up, then the volunteer."""
    with app.app_context():
        training = db.session.scalar(sa.select(Training).where(Training.title == TITLE))
        for _ in range(2):
            with transaction():
                seated = db.session.scalar(sa.select(TrainingSignup).where(
                    TrainingSignup.training_id == training.id, TrainingSignup.status == "confirmed")
                    .order_by(TrainingSignup.id).limit(1))
                trainings.cancel_signup(db.session, seated.user, seated, now=clock.now(), base_url="http://x/")
        db.session.remove()


def test_a_new_volunteer_joins_signs_up_for_a_full_training_and_moves_up_on_a_phone(app, live_server, phone, page):
    join_as_volunteer(app, live_server, phone, page, name="Leyla Neu", email=NEWCOMER,
                      password="sonnenblume-am-fluss")
    phone.get_by_role("link", name="Schulungen").first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Schulungen")
    card = phone.get_by_role("region", name=TITLE)
    expect(card).to_contain_text("1 von 1 Plätzen belegt")
    card.get_by_role("button", name="Auf die Warteliste").click()
    card = phone.get_by_role("region", name=TITLE)
    expect(card.get_by_role("status")).to_contain_text("Sie stehen auf Platz 2 der Warteliste.")
    assert not has_horizontal_scroll(phone)
    assert_accessible(phone)

    _two_seats_free(app)
    phone.reload()
    card = phone.get_by_role("region", name=TITLE)
    expect(card.get_by_role("status")).to_contain_text("Sie sind angemeldet.")
    expect(card.get_by_role("status")).to_contain_text("von der Warteliste nachgerückt")
    assert not has_horizontal_scroll(phone)
    assert_accessible(phone)
    phone.goto(f"{live_server}/start")
    expect(phone.get_by_role("region", name="Ihre Schulungen")).to_contain_text("nachgerückt")
    with app.app_context():
        told = db.session.scalars(sa.select(OutboxMessage.subject).where(
            OutboxMessage.recipient == NEWCOMER)).all()
        assert any(TITLE in subject for subject in told)
        db.session.remove()
