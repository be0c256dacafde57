"""Request -> Viewer: who is asking, from an `Authorization: Bearer` token. Nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from outcome_graph.db import models
from outcome_graph.db.tokens import hash_token
from outcome_graph.errors import Unauthenticated


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: int | None
    is_admin: bool = False


ANONYMOUS = None


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header; None when absent; error when malformed."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise Unauthenticated("Malformed Authorization header: expected 'Bearer <token>'.")
    return token


async def viewer_for(engine: AsyncEngine, authorization: str | None) -> Viewer | None:
    """None for anonymous requests; raises Unauthenticated for a bad, revoked or expired token."""
    token = bearer_token(authorization)
    if token is None:
        return ANONYMOUS
    t = models.ApiToken
    async with engine.connect() as conn:
        row = (await conn.execute(
            select(t.user_id, t.is_admin, t.expires_at, t.revoked_at).where(t.token_hash == hash_token(token))
        )).first()
    if row is None:
        raise Unauthenticated("Invalid access token.")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    if row.revoked_at is not None:
        raise Unauthenticated("Access token has been revoked.")
    if row.expires_at is not None and row.expires_at <= now:
        raise Unauthenticated("Access token has expired.")
    return Viewer(user_id=row.user_id, is_admin=bool(row.is_admin))
