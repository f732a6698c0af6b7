"""The permission functions every view, API endpoint and query goes through: one rule per object kind,
for the web pages and the API alike. No Flask here, so domain code and tests can ask them directly."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook.models import (
    Accommodation,
    Booking,
    BookingSeries,
    ChangeItem,
    PlanRun,
    Provider,
    Room,
    User,
)
from roombook.models.people import Role


def _is(user: User | None, *roles: Role) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.role in roles


def manages(user: User | None, accommodation: Accommodation) -> bool:
    """Admins and coordinators manage every accommodation, facility managers only their own."""
    if _is(user, Role.ADMIN, Role.COORDINATOR):
        return True
    return _is(user, Role.FACILITY_MANAGER) and any(a.id == accommodation.id for a in user.accommodations)


def can_keep_volunteer_profile(user: User | None) -> bool:
    """Volunteers say what they can do and would like to; the other roles are deployed otherwise."""
    return _is(user, Role.VOLUNTEER)


def can_book(user: User | None, room: Room) -> bool:
    """An alternative venue (a library, a community centre) takes only what a room change moves there."""
    if room.venue_note is not None:
        return manages(user, room.accommodation)
    return _is(user, Role.VOLUNTEER, Role.DEPARTMENT) or manages(user, room.accommodation)


def can_see_booking_details(user: User | None, booking: Booking) -> bool:
    """Names and titles of others' bookings are for their owner and the room's managers only."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return booking.user_id == user.id or manages(user, booking.room.accommodation)


def can_cancel_booking(user: User | None, booking: Booking) -> bool:
    return can_see_booking_details(user, booking)


def can_hide_public_offer(user: User | None, booking: Booking) -> bool:
    """The accommodation's managers decide what residents are shown in their house."""
    return manages(user, booking.room.accommodation)


def can_change_booking(user: User | None, booking: Booking) -> bool:
    """Volunteers change their own dates and series; staff those in the accommodations they manage."""
    return can_see_booking_details(user, booking)


def can_see_series(user: User | None, series: BookingSeries) -> bool:
    """A series is its owner's and its room's managers' to see, like each of its dates."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return series.user_id == user.id or manages(user, series.room.accommodation)


def can_manage_rooms(user: User | None, accommodation: Accommodation) -> bool:
    """Rooms, closures and conflicts of an accommodation: its facility managers, coordinators, admins."""
    return manages(user, accommodation)


def can_use_manage_pages(user: User | None) -> bool:
    """The management area: facility managers (for their houses), coordinators and admins."""
    return _is(user, Role.ADMIN, Role.COORDINATOR, Role.FACILITY_MANAGER)


def can_coordinate(user: User | None) -> bool:
    """City-wide work: coverage, offers and requirements, city plan runs, the outbox."""
    return _is(user, Role.ADMIN, Role.COORDINATOR)


def can_choose_alternative(user: User | None, booking: Booking | None) -> bool:
    """The owner of a displaced booking may take one of its offered alternatives themselves."""
    return booking is not None and _is(user, Role.VOLUNTEER, Role.DEPARTMENT, Role.FACILITY_MANAGER,
                                       Role.COORDINATOR, Role.ADMIN) and booking.user_id == user.id


def can_answer_for_series(user: User | None, item: ChangeItem) -> bool:
    """A room change's question about a volunteer's series is theirs alone to see and answer."""
    return _is(user, Role.VOLUNTEER, Role.DEPARTMENT, Role.FACILITY_MANAGER, Role.COORDINATOR, Role.ADMIN) \
        and item.owner_id is not None and item.owner_id == user.id


def can_ask_volunteers(user: User | None) -> bool:
    """Asking volunteers to fill a coverage gap is the coordination's: coordinators and admins."""
    return can_coordinate(user)


def can_answer_help_request(user: User | None, volunteer_id: int) -> bool:
    """A request for help is answered by the volunteer asked, and by no one else (not even an admin)."""
    return _is(user, Role.VOLUNTEER) and user.id == volunteer_id


def may_be_asked_about_changes(user: User | None) -> bool:
    """Only a volunteer's own series is handed to its owner to decide (roombook.changes.deciding)."""
    return _is(user, Role.VOLUNTEER)


def has_department_page(user: User | None) -> bool:
    """A department's logins see their provider's office hours on a page of their own."""
    return _is(user, Role.DEPARTMENT)


def can_see_provider_schedule(user: User | None, provider: Provider | None) -> bool:
    """A department sees its own provider's sessions; admins and coordinators see every provider's."""
    if provider is None:
        return False
    if _is(user, Role.ADMIN, Role.COORDINATOR):
        return True
    return _is(user, Role.DEPARTMENT) and user.provider_id == provider.id


def can_keep_team_feed_links(user: User | None, provider: Provider | None) -> bool:
    """A department's (or other provider's) shared calendar links: any of its members, and admins."""
    if provider is None or user is None or not getattr(user, "active", False):
        return False
    return _is(user, Role.ADMIN) or (getattr(user, "is_authenticated", False) and user.provider_id == provider.id)


def managed_accommodations(session: Session, user: User | None) -> list[Accommodation]:
    """The accommodations whose rooms, conflicts and plan runs the user works on, by name: every one for
    coordinators and admins, their own for facility managers, none for anyone else."""
    if can_coordinate(user):
        return list(session.scalars(sa.select(Accommodation).order_by(Accommodation.name)))
    if _is(user, Role.FACILITY_MANAGER):
        return sorted(user.accommodations, key=lambda a: a.name)
    return []


def can_see_plan_run(user: User | None, run: PlanRun) -> bool:
    """City-wide runs are the coordinators' and admins'; a facility manager sees a run scoped to their houses."""
    if can_coordinate(user):
        return True
    return (_is(user, Role.FACILITY_MANAGER) and bool(run.scope)
            and set(run.scope) <= {a.key for a in user.accommodations})


def can_invite(user: User | None, role: str) -> bool:
    """Coordinators invite volunteers; admins invite anyone, of any role."""
    return _is(user, Role.ADMIN) or (role == Role.VOLUNTEER and _is(user, Role.COORDINATOR))
