"""Ownership of ids: an import never takes over another course's row or another pair's result (issue 18, 1 and 4),
and an import changing a shared outcome leaves no course stale (issue 18, 2)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from outcome_graph.db import models as m
from outcome_graph.db.bundle import BundleError
from outcome_graph.db.importer import import_bundle
from tests.faults.bundles import RECORD, SHARED_OUTCOME, demo, free_pairs, second_course
from tests.faults.consistency import assert_fresh


async def result_rows(engine) -> list[tuple]:
    r = m.OutcomeResult
    async with engine.connect() as conn:
        return sorted((await conn.execute(select(r.id, r.course_id, r.user_id, r.alignment_id, r.score))).all())


async def record_new(api, course_id: int, doc: dict) -> dict:
    user, alignment = free_pairs(doc)[0]
    data = await api.query(RECORD, {"c": str(course_id), "results": [
        {"userId": str(user), "alignmentId": str(alignment), "score": 1, "possible": 4}]}, as_="teacher")
    return data["recordOutcomeResults"][0]


@pytest.mark.parametrize("source", ["imported", "recorded"])
async def test_an_import_refuses_a_result_id_of_another_course(api, source):
    course_1 = demo()
    taken = course_1["results"][0]["id"] if source == "imported" else int((await record_new(api, 1, course_1))["id"])
    before = await result_rows(api.engine)
    bundle = second_course(results=[{"id": taken, "user_id": 102, "outcome_id": SHARED_OUTCOME,
                                     "alignment_id": 20_004, "score": 4, "possible": 4}])
    with pytest.raises(BundleError) as e:
        await import_bundle(api.engine, bundle)
    assert e.value.path == "results[0].id"
    assert await result_rows(api.engine) == before
    await assert_fresh(api, course_1, api.tokens["admin"])


async def test_an_import_refuses_a_result_id_that_names_another_user_and_alignment(api):
    doc = demo()
    user, alignment = free_pairs(doc, SHARED_OUTCOME)[0]
    moved = next(i for i, r in enumerate(doc["results"]) if r["outcome_id"] == SHARED_OUTCOME)
    doc["results"][moved].update(user_id=user, alignment_id=alignment)
    before = await result_rows(api.engine)
    with pytest.raises(BundleError) as e:
        await import_bundle(api.engine, doc)
    assert e.value.path == f"results[{moved}].id"
    assert f"user {user}" in e.value.message and f"alignment {alignment}" in e.value.message
    assert await result_rows(api.engine) == before


async def test_an_import_refuses_result_ids_in_the_range_the_service_gives(api):
    bundle = second_course()
    bundle["results"][1]["id"] = 2**62
    with pytest.raises(BundleError) as e:
        await import_bundle(api.engine, bundle)
    assert e.value.path == "results[1].id"


async def test_an_import_changing_a_shared_outcome_rescores_every_course_linking_it(api):
    async def state(course_id):
        async with api.engine.connect() as conn:
            version = (await conn.execute(select(m.Course.scoring_version).where(m.Course.id == course_id))).scalar()
            queued = (await conn.execute(select(func.count()).select_from(m.RollupJob).where(
                m.RollupJob.course_id == course_id, m.RollupJob.user_id.is_(None),
                m.RollupJob.state == "queued"))).scalar_one()
        return version, queued

    await import_bundle(api.engine, second_course())
    version, queued = await state(1)
    assert queued == 0
    await import_bundle(api.engine, second_course())  # the same outcome again: nothing to rescore
    assert await state(1) == (version, 0)
    await import_bundle(api.engine, second_course(method="highest"))
    assert await state(1) == (version + 1, 1)
    await assert_fresh(api, demo(), api.tokens["admin"])
    await assert_fresh(api, second_course(method="highest"), api.tokens["admin"])
