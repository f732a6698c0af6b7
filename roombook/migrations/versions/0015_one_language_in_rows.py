"""one language in rows: the app's own texts stored as "Deutsch / English" pairs keep their German half

Pages translate a stored app text when they show it (roombook.i18n.stored_text), so a row needs one
language; what a person typed is left alone (only the exact pairs the app once wrote are rewritten).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# (table, column, the pair once written, its German half)
PAIRS = [
    ("booking", "status_reason", "storniert / cancelled", "storniert"),
    ("booking", "status_reason", "Konto gelöscht / account deleted", "Konto gelöscht"),
    ("occurrence", "reason", "Raum belegt durch eine feste Buchung / room held by a fixed booking",
     "Raum belegt durch eine feste Buchung"),
    ("occurrence", "reason", "Raum durch ein anderes Angebot belegt / room used by another offer",
     "Raum durch ein anderes Angebot belegt"),
    ("conflict", "resolution_note", "Der neue Plan ersetzt diesen Termin. / The new plan replaces this session.",
     "Der neue Plan ersetzt diesen Termin."),
    ("conflict", "resolution_note", "Der Termin, der die Buchung verdrängt hatte, entfällt mit dem neuen Plan; die "
     "Buchung gilt wieder. / The session that displaced the booking is gone with the new plan; the booking stands "
     "again.", "Der Termin, der die Buchung verdrängt hatte, entfällt mit dem neuen Plan; die Buchung gilt wieder."),
    ("plan_run", "error", "Abgebrochen: der Prozess, der die Planung ausführte, endete. / Abandoned: the process "
     "running it ended.", "Abgebrochen: der Prozess, der die Planung ausführte, endete."),
    ("closure", "reason", "Malerarbeiten / painting", "Malerarbeiten"),
    ("occurrence", "reason", "Malerarbeiten / painting", "Malerarbeiten"),
]


def _rewrite(pairs):
    for table, column, old, new in pairs:
        op.execute(sa.table(table, sa.column(column)).update()
                   .where(sa.column(column) == old).values({column: new}))


def upgrade():
    _rewrite(PAIRS)


def downgrade():
    # The pairs cannot be told from a German text typed later; the German half stays.
    pass
