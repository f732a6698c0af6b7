"""Qualifications: what may be recorded, offers that require them, and the one reminder before one ends."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from roombook.coordination import qualifications, volunteers
from roombook.coordination.offers import save_offer
from roombook.jobs import remind_qualifications
from roombook.models import OutboxMessage, Qualification
from tests.coordination.conftest import new_user

TODAY = dt.date(2027, 3, 1)


def _record(session, coordinator, person, code, **params):
    params.setdefault("seen_on", TODAY - dt.timedelta(days=10))
    return qualifications.record_qualification(session, coordinator, person, qualifications.kind_for(session, code),
                                               today=TODAY, **params)


def test_a_qualification_ending_soon_is_reminded_of_exactly_once(app, session, coordinator, volunteers):
    (person,) = volunteers(1, language="en")
    _record(session, coordinator, person, "measles", valid_until=TODAY + dt.timedelta(days=20))
    _record(session, coordinator, person, "asylum_law", valid_until=TODAY + dt.timedelta(days=90))  # not yet
    assert remind_qualifications(app, TODAY) == 1
    assert remind_qualifications(app, TODAY) == 0  # the job runs again: nothing more
    assert remind_qualifications(app, TODAY + dt.timedelta(days=1)) == 0
    (mail,) = session.scalars(sa.select(OutboxMessage)).all()
    assert mail.recipient == person.email and "proof of measles immunity" in mail.subject
    assert "21.03.2027" in mail.body
    # renewed, the new validity gets its own reminder when its end comes near
    _record(session, coordinator, person, "measles", seen_on=TODAY, valid_until=TODAY + dt.timedelta(days=25))
    assert remind_qualifications(app, TODAY) == 1


def test_the_police_certificate_keeps_only_what_the_law_allows(session, coordinator, volunteers):
    (person,) = volunteers(1)
    with pytest.raises(qualifications.QualificationError) as refused:
        _record(session, coordinator, person, qualifications.POLICE_CERTIFICATE, issued_on=TODAY)
    assert refused.value.field == "clear"
    held = _record(session, coordinator, person, qualifications.POLICE_CERTIFICATE, clear=True,
                   issued_on=dt.date(2027, 2, 1))
    assert (held.issued_on, held.valid_until) == (dt.date(2027, 2, 1), dt.date(2032, 2, 1))
    assert _record(session, coordinator, person, "first_aid", issued_on=dt.date(2027, 2, 1)).issued_on is None


def test_a_volunteer_who_stops_loses_the_police_certificate(app, session, coordinator, volunteers):
    stays, stops = volunteers(2)
    for person in (stays, stops):
        _record(session, coordinator, person, qualifications.POLICE_CERTIFICATE, clear=True, issued_on=dt.date(2027, 2, 1))
        _record(session, coordinator, person, "first_aid")
    stops.active = False
    session.flush()
    remind_qualifications(app, TODAY)
    kept = session.execute(sa.select(Qualification.user_id, Qualification.kind_id)).all()
    assert sorted(uid for uid, _ in kept) == [stays.id, stays.id, stops.id]


def test_who_could_help_leaves_out_who_lacks_what_the_offers_there_require(
        session, coordinator, make_offer, shared_hash):
    offer = make_offer(category="procedural_counselling")
    qualified, skilled_only, expired = (new_user(session, "volunteer", shared_hash) for _ in range(3))
    for person in (qualified, skilled_only, expired):
        volunteers.save_profile(session, person, languages=["de"], skills=["procedural_counselling"],
                                accommodation_ids=[], available=[], max_hours=None, note="")
    place = offer.accommodation
    assert len(volunteers.who_could_help(session, place, "procedural_counselling")) == 3
    save_offer(session, coordinator, offer, accommodation=place, provider_keys=[p.key for p in offer.providers],
               title=offer.title, description="", category=offer.category, duration_minutes=90,
               sessions_per_week=1, participants=2, needs_features=[], guaranteed=True,
               valid_from=offer.valid_from, valid_until=offer.valid_until, required_qualifications=["asylum_law"])
    _record(session, coordinator, qualified, "asylum_law", seen_on=dt.date(2020, 1, 1))
    _record(session, coordinator, expired, "asylum_law", seen_on=dt.date(2020, 1, 1), valid_until=dt.date(2021, 1, 1))
    found = volunteers.who_could_help(session, place, "procedural_counselling")
    assert [user for user, _profile in found] == [qualified]
    assert [k.code for k in qualifications.required_kinds(session, offer)] == ["asylum_law"]


def test_the_volunteers_export_holds_their_sign_ups_and_qualifications(session, coordinator, make_training,
                                                                       volunteers):
    from roombook.access.privacy import export_user_data
    from roombook.coordination import trainings
    from tests.coordination.conftest import NOW

    (person,) = volunteers(1)
    trainings.sign_up(session, person, make_training(), now=NOW)
    _record(session, coordinator, person, "first_aid")
    export = export_user_data(session, person)
    assert [(s["training"], s["status"]) for s in export["training_signups"]] == [("Erste Hilfe am Kind",
                                                                                   "confirmed")]
    assert [q["kind"] for q in export["qualifications"]] == ["first_aid"]
