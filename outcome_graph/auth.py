"""Request -> Viewer: who is asking, from an `Authorization: Bearer` token. Nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import bindparam, select

from outcome_graph.db import models
from outcome_graph.db.batch import ENROLLMENT, rows_of
from outcome_graph.db.reader import Reader
from outcome_graph.db.tokens import hash_token
from outcome_graph.errors import Unauthenticated


@dataclass(frozen=True, slots=True)
class Viewer:
    user_id: int | None
    is_admin: bool = False


ANONYMOUS = None
_ENROLLMENT = rows_of(ENROLLMENT, 4)  # the enrollment columns of viewer_for's rows
# Built once: every request runs it, and building a statement costs more than SQLite answering it.
_t, _e = models.ApiToken, models.Enrollment
_VIEWER = (select(_t.user_id.label("token_user_id"), _t.is_admin, _t.expires_at, _t.revoked_at, *ENROLLMENT)
           .select_from(_t).outerjoin(_e, _e.user_id == _t.user_id)
           .where(_t.token_hash == bindparam("token_hash")).order_by(_e.id))


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header; None when absent; error when malformed."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise Unauthenticated("Malformed Authorization header: expected 'Bearer <token>'.")
    return token


async def viewer_for(reader: Reader, authorization: str | None) -> tuple[Viewer | None, list]:
    """The viewer (None for anonymous requests) and their enrollments, read with the token in one statement.

    Raises Unauthenticated for a bad, revoked or expired token. Nearly every field asks who the viewer is
    in its course, so the enrollments come along (rows shaped as db.batch.enrollments_by_user gives them).
    """
    token = bearer_token(authorization)
    if token is None:
        return ANONYMOUS, []
    rows = await reader.rows(_VIEWER, {"token_hash": hash_token(token)})
    if not rows:
        raise Unauthenticated("Invalid access token.")
    row = rows[0]
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    if row.revoked_at is not None:
        raise Unauthenticated("Access token has been revoked.")
    if row.expires_at is not None and row.expires_at <= now:
        raise Unauthenticated("Access token has expired.")
    enrollments = [_ENROLLMENT(r) for r in rows if r.id is not None]
    return Viewer(user_id=row.token_user_id, is_admin=bool(row.is_admin)), enrollments
