"""Concurrent writers, re-imports under writes and two courses creating results at once (issue 18, 3 and 4).

In process, asyncio tasks over HTTP (the ASGI transport) on one engine; each test ends with every
acknowledged write stored exactly once and every stored and served rollup equal to a fresh computation.
"""

from __future__ import annotations

import asyncio
import itertools

import pytest
from sqlalchemy import select

from outcome_graph.db import models as m
from outcome_graph.db.importer import import_bundle
from tests.faults.bundles import RECORD, demo, free_pairs, second_course
from tests.faults.consistency import assert_fresh

WRITERS = 8
ROUNDS = 6


async def writer(api, course_id: int, pairs: list[tuple[int, int]], seed: int, acked: list) -> None:
    """Records ROUNDS results, two pairs a call, over pairs the other writers also write."""
    for i in range(ROUNDS):
        chosen = [pairs[(seed + i) % len(pairs)], pairs[(seed * 3 + i + 1) % len(pairs)]]
        score = float((seed + i) % 5)
        body = (await api.raw(RECORD, {"c": str(course_id), "results": [
            {"userId": str(u), "alignmentId": str(a), "score": score, "possible": 4} for u, a in chosen]},
            token=api.tokens["teacher"])).json()
        assert "errors" not in body, body["errors"]
        for row in body["data"]["recordOutcomeResults"]:
            acked.append((int(row["user"]["id"]), int(row["alignment"]["id"]), int(row["id"]), row["score"]))


async def assert_acknowledged(engine, acked: list) -> None:
    """Each acknowledged result is stored once, under the id it was acknowledged with, with a written score."""
    r = m.OutcomeResult
    async with engine.connect() as conn:
        rows = (await conn.execute(select(r.id, r.user_id, r.alignment_id, r.score))).all()
    by_id = {row.id: row for row in rows}
    assert len(by_id) == len(rows)
    written: dict[int, set] = {}
    for user, alignment, rid, score in acked:
        row = by_id[rid]
        assert (row.user_id, row.alignment_id) == (user, alignment)
        written.setdefault(rid, set()).add(score)
    assert all(by_id[rid].score in scores for rid, scores in written.items())


async def test_concurrent_writers_on_overlapping_pairs(api):
    doc = demo()
    pairs = free_pairs(doc)[:6]  # few pairs, many writers: every pair is written concurrently
    acked: list = []
    await asyncio.gather(*(writer(api, 1, pairs, seed, acked) for seed in range(WRITERS)))
    assert len(acked) == WRITERS * ROUNDS * 2
    assert len({rid for _, _, rid, _ in acked}) == len({(u, a) for u, a, _, _ in acked})
    await assert_acknowledged(api.engine, acked)
    await assert_fresh(api, doc, api.tokens["admin"])


async def test_reimport_under_concurrent_writes(api):
    doc = demo()
    pairs = free_pairs(doc)[:6]
    acked: list = []

    async def reimports():
        for _ in range(3):
            await import_bundle(api.engine, demo())
            await asyncio.sleep(0)

    await asyncio.gather(reimports(), *(writer(api, 1, pairs, seed, acked) for seed in range(WRITERS)))
    await assert_acknowledged(api.engine, acked)
    await assert_fresh(api, doc, api.tokens["admin"])


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_courses_create_results_concurrently(api):
    course_2 = second_course()
    await import_bundle(api.engine, course_2)
    acked: list = []
    tasks = []
    for course_id, doc in ((1, demo()), (2, course_2)):
        pairs = free_pairs(doc)
        for seed in range(WRITERS):
            own = pairs[seed::WRITERS] or pairs  # each writer creates rows of its own
            tasks.append(writer(api, course_id, own, seed, acked))
    await asyncio.gather(*tasks)
    await assert_acknowledged(api.engine, acked)
    assert len({rid for _, _, rid, _ in acked}) == len({(u, a) for u, a, _, _ in acked})
    await assert_fresh(api, demo(), api.tokens["admin"])
    await assert_fresh(api, course_2, api.tokens["admin"])


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_import_and_record_concurrently_never_deadlock(api):
    """The import locks what a write locks, in the same order: no deadlock reaches a client or the import."""
    doc = demo()
    pairs = free_pairs(doc)[:6]
    bundled = [(r["user_id"], r["alignment_id"]) for r in doc["results"][:6]]  # rows the import also writes
    acked: list = []
    imports = [import_bundle(api.engine, demo()) for _ in range(3)]
    writers = [writer(api, 1, pairs if seed % 2 else bundled, seed, acked) for seed in range(WRITERS)]
    await asyncio.gather(*itertools.chain(imports, writers))
    r = m.OutcomeResult
    async with api.engine.connect() as conn:
        ids = {row.id for row in await conn.execute(select(r.id))}
    assert {rid for _, _, rid, _ in acked} <= ids
    await assert_fresh(api, doc, api.tokens["admin"])
