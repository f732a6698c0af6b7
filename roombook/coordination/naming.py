"""How a provider is named where residents and the public read it (residents' pages, public calendar feeds).

A volunteer group is often one person, and its row may carry their full name (an admin typed it, an old import
made it). Residents see a volunteer-run offer by its group's name, or by the volunteer's first name, never by a
full name the volunteer did not choose to show: a volunteer group whose name is the full name of one of its
members is shown by the first word of it. Groups made when a volunteer takes on a gap are named by the first
name already (roombook.coordination.asking). The one rule for every public place that names providers.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from roombook.models import Provider, User
from roombook.models.people import ProviderKind


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def public_name(name: str, kind: str, member_names: Iterable[str]) -> str:
    """The name the public reads for a provider of `kind` named `name` whose members are called `member_names`."""
    if kind != ProviderKind.VOLUNTEER:
        return name
    words = name.split()
    if len(words) > 1 and any(_same(name, member) for member in member_names if member):
        return words[0]
    return name


def public_names(session: Session, provider_ids: Iterable[int]) -> dict[int, str]:
    """Each provider's public name, by id."""
    ids = sorted(set(provider_ids))
    if not ids:
        return {}
    members: dict[int, list[str]] = {}
    for provider_id, display_name in session.execute(
            sa.select(User.provider_id, User.display_name).where(User.provider_id.in_(ids))):
        members.setdefault(provider_id, []).append(display_name)
    return {pid: public_name(name, kind, members.get(pid, [])) for pid, name, kind in session.execute(
        sa.select(Provider.id, Provider.name, Provider.kind).where(Provider.id.in_(ids)))}
