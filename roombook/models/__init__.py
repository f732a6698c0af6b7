"""The domain model. Import models from here; each lives in the module of its area."""
from roombook.models.absences import VolunteerAbsence
from roombook.models.accommodations import Accommodation, Room, RoomOpeningHours
from roombook.models.asking import HelpAsk, HelpRequest
from roombook.models.changes import BookingSeries, ChangeItem, RoomChange, SeriesGap
from roombook.models.conflicts import Conflict
from roombook.models.logins import Login
from roombook.models.messaging import (
    CalendarInvitation,
    MailSettings,
    OutboxMessage,
    ReminderSent,
)
from roombook.models.offers import Occurrence, Offer, OfferSession, Requirement
from roombook.models.people import Provider, User, VolunteerProfile
from roombook.models.planning import PlanRun
from roombook.models.qualifications import (
    OfferRequirement,
    Qualification,
    QualificationKind,
)
from roombook.models.records import AuditEvent, JobRun, RateLimitHit
from roombook.models.recruitment import AccountToken, Registration
from roombook.models.reservations import Booking, Closure, Occupancy
from roombook.models.settings import Setting
from roombook.models.tokens import ApiToken, FeedToken, IdempotencyKey
from roombook.models.trainings import (
    Attendance,
    Training,
    TrainingSession,
    TrainingSignup,
)

__all__ = [
    "AccountToken", "Accommodation", "ApiToken", "AuditEvent", "Booking", "BookingSeries", "CalendarInvitation", "ChangeItem", "Closure", "Conflict", "FeedToken", "HelpAsk", "HelpRequest", "IdempotencyKey",
    "Attendance", "OfferRequirement", "Qualification", "QualificationKind", "Training", "TrainingSession",
    "TrainingSignup",
    "JobRun", "Login", "MailSettings", "Occupancy", "Occurrence", "Offer", "OfferSession", "OutboxMessage", "PlanRun", "Provider",
    "RateLimitHit", "Registration", "ReminderSent", "Requirement", "Room", "RoomChange", "RoomOpeningHours", "SeriesGap", "Setting", "User", "VolunteerAbsence",
    "VolunteerProfile",
]
