"""Joining roombook: signing up on /mitmachen with double opt-in, the coordinator's decision, invitations,
and the single-use links all of them mail.

A registration is not an account. Its address is confirmed by a mailed link (valid CONFIRM_LIFETIME); the
coordinator then approves or declines it, and only approval creates the account (role volunteer, the
profile from what the person said, and a mailed link to set the first password). Until then nobody can
sign in or book. Unconfirmed and declined registrations are deleted after KEPT_FOR by a daily job.
Accounts made before sign-ups existed have no registration: they count as approved.

Links carry a random secret; the database keeps only its SHA-256 hash (as for API tokens), and a link is
used up by one conditional UPDATE, so of two concurrent uses exactly one gets through.
"""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from roombook import clock
from roombook.access import audit, permissions, ratelimit
from roombook.access.accounts import create_user
from roombook.coordination.volunteers import LANGUAGES, SKILLS
from roombook.db import text_fault
from roombook.i18n import known_language
from roombook.models import Accommodation, Provider, User, VolunteerProfile
from roombook.models.people import Role
from roombook.models.recruitment import (
    AccountToken,
    Registration,
    RegistrationStatus,
    TokenPurpose,
)
from roombook.models.tokens import hash_secret, new_secret
from roombook.notifications import account_mails as mails

log = logging.getLogger(__name__)

CONFIRM_LIFETIME = dt.timedelta(hours=48)
WELCOME_LIFETIME = dt.timedelta(days=7)
INVITATION_LIFETIME = dt.timedelta(days=7)
KEPT_FOR = dt.timedelta(days=30)  # unconfirmed and declined registrations, then deleted
MIN_PASSWORD = 10
MAX_PASSWORD = 200
MAX_NOTE = 500
MAX_MESSAGE = 1000

# Every form that sends mail is limited per network address and per address mailed to: nobody can make
# roombook flood a mailbox, and a sign-up bot soon stops. (limit, window) per bucket kind.
SIGN_UP_PER_CLIENT = (10, dt.timedelta(hours=1))
SIGN_UP_PER_EMAIL = (3, dt.timedelta(days=1))
INVITATIONS_PER_ACTOR = (50, dt.timedelta(days=1))
INVITATIONS_PER_EMAIL = (3, dt.timedelta(days=1))


class JoiningError(ValueError):
    """Input to correct; `field` names the form input, the message reads in the page's language."""

    def __init__(self, message: str | LazyString, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


class LinkInvalid(Exception):
    """The link is unknown, expired or already used (the three are told apart to nobody)."""


class TooManyRequests(Exception):
    """A rate limit of a mail-sending form was reached; nothing was done or sent."""


def limit(session: Session, *buckets: tuple[str, tuple[int, dt.timedelta]]) -> None:
    """Count one attempt in each bucket; TooManyRequests when any is full. Attempts of one bucket wait for each
    other (ratelimit.serialize), so concurrent ones cannot all pass the same count."""
    for bucket, (most, window) in buckets:
        ratelimit.serialize(session, bucket)
        if not ratelimit.allow(session, bucket, most, window):
            raise TooManyRequests(bucket)


def email_bucket(kind: str, email: str) -> str:
    # by a hash: the bucket column keeps no address
    return f"{kind}:{hash_secret(email.strip().lower())[:32]}"


# --- links ------------------------------------------------------------------------------------------------

def issue_token(session: Session, purpose: TokenPurpose, lifetime: dt.timedelta, **fields) -> tuple[AccountToken, str]:
    """A new link of `purpose`; returns the row and the secret for the mail, which is never stored."""
    secret = new_secret()
    token = AccountToken(purpose=purpose, token_hash=hash_secret(secret), expires_at=clock.now() + lifetime,
                         **fields)
    session.add(token)
    session.flush()
    return token, secret


def live_token(session: Session, secret: str, purposes: set[TokenPurpose]) -> AccountToken | None:
    """The unused, unexpired link of one of `purposes` with this secret (for showing its page), else None."""
    if not secret or len(secret) > 100:
        return None
    token = session.scalar(sa.select(AccountToken).where(AccountToken.token_hash == hash_secret(secret)))
    if token is None or token.purpose not in purposes or token.used_at is not None or token.expires_at <= clock.now():
        return None
    return token


def use_token(session: Session, secret: str, purposes: set[TokenPurpose]) -> AccountToken:
    """Use the link up; LinkInvalid when it is unknown, expired or used. The UPDATE only matches an unused,
    unexpired row: a second use, even one racing this one from another connection, matches nothing."""
    token = live_token(session, secret, purposes)
    if token is None:
        raise LinkInvalid()
    now = clock.now()
    won = session.execute(sa.update(AccountToken).where(
        AccountToken.id == token.id, AccountToken.used_at.is_(None), AccountToken.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if won != 1:
        raise LinkInvalid()
    session.refresh(token)
    return token


# --- signing up -------------------------------------------------------------------------------------------

def _text(value: str, field: str, most: int, *, multiline: bool = False, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise JoiningError(_l("Bitte ausfüllen."), field)
    if len(value) > most:
        raise JoiningError(_l("Höchstens %(count)d Zeichen.", count=most), field)
    if text_fault(value, multiline=multiline) is not None:
        raise JoiningError(_l("Enthält Zeichen, die hier nicht stehen dürfen."), field)
    return value


def sign_up(session: Session, *, name: str, email: str, languages: list[str], skills: list[str], note: str,
            consent: bool, language: str, client: str, base_url: str) -> None:
    """Take a sign-up and mail the address; the answer is the same whoever the address belongs to.

    New addresses get a registration and its confirmation link. An address with an account is told so
    (with where to reset a forgotten password); one whose registration awaits the coordinator is told
    that. An earlier unconfirmed registration of the address is replaced (its link stops working).
    """
    name = _text(name, "name", 200, required=True)
    email = email.strip().lower()
    if not consent:
        raise JoiningError(_l("Bitte stimmen Sie der Datenschutzerklärung zu."), "consent")
    if [code for code in languages if code not in LANGUAGES]:
        raise JoiningError(_l("Unbekannte Sprache."), "languages")
    if [skill for skill in skills if skill not in SKILLS]:
        raise JoiningError(_l("Unbekannte Art von Angebot."), "skills")
    note = _text(note, "note", MAX_NOTE, multiline=True)
    limit(session, (f"signup-from:{client}", SIGN_UP_PER_CLIENT), (email_bucket("signup", email), SIGN_UP_PER_EMAIL))
    language = known_language(language)

    if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        mails.already_member(session, email, language, base_url)
        return
    earlier = session.scalars(sa.select(Registration).where(Registration.email == email)).all()
    if any(r.status == RegistrationStatus.CONFIRMED for r in earlier):
        mails.awaiting_decision(session, email, language)
        return
    for registration in earlier:
        if registration.status == RegistrationStatus.UNCONFIRMED:
            session.delete(registration)  # its links go with it (the database cascades)
    registration = Registration(email=email, display_name=name, language=language,
                                languages=[code for code in LANGUAGES if code in languages],
                                skills=[skill for skill in SKILLS if skill in skills], note=note,
                                consented_at=clock.now())
    session.add(registration)
    session.flush()
    _token, secret = issue_token(session, TokenPurpose.CONFIRM, CONFIRM_LIFETIME, registration_id=registration.id,
                                 email=email, language=language)
    mails.confirm_link(session, registration, secret, base_url)


def confirm_registration(session: Session, secret: str) -> Registration:
    """The person followed the mailed link: their registration now waits for the coordinator."""
    token = use_token(session, secret, {TokenPurpose.CONFIRM})
    registration = token.registration
    if registration is None or registration.status != RegistrationStatus.UNCONFIRMED:
        raise LinkInvalid()
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = clock.now()
    session.flush()
    return registration


def awaiting_decision(session: Session) -> list[Registration]:
    """Confirmed registrations the coordinator has not decided yet, oldest first."""
    return list(session.scalars(sa.select(Registration).where(Registration.status == RegistrationStatus.CONFIRMED)
                                .order_by(Registration.confirmed_at, Registration.id)))


class RegistrationClosed(Exception):
    """Only a confirmed registration can be decided; this one is not (any more), or has an account already."""

    def __init__(self, message: str | LazyString):
        super().__init__(message)
        self.message = message


def approve(session: Session, actor: User, registration: Registration, *, base_url: str) -> User:
    """Make the account: role volunteer, the profile from the registration, and a mailed link to set the first
    password (until then the account has a password nobody knows)."""
    if registration.status != RegistrationStatus.CONFIRMED:
        raise RegistrationClosed(_l("Diese Anmeldung ist schon entschieden oder nicht bestätigt."))
    if session.scalar(sa.select(User.id).where(User.email == registration.email)) is not None:
        raise RegistrationClosed(_l("Für diese Adresse gibt es schon ein Konto."))
    try:
        user = create_user(session, registration.email, Role.VOLUNTEER, new_secret(),
                           display_name=registration.display_name)
    except sa.exc.IntegrityError:  # the same, at this very moment (an invitation to the address was accepted)
        raise RegistrationClosed(_l("Für diese Adresse gibt es schon ein Konto.")) from None
    user.language = registration.language
    session.add(VolunteerProfile(user_id=user.id, languages=list(registration.languages),
                                 skills=list(registration.skills), note=registration.note))
    registration.status, registration.user_id = RegistrationStatus.APPROVED, user.id
    registration.decided_at, registration.decided_by_id = clock.now(), actor.id
    session.flush()
    _token, secret = issue_token(session, TokenPurpose.WELCOME, WELCOME_LIFETIME, user_id=user.id,
                                 language=user.language, created_by_id=actor.id)
    mails.approved(session, user, secret, base_url)
    audit.record(session, actor, "registration.approved", registration, account=user.id)
    return user


def decline(session: Session, actor: User, registration: Registration, message: str) -> None:
    """Decline with a message mailed to the person; the registration is deleted KEPT_FOR later."""
    if registration.status != RegistrationStatus.CONFIRMED:
        raise RegistrationClosed(_l("Diese Anmeldung ist schon entschieden oder nicht bestätigt."))
    registration.decision_message = _text(message, "message", MAX_MESSAGE, multiline=True)
    registration.status = RegistrationStatus.DECLINED
    registration.decided_at, registration.decided_by_id = clock.now(), actor.id
    session.flush()
    mails.declined(session, registration)
    audit.record(session, actor, "registration.declined", registration)


def delete_stale(session: Session, now: dt.datetime | None = None) -> int:
    """Delete registrations left unconfirmed or declined for KEPT_FOR, and links past their expiry (they can
    never be used again). Returns the number of registrations deleted."""
    now = now or clock.now()
    before = now - KEPT_FOR
    deleted = session.execute(sa.delete(Registration).where(sa.or_(
        sa.and_(Registration.status == RegistrationStatus.UNCONFIRMED, Registration.created_at < before),
        sa.and_(Registration.status == RegistrationStatus.DECLINED, Registration.decided_at < before)))).rowcount
    session.execute(sa.delete(AccountToken).where(AccountToken.expires_at < now))
    return deleted


# --- invitations ------------------------------------------------------------------------------------------

def invite(session: Session, actor: User, *, email: str, role: str, accommodation_ids: list[int] = (),
           provider_id: int | None = None, language: str = "de", base_url: str) -> AccountToken:
    """Mail an invitation link; the invited person chooses their name and password by it. Coordinators invite
    volunteers, admins any role (facility managers with their accommodations, departments with a provider)."""
    email = email.strip().lower()
    if role not in tuple(Role):
        raise JoiningError(_l("Unbekannte Rolle."), "role")
    if not permissions.can_invite(actor, role):
        raise JoiningError(_l("Sie dürfen zu dieser Rolle nicht einladen."), "role")
    details: dict = {}
    if role == Role.FACILITY_MANAGER:
        found = session.scalars(sa.select(Accommodation.id).where(Accommodation.id.in_(accommodation_ids))).all()
        if not accommodation_ids or len(found) != len(set(accommodation_ids)):
            raise JoiningError(_l("Bitte die Unterkünfte wählen, die die Person leitet."), "accommodations")
        details["accommodations"] = sorted(found)
    if role == Role.DEPARTMENT:
        if provider_id is None or session.get(Provider, provider_id) is None:
            raise JoiningError(_l("Bitte den Fachbereich wählen."), "provider")
        details["provider"] = provider_id
    if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise JoiningError(_l("Für diese Adresse gibt es schon ein Konto."), "email")
    limit(session, (f"invite-by:{actor.id}", INVITATIONS_PER_ACTOR), (email_bucket("invite", email),
                                                                       INVITATIONS_PER_EMAIL))
    language = known_language(language)
    token, secret = issue_token(session, TokenPurpose.INVITATION, INVITATION_LIFETIME, email=email, role=role,
                                details=details, language=language, created_by_id=actor.id)
    mails.invitation(session, token, secret, actor, base_url)
    audit.record(session, actor, "invitation.sent", token, role=role)
    return token


def check_password(password: str, repeated: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise JoiningError(_l("Mindestens %(count)d Zeichen.", count=MIN_PASSWORD), "password")
    if len(password) > MAX_PASSWORD:
        raise JoiningError(_l("Höchstens %(count)d Zeichen.", count=MAX_PASSWORD), "password")
    if password != repeated:
        raise JoiningError(_l("Die beiden Passwörter stimmen nicht überein."), "repeat")


def accept_invitation(session: Session, secret: str, *, name: str, password: str, repeated: str) -> User:
    """The invited person's account, with the name and password they chose; the link is used up. LinkInvalid
    also when the address has got an account since the invitation was sent."""
    name = _text(name, "name", 200, required=True)
    check_password(password, repeated)
    token = use_token(session, secret, {TokenPurpose.INVITATION})
    if session.scalar(sa.select(User.id).where(User.email == token.email)) is not None:
        raise LinkInvalid()  # someone made an account for the address meanwhile
    places = session.scalars(sa.select(Accommodation).where(
        Accommodation.id.in_(token.details.get("accommodations", [])))).all()
    provider = session.get(Provider, token.details["provider"]) if token.details.get("provider") else None
    try:
        user = create_user(session, token.email, token.role, password, display_name=name, accommodations=places,
                           provider=provider)
    except sa.exc.IntegrityError:
        raise LinkInvalid() from None  # the same, at this very moment: the database refused a second account
    user.language = token.language
    session.flush()
    audit.record(session, user, "invitation.accepted", user, role=user.role)
    return user
