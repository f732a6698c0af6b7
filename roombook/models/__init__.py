"""The domain model. Import models from here; each lives in the module of its area."""
from roombook.models.governance import AuditEvent, Conflict, JobRun
from roombook.models.people import Provider, User
from roombook.models.place import Accommodation, Room
from roombook.models.reservation import Booking, Closure, Occupancy
from roombook.models.schedule import Occurrence, Offer, OfferSession, Requirement
from roombook.models.settings import Setting

__all__ = [
    "Accommodation", "AuditEvent", "Booking", "Closure", "Conflict", "JobRun", "Occupancy",
    "Occurrence", "Offer", "OfferSession", "Provider", "Requirement", "Room", "Setting", "User",
]
