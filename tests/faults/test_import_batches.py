"""Big imports keep writes moving (issue 18, 7): the stored rollups are rewritten after the import's commit,
a batch of students per transaction; reads stay fresh meanwhile, and an import that dies between batches
leaves a queued recalculation behind."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select

from outcome_graph.db import importer
from outcome_graph.db import models as m
from outcome_graph.db.importer import import_bundle
from tests.faults.bundles import demo
from tests.faults.consistency import assert_fresh, stored_rollups

BATCH = 5


async def queued_course_jobs(engine, course_id: int) -> int:
    j = m.RollupJob
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(j).where(
            j.course_id == course_id, j.user_id.is_(None), j.state == "queued"))).scalar_one()


def rescored(doc: dict) -> dict:
    """The demo course with every result of its first student scored 0."""
    doc = copy.deepcopy(doc)
    first = doc["results"][0]["user_id"]
    for r in doc["results"]:
        if r["user_id"] == first:
            r.update(score=0, percent=None)
    return doc


async def test_rollups_are_rewritten_a_batch_of_students_at_a_time(api, monkeypatch):
    batches = []
    real = importer.recompute

    async def spy(conn, course_id, user_ids=None, *args, **kwargs):
        batches.append(None if user_ids is None else len(user_ids))
        return await real(conn, course_id, user_ids, *args, **kwargs)

    monkeypatch.setattr(importer, "recompute", spy)
    doc = rescored(demo())
    report = await import_bundle(api.engine, doc, batch_size=BATCH)
    students = len({r["user_id"] for r in doc["results"]})
    assert batches == [BATCH] * (students // BATCH) + ([students % BATCH] if students % BATCH else [])
    assert report.rollups == len(await stored_rollups(api.engine, 1))
    assert await queued_course_jobs(api.engine, 1) == 0  # the safety net is dropped once all is rewritten
    await assert_fresh(api, doc, api.tokens["admin"])


async def test_an_import_dying_between_batches_serves_fresh_rollups_and_leaves_a_job(api, monkeypatch):
    real, calls = importer.recompute, [0]

    async def dies(*args, **kwargs):
        calls[0] += 1
        if calls[0] == 2:
            raise RuntimeError("killed")
        return await real(*args, **kwargs)

    monkeypatch.setattr(importer, "recompute", dies)
    doc = rescored(demo())
    with pytest.raises(RuntimeError):
        await import_bundle(api.engine, doc, batch_size=BATCH)
    assert await queued_course_jobs(api.engine, 1) == 1
    await assert_fresh(api, doc, api.tokens["admin"])
