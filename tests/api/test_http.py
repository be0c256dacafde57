"""GraphQL over HTTP: methods, content negotiation, limits, masking, auth edge cases, CORS, GraphiQL."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from outcome_graph.app import create_app
from outcome_graph.db.tokens import create_token, revoke_token
from outcome_graph.settings import Settings

Q = "{ course(id: 1) { name } }"


async def test_get_and_post_answer_the_same(api):
    token = api.tokens["teacher"]
    h = {"Authorization": f"Bearer {token}"}
    got = (await api.client.get("/graphql", params={"query": Q}, headers=h)).json()
    posted = (await api.client.post("/graphql", json={"query": Q}, headers=h)).json()
    assert got == posted == {"data": {"course": {"name": "Grade 7 Science"}}}


async def test_mutations_are_not_allowed_over_get(api):
    r = await api.client.get("/graphql", params={"query": "mutation { __typename }"})
    assert r.status_code in (400, 405)


async def test_graphql_response_json_is_negotiated(api):
    h = {"Accept": "application/graphql-response+json"}
    ok = await api.client.post("/graphql", json={"query": "{ __typename }"}, headers=h)
    assert ok.status_code == 200 and ok.headers["content-type"] == "application/graphql-response+json"
    bad = await api.client.post("/graphql", json={"query": "{ nope }"}, headers=h)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    plain = await api.client.post("/graphql", json={"query": "{ nope }"})
    assert plain.status_code == 200 and plain.headers["content-type"].startswith("application/json")


async def test_syntax_errors_carry_a_code(api):
    body = (await api.client.post("/graphql", json={"query": "{ course(id: 1) { "})).json()
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


@pytest.mark.parametrize("limit,query", [
    ("depth", "{ course(id: 1) { outcomes { group { parent { parent { parent { parent { parent { parent { parent "
              "{ parent { parent { parent { parent { parent { id } } } } } } } } } } } } } } } }"),
    ("aliases", "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"),
    ("tokens", "{ " + " ".join("__typename" for _ in range(5001)) + " }"),
    ("cost", "{ course(id: 1) { outcomeResults(first: 100) { edges { node { outcome { alignments { outcome { "
             "alignments { outcome { id } } } } } } } } } }"),
])
async def test_each_limit_answers_a_precise_error(api, limit, query):
    body = await api.query(query, as_="teacher", errors=True)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["limit"] == limit
    assert limit in error["message"]


async def test_first_is_capped_at_the_maximum_page_size(api):
    body = await api.query("{ course(id: 1) { outcomeResults(first: 101) { totalCount } } }", as_="teacher",
                           errors=True)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "at most 100" in body["errors"][0]["message"]


async def test_request_body_over_the_limit_is_refused(api):
    r = await api.client.post("/graphql", content=b'{"query": "' + b" " * 1_000_001 + b'{ __typename }"}',
                              headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "limit": "bodyBytes", "max": 1_000_000}


async def test_unexpected_errors_are_masked_and_logged_once(api, monkeypatch, caplog):
    async def boom(*args, **kwargs):
        raise RuntimeError("SELECT secret FROM /etc/passwd")

    monkeypatch.setattr("outcome_graph.resolvers.access.course_access", boom)
    monkeypatch.setattr("outcome_graph.schema.query.course_access", boom)
    body = await api.query(Q, as_="teacher", errors=True)
    error = body["errors"][0]
    assert error["message"] == "Internal server error."
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR" and error["extensions"]["requestId"]
    assert "secret" not in str(body) and "Traceback" not in str(body)
    logged = [r for r in caplog.records if error["extensions"]["requestId"] in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None


@pytest.mark.parametrize("header,message", [
    (None, "Authentication required"),
    ("Bearer", "Malformed Authorization header"),
    ("Basic dXNlcjpwYXNz", "Malformed Authorization header"),
    ("Bearer og_not_a_real_token", "Invalid access token"),
])
async def test_missing_malformed_and_unknown_tokens(api, header, message):
    headers = {"Authorization": header} if header else {}
    body = (await api.raw(Q, headers=headers)).json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert message in body["errors"][0]["message"]


async def test_revoked_and_expired_tokens(api):
    revoked = await create_token(api.engine, user_id=1)
    assert await revoke_token(api.engine, revoked)
    expired = await create_token(api.engine, user_id=1, expires_in=timedelta(seconds=-1))
    for token, message in ((revoked, "revoked"), (expired, "expired")):
        body = (await api.raw(Q, token=token)).json()
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert message in body["errors"][0]["message"]


async def test_a_user_who_left_the_course_loses_access(api):
    from sqlalchemy import update

    from outcome_graph.db import models

    async with api.engine.begin() as conn:
        await conn.execute(update(models.Enrollment).where(models.Enrollment.user_id == 1)
                           .values(state="deleted"))
    body = await api.query(Q, as_="teacher", errors=True)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # as for a course that does not exist


async def test_introspection_works_without_a_token(api):
    body = (await api.raw("{ __schema { queryType { name } } }")).json()
    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def _client(settings: Settings):
    app = create_app(settings)
    return app, httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_introspection_and_graphiql_can_be_switched_off(settings):
    app, client = await _client(settings.with_(introspection=False, graphiql=False))
    async with app.router.lifespan_context(app), client:
        body = (await client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})).json()
        assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code != 200 or "graphiql" not in page.text.lower()


async def test_cors_is_closed_by_default_and_configurable(api, settings):
    pre = {"Origin": "https://lms.example", "Access-Control-Request-Method": "POST"}
    closed = await api.client.options("/graphql", headers=pre)
    assert "access-control-allow-origin" not in closed.headers
    app, client = await _client(settings.with_(cors_origins=("https://lms.example",)))
    async with app.router.lifespan_context(app), client:
        opened = await client.options("/graphql", headers=pre)
        assert opened.headers["access-control-allow-origin"] == "https://lms.example"


async def test_graphiql_is_served_offline(api):
    page = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "/graphiql-static/graphiql.min.js" in page.text
    assert "unpkg" not in page.text
    asset = await api.client.get("/graphiql-static/graphiql.min.js")
    assert asset.status_code == 200 and len(asset.content) > 1_000_000


async def test_healthz(api):
    r = await api.client.get("/healthz")
    assert r.json() == {"status": "ok"}
