"""Which results a rollup is computed from, by the time that orders them (docs/windows.md): everything up to a
date (asOf) or a window [from, to). Parsed and checked once here for every API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from outcome_graph.errors import BadUserInput, Mistake

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

BOTH = Mistake(BadUserInput, "asOf", "asOf and window cannot be combined: asOf is every result up to a date, "
               "window the results between two dates; pass one of them")
REVERSED = Mistake(BadUserInput, "window", "window: from ({start}) is after to ({end})")


@dataclass(frozen=True, slots=True)
class TimeFilter:
    """The results whose time (whole epoch seconds of submitted_at, else assessed_at; 0 without either) is in
    [start, end); None leaves that side open. asOf T is [-, T's second + 1), a window [from's second, to's
    second) (docs/windows.md)."""

    start: int | None
    end: int | None

    def keeps(self, time: int) -> bool:
        """Whether a result at `time` is in the filter (as db/results.py's rollup_rows selects them)."""
        return (self.start is None or time >= self.start) and (self.end is None or time < self.end)


def _second(value: datetime, argument: str) -> int:
    """Whole epoch seconds, floored, as result times are."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise BadUserInput(f'{argument}: {value.isoformat()} has no UTC offset; add one such as "Z" or "-06:00"',
                           argument=argument)
    try:
        value.astimezone(timezone.utc)  # an offset can push year 1 or 9999 past what a date can hold
    except OverflowError:
        raise BadUserInput(f"{argument}: {value.isoformat()} is out of range: in UTC it must fall between "
                           "0001-01-01 and 9999-12-31", argument=argument) from None
    d = value - _EPOCH
    return d.days * 86400 + d.seconds


def time_filter(as_of: datetime | None = None, window: tuple[datetime, datetime] | None = None) -> TimeFilter | None:
    """The filter asOf or window (from, to) asks for; None for neither, which reads the stored rollups."""
    if as_of is not None and window is not None:
        raise BOTH()
    if as_of is not None:
        return TimeFilter(None, _second(as_of, "asOf") + 1)
    if window is None:
        return None
    start, end = window
    first, last = _second(start, "window.from"), _second(end, "window.to")
    if start > end:
        raise REVERSED(start=start.isoformat(), end=end.isoformat())
    return TimeFilter(first, last)
