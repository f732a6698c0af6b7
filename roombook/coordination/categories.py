"""The kinds of offer, in the words of the council's decision."""
from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    LANGUAGE_COURSE = "language_course"
    DAILY_LIFE_COURSE = "daily_life_course"
    OFFICE_HOURS = "office_hours"
    COUNSELLING = "counselling"
    PROCEDURAL_COUNSELLING = "procedural_counselling"
    VOLUNTEER_ACTIVITY = "volunteer_activity"
    TRAINING = "training"
    OTHER = "other"


# The offers every accommodation must get (the council's minimum).
MANDATORY = (
    Category.LANGUAGE_COURSE,
    Category.DAILY_LIFE_COURSE,
    Category.OFFICE_HOURS,
    Category.COUNSELLING,
    Category.PROCEDURAL_COUNSELLING,
)

LABELS_DE = {
    Category.LANGUAGE_COURSE: "Sprachkurs",
    Category.DAILY_LIFE_COURSE: "Alltagskurs",
    Category.OFFICE_HOURS: "Sprechstunde",
    Category.COUNSELLING: "Beratung",
    Category.PROCEDURAL_COUNSELLING: "Asylverfahrensberatung",
    Category.VOLUNTEER_ACTIVITY: "Ehrenamtliches Angebot",
    Category.TRAINING: "Schulung",
    Category.OTHER: "Sonstiges",
}

VALUES = tuple(c.value for c in Category)
