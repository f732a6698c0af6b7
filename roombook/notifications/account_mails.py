"""The mails of joining and of a forgotten password: each rendered in its recipient's language, its link built
from ROOMBOOK_BASE_URL (never the request's Host). They carry a personal link, so the outbox page shows
their subject but not their text (kind ACCOUNT)."""
from __future__ import annotations

from flask import render_template
from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from roombook.i18n import known_language, language_of
from roombook.models import OutboxMessage, User
from roombook.models.recruitment import AccountToken, Registration
from roombook.notifications.outbox import enqueue

ACCOUNT = "account"  # the outbox kind of mails with a personal link


def _link(base_url: str, path: str) -> str:
    return f"{base_url.rstrip('/')}{path}"


def _send(session: Session, to: str, language: str, subject: LazyString, template: str, **context) -> OutboxMessage:
    with force_locale(known_language(language)):
        body = render_template(f"mail/{template}", **context)
        return enqueue(session, to, str(subject), body, kind=ACCOUNT)


def confirm_link(session: Session, registration: Registration, secret: str, base_url: str) -> OutboxMessage:
    return _send(session, registration.email, registration.language, _l("Bitte bestätigen Sie Ihre Anmeldung"),
                 "registration_confirm.txt", name=registration.display_name,
                 link=_link(base_url, f"/mitmachen/confirm/{secret}"))


def already_member(session: Session, email: str, language: str, base_url: str) -> OutboxMessage:
    return _send(session, email, language, _l("Sie haben schon ein Konto bei roombook"), "registration_member.txt",
                 login=_link(base_url, "/login"), reset=_link(base_url, "/password/reset"))


def awaiting_decision(session: Session, email: str, language: str) -> OutboxMessage:
    return _send(session, email, language, _l("Ihre Anmeldung liegt der Koordination vor"), "registration_waiting.txt")


def approved(session: Session, user: User, secret: str, base_url: str) -> OutboxMessage:
    return _send(session, user.email, language_of(user), _l("Willkommen bei roombook"), "registration_approved.txt",
                 name=user.display_name, link=_link(base_url, f"/password/new/{secret}"))


def declined(session: Session, registration: Registration) -> OutboxMessage:
    return _send(session, registration.email, registration.language, _l("Ihre Anmeldung bei roombook"),
                 "registration_declined.txt", name=registration.display_name,
                 message=registration.decision_message)


def invitation(session: Session, token: AccountToken, secret: str, actor: User, base_url: str) -> OutboxMessage:
    return _send(session, token.email, token.language, _l("Einladung zu roombook"), "invitation.txt",
                 inviter=actor.display_name or actor.email, link=_link(base_url, f"/invitation/{secret}"))


def reset_link(session: Session, user: User, secret: str, base_url: str) -> OutboxMessage:
    return _send(session, user.email, language_of(user), _l("Neues Passwort für roombook"), "password_reset.txt",
                 link=_link(base_url, f"/password/new/{secret}"))


def reset_unknown(session: Session, email: str, language: str, base_url: str) -> OutboxMessage:
    return _send(session, email, language, _l("Neues Passwort für roombook"), "password_reset_unknown.txt",
                 join=_link(base_url, "/mitmachen"))
