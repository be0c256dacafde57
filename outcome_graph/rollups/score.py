"""The rollup score value and the result-row layout shared by every engine entry point."""

from dataclasses import dataclass

# One result row as the DB layer hands it over (a plain tuple, for speed), in this order:
# (result_id, score, percent, possible, time, timestamp, hide_points, title, is_quiz, association_id)
# time = whole epoch seconds of submitted_at or assessed_at, 0 when neither (docs/behaviour.md §1.2 item 5).
ResultTuple = tuple

# Field positions in a stream row: (user_id, outcome_id, *ResultTuple).
USER, OUTCOME, RESULT_ID, SCORE, PERCENT, POSSIBLE = 0, 1, 2, 3, 4, 5
TIME, TIMESTAMP, HIDE_POINTS, TITLE, IS_QUIZ, ASSOCIATION = 6, 7, 8, 9, 10, 11


@dataclass(frozen=True, slots=True)
class RollupScore:
    """One student's (or the course's) score for one outcome, as Canvas reports it (docs/behaviour.md §1.7)."""

    score: float | None
    count: int
    title: str | None
    submitted_at: object | None
    hide_points: bool


def item_title(title: str | None) -> str | None:
    """The assessed item's name from a LOR title "Student, Item" (Ruby split(", ")[1], docs/behaviour.md §1.7)."""
    if title is None:
        return None
    parts = title.split(", ", 2)
    if len(parts) < 2:
        return None
    part = parts[1]
    if part:
        return part
    # Ruby drops trailing empty fields: "a, " -> nil, "a, , " -> nil, but "a, , b" -> "".
    return part if len(parts) == 3 and any(parts[2].split(", ")) else None
