"""Pages for facility managers and the coordinator, one module per area: rooms and closures, the room changes
they open, the conflict inbox, plan runs, coverage, offers and requirements, the outbox, the volunteers'
deployment. Each view parses a form, loads through an access gate (`gates`), calls one domain function, and
renders or redirects."""
from roombook.web.manage import (  # noqa: F401  (routes register on import)
    asking,
    changes,
    conflicts,
    coverage,
    offers,
    outbox,
    overview,
    plans,
    public_offers,
    registrations,
    reports,
    rooms,
    trainings,
    volunteers,
)
from roombook.web.manage.gates import bp

__all__ = ["bp"]
