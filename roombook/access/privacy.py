"""Data protection: a person can take out everything roombook holds about them, and have it deleted.

Deleting a person keeps the history of the rooms (past bookings stay, without an owner, so the
record of who used a room when is kept as 'belegt') but removes their name, email address, tokens,
logins (every browser they were signed in is signed out), mail, volunteer profile and registration; their future
bookings are cancelled so the rooms become free again.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook import clock
from roombook.access import audit
from roombook.booking import cancel_booking
from roombook.i18n import N_
from roombook.models import (
    ApiToken,
    AuditEvent,
    Booking,
    CalendarInvitation,
    FeedToken,
    Login,
    MailSettings,
    OutboxMessage,
    Qualification,
    Registration,
    TrainingSignup,
    User,
    VolunteerAbsence,
    VolunteerProfile,
)
from roombook.models.reservations import BookingStatus


def _utc(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_user_data(session: Session, user: User) -> dict:
    """Everything stored about `user`, as one JSON-ready document (GDPR art. 15 and 20)."""
    bookings = session.scalars(sa.select(Booking).where(Booking.user_id == user.id).order_by(Booking.starts_at))
    api_tokens = session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    feed_tokens = session.scalars(sa.select(FeedToken).where(FeedToken.user_id == user.id).order_by(FeedToken.id))
    logins = session.scalars(sa.select(Login).where(Login.user_id == user.id).order_by(Login.id))
    events = session.scalars(sa.select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.id))
    mail = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == user.email)
                           .order_by(OutboxMessage.id))
    invitations = session.scalars(sa.select(CalendarInvitation).where(
        CalendarInvitation.recipient == user.email.lower()).order_by(CalendarInvitation.id))
    return {
        "exported_at": clock.now().isoformat(),
        "user": {"id": user.id, "email": user.email, "display_name": user.display_name, "role": user.role,
                 "created_at": _utc(user.created_at), "active": user.active,
                 "accommodations": [a.key for a in user.accommodations],
                 "provider": user.provider.key if user.provider else None},
        "volunteer_profile": _profile(session.get(VolunteerProfile, user.id)),
        # how they joined on /mitmachen, with the time of their consent (none for accounts made otherwise)
        "registration": _registration(session.scalar(sa.select(Registration).where(Registration.user_id == user.id))),
        "absences": [{"starts_on": a.starts_on.isoformat(), "ends_on": a.ends_on.isoformat(), "note": a.note,
                      "created_at": _utc(a.created_at)}
                     for a in session.scalars(sa.select(VolunteerAbsence).where(VolunteerAbsence.user_id == user.id)
                                              .order_by(VolunteerAbsence.starts_on))],
        "bookings": [{"id": b.id, "room": b.room.key, "start": _utc(b.starts_at), "end": _utc(b.ends_at),
                      "title": b.title, "status": b.status, "status_reason": b.status_reason,
                      "series": b.series, "created_at": _utc(b.created_at),
                      # what they wrote for residents, the public contact included
                      "offer": {"category": b.category, "languages": list(b.languages or []),
                                "audience": b.audience, "description": b.description, "participants": b.participants,
                                "public": b.public, "public_contact": b.public_contact,
                                "hidden_reason": b.hidden_reason, "translations": b.translations}}
                     for b in bookings],
        "api_tokens": [{"id": t.id, "label": t.label, "prefix": t.prefix, "created_at": _utc(t.created_at),
                        "expires_at": _utc(t.expires_at), "revoked_at": _utc(t.revoked_at),
                        "last_used_at": _utc(t.last_used_at)} for t in api_tokens],
        "feed_tokens": [{"id": t.id, "scope": t.scope, "label": t.label, "prefix": t.prefix,
                         "created_at": _utc(t.created_at), "revoked_at": _utc(t.revoked_at)} for t in feed_tokens],
        "logins": [{"created_at": _utc(s.created_at), "expires_at": _utc(s.expires_at), "remember": s.remember}
                   for s in logins],
        "audit_events": [{"at": _utc(e.at), "action": e.action, "object_type": e.object_type,
                          "object_id": e.object_id, "details": e.details} for e in events],
        "mail": [{"subject": m.subject, "body": m.body, "created_at": _utc(m.created_at),
                  "sent_at": _utc(m.sent_at)} for m in mail],
        "mail_settings": _mail_settings(session.get(MailSettings, user.id)),
        "calendar_invitations": [{"uid": i.uid, "sequence": i.sequence, "method": i.method,
                                  "sent_at": _utc(i.sent_at)} for i in invitations],
        **_trainings_and_qualifications(session, user),
    }


def _registration(registration: Registration | None) -> dict | None:
    if registration is None:
        return None
    return {"display_name": registration.display_name, "languages": registration.languages,
            "skills": registration.skills, "note": registration.note, "consented_at": _utc(registration.consented_at),
            "confirmed_at": _utc(registration.confirmed_at), "decided_at": _utc(registration.decided_at)}


def _trainings_and_qualifications(session: Session, user: User) -> dict:
    """Their sign-ups for trainings and the proofs the coordinator noted as seen."""
    signups = session.scalars(sa.select(TrainingSignup).where(TrainingSignup.user_id == user.id)
                              .order_by(TrainingSignup.id))
    held = session.scalars(sa.select(Qualification).where(Qualification.user_id == user.id).order_by(Qualification.id))
    return {"training_signups": [{"training": s.training.title, "status": s.status, "position": s.position,
                                  "created_at": _utc(s.created_at), "completed_at": _utc(s.completed_at)}
                                 for s in signups],
            "qualifications": [{"kind": q.kind.code, "seen_on": q.seen_on.isoformat(),
                                "issued_on": q.issued_on.isoformat() if q.issued_on else None,
                                "valid_until": q.valid_until.isoformat() if q.valid_until else None}
                               for q in held]}


def _mail_settings(settings: MailSettings | None) -> dict | None:
    if settings is None:
        return None
    return {"confirmations": settings.confirmations, "reminders": settings.reminders,
            "reminder_time": settings.reminder_time}


def _profile(profile: VolunteerProfile | None) -> dict | None:
    if profile is None:
        return None
    return {"languages": profile.languages, "skills": profile.skills, "accommodations": [a.key for a in
            profile.accommodations], "available": profile.available,
            "max_minutes_per_week": profile.max_minutes_per_week, "note": profile.note,
            "updated_at": _utc(profile.updated_at)}


def can_delete_other_user(actor: User | None) -> bool:
    """Only admins delete someone else's account; people delete their own, with their password, via /me."""
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.role == "admin"


def delete_user(session: Session, actor: User | None, user: User, *, now: dt.datetime | None = None) -> None:
    """Delete the person: future bookings cancelled, past ones kept without owner, name and address gone."""
    now = now or clock.now()
    user_id, email = user.id, user.email
    for booking in session.scalars(sa.select(Booking).where(Booking.user_id == user_id,
                                                            Booking.status == BookingStatus.ACTIVE,
                                                            Booking.ends_at > now)):
        cancel_booking(session, actor if actor is not None and actor.id != user_id else None, booking,
                       N_("Konto gelöscht"))
    session.execute(sa.update(Booking).where(Booking.user_id == user_id).values(user_id=None))
    session.execute(sa.delete(OutboxMessage).where(OutboxMessage.recipient == email))
    session.execute(sa.delete(CalendarInvitation).where(CalendarInvitation.recipient == email.lower()))
    # Events about the person (not their actions, which keep their facts) may hold the address.
    session.execute(sa.update(AuditEvent).where(AuditEvent.object_type == "user",
                                                AuditEvent.object_id == str(user_id)).values(details={}))
    session.execute(sa.update(AuditEvent).where(AuditEvent.actor_id == user_id).values(actor_id=None))
    session.delete(user)  # the database deletes the logins, tokens and profile with it (ON DELETE CASCADE)
    session.flush()
    audit.record_about(session, actor if actor is not None and actor.id != user_id else None, "user.deleted",
                       "user", str(user_id))
