"""The per-request Context: database access, loaders, viewer, settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from outcome_graph.auth import Viewer, viewer_for
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

    def __post_init__(self) -> None:
        self.reader = Reader(self.engine)
        self.loaders = Loaders(self.reader)

    async def authenticate(self, authorization: str | None) -> None:
        """Sets the viewer from an Authorization header, or keeps the error for the first field needing one."""
        try:
            self.viewer, enrollments = await viewer_for(self.reader, authorization)
        except Unauthenticated as e:
            self.viewer, self.auth_error = None, e
            return
        self.auth_error = None
        if self.viewer is not None and self.viewer.user_id is not None:
            self.loaders.enrollments_by_user.prime(self.viewer.user_id, enrollments)
