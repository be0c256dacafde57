"""Migration 0004 on a database made before it (both kinds): stored outcomes and course methods keep their
settings with no tie rule and no minimum, the new columns take the new methods' parameters, and it goes back
down cleanly (docs/methods.md)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from outcome_graph.db.engine import create_engine
from outcome_graph.db.migrate import alembic_config, upgrade
from outcome_graph.db.scoring import course_scorings
from tests.faults.test_migration_ids import old_database  # noqa: F401  (the fixture: an empty database)

ROWS = (
    "INSERT INTO courses (id, name) VALUES (1, 'Old')",
    "INSERT INTO outcomes (id, title, ratings, calculation_method, calculation_int) VALUES "
    "(201, 'Old outcome', '[{\"description\": \"Top\", \"points\": 4.0}]', 'n_mastery', 3)",
    "INSERT INTO outcome_links (course_id, outcome_id) VALUES (1, 201)",
    "INSERT INTO course_calculation_methods (course_id, method, calculation_int) VALUES (1, 'latest', NULL)",
)


async def _to(engine, revision: str, down: bool = False) -> None:
    move = command.downgrade if down else command.upgrade
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: move(alembic_config(sync), revision))


async def test_upgrade_keeps_settings_and_adds_empty_parameters(old_database):  # noqa: F811
    engine = create_engine(old_database)
    try:
        await _to(engine, "0003")
        async with engine.begin() as conn:
            for sql in ROWS:
                await conn.execute(text(sql))
        await upgrade(engine)
        async with engine.connect() as conn:
            outcome = (await conn.execute(text("SELECT calculation_method, calculation_int, tie_break, "
                                               "minimum_evidence FROM outcomes"))).one()
            course = (await conn.execute(text("SELECT method, tie_break, minimum_evidence "
                                              "FROM course_calculation_methods"))).one()
            assert tuple(outcome) == ("n_mastery", 3, None, None)
            assert tuple(course) == ("latest", None, None)
            assert (await course_scorings(conn, 1))[201].method == "latest"
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE course_calculation_methods SET method = 'mode', tie_break = 'lower', "
                                    "minimum_evidence = 2"))
        async with engine.connect() as conn:
            scoring = (await course_scorings(conn, 1))[201]
            assert (scoring.method, scoring.tie_break, scoring.minimum_evidence) == ("mode", "lower", 2)
        await _to(engine, "0003", down=True)
        async with engine.connect() as conn:
            row = (await conn.execute(text("SELECT * FROM course_calculation_methods"))).mappings().one()
            assert "tie_break" not in row and row["method"] == "mode"
    finally:
        await engine.dispose()
