"""Migration 0003 on a database made before it (both kinds): every stored user gets the name key the product's
pages walk (db/engine.py unicode_lower of sortable_name), indexed with the id; users added later get it too."""

from __future__ import annotations

from sqlalchemy import insert, inspect, select, text

from outcome_graph.db import models as m
from outcome_graph.db.engine import create_engine, unicode_lower
from outcome_graph.db.migrate import upgrade
from tests.faults.test_migration_ids import _to, old_database  # noqa: F401 (a fixture)

NAMES = ["Patel, Maya", "ÖLZ, Anna", "ΟΔΥΣΣΕΥΣ, Zoe", "İa, X", "plain"]


async def test_upgrading_gives_every_stored_user_the_name_key_and_its_index(old_database):  # noqa: F811
    engine = create_engine(old_database)
    try:
        await _to(engine, "0002")
        async with engine.begin() as conn:  # what 0002's code stored: no key
            for i, name in enumerate(NAMES):
                await conn.execute(text("INSERT INTO users (id, name, sortable_name) VALUES (:id, :n, :n)"),
                                   {"id": 100 + i, "n": name})
        await upgrade(engine)
        async with engine.begin() as conn:
            await conn.execute(insert(m.User).values(id=200, name="Later", sortable_name="ÉCOLE, Later"))
            stored = (await conn.execute(select(m.User.sortable_name, m.User.name_key).order_by(m.User.id))).all()
            indexes = await conn.run_sync(lambda sync: inspect(sync).get_indexes("users"))
        assert stored == [(name, unicode_lower(name)) for name in [*NAMES, "ÉCOLE, Later"]]
        assert [i["column_names"] for i in indexes if i["name"] == "ix_users_name_key"] == [["name_key", "id"]]
    finally:
        await engine.dispose()
