"""API tokens: created here, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import String, case, cast, insert, literal, select, update
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


async def list_tokens(engine: AsyncEngine) -> list:
    """Every token's id, holder (a user id, or "admin") and dates, oldest first; never the token nor its hash."""
    t = models.ApiToken
    holder = case((t.is_admin, literal("admin")), else_=cast(t.user_id, String)).label("holder")
    async with engine.connect() as conn:
        return (await conn.execute(select(t.id, holder, t.created_at, t.expires_at, t.revoked_at)
                                   .order_by(t.id))).all()


async def revoke_token(engine: AsyncEngine, token: str) -> bool:
    """Revokes the token given in plain text; False when no stored token is it."""
    return await _revoke(engine, models.ApiToken.token_hash == hash_token(token)) is not None


async def revoke_token_id(engine: AsyncEngine, token_id: int) -> datetime:
    """Revokes a token by its id (as `token list` shows it) and returns since when it is revoked."""
    revoked = await _revoke(engine, models.ApiToken.id == token_id)
    if revoked is None:
        raise NotFound(f"no such token {token_id}")
    return revoked


async def _revoke(engine: AsyncEngine, match) -> datetime | None:
    """Refused from now on; revoking again keeps the first time. None when nothing matches."""
    t = models.ApiToken
    async with engine.begin() as conn:
        await conn.execute(update(t).where(match, t.revoked_at.is_(None)).values(revoked_at=_now()))
        return (await conn.execute(select(t.revoked_at).where(match))).scalar_one_or_none()
