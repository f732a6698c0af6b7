"""A volunteer on a phone signs up for a full training, lands on the waiting list, and sees they moved up when
seats free, in a real browser: accessible (axe) and without sideways scrolling."""
from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import expect

from roombook import clock
from roombook.coordination import trainings
from roombook.db import db, transaction
from roombook.models import OutboxMessage, Training, TrainingSignup
from tests.browser.conftest import (
    describe,
    has_horizontal_scroll,
    login,
    serious_accessibility_violations,
)

TITLE = "Erste Hilfe für Ehrenamtliche"


def _accessible(page) -> None:
    violations = serious_accessibility_violations(page)
    assert violations == [], describe(violations)


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


def test_a_volunteer_joins_the_waiting_list_on_a_phone_and_sees_they_moved_up(app, live_server, phone):
    login(phone, live_server, "volunteer@example.org")
    phone.get_by_role("link", name="Schulungen").first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Schulungen")
    card = phone.get_by_role("region", name=TITLE)
    expect(card).to_contain_text("1 von 1 Plätzen belegt")
    card.get_by_role("button", name="Auf die Warteliste").click()
    card = phone.get_by_role("region", name=TITLE)
    expect(card.get_by_role("status")).to_contain_text("Sie stehen auf Platz 2 der Warteliste.")
    assert not has_horizontal_scroll(phone)
    _accessible(phone)

    _two_seats_free(app)
    phone.reload()
    card = phone.get_by_role("region", name=TITLE)
    expect(card.get_by_role("status")).to_contain_text("Sie sind angemeldet.")
    expect(card.get_by_role("status")).to_contain_text("von der Warteliste nachgerückt")
    assert not has_horizontal_scroll(phone)
    _accessible(phone)
    phone.goto(f"{live_server}/start")
    expect(phone.get_by_role("region", name="Ihre Schulungen")).to_contain_text("nachgerückt")
    with app.app_context():
        told = db.session.scalars(sa.select(OutboxMessage.subject).where(
            OutboxMessage.recipient == "volunteer@example.org")).all()
        assert any(TITLE in subject for subject in told)
        db.session.remove()
