"""result ids from the database: a sequence (PostgreSQL) or AUTOINCREMENT (SQLite) starting at SERVICE_ID_BASE

Results the service records used to take max(id)+1 under their course's lock, which two courses (or two
replicas) could pick at once. Imported results keep their source ids, all below SERVICE_ID_BASE
(docs/ids-and-locks.md), so the database's counter and the source ids never meet.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

BASE = 2**62  # outcome_graph.db.models.SERVICE_ID_BASE, fixed here as a migration must be
SEQ = "outcome_results_id_seq"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE SEQUENCE {SEQ} AS bigint START WITH {BASE} MINVALUE {BASE} OWNED BY outcome_results.id")
        # A database that already holds ids from the range (none should) continues after them.
        op.execute(f"SELECT setval('{SEQ}', top) FROM (SELECT max(id) AS top FROM outcome_results "
                   f"WHERE id >= {BASE}) s WHERE top IS NOT NULL")
        op.execute(f"ALTER TABLE outcome_results ALTER COLUMN id SET DEFAULT nextval('{SEQ}')")
        return
    # SQLite: AUTOINCREMENT needs the table rebuilt; its counter (sqlite_sequence) then starts below BASE.
    with op.batch_alter_table("outcome_results", recreate="always",
                              table_kwargs={"sqlite_autoincrement": True}):
        pass
    op.execute("DELETE FROM sqlite_sequence WHERE name = 'outcome_results'")
    op.execute(f"INSERT INTO sqlite_sequence (name, seq) SELECT 'outcome_results', max({BASE - 1}, "
               f"coalesce(max(id), 0)) FROM outcome_results")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE outcome_results ALTER COLUMN id DROP DEFAULT")
        op.execute(f"DROP SEQUENCE {SEQ}")
        return
    with op.batch_alter_table("outcome_results", recreate="always",
                              table_kwargs={"sqlite_autoincrement": False}):
        pass
