"""Every (user, outcome) rollup of a sorted result stream in one pass, for bulk recalculation."""

from collections.abc import Iterable, Iterator, Mapping
from itertools import groupby
from operator import itemgetter

from .engine import prepare, score_group
from .score import OUTCOME, USER, RollupScore
from .scoring import Scoring

_OUTCOME, _USER = itemgetter(OUTCOME), itemgetter(USER)


def rollup_stream(
    rows: Iterable[tuple], scoring_for: Mapping[int, Scoring]
) -> Iterator[tuple[int, int, RollupScore]]:
    """Yield (user_id, outcome_id, score) per pair of rows sorted by (user, outcome, time, id)."""
    prepared: dict = {}
    kernel = score_group
    # Grouping on the outcome id alone allocates no key per row; a run of one outcome id
    # spans two users only when one user's last outcome is the next user's first.
    for outcome_id, group in groupby(rows, _OUTCOME):
        kp = prepared.get(outcome_id)
        if kp is None:
            kp = prepared[outcome_id] = prepare(scoring_for[outcome_id])
        g = list(group)
        if g[0][USER] == g[-1][USER]:
            rs = kernel(g, kp)
            if rs is not None:  # docs/behaviour.md §1.2 item 2: no entry when every score is null
                yield g[0][USER], outcome_id, rs
            continue
        for user_id, part in groupby(g, _USER):
            rs = kernel(list(part), kp)
            if rs is not None:
                yield user_id, outcome_id, rs
