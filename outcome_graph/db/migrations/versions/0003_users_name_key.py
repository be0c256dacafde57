"""users.name_key: the students' sort key stored and indexed with the id

Pages of results and rollups sorted by student used to fold every row's sortable name in SQL (a Python
function per row on SQLite), so a page cost the whole course. The fold (db/engine.py unicode_lower) is
computed here for every stored user, in Python so that both databases get the same key.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

from outcome_graph.db.engine import unicode_lower

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

CHUNK = 5000
KEY = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")  # byte order = code point order


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("name_key", KEY, nullable=True))
    bind = op.get_bind()
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("sortable_name", sa.Text),
                     sa.column("name_key", sa.Text))
    rows = bind.execute(sa.select(users.c.id, users.c.sortable_name)).all()
    update = sa.update(users).where(users.c.id == sa.bindparam("uid")).values(name_key=sa.bindparam("key"))
    for i in range(0, len(rows), CHUNK):
        bind.execute(update, [{"uid": uid, "key": unicode_lower(name)} for uid, name in rows[i:i + CHUNK]])
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("name_key", existing_type=KEY, nullable=False)
        batch_op.create_index("ix_users_name_key", ["name_key", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_index("ix_users_name_key")
        batch_op.drop_column("name_key")
