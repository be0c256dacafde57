"""The Canvas-compatible REST API under /api/v1 (docs/rest-api.md): a thin mapper over the core, like schema/."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from outcome_graph.body_limit import BodyTooLarge
from outcome_graph.context import Context
from outcome_graph.rest import contributing, reads, results, rollups, writes
from outcome_graph.rest.core import require_viewer
from outcome_graph.rest.errors import RESOURCE_NOT_FOUND, error_response, errors_body
from outcome_graph.settings import Settings

PREFIX = "/api/v1"
Handler = Callable[[Context, Request], Awaitable[Response]]
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def mount(state: dict, settings: Settings) -> Mount:
    """The routes, each run with a request Context of its own; `state` holds the app's engines once started."""

    def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            ctx = Context(engine=state["engine"], writer=state["writer"], settings=settings, viewer=None,
                          request=request)
            try:
                await ctx.authenticate(request.headers.get("authorization"))
                require_viewer(ctx)  # Canvas's API answers nobody without a token
                return await handler(ctx, request)
            except BodyTooLarge:
                raise  # BodyLimitMiddleware answers it (413, before anything was sent)
            except Exception as e:  # noqa: BLE001 - every failure answers in Canvas's shape (rest/errors.py)
                return error_response(e)
            finally:
                await ctx.reader.close()

        return run

    async def unknown(request: Request) -> Response:
        return errors_body(404, RESOURCE_NOT_FOUND)

    def get(path: str, handler: Handler) -> Route:
        return Route(path, endpoint(handler), methods=["GET"])

    def post(path: str, handler: Handler) -> Route:
        return Route(path, endpoint(handler), methods=["POST"])

    return Mount(PREFIX, routes=[
        get("/courses/{course_id}", reads.course),
        get("/courses/{course_id}/outcome_results", results.outcome_results),
        get("/courses/{course_id}/outcome_rollups", rollups.outcome_rollups),
        get("/courses/{course_id}/outcome_rollups.csv", rollups.outcome_rollups_csv),
        get("/courses/{course_id}/outcomes/{outcome_id}/contributing_scores", contributing.contributing_scores),
        post("/courses/{course_id}/assign_outcome_order", writes.assign_outcome_order),
        post("/enqueue_outcome_rollup_calculation", writes.enqueue_outcome_rollup_calculation),
        get("/outcomes/{outcome_id}", reads.outcome),
        get("/courses/{course_id}/root_outcome_group", reads.root_outcome_group),
        get("/courses/{course_id}/outcome_groups", reads.outcome_groups),
        get("/courses/{course_id}/outcome_groups/{group_id}", reads.outcome_group),
        get("/courses/{course_id}/outcome_groups/{group_id}/outcomes", reads.group_outcomes),
        Route("/{path:path}", unknown, methods=METHODS),
    ])
