"""Qualifications: the kinds (a fixed vocabulary, plus "completed training X"), the proofs the coordinator
records per volunteer, what offers require of the volunteers who run them, and the reminder before one ends.

Only that a proof was seen is recorded, never a copy. The extended police certificate is kept as §72a(5)
SGB VIII allows: that it was seen, its date, and that it holds no relevant entry (recording it needs that
confirmation; a certificate with an entry is not recorded at all). It goes when the volunteer stops.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask import render_template
from flask_babel import LazyString, force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from roombook.access import audit
from roombook.i18n import language_of
from roombook.models import (
    Offer,
    OfferRequirement,
    Qualification,
    QualificationKind,
    User,
)
from roombook.models.people import Role
from roombook.notifications.outbox import enqueue

POLICE_CERTIFICATE = "police_certificate"
# The fixed words for the kinds, like the rooms' FEATURES: the code is stored, pages show the word. The
# default validity: first aid courses are refreshed every two years; the police certificate is asked for
# again after five (common practice of youth welfare offices); asylum law and the measles proof hold.
KINDS: dict[str, LazyString] = {
    "first_aid": _l("Erste Hilfe"),
    "asylum_law": _l("Grundlagen Asylrecht"),
    POLICE_CERTIFICATE: _l("erweitertes Führungszeugnis"),
    "measles": _l("Masernschutz-Nachweis"),
    "language_mediation": _l("Sprachmittlung"),
    "child_protection": _l("Kinderschutz"),
}
DEFAULT_VALIDITY = {"first_aid": 24, POLICE_CERTIFICATE: 60, "child_protection": 36}
TRAINING_PREFIX = "training-"
# How long before its end a volunteer is reminded of a qualification.
REMIND_BEFORE = dt.timedelta(days=30)
# Shown as "ends soon" on the coordinator's pages this long before.
EXPIRING_WITHIN = dt.timedelta(days=60)


class QualificationError(ValueError):
    """Input the coordinator must correct; `field` names the form input."""

    def __init__(self, message: str | LazyString, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


def kind_name(kind: QualificationKind) -> str:
    """A kind in the reader's language: the vocabulary's word, or the completed training's title."""
    if kind.code in KINDS:
        return str(KINDS[kind.code])
    return _("Schulung „%(title)s“ abgeschlossen", title=kind.label)


def kind_for(session: Session, code: str, *, field: str = "kind") -> QualificationKind:
    """The kind with this code: a vocabulary kind (created on first use) or an existing completed-training
    kind; QualificationError at `field` for another code."""
    kind = session.scalar(sa.select(QualificationKind).where(QualificationKind.code == code))
    if kind is not None:
        return kind
    if code not in KINDS:
        raise QualificationError(_l("Unbekannte Art von Nachweis: %(code)s", code=code), field)
    kind = QualificationKind(code=code, label="", validity_months=DEFAULT_VALIDITY.get(code))
    session.add(kind)
    session.flush()
    return kind


def kind_choices(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every vocabulary kind and every completed-training kind, vocabulary first; nothing is
    written (a vocabulary kind gets its row when first used)."""
    trained = session.scalars(sa.select(QualificationKind).where(QualificationKind.code.like(f"{TRAINING_PREFIX}%"))
                              .order_by(QualificationKind.label))
    return [(code, str(word)) for code, word in KINDS.items()] + [(k.code, kind_name(k)) for k in trained]


def training_kind(session: Session, training_id: int, title: str) -> QualificationKind:
    """The kind "completed this training" (one per training)."""
    kind = QualificationKind(code=f"{TRAINING_PREFIX}{training_id}", label=title.strip()[:200], validity_months=None)
    session.add(kind)
    session.flush()
    return kind


def valid_until_for(kind: QualificationKind, counted_from: dt.date) -> dt.date | None:
    return counted_from + relativedelta(months=kind.validity_months) if kind.validity_months else None


def record_qualification(session: Session, actor: User, volunteer: User, kind: QualificationKind, *,
                         seen_on: dt.date, valid_until: dt.date | None = None, issued_on: dt.date | None = None,
                         clear: bool = False, today: dt.date) -> Qualification:
    """Record (or renew) that the coordinator saw the volunteer's proof of `kind`. Without `valid_until` it
    counts for the kind's validity from the certificate's date (or the day it was seen)."""
    if volunteer.role != Role.VOLUNTEER:
        raise QualificationError(_l("Nachweise werden nur für Ehrenamtliche erfasst."), "volunteer")
    if seen_on > today:
        raise QualificationError(_l("Das Datum liegt in der Zukunft."), "seen_on")
    police = kind.code == POLICE_CERTIFICATE
    if police:
        if not clear:
            raise QualificationError(
                _l("Ein Führungszeugnis wird nur erfasst, wenn es keinen Eintrag nach §72a SGB VIII enthält."),
                "clear")
        if issued_on is None:
            raise QualificationError(_l("Bitte das Datum des Führungszeugnisses angeben."), "issued_on")
        if issued_on > seen_on:
            raise QualificationError(_l("Das Führungszeugnis kann nicht nach dem Einsehen ausgestellt sein."),
                                     "issued_on")
    else:
        issued_on = None  # only the police certificate's own date is kept
    if valid_until is None:
        valid_until = valid_until_for(kind, issued_on or seen_on)
    if valid_until is not None and valid_until < seen_on:
        raise QualificationError(_l("„Gültig bis“ liegt vor dem Tag, an dem der Nachweis gesehen wurde."),
                                 "valid_until")
    found = session.scalar(sa.select(Qualification).where(Qualification.user_id == volunteer.id,
                                                          Qualification.kind_id == kind.id))
    if found is None:
        found = Qualification(user_id=volunteer.id, kind_id=kind.id, kind=kind)
        session.add(found)
    found.seen_on, found.issued_on, found.valid_until = seen_on, issued_on, valid_until
    found.recorded_by_id = actor.id if actor is not None else None
    session.flush()
    audit.record_about(session, actor, "qualification.recorded", "user", str(volunteer.id), kind=kind.code,
                       valid_until=valid_until.isoformat() if valid_until else None)
    return found


def delete_qualification(session: Session, actor: User, qualification: Qualification) -> None:
    audit.record_about(session, actor, "qualification.deleted", "user", str(qualification.user_id),
                       kind=qualification.kind.code)
    session.delete(qualification)
    session.flush()


def qualifications_of(session: Session, user_id: int) -> list[Qualification]:
    return list(session.scalars(sa.select(Qualification).where(Qualification.user_id == user_id)
                                .join(Qualification.kind).order_by(QualificationKind.code)))


def held_kinds(session: Session, user_ids: list[int], day: dt.date) -> dict[int, set[int]]:
    """The kinds each person holds on `day`."""
    held: dict[int, set[int]] = {uid: set() for uid in user_ids}
    if not user_ids:
        return held
    for user_id, kind_id in session.execute(
            sa.select(Qualification.user_id, Qualification.kind_id)
            .where(Qualification.user_id.in_(user_ids),
                   sa.or_(Qualification.valid_until.is_(None), Qualification.valid_until >= day))):
        held[user_id].add(kind_id)
    return held


# --- what offers require --------------------------------------------------------------------------------------

def required_kinds(session: Session, offer: Offer) -> list[QualificationKind]:
    return list(session.scalars(sa.select(QualificationKind).join(OfferRequirement)
                                .where(OfferRequirement.offer_id == offer.id).order_by(QualificationKind.code)))


def set_required_kinds(session: Session, actor: User, offer: Offer, codes: list[str]) -> bool:
    """The qualifications the offer's volunteers must hold; True when they changed."""
    kinds = [kind_for_code(session, code) for code in dict.fromkeys(codes)]
    before = {k.id for k in required_kinds(session, offer)}
    after = {k.id for k in kinds}
    if before == after:
        return False
    session.execute(sa.delete(OfferRequirement).where(OfferRequirement.offer_id == offer.id))
    for kind_id in sorted(after):
        session.add(OfferRequirement(offer_id=offer.id, kind_id=kind_id))
    session.flush()
    audit.record(session, actor, "offer.requirements", offer, kinds=sorted(k.code for k in kinds))
    return True


def kind_for_code(session: Session, code: str) -> QualificationKind:
    """kind_for with a refusal at the offer form's "qualifications" field."""
    return kind_for(session, code, field="qualifications")


def needed_for(session: Session, accommodation_id: int, category: str) -> list[QualificationKind]:
    """What the offers of this kind in this place require of their volunteers: whoever fills a gap there must
    hold it too."""
    return list(session.scalars(
        sa.select(QualificationKind).join(OfferRequirement).join(Offer, Offer.id == OfferRequirement.offer_id)
        .where(Offer.accommodation_id == accommodation_id, Offer.category == category)
        .distinct().order_by(QualificationKind.code)))


@dataclass(frozen=True)
class Standing:
    """A volunteer's qualifications as the coordinator's pages show them."""

    held: list[Qualification]
    expiring: list[Qualification]  # valid today, ending within EXPIRING_WITHIN
    expired: list[Qualification]


def standing_of(session: Session, user_ids: list[int], today: dt.date) -> dict[int, Standing]:
    rows: dict[int, list[Qualification]] = {uid: [] for uid in user_ids}
    if user_ids:
        for q in session.scalars(sa.select(Qualification).where(Qualification.user_id.in_(user_ids))
                                 .join(Qualification.kind).order_by(QualificationKind.code)):
            rows[q.user_id].append(q)
    soon = today + EXPIRING_WITHIN
    return {uid: Standing(held=[q for q in items if q.valid_on(today)],
                          expiring=[q for q in items if q.valid_on(today) and q.valid_until is not None
                                    and q.valid_until <= soon],
                          expired=[q for q in items if not q.valid_on(today)])
            for uid, items in rows.items()}


# --- reminders and forgetting ---------------------------------------------------------------------------------

def due_reminders(session: Session, today: dt.date) -> list[int]:
    """Qualifications of active volunteers ending within REMIND_BEFORE whose end they were not reminded of."""
    return list(session.scalars(
        sa.select(Qualification.id).join(User, User.id == Qualification.user_id)
        .where(User.active, Qualification.valid_until.is_not(None), Qualification.valid_until >= today,
               Qualification.valid_until <= today + REMIND_BEFORE,
               sa.or_(Qualification.reminded_for.is_(None), Qualification.reminded_for != Qualification.valid_until))
        .order_by(Qualification.id)))


def remind_expiring(session: Session, qualification_id: int, *, base_url: str) -> bool:
    """Queue the one reminder of this qualification's end; True when queued. The mark and the message are
    written together by one conditional UPDATE: of two runs at once, only one changes the row."""
    marked = session.execute(
        sa.update(Qualification).where(
            Qualification.id == qualification_id, Qualification.valid_until.is_not(None),
            sa.or_(Qualification.reminded_for.is_(None), Qualification.reminded_for != Qualification.valid_until))
        .values(reminded_for=Qualification.valid_until).execution_options(synchronize_session=False)).rowcount
    if marked != 1:
        return False
    qualification = session.get(Qualification, qualification_id)
    session.refresh(qualification)
    user = qualification.user
    with force_locale(language_of(user)):
        name = kind_name(qualification.kind)
        subject = _("Ihr Nachweis „%(kind)s“ läuft bald ab", kind=name)
        body = render_template("mail/qualification_expiring.txt", user=user, kind=name,
                               until=qualification.valid_until.strftime("%d.%m.%Y"),
                               link=f"{base_url.rstrip('/')}/my/trainings")
    enqueue(session, user.email, subject, body, kind="notice")
    return True


def forget_police_certificates_of_inactive(session: Session) -> int:
    """§72a(5) SGB VIII: what was noted of a police certificate goes when the volunteer stops; a deleted
    account takes it with it (the database cascades), a deactivated one here."""
    ids = list(session.scalars(
        sa.select(Qualification.id).join(QualificationKind).join(User, User.id == Qualification.user_id)
        .where(QualificationKind.code == POLICE_CERTIFICATE, sa.not_(User.active))))
    if ids:
        session.execute(sa.delete(Qualification).where(Qualification.id.in_(ids)))
    return len(ids)
