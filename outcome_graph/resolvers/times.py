"""Stored timestamps are naive UTC; the API speaks timezone-aware UTC."""

from datetime import datetime, timezone


def utc(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # raw driver values (e.g. SQLite text from an untyped expression)
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
