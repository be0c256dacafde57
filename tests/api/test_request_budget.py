"""The request budget (issue 12, findings 1, 2, 3, 10 and 11b): every limit is checked on the one parse of the
request, in linear time, before any resolver runs or any SQL is sent, and answers BAD_USER_INPUT with
`extensions.limit`. Over HTTP, and over a WebSocket for what only a socket carries."""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpx
import pytest
from graphql import get_introspection_query
from graphql.language.parser import Parser
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from outcome_graph.app import create_app
from outcome_graph.settings import Settings
from tests.api.live import demo_tokens, serving
from tests.conftest import Api

PROTOCOL = [Subprotocol("graphql-transport-ws")]
ENTITIES = ('query($r: [_Any!]!) { _entities(representations: $r) { ... on User { '
            'outcomeResults(courseId: "1", first: 100) { edges { node { id score } } } } } }')


def fan_out(levels: int) -> tuple[str, int]:
    """Fragments each spreading the next four times (finding 1), and the cost the executor would face."""
    frags = [f"fragment F{levels - 1} on Course {{ id name }}"]
    frags += [f"fragment F{i} on Course {{ ...F{i + 1} ...F{i + 1} ...F{i + 1} ...F{i + 1} }}"
              for i in range(levels - 2, -1, -1)]
    return "{ course(id: 1) { ...F0 } } " + " ".join(frags), min(1 + 2 * 4 ** (levels - 1), 2**53 - 1)


def refusal(body: dict, limit: str) -> dict:
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and error["extensions"]["limit"] == limit, error
    return error["extensions"]


async def statements(api: Api, request) -> tuple[int, httpx.Response]:
    before = api.counter.count
    response = await request
    return api.counter.count - before, response


@pytest.mark.parametrize("levels", [11, 60])
async def test_fragment_fan_out_is_measured_once_per_fragment_and_refused(api, levels):
    """Finding 1: 550 bytes expanding to millions of fields (4**59 at 60 levels: only a linear walk ends)."""
    query, cost = fan_out(levels)
    sent, response = await statements(api, api.raw(query))  # anonymous: no token lookup either
    assert refusal(response.json(), "cost") == {"code": "BAD_USER_INPUT", "limit": "cost", "max": 100_000,
                                                "found": cost}
    assert sent == 0


async def test_fragments_cost_what_they_would_inlined_under_each_page_size(settings):
    """Memoized by (fragment, page size): the same answer as the fragment written out at each spread."""
    inline = ("{ course(id: 1) { a: outcomeResults(first: 7) { edges { node { id outcome { id } } } } "
              "b: outcomeResults(first: 3) { edges { node { id outcome { id } } } } } }")
    spread = ("{ course(id: 1) { a: outcomeResults(first: 7) { ...P } b: outcomeResults(first: 3) { ...P } } } "
              "fragment P on OutcomeResultConnection { edges { node { id ... on OutcomeResult { outcome { id } } } } }")
    # course + a: (connection + 7 x (edge + node + id + outcome + id)) + b: the same with 3
    cost = 1 + (1 + 7 * 5) + (1 + 3 * 5)
    app = create_app(settings.with_(max_cost=cost - 1))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            for query in (inline, spread):
                body = (await client.post("/graphql", json={"query": query})).json()
                assert refusal(body, "cost")["found"] == cost


@pytest.fixture
def settings(database_url) -> Settings:
    """The response cache on (finding 2 is its parse), small caches so their bounds show."""
    return Settings(database_url=database_url, run_worker=False, response_cache_size=64,
                    response_cache_bytes=200_000, parse_cache_bytes=300_000)


@pytest.fixture
def lexed(monkeypatch) -> list[int]:
    """Tokens graphql-core's parser reads (about 10 us each)."""
    count = [0]
    advance = Parser.advance_lexer

    def counting(self, *args, **kwargs):
        count[0] += 1
        return advance(self, *args, **kwargs)

    monkeypatch.setattr(Parser, "advance_lexer", counting)
    return count


async def test_a_long_query_is_refused_before_the_parser_reads_it(api, lexed):
    """Finding 2: 300,000 tokens (900 KB) were parsed without the limit by the response cache first."""
    query = "{ " + " ".join(["a"] * 300_000) + " }"
    assert len(query) > 600_000
    sent, response = await statements(api, api.raw(query, token=api.tokens["teacher"]))
    assert refusal(response.json(), "tokens") == {"code": "BAD_USER_INPUT", "limit": "tokens", "max": 5_000}
    assert lexed == [0]
    assert sent <= 1  # the token lookup at most: no data-version probe, no resolver


async def test_a_long_string_literal_is_refused_by_the_length_limit(api, lexed):
    """A 900 KB string is one token, yet the parser reads it character by character (~0.3 s)."""
    query = '{ course(id: "' + "1" * 900_000 + '") { name } }'
    body = (await api.raw(query, token=api.tokens["teacher"])).json()
    assert refusal(body, "queryLength") == {"code": "BAD_USER_INPUT", "limit": "queryLength", "max": 100_000,
                                            "found": len(query)}
    assert lexed == [0]


@pytest.mark.parametrize("line", ["# a comment\n", '#\n{ __type(name: "Query") { name } }\n'])
async def test_the_token_count_before_parsing_is_the_parsers(api, line):
    """The scan that refuses early counts as graphql-core does (comments count): 5,000 pass, 5,001 do not."""
    query = '{ __type(name: "Query") { name } }'  # 11 tokens
    head = "# a comment\n" * (5_000 - 11)
    ok = await api.raw(head + query)
    assert ok.json()["data"] == {"__type": {"name": "Query"}}
    refusal((await api.raw(line + head + query)).json(), "tokens")


async def test_parsed_documents_and_cached_answers_are_bounded_in_bytes(api):
    """Finding 2/3: 1,024 query texts of up to 1 MB each were kept; cached answers were bounded by count only."""
    app_schema = None
    for i in range(12):
        padding = "#" + "x" * 60_000 + "\n"  # a comment: one token, many bytes
        body = await api.query(padding + f'{{ course(id: 1) {{ n{i}: name outcomes {{ id title description }} }} }}',
                               as_="teacher")
        assert body["course"]["outcomes"]
    for route in api.client._transport.app.routes:  # type: ignore[attr-defined]
        if getattr(route, "path", None) == "/graphql" and hasattr(route.endpoint, "cache"):
            app_schema = route.endpoint
    assert app_schema is not None
    documents = app_schema.schema.documents.cache
    assert 0 < documents.bytes <= 300_000 and len(documents.entries) < 12
    answers = app_schema.cache.entries
    assert 0 < answers.bytes <= 200_000 and len(answers.entries) < 12


async def test_entities_are_counted_as_representations_times_their_selection(api):
    """Finding 3: 6,000 representations each asking a page of 100 results ran (14 s, 13.5 MB)."""
    token = api.tokens["teacher"]
    over_aliases = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    baseline, _ = await statements(api, api.raw(over_aliases, token=token))  # refused: the token lookup only
    many = [{"__typename": "User", "id": "101"}] * 6_000
    sent, response = await statements(api, api.raw(ENTITIES, {"r": many}, token=token))
    assert refusal(response.json(), "representations") == {
        "code": "BAD_USER_INPUT", "limit": "representations", "max": 1_000, "found": 6_000}
    assert sent == baseline  # the token lookup alone: no resolver ran
    # under the count but over the cost: 400 x a page of 100 x (edge, node, id, score)
    sent, response = await statements(api, api.raw(ENTITIES, {"r": many[:400]}, token=token))
    # 400 x (the entity + outcomeResults + 100 x (edge + node + id + score))
    assert refusal(response.json(), "cost")["found"] == 400 * (1 + 1 + 100 * 4)
    assert sent == baseline
    # written in the document, counted the same
    literal = ENTITIES.replace("query($r: [_Any!]!) ", "").replace(
        "$r", "[" + ", ".join(['{__typename: "User", id: "101"}'] * 260) + "]")
    assert refusal((await api.raw(literal, token=token)).json(), "cost")["found"] == 260 * (1 + 1 + 100 * 4)
    # a gateway's ordinary batch still runs
    data = await api.query(ENTITIES, {"r": many[:3]}, as_="teacher")
    assert len(data["_entities"]) == 3 and data["_entities"][0]["outcomeResults"]["edges"]


async def test_request_headers_are_bounded_before_the_token_is_looked_up(api):
    """Finding 10: a 30 MB Authorization header was accepted (and hashed, and looked up)."""
    sent, response = await statements(api, api.raw("{ viewer { name } }", token="x" * 100_000))
    assert response.status_code == 431
    assert response.json() == {"errors": [{
        "message": "Request head (request line and headers) exceeds the limit of 16384 bytes.",
        "extensions": {"code": "BAD_USER_INPUT", "limit": "headerBytes", "max": 16_384}}]}
    assert sent == 0
    long_get = await api.client.get("/graphql", params={"query": "{ __typename }", "x": "y" * 20_000})
    assert long_get.status_code == 431 and long_get.json()["errors"][0]["extensions"]["limit"] == "headerBytes"
    ok = await api.raw("{ viewer { id } }", token=api.tokens["teacher"])
    assert ok.status_code == 200 and ok.json()["data"]["viewer"]["id"] == "1"


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_a_subscription_over_http_is_a_clear_error(api, method):
    """Finding 11: a subscription sent over HTTP answered `null` with no error."""
    query = 'subscription { rollupJobUpdated(id: "1") { id } }'
    headers = {"Authorization": f"Bearer {api.tokens['teacher']}"}
    if method == "POST":
        response = await api.client.post("/graphql", json={"query": query}, headers=headers)
    else:
        response = await api.client.get("/graphql", params={"query": query}, headers=headers)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "WebSocket" in error["message"]


# --- over a WebSocket -------------------------------------------------------------------------------------

async def _server_settings(settings: Settings, **changes) -> tuple[Settings, dict]:
    settings = settings.with_(response_cache_size=0, **changes)
    return settings, await demo_tokens(settings.database_url)


async def _send(ws, message: dict) -> None:
    await ws.send(json.dumps(message))


async def _receive(ws) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), 20))


async def _open(ws, token: str) -> None:
    await _send(ws, {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    assert (await _receive(ws))["type"] == "connection_ack"


SUB = "subscription($id: ID!) { rollupJobUpdated(id: $id) { id state } }"


@contextlib.asynccontextmanager
async def socket_server(settings: Settings, **changes):
    """A live server on a loopback port with the demo course and a queued job (due in an hour)."""
    settings, tokens = await _server_settings(settings, job_delay_seconds=3_600, **changes)
    enqueue = 'mutation { enqueueOutcomeRollupCalculation(courseId: "1") { id } }'
    async with serving(create_app(settings)) as address:
        async with httpx.AsyncClient(base_url=f"http://{address}") as http:
            job = (await http.post("/graphql", json={"query": enqueue},
                                   headers={"Authorization": f"Bearer {tokens['teacher']}"})).json()
        yield f"ws://{address}/graphql", tokens, job["data"]["enqueueOutcomeRollupCalculation"]["id"]


async def test_websocket_messages_and_handshake_headers_are_bounded(settings):
    """Finding 3: a 3.7 MB WebSocket message was accepted; the handshake's headers are bounded like a request's."""
    async with socket_server(settings, max_body_bytes=50_000) as (url, tokens, job_id):
        async with connect(url, subprotocols=PROTOCOL) as ws:
            await _open(ws, tokens["teacher"])
            await _send(ws, {"id": "1", "type": "subscribe", "payload": {"query": SUB, "variables": {"id": job_id}}})
            assert (await _receive(ws))["type"] == "next"  # under the limit: served
            await _send(ws, {"id": "2", "type": "subscribe",
                             "payload": {"query": "{ __typename }", "variables": {"x": "y" * 60_000}}})
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    assert (await _receive(ws)).get("id") != "2"  # never executed
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        with pytest.raises(InvalidStatus):
            async with connect(url, subprotocols=PROTOCOL, additional_headers={"Authorization": "x" * 20_000}):
                pass


async def test_operations_at_once_on_one_socket_are_bounded(settings):
    """One more operation than allowed is refused with a coded error; the others carry on."""
    async with socket_server(settings, max_socket_operations=2) as (url, tokens, job_id):
        async with connect(url, subprotocols=PROTOCOL) as ws:
            await _open(ws, tokens["teacher"])
            for op in ("1", "2", "3"):  # a queued job: the subscriptions stay open
                await _send(ws, {"id": op, "type": "subscribe", "payload": {"query": SUB, "variables": {"id": job_id}}})
            seen: dict[str, dict] = {}
            while len(seen) < 3:
                msg = await _receive(ws)
                seen.setdefault(msg["id"], msg)
            assert seen["3"] == {"id": "3", "type": "error", "payload": [{
                "message": "Too many operations at once on this WebSocket: at most 2. Complete one first.",
                "extensions": {"code": "BAD_USER_INPUT", "limit": "socketOperations", "max": 2}}]}
            assert seen["1"]["type"] == seen["2"]["type"] == "next"
            await _send(ws, {"id": "1", "type": "complete"})
            await _send(ws, {"id": "4", "type": "subscribe", "payload": {"query": SUB, "variables": {"id": job_id}}})
            while (msg := await _receive(ws))["id"] != "4":
                pass
            assert msg["type"] == "next"  # room again once one completed


async def test_the_budget_applies_to_operations_over_a_socket(settings):
    async with socket_server(settings) as (url, tokens, _):
        async with connect(url, subprotocols=PROTOCOL) as ws:
            await _open(ws, tokens["teacher"])
            query, cost = fan_out(11)
            await _send(ws, {"id": "1", "type": "subscribe", "payload": {"query": query}})
            msg = await _receive(ws)
            errors = msg["payload"] if msg["type"] == "error" else msg["payload"]["errors"]
            assert [e["extensions"] for e in errors] == [
                {"code": "BAD_USER_INPUT", "limit": "cost", "max": 100_000, "found": cost}]
            await _send(ws, {"id": "2", "type": "subscribe", "payload": {"query": "{ " + "a " * 6_000 + "}"}})
            msg = await _receive(ws)
            errors = msg["payload"] if msg["type"] == "error" else msg["payload"]["errors"]
            assert [(msg["id"], e["extensions"]) for e in errors] == [
                ("2", {"code": "BAD_USER_INPUT", "limit": "tokens", "max": 5_000})]
            await _send(ws, {"id": "3", "type": "subscribe", "payload": {"query": "{ viewer { id } }"}})
            while (msg := await _receive(ws))["id"] != "3":
                pass
            assert msg["payload"] == {"data": {"viewer": {"id": "1"}}}  # the socket carries on


async def test_introspection_is_free_of_cost_but_its_lists_cannot_nest(api):
    """GraphiQL's and gateways' introspection query passes the cost limit, which does not count introspection;
    nesting __Type.fields (60 types x their fields x ...) stays refused, by graphql-core's own rule."""
    full = (await api.raw(get_introspection_query(descriptions=True))).json()
    assert "errors" not in full and full["data"]["__schema"]["queryType"]["name"] == "Query"
    deep = "{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }"
    body = (await api.raw(deep)).json()
    assert {e["extensions"]["code"] for e in body["errors"]} == {"GRAPHQL_VALIDATION_FAILED"}
    assert body.get("data") is None
