"""feature vocabulary: a room's equipment and an offer's needs become codes of one fixed list

Until now both were free text ("Whiteboard, step free, beamer" was stored as whiteboard, step_free, beamer).
The words people used map onto the list (roombook.booking.rooms.FEATURES); a word the list does not know is
dropped and named in the migration's log, so whoever runs it can add it back as a room note.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 19:10:00.000000

"""
import json
import logging

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
VOCABULARY = ("step_free", "private", "whiteboard", "projector", "kitchen", "childcare_corner", "computers", "wifi")
SYNONYMS = {
    "stufenlos": "step_free", "barrierefrei": "step_free", "rollstuhlgerecht": "step_free", "step-free": "step_free",
    "wheelchair_accessible": "step_free", "accessible": "step_free", "ebenerdig": "step_free",
    "privat": "private", "ungestört": "private", "ruhig": "private", "vertraulich": "private",
    "tafel": "whiteboard", "flipchart": "whiteboard",
    "beamer": "projector", "projektor": "projector", "bildschirm": "projector", "screen": "projector",
    "küche": "kitchen", "kueche": "kitchen", "teeküche": "kitchen",
    "kinderecke": "childcare_corner", "spielecke": "childcare_corner", "childcare": "childcare_corner",
    "computer": "computers", "pc": "computers", "laptops": "computers",
    "wlan": "wifi", "wi-fi": "wifi", "internet": "wifi",
}


def _code(word: str) -> str | None:
    word = word.strip().lower().replace(" ", "_")
    if word in VOCABULARY:
        return word
    return SYNONYMS.get(word) or SYNONYMS.get(word.replace("_", " ")) or SYNONYMS.get(word.replace("_", "-"))


def _migrate(table: str, column: str) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text(f"SELECT id, {column} FROM {table}")).all()
    for row_id, value in rows:
        words = json.loads(value) if isinstance(value, str) else (value or [])
        codes = list(dict.fromkeys(_code(w) for w in words if _code(w) is not None))  # in their order, once
        dropped = [w for w in words if _code(w) is None]
        if dropped:
            log.warning("%s %s: %s not in the feature vocabulary, dropped: %s", table, row_id, column,
                        ", ".join(dropped))
        if codes != words:
            update = sa.text(f"UPDATE {table} SET {column} = :value WHERE id = :id").bindparams(
                sa.bindparam("value", type_=sa.JSON))
            connection.execute(update, {"value": codes, "id": row_id})


def upgrade():
    _migrate("room", "features")
    _migrate("offer", "needs_features")


def downgrade():
    pass  # the codes are valid free text too
