"""create_app(settings) -> Starlette: /graphql (with offline GraphiQL), the Canvas REST API at /api/v1, /gradebook (the
mastery gradebook page), /healthz."""

from __future__ import annotations

import contextlib
import gc
import logging

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from cross_web import HTTPException
from graphql import GraphQLError, OperationType, get_operation_ast
from strawberry.asgi import GraphQL
from strawberry.types import ExecutionResult

from outcome_graph import gradebook, graphiql, rest
from outcome_graph.asgi_limits import ClientLimitsMiddleware
from outcome_graph.body_limit import BodyLimitMiddleware
from outcome_graph.context import Context, SocketContext
from outcome_graph.db.engine import create_engine, writer
from outcome_graph.db.migrate import upgrade
from outcome_graph.jobs.worker import InProcessWorker
from outcome_graph.refusals import SlowRefusalsMiddleware, is_limit_error, mark_refused
from outcome_graph.response_cache import ResponseCache, cacheable, data_version
from outcome_graph.schema import build_schema
from outcome_graph.errors import ServiceUnavailable
from outcome_graph.schema.errors import classify, unavailable, unexpected
from outcome_graph.schema.limits import over_budget
from outcome_graph.settings import Settings
from outcome_graph.websocket import LegacyWSHandler, TextFrameWebSocketAdapter, TransportWSHandler

log = logging.getLogger("outcome_graph")
GRAPHQL_RESPONSE = "application/graphql-response+json"


class GraphQLView(GraphQL):
    """Strawberry's ASGI view with our Context, offline GraphiQL and orjson encoding."""

    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler
    websocket_adapter_class = TextFrameWebSocketAdapter

    def __init__(self, schema, state: dict, settings: Settings):
        super().__init__(schema, graphql_ide="graphiql" if settings.graphiql else None,
                         max_subscriptions_per_connection=settings.max_socket_operations)
        self.state = state
        self.settings = settings
        self.cache = (ResponseCache(settings.response_cache_size, settings.response_cache_bytes)
                      if settings.response_cache_size else None)

    async def __call__(self, scope, receive, send):
        """Requests refused before execution (bad JSON, wrong method, ...) answer a GraphQL error body too."""
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        request = Request(scope, receive)
        try:
            try:
                response = await self.run(request)
            except HTTPException as e:  # a request malformed for the protocol: refused
                mark_refused(scope)
                body = {"errors": [{"message": e.reason, "extensions": {"code": "BAD_USER_INPUT"}}]}
                response = Response(self.encode_json(body), status_code=e.status_code, media_type="application/json")
            except Exception as e:  # noqa: BLE001 - outside execution (token lookup, data version): still coded
                response = self._failure_response(e)
            await self._close_reads(request)  # before the bytes go out; a streamed response may read again
            await response(scope, receive, send)
        finally:
            await self._close_reads(request)

    @staticmethod
    async def _close_reads(request: Request) -> None:
        context = getattr(request.state, "context", None)
        if context is not None:
            try:
                await context.reader.close()
            except Exception as e:  # noqa: BLE001 - a connection the database dropped: the pool discards it
                log.warning("closing a request's connection failed: %r", e)

    def _failure_response(self, error: Exception) -> Response:
        """A GraphQL error body for a failure before or around execution: 503 when the database is unavailable."""
        message, extensions = unexpected(error, "request")
        status = 503 if extensions["code"] == ServiceUnavailable.code else 500
        response = Response(self.encode_json({"errors": [{"message": message, "extensions": extensions}]}),
                            status_code=status, media_type="application/json")
        return _retry_after(response)

    def decode_json(self, data: str | bytes) -> object:
        """orjson: invalid UTF-8, lone surrogates and deep nesting are JSON errors (400), not crashes."""
        return orjson.loads(data)

    async def parse_http_body(self, request):
        # The body must be an operation object (or a batch, which strawberry refuses as not enabled).
        if request.method == "POST" and "application/json" in (request.content_type or ""):
            body = await request.get_body()
            if body.lstrip()[:1] not in (b"{", b"[") and not isinstance(self.parse_json(body), dict | list):
                raise HTTPException(400, "The request body must be a JSON object.")
        request_data = await super().parse_http_body(request)
        if not isinstance(getattr(request_data, "operation_name", None), str | None):
            raise HTTPException(400, "The GraphQL operation's `operationName` must be a string or null, if provided.")
        return request_data

    async def execute_single(self, request, request_adapter, sub_response, context, root_value, request_data):
        """Parses once: a text past the token limit or a subscription goes no further, and a repeated query
        is served from the response cache while the data version stands still."""
        query = request_data.query
        if not isinstance(query, str):
            return await super().execute_single(request, request_adapter, sub_response, context, root_value,
                                                request_data)
        try:
            document = self.schema.documents.parse(query)
        except GraphQLError as error:
            return ExecutionResult(data=None, errors=[error])
        operation = get_operation_ast(document, request_data.operation_name)
        if operation is not None and operation.operation == OperationType.SUBSCRIPTION:
            raise HTTPException(400, "Subscriptions run over a WebSocket (graphql-transport-ws) at /graphql, "
                                     "not over HTTP.")
        if (self.cache is None or context.auth_error is not None
                or not cacheable(document, request_data.operation_name)):
            return await super().execute_single(request, request_adapter, sub_response, context, root_value,
                                                request_data)
        # The budget before the data-version probe too (execution checks it again, for every transport).
        errors = over_budget(self.schema._schema, document, request_data.variables, self.settings,
                             self.schema.documents.memo(document))
        if errors:
            return ExecutionResult(data=None, errors=errors)
        key = ResponseCache.key(await data_version(context.reader), context.viewer, query,
                                request_data.variables, request_data.operation_name)
        data = self.cache.get(key)
        if data is not None:
            return ExecutionResult(data=data, errors=None)
        result = await super().execute_single(request, request_adapter, sub_response, context, root_value,
                                              request_data)
        if not result.errors and result.data is not None:
            self.cache.put(key, result.data)
        return result

    async def get_context(self, request, response) -> Context | SocketContext:
        if request.scope["type"] == "websocket":  # each operation gets its own Context (outcome_graph/websocket.py)
            return SocketContext(engine=self.state["engine"], writer=self.state["writer"], settings=self.settings,
                                 request=request, response=response,
                                 authorization=request.headers.get("authorization"))
        context = Context(engine=self.state["engine"], writer=self.state["writer"], settings=self.settings,
                          viewer=None, request=request, response=response)
        request.state.context = context
        await context.authenticate(request.headers.get("authorization"))
        return context

    async def on_ws_connect(self, context: SocketContext):
        context.present(context.connection_params)
        return await super().on_ws_connect(context)

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(graphiql.render_page())

    async def get_sub_response(self, request):
        sub = await super().get_sub_response(request)
        # GraphQL over HTTP: clients that accept application/graphql-response+json get it, with 4xx codes
        # for requests that never executed.
        sub.graphql_response_json = GRAPHQL_RESPONSE in request.headers.get("accept", "")
        return sub

    def create_response(self, response_data, sub_response):
        response = super().create_response(response_data, sub_response)
        if getattr(sub_response, "graphql_response_json", False) and isinstance(response_data, dict):
            response.headers["content-type"] = GRAPHQL_RESPONSE
            errors = response_data.get("errors") or []
            if response_data.get("data") is None and errors and not any("path" in e for e in errors):
                # never executed: no data entry at all (GraphQL over HTTP, graphql-response+json)
                response = super().create_response({"errors": errors}, sub_response)
                response.headers["content-type"] = GRAPHQL_RESPONSE
                response.status_code = 400
        if isinstance(response_data, dict) and unavailable(response_data.get("errors") or []):
            response.status_code = 503
            _retry_after(response)
        return response

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def process_result(self, request, result):
        """Every error leaves with an extensions.code, parse errors included (they bypass extensions)."""
        if result.errors:
            result.errors = [classify(e) for e in result.errors]
            if any(is_limit_error(e) for e in result.errors):
                mark_refused(request.scope)
        return await super().process_result(request, result)


def _retry_after(response: Response) -> Response:
    if response.status_code == 503:
        response.headers["Retry-After"] = str(ServiceUnavailable.retry_after_seconds)
    return response


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    state: dict = {}

    @contextlib.asynccontextmanager
    async def lifespan(app):
        engine = create_engine(settings.database_url, echo=settings.sql_echo,
                               busy_timeout_seconds=settings.busy_timeout_seconds)
        await upgrade(engine)
        state.update(engine=engine, writer=writer(engine))
        app.state.engine = engine
        worker = InProcessWorker(engine, settings) if settings.run_worker else None
        threshold = gc.get_threshold()
        if settings.gc_threshold is not None:
            gc.freeze()  # what startup built (schema, modules) lives as long as the process: never rescanned
            gc.set_threshold(*settings.gc_threshold)
        try:
            yield
        finally:
            gc.set_threshold(*threshold)
            if worker is not None:
                await worker.stop()
            await engine.dispose()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def gradebook_page(request: Request) -> Response:
        return RedirectResponse(f"{gradebook.URL}/", status_code=308)

    view = GraphQLView(build_schema(settings), state, settings)
    middleware = [Middleware(SlowRefusalsMiddleware, delay_seconds=settings.refusal_delay_seconds),
                  Middleware(ClientLimitsMiddleware, max_header_bytes=settings.max_header_bytes,
                             max_message_bytes=settings.max_body_bytes,
                             refusal_delay_seconds=settings.refusal_delay_seconds),
                  Middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)]
    if settings.cors_origins:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                                     allow_methods=["GET", "POST"],
                                     allow_headers=["Authorization", "Content-Type"]))
    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/graphql", view, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", view),
            Mount(graphiql.STATIC_URL_PREFIX, StaticFiles(directory=graphiql.STATIC_DIR), name="graphiql"),
            rest.mount(state, settings),
            Route(gradebook.URL, gradebook_page),
            Mount(gradebook.URL, StaticFiles(directory=gradebook.STATIC_DIR, html=True), name="gradebook"),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.settings = settings  # for the server around it (uvicorn_limits.py)
    return app
