"""The domain model. Import models from here; each lives in the module of its area."""
from roombook.models.accommodations import Accommodation, Room
from roombook.models.changes import BookingSeries, ChangeItem, RoomChange, SeriesGap
from roombook.models.conflicts import Conflict
from roombook.models.logins import Login
from roombook.models.messaging import OutboxMessage
from roombook.models.offers import Occurrence, Offer, OfferSession, Requirement
from roombook.models.people import Provider, User, VolunteerProfile
from roombook.models.planning import PlanRun
from roombook.models.records import AuditEvent, JobRun, RateLimitHit
from roombook.models.reservations import Booking, Closure, Occupancy
from roombook.models.settings import Setting
from roombook.models.tokens import ApiToken, FeedToken, IdempotencyKey

__all__ = [
    "Accommodation", "ApiToken", "AuditEvent", "Booking", "BookingSeries", "ChangeItem", "Closure", "Conflict", "FeedToken", "IdempotencyKey",
    "JobRun", "Login", "Occupancy", "Occurrence", "Offer", "OfferSession", "OutboxMessage", "PlanRun", "Provider",
    "RateLimitHit", "Requirement", "Room", "SeriesGap", "RoomChange", "Setting", "User", "VolunteerProfile",
]
