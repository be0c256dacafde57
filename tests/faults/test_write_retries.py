"""A deadlock or serialization failure is retried and never reaches the client; past the retries the client
gets WRITE_CONFLICT, never INTERNAL_SERVER_ERROR (issue 18, 3). The abort is injected where PostgreSQL
would raise it: inside the write transaction, after its locks."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import DBAPIError

from outcome_graph.db import retry, writes
from tests.faults.bundles import RECORD, demo, free_pairs


class Aborted(Exception):
    """What asyncpg raises for a transaction PostgreSQL aborted, as far as the service looks at it."""

    def __init__(self, sqlstate: str):
        super().__init__(f"aborted ({sqlstate})")
        self.sqlstate = sqlstate


def abort_first(monkeypatch, times: int, sqlstate: str) -> list[int]:
    calls = [0]
    real = writes._record

    async def flaky(*args, **kwargs):
        calls[0] += 1
        if calls[0] <= times:
            raise DBAPIError("INSERT INTO outcome_results ...", {}, Aborted(sqlstate))
        return await real(*args, **kwargs)

    monkeypatch.setattr(writes, "_record", flaky)
    monkeypatch.setattr(retry, "BACKOFF_SECONDS", 0.001)
    return calls


def one_result(doc: dict) -> dict:
    user, alignment = free_pairs(doc)[0]
    return {"c": "1", "results": [{"userId": str(user), "alignmentId": str(alignment), "score": 3, "possible": 4}]}


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
async def test_an_aborted_write_is_retried_and_succeeds(api, monkeypatch, sqlstate):
    calls = abort_first(monkeypatch, 2, sqlstate)
    body = (await api.raw(RECORD, one_result(demo()), token=api.tokens["teacher"])).json()
    assert "errors" not in body and body["data"]["recordOutcomeResults"][0]["score"] == 3.0
    assert calls[0] == 3


async def test_a_write_aborted_past_its_retries_answers_write_conflict(api, monkeypatch):
    calls = abort_first(monkeypatch, retry.ATTEMPTS, "40P01")
    body = (await api.raw(RECORD, one_result(demo()), token=api.tokens["teacher"])).json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "WRITE_CONFLICT"}
    assert "nothing was written" in error["message"]
    assert calls[0] == retry.ATTEMPTS


async def test_other_database_errors_are_not_retried(api, monkeypatch):
    calls = abort_first(monkeypatch, 1, "23505")
    body = (await api.raw(RECORD, one_result(demo()), token=api.tokens["teacher"])).json()
    assert body["errors"][0]["extensions"]["code"] != "WRITE_CONFLICT" and calls[0] == 1
