"""API tokens: created here, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from outcome_graph.db import models
from outcome_graph.errors import NotFound

TOKEN_PREFIX = "og_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


async def create_token(engine: AsyncEngine, *, user_id: int | None = None, admin: bool = False,
                       expires_in: timedelta | None = None) -> str:
    """Returns the plain token once; only its hash is kept."""
    if (user_id is None) == (not admin):
        raise ValueError("give exactly one of user_id or admin")
    token = new_token()
    async with engine.begin() as conn:
        if user_id is not None:
            exists = (await conn.execute(select(models.User.id).where(models.User.id == user_id))).first()
            if exists is None:
                raise NotFound(f"no such user {user_id}")
        now = _now()
        await conn.execute(insert(models.ApiToken).values(
            token_hash=hash_token(token), user_id=user_id, is_admin=admin, created_at=now,
            expires_at=now + expires_in if expires_in else None,
        ))
    return token


async def revoke_token(engine: AsyncEngine, token: str) -> bool:
    async with engine.begin() as conn:
        res = await conn.execute(update(models.ApiToken)
                                 .where(models.ApiToken.token_hash == hash_token(token))
                                 .values(revoked_at=_now()))
    return res.rowcount > 0
