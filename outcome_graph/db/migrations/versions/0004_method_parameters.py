"""method parameters: a tie rule and a minimum evidence count on outcomes and course calculation methods

The mode method takes a tie rule and every method an optional minimum evidence count (docs/methods.md §2.2,
§5). Both columns are nullable: existing rows keep their meaning (no tie rule needed, no minimum).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TABLES = ("outcomes", "course_calculation_methods")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("tie_break", sa.String(length=16), nullable=True))
            batch.add_column(sa.Column("minimum_evidence", sa.Integer(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("minimum_evidence")
            batch.drop_column("tie_break")
