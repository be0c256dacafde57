"""The per-operation Context (database access, loaders, viewer, settings) and a WebSocket's SocketContext."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from outcome_graph.auth import Viewer, viewer_for
from outcome_graph.db.faults import storage_fault
from outcome_graph.db.reader import Reader
from outcome_graph.errors import Unauthenticated
from outcome_graph.resolvers.loaders import Loaders
from outcome_graph.settings import Settings


@dataclass
class Context:
    engine: AsyncEngine
    writer: AsyncEngine  # same pool; SQLite transactions take the write lock up front
    settings: Settings
    viewer: Viewer | None
    reader: Reader = field(init=False)
    loaders: Loaders = field(init=False)
    request: Any = None
    response: Any = None
    memo: dict = field(default_factory=dict)  # per-request memo for access decisions
    auth_error: Exception | None = None  # a bad token: raised by the first field that needs a viewer
    authorization: str | None = None  # the Authorization value the viewer was read from

    def __post_init__(self) -> None:
        self.reader = Reader(self.engine)
        self.loaders = Loaders(self.reader)

    async def authenticate(self, authorization: str | None) -> None:
        """Sets the viewer from an Authorization header, or keeps the error for the first field needing one:
        a bad token, or the database being unavailable for the lookup (SERVICE_UNAVAILABLE, not a crash of the
        operation: a WebSocket operation authenticates outside any error handling of its own)."""
        self.authorization = authorization
        try:
            self.viewer, enrollments = await viewer_for(self.reader, authorization)
        except Exception as e:
            fault = e if isinstance(e, Unauthenticated) else storage_fault(e)
            if fault is None:
                raise
            self.viewer, self.auth_error = None, fault
            return
        self.auth_error = None
        if self.viewer is not None and self.viewer.user_id is not None:
            self.loaders.enrollments_by_user.prime(self.viewer.user_id, enrollments)

    async def renew(self) -> None:
        """Forgets what the operation has learnt and reads the viewer again (one statement): an operation that
        outlives a request (a subscription's poll) then answers to the token and access of now."""
        self.loaders = Loaders(self.reader)
        self.memo.clear()
        await self.authenticate(self.authorization)


@dataclass
class SocketContext:
    """What a WebSocket keeps between operations: its request and the token it presented, no rights.

    Each operation runs on a Context of its own, re-authenticated from that token (app.py), so a revoked
    token or a lost enrollment takes effect at the socket's next operation.
    """

    engine: AsyncEngine
    writer: AsyncEngine
    settings: Settings
    request: Any
    response: Any
    authorization: str | None  # the handshake's Authorization header
    connection_params: dict | None = None  # connection_init's payload, set by strawberry's handler
    starting: asyncio.Lock = field(default_factory=asyncio.Lock)  # one operation starts at a time (websocket.py)

    def present(self, params: dict | None) -> None:
        """Browsers cannot set headers on a WebSocket: connection_init's payload may carry the token."""
        authorization = (params or {}).get("Authorization") or (params or {}).get("authorization")
        if self.authorization is None and isinstance(authorization, str):
            self.authorization = authorization

    async def for_operation(self) -> Context:
        context = Context(engine=self.engine, writer=self.writer, settings=self.settings, viewer=None,
                          request=self.request, response=self.response)
        await context.authenticate(self.authorization)
        return context
